//! Playing the person on the tenant emulator's device login pages, and getting a token for
//! Microsoft Graph Command Line Tools that way (as an administrator bootstraps things), over
//! loopback HTTP. Included by path by the app's IPC tests and the end-to-end tests.
#![allow(dead_code)]

use serde_json::Value;

/// Microsoft Graph Command Line Tools, Microsoft's first-party public client.
pub const GRAPH_COMMAND_LINE_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// An HTTP client that hands every status back instead of failing.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let rest = &html[html.find(marker)?..];
    let at = rest.find(&format!("{attribute}=\""))? + attribute.len() + 2;
    Some(rest[at..].split('"').next()?.replace("&amp;", "&"))
}

fn post_form(agent: &ureq::Agent, url: &str, form: &[(&str, &str)]) -> String {
    let mut reply = agent.post(url).send_form(form.iter().copied()).expect("the emulator answers");
    reply.body_mut().read_to_string().expect("a page")
}

/// Plays the person at the device login page: types the code, signs in, accepts consent.
pub fn approve_device_code(verification_uri: &str, user_code: &str, user: (&str, &str)) {
    let agent = agent();
    let origin = url::Url::parse(verification_uri).expect("URL").origin().ascii_serialization();
    let page = post_form(&agent, verification_uri, &[("otc", user_code)]);
    let action = attribute_after(&page, "<form", "action").expect("a sign-in form");
    let ctx = attribute_after(&page, "name=\"ctx\"", "value").expect("ctx");
    let mut page = post_form(
        &agent,
        &format!("{origin}{action}"),
        &[("ctx", &ctx), ("login", user.0), ("passwd", user.1)],
    );
    if page.contains("/consent\"") {
        let action = attribute_after(&page, "<form", "action").expect("a consent form");
        let ctx = attribute_after(&page, "name=\"ctx\"", "value").expect("ctx");
        page =
            post_form(&agent, &format!("{origin}{action}"), &[("ctx", &ctx), ("action", "accept")]);
    }
    assert!(!page.contains("name=\"passwd\""), "signed in: {page}");
}

/// A delegated token for `user` with `scope` from Graph Command Line Tools in `tenant`, by
/// device code approved on the emulator's own pages.
pub fn tools_token(base: &str, tenant: &str, user: (&str, &str), scope: &str) -> String {
    let agent = agent();
    let mut reply = agent
        .post(format!("{base}/{tenant}/oauth2/v2.0/devicecode"))
        .send_form([("client_id", GRAPH_COMMAND_LINE_TOOLS), ("scope", scope)])
        .expect("a device code");
    let code: Value = reply.body_mut().read_json().expect("json");
    approve_device_code(
        code["verification_uri"].as_str().expect("uri"),
        code["user_code"].as_str().expect("code"),
        user,
    );
    let mut reply = agent
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .send_form([
            ("client_id", GRAPH_COMMAND_LINE_TOOLS),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", code["device_code"].as_str().expect("device code")),
        ])
        .expect("a token");
    let answer: Value = reply.body_mut().read_json().expect("json");
    answer["access_token"].as_str().unwrap_or_else(|| panic!("a token: {answer}")).to_owned()
}
