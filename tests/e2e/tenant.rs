//! Writing to the demo tenant from the test, as an administrator would with Microsoft Graph
//! Command Line Tools (device code, then Graph), so the window can be checked against content the
//! seed does not hold: markup and script in a list's title, a column's name and item values.

use serde_json::{Value, json};

#[path = "../support/device_code.rs"]
mod device_code;

use device_code::{agent, tools_token};

const TENANT: &str = "contoso.onmicrosoft.com";

fn json_of(reply: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut reply = reply.expect("the tenant answers");
    let status = reply.status().as_u16();
    (status, reply.body_mut().read_json().unwrap_or(Value::Null))
}

/// A delegated Graph token for `user` with `scope`, by device code on the tenant's own pages.
pub fn token(base: &str, user: (&str, &str), scope: &str) -> String {
    tools_token(base, TENANT, user, scope)
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
