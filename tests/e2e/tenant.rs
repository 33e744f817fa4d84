//! Writing to the demo tenant from the test, as an administrator would with Microsoft Graph
//! Command Line Tools (device code, then Graph), so the window can be checked against content the
//! seed does not hold: markup and script in a list's title, a column's name and item values.

use serde_json::{Value, json};

const GRAPH_COMMAND_LINE_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
const TENANT: &str = "contoso.onmicrosoft.com";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let rest = &html[html.find(marker)?..];
    let at = rest.find(&format!("{attribute}=\""))? + attribute.len() + 2;
    Some(rest[at..].split('"').next()?.replace("&amp;", "&"))
}

fn post_form(agent: &ureq::Agent, url: &str, form: &[(&str, &str)]) -> String {
    let mut reply = agent.post(url).send_form(form.iter().copied()).expect("the tenant answers");
    reply.body_mut().read_to_string().expect("a page")
}

fn json_of(reply: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut reply = reply.expect("the tenant answers");
    let status = reply.status().as_u16();
    (status, reply.body_mut().read_json().unwrap_or(Value::Null))
}

/// A delegated Graph token for `user` with `scope`, by device code on the tenant's own pages.
pub fn token(base: &str, user: (&str, &str), scope: &str) -> String {
    let agent = agent();
    let (_, code) = json_of(
        agent
            .post(format!("{base}/{TENANT}/oauth2/v2.0/devicecode"))
            .send_form([("client_id", GRAPH_COMMAND_LINE_TOOLS), ("scope", scope)]),
    );
    let page = post_form(
        &agent,
        code["verification_uri"].as_str().expect("uri"),
        &[("otc", code["user_code"].as_str().expect("code"))],
    );
    let action = attribute_after(&page, "<form", "action").expect("a sign-in form");
    let ctx = attribute_after(&page, "name=\"ctx\"", "value").expect("ctx");
    let mut page = post_form(
        &agent,
        &format!("{base}{action}"),
        &[("ctx", &ctx), ("login", user.0), ("passwd", user.1)],
    );
    if page.contains("/consent\"") {
        let action = attribute_after(&page, "<form", "action").expect("a consent form");
        let ctx = attribute_after(&page, "name=\"ctx\"", "value").expect("ctx");
        page =
            post_form(&agent, &format!("{base}{action}"), &[("ctx", &ctx), ("action", "accept")]);
    }
    assert!(!page.contains("name=\"passwd\""), "signed in: {page}");
    let (status, answer) =
        json_of(agent.post(format!("{base}/{TENANT}/oauth2/v2.0/token")).send_form([
            ("client_id", GRAPH_COMMAND_LINE_TOOLS),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", code["device_code"].as_str().expect("device code")),
        ]));
    assert_eq!(status, 200, "{answer}");
    answer["access_token"].as_str().expect("a token").to_owned()
}

/// Creates a list in the HR site whose title, column name and item values hold markup and script.
pub fn add_list_with_markup(base: &str, token: &str) {
    let agent = agent();
    let bearer = format!("Bearer {token}");
    let (_, hr) = json_of(
        agent
            .get(format!("{base}/v1.0/sites/contoso.sharepoint.com:/sites/hr"))
            .header("Authorization", &bearer)
            .call(),
    );
    let site = hr["id"].as_str().expect("the HR site");
    let (status, list) = json_of(
        agent.post(format!("{base}/v1.0/sites/{site}/lists")).header("Authorization", &bearer).send_json(json!({
            "displayName": "<img src=x onerror=alert(1)>Inbox",
            "columns": [{"name": "Note", "displayName": "<script>alert(2)</script>Note", "text": {}}],
            "list": {"template": "genericList"},
        })),
    );
    assert_eq!(status, 201, "{list}");
    let id = list["id"].as_str().expect("the list");
    let (status, item) = json_of(
        agent
            .post(format!("{base}/v1.0/sites/{site}/lists/{id}/items"))
            .header("Authorization", &bearer)
            .send_json(json!({"fields": {"Title": "<b>bold</b><script>alert(3)</script>", "Note": "<img src=y onerror=alert(4)>"}})),
    );
    assert_eq!(status, 201, "{item}");
}
