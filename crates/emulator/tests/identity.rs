//! The identity platform over loopback: discovery, the sign-in form, PKCE, refresh-token rotation,
//! client credentials with certificate assertions, the device code flow and the error shapes.

mod common;

use common::*;
use serde_json::Value;
use spconnect_emulator::{
    DEMO_DOMAIN, DEMO_TENANT_ID, GRAPH_COMMAND_LINE_TOOLS_ID, SECOND_DOMAIN, SECOND_TENANT_ID,
    SPCONNECT_CLIENT_ID,
};

/// The `name=value` of the session cookie a sign-in set.
fn session_cookie(reply: &Reply) -> String {
    let header = reply.set_cookie.as_deref().expect("a session cookie");
    header.split(';').next().expect("name=value").to_owned()
}

fn assert_aad_error(reply: &Reply, error: &str, code: u64) {
    assert!(reply.status == 400 || reply.status == 401, "status {}: {}", reply.status, reply.text);
    let body = reply.json();
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], serde_json::json!([code]), "{body}");
    let description = body["error_description"].as_str().expect("description");
    assert!(description.starts_with(&format!("AADSTS{code}: ")), "{description}");
    assert!(
        description.contains("\r\nTrace ID: ")
            && description.contains("\r\nCorrelation ID: ")
            && description.contains("\r\nTimestamp: "),
        "{description}"
    );
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
    assert!(
        body["error_uri"].as_str().unwrap_or_default().ends_with(&format!("/error?code={code}"))
    );
}

#[test]
fn discovery_documents_describe_the_tenant() {
    let client = Client::start();
    let by_domain =
        client.get(&format!("/{DEMO_DOMAIN}/v2.0/.well-known/openid-configuration"), &[]).json();
    assert_eq!(by_domain["issuer"], format!("{}/{DEMO_TENANT_ID}/v2.0", client.base));
    assert_eq!(
        by_domain["token_endpoint"],
        format!("{}/{DEMO_TENANT_ID}/oauth2/v2.0/token", client.base)
    );
    assert!(
        by_domain["token_endpoint_auth_methods_supported"]
            .as_array()
            .expect("list")
            .iter()
            .any(|m| m == "private_key_jwt")
    );
    let common = client.get("/common/v2.0/.well-known/openid-configuration", &[]).json();
    assert_eq!(common["issuer"], format!("{}/{{tenantid}}/v2.0", client.base));
    let unknown = client.get("/nowhere.example/v2.0/.well-known/openid-configuration", &[]);
    assert_aad_error(&unknown, "invalid_request", 90002);

    let keys = client.get(&format!("/{DEMO_TENANT_ID}/discovery/v2.0/keys"), &[]).json();
    let key = &keys["keys"][0];
    for field in ["kty", "use", "kid", "x5t", "n", "e", "x5c", "issuer"] {
        assert!(!key[field].is_null(), "{field} missing in {key}");
    }
    let instance = client.get("/common/discovery/instance?api-version=1.1&authorization_endpoint=https%3A%2F%2Flogin.microsoftonline.com%2Fcommon%2Foauth2%2Fv2.0%2Fauthorize", &[]).json();
    assert_eq!(instance["api-version"], "1.1");
    assert!(instance["metadata"].as_array().expect("metadata").len() >= 5);
}

#[test]
fn a_microsoft_host_header_is_routed_as_that_host() {
    let client = Client::start();
    let as_login = client.get(
        &format!("/{DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration"),
        &[("Host", "login.microsoftonline.com")],
    );
    assert_eq!(
        as_login.json()["issuer"],
        format!("https://login.microsoftonline.com/{DEMO_TENANT_ID}/v2.0")
    );
    assert_eq!(as_login.json()["msgraph_host"], "graph.microsoft.com");
    let wrong_host = client.get(
        &format!("/{DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration"),
        &[("Host", "graph.microsoft.com")],
    );
    assert_eq!(wrong_host.status, 404);
    let gcc = client.get(
        &format!("/{DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration"),
        &[("Host", "login.microsoftonline.us")],
    );
    assert_eq!(gcc.json()["msgraph_host"], "graph.microsoft.us");
}

#[test]
fn sign_in_with_pkce_gives_access_refresh_and_id_tokens() {
    let client = Client::start();
    let tokens = client.user_token(ADMIN);
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["expires_in"].as_i64().is_some_and(|s| (3600..5400).contains(&s)), "{tokens}");
    assert!(tokens["refresh_token"].is_string() && tokens["id_token"].is_string());
    let access = claims(tokens["access_token"].as_str().expect("token"));
    assert_eq!(access["aud"], "https://graph.microsoft.com");
    assert_eq!(access["tid"], DEMO_TENANT_ID);
    assert_eq!(access["upn"], ADMIN.0);
    assert_eq!(access["appid"], SPCONNECT_CLIENT_ID);
    assert_eq!(access["ver"], "1.0");
    for claim in ["iss", "oid", "name", "scp", "iat", "nbf", "exp"] {
        assert!(!access[claim].is_null(), "{claim} missing in {access}");
    }
    assert!(
        access["scp"].as_str().expect("scp").split(' ').any(|s| s == "Sites.FullControl.All"),
        "{access}"
    );
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(id["aud"], SPCONNECT_CLIENT_ID);
    assert_eq!(id["iss"], format!("{}/{DEMO_TENANT_ID}/v2.0", client.base));
    assert_eq!(id["preferred_username"], ADMIN.0);
}

#[test]
fn a_wrong_password_shows_the_form_again_with_an_error() {
    let client = Client::start();
    let page = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("login_hint", USER.0)], None);
    assert!(
        page.text.contains(&format!("name=\"login\" type=\"email\" value=\"{}\"", USER.0)),
        "login_hint pre-fills the form"
    );
    let retry = client.submit_sign_in(DEMO_TENANT_ID, &page, (USER.0, "wrong"));
    assert_eq!(retry.status, 200);
    assert!(retry.text.contains("AADSTS50126"), "{}", retry.text);
    assert!(!retry.text.contains("wrong"), "the password is never echoed");
}

#[test]
fn the_code_is_single_use_and_bound_to_the_verifier() {
    let client = Client::start();
    let code = client.sign_in_code(USER, GRAPH_SCOPES);
    assert_aad_error(
        &client.redeem(&code, "a-different-verifier-that-is-long-enough-for-pkce-rules"),
        "invalid_grant",
        501481,
    );
    let code = client.sign_in_code(USER, GRAPH_SCOPES);
    assert_eq!(client.redeem(&code, VERIFIER).status, 200);
    assert_aad_error(&client.redeem(&code, VERIFIER), "invalid_grant", 54005);
}

#[test]
fn a_public_client_that_sends_a_secret_is_refused() {
    let client = Client::start();
    let code = client.sign_in_code(USER, GRAPH_SCOPES);
    let reply = client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
        &[
            ("client_id", SPCONNECT_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_secret", "x"),
        ],
        &[],
    );
    assert_aad_error(&reply, "invalid_client", 700025);
}

#[test]
fn refresh_tokens_rotate_and_mint_tokens_for_sharepoint_too() {
    let client = Client::start();
    let tokens = client.user_token(ADMIN);
    let first = tokens["refresh_token"].as_str().expect("rt").to_owned();
    let refresh = |rt: &str, scope: &str| {
        client.form(
            &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
            &[
                ("client_id", SPCONNECT_CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("scope", scope),
            ],
            &[],
        )
    };
    let second = refresh(&first, "https://graph.microsoft.com/.default offline_access");
    assert_eq!(second.status, 200, "{}", second.text);
    let second_rt = second.json()["refresh_token"].as_str().expect("rotated").to_owned();
    assert_ne!(second_rt, first);
    assert_eq!(
        refresh(&first, "https://graph.microsoft.com/.default").status,
        200,
        "the old token is not revoked"
    );
    let sharepoint = refresh(&second_rt, "https://contoso.sharepoint.com/.default");
    assert_eq!(sharepoint.status, 200, "{}", sharepoint.text);
    assert_eq!(
        claims(sharepoint.json()["access_token"].as_str().expect("at"))["aud"],
        "https://contoso.sharepoint.com"
    );
    assert_aad_error(&refresh("1.Anot-a-real-token", "User.Read"), "invalid_grant", 9002313);
}

#[test]
fn prompt_none_needs_a_session_and_uses_it_when_there_is_one() {
    let client = Client::start();
    let silent = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("prompt", "none")], None);
    assert_eq!(silent.status, 302);
    assert_eq!(silent.redirect_param("error").as_deref(), Some("login_required"));
    assert_eq!(silent.redirect_param("state").as_deref(), Some("state-123"));

    let page = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[], None);
    let done = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    let cookie = done.set_cookie.clone().expect("a session cookie");
    let cookie = cookie.split(';').next().expect("name=value").to_owned();
    let sso = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("prompt", "none")], Some(&cookie));
    assert_eq!(sso.status, 302, "{}", sso.text);
    assert!(sso.redirect_param("code").is_some(), "{:?}", sso.location);
    let forced =
        client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("prompt", "login")], Some(&cookie));
    assert_eq!(forced.status, 200, "prompt=login shows the form even with a session");
}

#[test]
fn loopback_redirects_match_whatever_the_port_but_not_another_path() {
    let client = Client::start();
    let page = client.get(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/authorize?client_id={SPCONNECT_CLIENT_ID}&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A49152%2F&scope=User.Read"), &[]);
    assert_eq!(page.status, 200, "{}", page.text);
    let mismatch = client.get(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/authorize?client_id={SPCONNECT_CLIENT_ID}&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=User.Read"), &[]);
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.text.contains("AADSTS50011"), "{}", mismatch.text);
}

#[test]
fn a_user_without_admin_rights_cannot_consent_to_admin_scopes() {
    let client = Client::start();
    let page = client.authorize(DEMO_TENANT_ID, "openid https://graph.microsoft.com/Sites.Manage.All https://graph.microsoft.com/Application.Read.All", &[], None);
    let reply = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    assert!(reply.text.contains("AADSTS90094"), "{}", reply.text);
    let page = client.authorize(
        DEMO_TENANT_ID,
        "openid https://graph.microsoft.com/Sites.Manage.All",
        &[],
        None,
    );
    let consent = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    assert!(
        consent.text.contains("Sites.Manage.All"),
        "the consent page lists it: {}",
        consent.text
    );
    let ctx = consent.hidden("ctx");
    let accepted = client.form(
        &format!("/{DEMO_TENANT_ID}/consent"),
        &[("ctx", &ctx), ("action", "accept")],
        &[],
    );
    assert_eq!(accepted.status, 302, "{}", accepted.text);
    let code = accepted.redirect_param("code").expect("a code after consent");
    let tokens = client.redeem(&code, VERIFIER);
    assert_eq!(tokens.status, 200, "{}", tokens.text);
}

#[test]
fn client_credentials_with_rs256_and_ps256_assertions() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    let audience = token_url(&client);
    for ps256 in [false, true] {
        let reply = client_credentials(
            &client,
            &app_id,
            &cert.assertion(&app_id, &audience, ps256, 0),
            "https://graph.microsoft.com/.default",
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        assert!(body.get("refresh_token").is_none());
        let access = claims(body["access_token"].as_str().expect("at"));
        assert_eq!(access["roles"], serde_json::json!(["Sites.Read.All"]));
        assert_eq!(access["appid"], app_id.as_str());
        assert_eq!(access["appidacr"], "2");
        assert_eq!(access["idtyp"], "app");
        let site =
            client.graph("GET", "/sites/root", body["access_token"].as_str().expect("at"), None);
        assert_eq!(site.status, 200, "the token works on Graph: {}", site.text);
    }
    let sharepoint = client_credentials(
        &client,
        &app_id,
        &cert.assertion(&app_id, &audience, true, 0),
        "https://contoso.sharepoint.com/.default",
    );
    assert_eq!(sharepoint.status, 200);
    assert!(
        claims(sharepoint.json()["access_token"].as_str().expect("at")).get("roles").is_none(),
        "no SharePoint roles were granted"
    );
}

#[test]
fn bad_client_assertions_are_refused_with_their_codes() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    let audience = token_url(&client);
    let graph = "https://graph.microsoft.com/.default";
    assert_aad_error(
        &client_credentials(
            &client,
            &app_id,
            &cert.assertion(&app_id, &audience, false, -3600),
            graph,
        ),
        "invalid_client",
        700024,
    );
    assert_aad_error(
        &client_credentials(
            &client,
            &app_id,
            &TestCert::new(30).assertion(&app_id, &audience, false, 0),
            graph,
        ),
        "invalid_client",
        700027,
    );
    assert_aad_error(
        &client_credentials(
            &client,
            &app_id,
            &cert.assertion(&app_id, "https://elsewhere.example/token", false, 0),
            graph,
        ),
        "invalid_client",
        700027,
    );
    assert_aad_error(
        &client_credentials(
            &client,
            &app_id,
            &cert.assertion(&app_id, &audience, false, 0),
            "https://graph.microsoft.com/Sites.Read.All",
        ),
        "invalid_scope",
        1002012,
    );
    let no_credential = client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
        &[("client_id", &app_id), ("scope", graph), ("grant_type", "client_credentials")],
        &[],
    );
    assert_aad_error(&no_credential, "invalid_client", 7000218);
    let common = client.form(
        "/common/oauth2/v2.0/token",
        &[("client_id", &app_id), ("scope", graph), ("grant_type", "client_credentials")],
        &[],
    );
    assert_aad_error(&common, "invalid_request", 9001023);
    let unknown = client_credentials(
        &client,
        "7d6c9a57-0000-4000-8000-000000000000",
        &cert.assertion("7d6c9a57-0000-4000-8000-000000000000", &audience, false, 0),
        graph,
    );
    assert_aad_error(&unknown, "unauthorized_client", 700016);
}

#[test]
fn device_code_flow_from_code_to_tokens() {
    device_code_flow("urn:ietf:params:oauth:grant-type:device_code");
}

/// MSAL for Node (and MSAL.js) poll with `grant_type=device_code`, not the RFC 8628 URN, and
/// Microsoft's token endpoint accepts it: Microsoft documents MSAL Node's device code flow
/// (https://learn.microsoft.com/entra/identity-platform/scenario-desktop-acquire-token-device-code-flow).
#[test]
fn device_code_grant_by_its_short_name_as_msal_node_sends_it() {
    device_code_flow("device_code");
}

/// The device code flow, polling the token endpoint with `grant_type`.
fn device_code_flow(grant_type: &str) {
    let client = Client::start();
    let start = client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/devicecode"),
        &[("client_id", SPCONNECT_CLIENT_ID), ("scope", GRAPH_SCOPES)],
        &[],
    );
    assert_eq!(start.status, 200, "{}", start.text);
    let body = start.json();
    for field in
        ["device_code", "user_code", "verification_uri", "expires_in", "interval", "message"]
    {
        assert!(!body[field].is_null(), "{field} missing in {body}");
    }
    assert!(body.get("verification_uri_complete").is_none());
    let device_code = body["device_code"].as_str().expect("device code").to_owned();
    let poll = || {
        client.form(
            &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
            &[
                ("client_id", SPCONNECT_CLIENT_ID),
                ("grant_type", grant_type),
                ("device_code", &device_code),
            ],
            &[],
        )
    };
    assert_aad_error(&poll(), "authorization_pending", 70016);
    let page =
        client.form("/devicelogin", &[("otc", body["user_code"].as_str().expect("code"))], &[]);
    let done = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    assert!(done.text.contains("You have signed in"), "{}", done.text);
    let tokens = poll();
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    assert_eq!(claims(tokens.json()["access_token"].as_str().expect("at"))["upn"], USER.0);
    assert_eq!(poll().status, 400, "a device code is redeemed once");
}

#[test]
fn unsupported_grants_and_missing_parameters_have_their_codes() {
    let client = Client::start();
    let path = format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token");
    assert_aad_error(
        &client.form(&path, &[("client_id", SPCONNECT_CLIENT_ID)], &[]),
        "invalid_request",
        900144,
    );
    assert_aad_error(
        &client.form(&path, &[("client_id", SPCONNECT_CLIENT_ID), ("grant_type", "password")], &[]),
        "unsupported_grant_type",
        70003,
    );
    let json_body: Value = serde_json::json!({"grant_type": "client_credentials"});
    let reply = client.send("POST", &path, "", Some(json_body), &[]);
    assert_aad_error(&reply, "invalid_request", 900144);
}

#[test]
fn common_and_organizations_keep_their_segment_in_endpoints() {
    let client = Client::start();
    for segment in ["common", "organizations"] {
        let document =
            client.get(&format!("/{segment}/v2.0/.well-known/openid-configuration"), &[]).json();
        assert_eq!(
            document["token_endpoint"],
            format!("{}/{segment}/oauth2/v2.0/token", client.base)
        );
        assert_eq!(
            document["authorization_endpoint"],
            format!("{}/{segment}/oauth2/v2.0/authorize", client.base)
        );
        assert_eq!(
            document["device_authorization_endpoint"],
            format!("{}/{segment}/oauth2/v2.0/devicecode", client.base)
        );
        assert_eq!(
            document["issuer"],
            format!("{}/{{tenantid}}/v2.0", client.base),
            "only the issuer is a template"
        );
        assert!(document["tenant_region_scope"].is_null());
    }
    // A sign-in through /organizations ends in the user's own tenant.
    let page = client.authorize("organizations", GRAPH_SCOPES, &[], None);
    let done = client.submit_sign_in("organizations", &page, USER);
    let code = done.redirect_param("code").expect("a code");
    let tokens = client.form(
        "/organizations/oauth2/v2.0/token",
        &[
            ("client_id", SPCONNECT_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        &[],
    );
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    assert_eq!(claims(tokens.json()["access_token"].as_str().expect("at"))["tid"], DEMO_TENANT_ID);
    assert!(
        tokens.header("x-ms-request-id").is_some(),
        "successful token responses carry a request id"
    );
}

#[test]
fn a_single_tenant_app_cannot_sign_in_through_common() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let app = client.graph("POST", "/applications", &admin, Some(serde_json::json!({"displayName": "Single tenant", "signInAudience": "AzureADMyOrg", "publicClient": {"redirectUris": ["http://localhost"]}}))).json();
    let app_id = app["appId"].as_str().expect("appId");
    let page = client.get(&format!("/common/oauth2/v2.0/authorize?client_id={app_id}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2F&scope=User.Read"), &[]);
    assert_eq!(page.status, 400);
    assert!(page.text.contains("AADSTS50194"), "{}", page.text);
    let tenant_page = client.get(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/authorize?client_id={app_id}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2F&scope=User.Read"), &[]);
    assert_eq!(tenant_page.status, 200, "the tenant's own endpoint works");
}

#[test]
fn a_session_for_another_account_than_the_hint_is_not_used() {
    let client = Client::start();
    let page = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[], None);
    let done = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    let cookie = session_cookie(&done);
    let same = client.authorize(
        DEMO_TENANT_ID,
        GRAPH_SCOPES,
        &[("prompt", "none"), ("login_hint", USER.0)],
        Some(&cookie),
    );
    assert!(same.redirect_param("code").is_some(), "the hinted account's session is used");
    let other = client.authorize(
        DEMO_TENANT_ID,
        GRAPH_SCOPES,
        &[("prompt", "none"), ("login_hint", ADMIN.0)],
        Some(&cookie),
    );
    assert_eq!(other.redirect_param("error").as_deref(), Some("login_required"));
    let interactive =
        client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("login_hint", ADMIN.0)], Some(&cookie));
    assert_eq!(interactive.status, 200, "the form, pre-filled, instead of a silent switch");
    assert!(
        interactive.text.contains(&format!("name=\"login\" type=\"email\" value=\"{}\"", ADMIN.0))
    );
}

#[test]
fn hybrid_response_types_are_refused_rather_than_half_answered() {
    let client = Client::start();
    let hybrid = client.get(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/authorize?client_id={SPCONNECT_CLIENT_ID}&response_type=code%20id_token&redirect_uri=http%3A%2F%2Flocalhost%3A1%2F&scope=openid&nonce=n"), &[]);
    assert_eq!(hybrid.status, 302);
    assert_eq!(hybrid.redirect_param("error").as_deref(), Some("unsupported_response_type"));
}

#[test]
fn admin_consent_grants_declared_app_roles_and_logout_ends_the_session() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let app = client.graph("POST", "/applications", &admin, Some(serde_json::json!({
        "displayName": "Consent me",
        "publicClient": {"redirectUris": ["http://localhost"]},
        "requiredResourceAccess": [{"resourceAppId": "00000003-0000-0000-c000-000000000000", "resourceAccess": [{"id": "332a536c-c7ef-4017-ab91-336970924f0d", "type": "Role"}]}],
    }))).json();
    let app_id = app["appId"].as_str().expect("appId").to_owned();
    let consent_url = format!(
        "/{DEMO_TENANT_ID}/adminconsent?client_id={app_id}&state=s1&redirect_uri=http%3A%2F%2Flocalhost%3A5000%2F"
    );
    let page = client.get(&consent_url, &[]);
    let refused = client.submit_sign_in(DEMO_TENANT_ID, &page, CLOUD_ADMIN);
    assert_eq!(
        refused.redirect_param("error").as_deref(),
        Some("permission_denied"),
        "Graph app roles need a Global Administrator"
    );
    let page = client.get(&consent_url, &[]);
    let granted = client.submit_sign_in(DEMO_TENANT_ID, &page, ADMIN);
    assert_eq!(
        granted.redirect_param("admin_consent").as_deref(),
        Some("True"),
        "{:?}",
        granted.location
    );
    assert_eq!(granted.redirect_param("tenant").as_deref(), Some(DEMO_TENANT_ID));
    assert_eq!(granted.redirect_param("state").as_deref(), Some("s1"));
    let sp = client
        .graph("GET", &format!("/servicePrincipals(appId='{app_id}')?$select=id"), &admin, None)
        .json();
    let assignments = client
        .graph(
            "GET",
            &format!("/servicePrincipals/{}/appRoleAssignments", sp["id"].as_str().expect("sp")),
            &admin,
            None,
        )
        .json();
    assert_eq!(assignments["value"][0]["appRoleId"], "332a536c-c7ef-4017-ab91-336970924f0d");

    let cookie = session_cookie(&granted);
    let sso = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("prompt", "none")], Some(&cookie));
    assert!(sso.redirect_param("code").is_some());
    let out = client.get(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/logout?post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A5000%2F"), &[("Cookie", &cookie)]);
    assert_eq!(out.status, 302);
    let after =
        client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("prompt", "none")], Some(&cookie));
    assert_eq!(
        after.redirect_param("error").as_deref(),
        Some("login_required"),
        "the session is over"
    );
}

/// The role template id real tokens put in `wids` for every member user.
const MEMBER_USER_TEMPLATE: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";
const GLOBAL_ADMINISTRATOR_TEMPLATE: &str = "62e90394-69f5-4237-9190-012177145e10";

#[test]
fn user_access_tokens_carry_the_documented_v1_claims() {
    let client = Client::start();
    let admin = claims(client.user_token(ADMIN)["access_token"].as_str().expect("at"));
    assert_eq!(admin["acr"], "1", "{admin}");
    assert_eq!(admin["amr"], serde_json::json!(["pwd"]));
    assert_eq!(admin["app_displayname"], "spconnect");
    assert_eq!(admin["unique_name"], ADMIN.0);
    assert_eq!(admin["given_name"], "Adele");
    assert_eq!(admin["family_name"], "Vance");
    assert_eq!(admin["idtyp"], "user", "Microsoft Graph's tokens name their type");
    assert_eq!(admin["ipaddr"], "127.0.0.1");
    assert_eq!(admin["iss"], format!("https://sts.windows.net/{DEMO_TENANT_ID}/"));
    for opaque in ["aio", "rh", "uti"] {
        assert!(admin[opaque].as_str().is_some_and(|v| !v.is_empty()), "{opaque} in {admin}");
    }
    assert_eq!(
        admin["wids"],
        serde_json::json!([GLOBAL_ADMINISTRATOR_TEMPLATE, MEMBER_USER_TEMPLATE]),
        "held roles plus the member user template"
    );
    let user = claims(client.user_token(USER)["access_token"].as_str().expect("at"));
    assert_eq!(user["wids"], serde_json::json!([MEMBER_USER_TEMPLATE]));
    assert!(user.get("roles").is_none() && user.get("idp").is_none(), "{user}");
}

#[test]
fn app_only_tokens_name_the_application() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    for resource in
        ["https://graph.microsoft.com/.default", "https://contoso.sharepoint.com/.default"]
    {
        let reply = client_credentials(
            &client,
            &app_id,
            &cert.assertion(&app_id, &token_url(&client), false, 0),
            resource,
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        let access = claims(reply.json()["access_token"].as_str().expect("at"));
        assert_eq!(access["app_displayname"], "Test connection", "{access}");
        assert_eq!(access["idtyp"], "app");
        assert_eq!(access["idp"], format!("https://sts.windows.net/{DEMO_TENANT_ID}/"));
        for user_claim in ["acr", "amr", "scp", "upn", "unique_name", "name", "wids", "ipaddr"] {
            assert!(access.get(user_claim).is_none(), "{user_claim} in an app-only token");
        }
    }
}

#[test]
fn v1_metadata_finds_keys_that_validate_the_access_tokens() {
    let client = Client::start();
    let document = client.get(&format!("/{DEMO_DOMAIN}/.well-known/openid-configuration"), &[]);
    assert_eq!(document.status, 200, "{}", document.text);
    let document = document.json();
    let issuer = format!("https://sts.windows.net/{DEMO_TENANT_ID}/");
    assert_eq!(document["issuer"], issuer);
    let base = format!("{}/{DEMO_TENANT_ID}", client.base);
    assert_eq!(document["token_endpoint"], format!("{base}/oauth2/token"));
    assert_eq!(document["authorization_endpoint"], format!("{base}/oauth2/authorize"));
    assert_eq!(document["end_session_endpoint"], format!("{base}/oauth2/logout"));
    assert_eq!(document["jwks_uri"], format!("{}/common/discovery/keys", client.base));
    assert_eq!(document["microsoft_multi_refresh_token"], true);
    for segment in ["common", "organizations"] {
        let multi = client.get(&format!("/{segment}/.well-known/openid-configuration"), &[]).json();
        assert_eq!(multi["issuer"], "https://sts.windows.net/{tenantid}/");
        assert_eq!(multi["token_endpoint"], format!("{}/{segment}/oauth2/token", client.base));
    }
    assert_aad_error(
        &client.get("/nowhere.example/.well-known/openid-configuration", &[]),
        "invalid_request",
        90002,
    );

    // A validator that knows only the v1 document validates a token with it.
    let jwks_path = document["jwks_uri"].as_str().expect("jwks").replace(&client.base, "");
    let keys = client.get(&jwks_path, &[]).json();
    let token = client.user_token(USER)["access_token"].as_str().expect("at").to_owned();
    let kid = jsonwebtoken::decode_header(&token).expect("header").kid.expect("kid");
    let key = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the token's key is published");
    let decoding = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("an RSA key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["https://graph.microsoft.com"]);
    validation.set_issuer(&[document["issuer"].as_str().expect("issuer")]);
    jsonwebtoken::decode::<Value>(&token, &decoding, &validation).expect("the token validates");
}

fn v1_token(client: &Client, fields: &[(&str, &str)]) -> Reply {
    client.form(&format!("/{DEMO_TENANT_ID}/oauth2/token"), fields, &[])
}

/// The v1.0 response shape: lifetimes and times as strings, the resource echoed.
fn assert_v1_shape(body: &Value, resource: &str) {
    for field in ["expires_in", "ext_expires_in", "expires_on", "not_before"] {
        assert!(
            body[field].as_str().is_some_and(|v| v.parse::<i64>().is_ok()),
            "{field} as a string of digits in {body}"
        );
    }
    assert_eq!(body["resource"], resource);
    assert_eq!(body["token_type"], "Bearer");
}

#[test]
fn the_v1_token_endpoint_takes_a_resource_for_client_credentials() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    let audience = format!("{}/{DEMO_TENANT_ID}/oauth2/token", client.base);
    let assertion = cert.assertion(&app_id, &audience, false, 0);
    let mut fields = vec![
        ("client_id", app_id.as_str()),
        ("grant_type", "client_credentials"),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        ("client_assertion", assertion.as_str()),
    ];
    assert_aad_error(&v1_token(&client, &fields), "invalid_request", 900144);
    fields.push(("resource", "https://graph.microsoft.com/"));
    let reply = v1_token(&client, &fields);
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_v1_shape(&body, "https://graph.microsoft.com/");
    assert!(body.get("scope").is_none() && body.get("refresh_token").is_none(), "{body}");
    let access = claims(body["access_token"].as_str().expect("at"));
    assert_eq!(access["roles"], serde_json::json!(["Sites.Read.All"]));
    assert_eq!(access["aud"], "https://graph.microsoft.com");
    let site = client.graph("GET", "/sites/root", body["access_token"].as_str().expect("at"), None);
    assert_eq!(site.status, 200, "the token works on Graph: {}", site.text);
}

#[test]
fn the_v1_endpoints_sign_in_redeem_and_refresh_with_a_resource() {
    let client = Client::start();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", SPCONNECT_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("resource", "https://graph.microsoft.com")
        .append_pair("scope", "openid")
        .append_pair("state", "v1-state")
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    let page = client.get(&format!("/{DEMO_TENANT_ID}/oauth2/authorize?{}", query.finish()), &[]);
    assert_eq!(page.status, 200, "{}", page.text);
    let done = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    assert_eq!(done.redirect_param("state").as_deref(), Some("v1-state"));
    let code = done.redirect_param("code").expect("a code");
    let reply = v1_token(
        &client,
        &[
            ("client_id", SPCONNECT_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("resource", "https://graph.microsoft.com"),
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_v1_shape(&body, "https://graph.microsoft.com");
    let scope = body["scope"].as_str().expect("scope");
    assert!(scope.split(' ').any(|s| s == "Sites.Read.All"), "bare permission names: {scope}");
    assert!(!scope.contains("https://"), "{scope}");
    let id = claims(body["id_token"].as_str().expect("an id token for openid"));
    assert_eq!(id["iss"], format!("https://sts.windows.net/{DEMO_TENANT_ID}/"));
    assert_eq!((id["ver"].as_str(), id["upn"].as_str()), (Some("1.0"), Some(USER.0)));
    let refresh_token = body["refresh_token"].as_str().expect("v1 always refreshes").to_owned();

    let refreshed = v1_token(
        &client,
        &[
            ("client_id", SPCONNECT_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("resource", "https://contoso.sharepoint.com"),
        ],
    );
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let refreshed = refreshed.json();
    assert_v1_shape(&refreshed, "https://contoso.sharepoint.com");
    assert_eq!(
        claims(refreshed["access_token"].as_str().expect("at"))["aud"],
        "https://contoso.sharepoint.com"
    );
    assert!(refreshed["refresh_token"].is_string());
}

/// The value of the picker's button for `upn`.
fn picker_choice(page: &Reply, upn: &str) -> String {
    let at = page.text.find(upn).unwrap_or_else(|| panic!("{upn} not offered: {}", page.text));
    let marker = "name=\"account\" value=\"";
    let start = page.text[..at].rfind(marker).expect("a choice") + marker.len();
    page.text[start..].split('"').next().unwrap_or_default().to_owned()
}

fn pick(client: &Client, page: &Reply, account: &str, cookie: &str) -> Reply {
    let ctx = page.hidden("ctx");
    client.form(
        &format!("/{DEMO_TENANT_ID}/select"),
        &[("ctx", &ctx), ("account", account)],
        &[("Cookie", cookie)],
    )
}

#[test]
fn several_accounts_in_one_browser_bring_up_the_account_picker() {
    let client = Client::start();
    let page = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[], None);
    let first = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    let cookie = session_cookie(&first);
    // One account: single sign-on, no picker.
    let sso = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[], Some(&cookie));
    assert!(sso.redirect_param("code").is_some(), "{}", sso.text);
    // A second account signs in through the same browser: the session keeps both.
    let page =
        client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("prompt", "login")], Some(&cookie));
    let ctx = page.hidden("ctx");
    let second = client.form(
        &format!("/{DEMO_TENANT_ID}/login"),
        &[("ctx", &ctx), ("login", ADMIN.0), ("passwd", ADMIN.1)],
        &[("Cookie", &cookie)],
    );
    assert_eq!(second.status, 302, "{}", second.text);
    assert!(second.set_cookie.is_none(), "the same session, not a new one");

    let picker = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[], Some(&cookie));
    assert_eq!(picker.status, 200, "{}", picker.text);
    assert!(picker.text.contains("Pick an account") && picker.text.contains("Use another account"));
    let admin_choice = picker_choice(&picker, ADMIN.0);
    picker_choice(&picker, USER.0);
    let chosen = pick(&client, &picker, &admin_choice, &cookie);
    let code = chosen.redirect_param("code").expect("a code for the chosen account");
    let tokens = client.redeem(&code, VERIFIER);
    assert_eq!(claims(tokens.json()["access_token"].as_str().expect("at"))["upn"], ADMIN.0);

    // A hint picks without asking; silence cannot pick; select_account always asks.
    let hinted =
        client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("login_hint", USER.0)], Some(&cookie));
    assert!(hinted.redirect_param("code").is_some(), "{}", hinted.text);
    let silent =
        client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[("prompt", "none")], Some(&cookie));
    assert_eq!(silent.redirect_param("error").as_deref(), Some("interaction_required"));
    assert!(
        silent.redirect_param("error_description").unwrap_or_default().starts_with("AADSTS16000")
    );
    let asked = client.authorize(
        DEMO_TENANT_ID,
        GRAPH_SCOPES,
        &[("prompt", "select_account"), ("login_hint", USER.0)],
        Some(&cookie),
    );
    assert!(asked.text.contains("Pick an account"), "{}", asked.text);
    let another = pick(&client, &asked, "other", &cookie);
    assert!(another.text.contains("name=\"passwd\""), "the sign-in form: {}", another.text);

    // Another browser cannot pick this browser's account.
    let other_browser = client.authorize(
        DEMO_TENANT_ID,
        GRAPH_SCOPES,
        &[("prompt", "select_account")],
        Some(&cookie),
    );
    let stolen = pick(&client, &other_browser, &admin_choice, "ESTSAUTH=someone-else");
    assert!(stolen.redirect_param("code").is_none(), "{:?}", stolen.location);
    assert!(stolen.text.contains("name=\"passwd\""), "the sign-in form instead: {}", stolen.text);
}

fn authorize_as(client: &Client, app: &str, redirect: &str, scope: &str) -> Reply {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", app)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", scope)
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    client.get(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/authorize?{}", query.finish()), &[])
}

#[test]
fn graph_command_line_tools_sign_in_with_consent_and_register_an_application() {
    let client = Client::start();
    let scope = "openid offline_access https://graph.microsoft.com/Application.ReadWrite.All";
    for redirect in
        ["http://localhost:8400/", "https://login.microsoftonline.com/common/oauth2/nativeclient"]
    {
        let page = authorize_as(&client, GRAPH_COMMAND_LINE_TOOLS_ID, redirect, scope);
        assert_eq!(page.status, 200, "{redirect}: {}", page.text);
    }
    let elsewhere =
        authorize_as(&client, GRAPH_COMMAND_LINE_TOOLS_ID, "https://evil.example/", scope);
    assert!(elsewhere.text.contains("AADSTS50011"), "{}", elsewhere.text);

    // A user without an admin role cannot consent to an admin-only permission.
    let page = authorize_as(&client, GRAPH_COMMAND_LINE_TOOLS_ID, "http://localhost:8400/", scope);
    let refused = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    assert!(refused.text.contains("AADSTS90094"), "{}", refused.text);

    // The administrator is asked, consents, and gets the permission.
    let page = authorize_as(&client, GRAPH_COMMAND_LINE_TOOLS_ID, "http://localhost:8400/", scope);
    let consent = client.submit_sign_in(DEMO_TENANT_ID, &page, ADMIN);
    assert!(consent.text.contains("Application.ReadWrite.All"), "{}", consent.text);
    assert!(consent.text.contains("Microsoft Graph Command Line Tools"), "{}", consent.text);
    let accepted = client.form(
        &format!("/{DEMO_TENANT_ID}/consent"),
        &[("ctx", &consent.hidden("ctx")), ("action", "accept")],
        &[],
    );
    let code = accepted.redirect_param("code").expect("a code after consent");
    let tokens = client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
        &[
            ("client_id", GRAPH_COMMAND_LINE_TOOLS_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:8400/"),
            ("code_verifier", VERIFIER),
        ],
        &[],
    );
    assert_eq!(tokens.status, 200, "a public client redeems without a secret: {}", tokens.text);
    let token = tokens.json()["access_token"].as_str().expect("at").to_owned();
    let access = claims(&token);
    assert_eq!(access["appid"], GRAPH_COMMAND_LINE_TOOLS_ID);
    assert_eq!(access["app_displayname"], "Microsoft Graph Command Line Tools");
    assert!(
        access["scp"].as_str().expect("scp").split(' ').any(|s| s == "Application.ReadWrite.All")
    );
    let registered = client.graph(
        "POST",
        "/applications",
        &token,
        Some(serde_json::json!({"displayName": "Registered by a tool", "signInAudience": "AzureADMyOrg"})),
    );
    assert_eq!(registered.status, 201, "{}", registered.text);
}

#[test]
fn the_demo_sign_in_page_offers_the_seeded_accounts_of_that_demo_tenant_only() {
    let client = Client::start();
    let page = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[], None);
    assert!(page.text.contains("id=\"demo-accounts\""), "{}", page.text);
    assert!(page.text.contains("Contoso demo tenant") && page.text.contains("not Microsoft"));
    for upn in [ADMIN.0, CLOUD_ADMIN.0, USER.0] {
        assert!(page.text.contains(upn), "{upn} offered");
    }
    assert!(
        page.text.contains("Global Administrator")
            && page.text.contains("Cloud Application Administrator")
    );
    assert!(!page.text.contains(SECOND_DOMAIN), "only this tenant's accounts");

    // One click posts the same fields as the form, password filled in.
    let start =
        page.text.find(&format!("name=\"login\" value=\"{}\"", USER.0)).expect("USER's button");
    let form = &page.text[page.text[..start].rfind("<form").expect("its form")..];
    let one_click = Reply {
        status: 200,
        location: None,
        set_cookie: None,
        headers: Vec::new(),
        text: form[..form.find("</form>").expect("end")].to_owned(),
    };
    let done = client.form(
        &format!("/{DEMO_TENANT_ID}/login"),
        &[
            ("ctx", &one_click.hidden("ctx")),
            ("login", &one_click.hidden("login")),
            ("passwd", &one_click.hidden("passwd")),
        ],
        &[],
    );
    let code = done.redirect_param("code").expect("signed in with one click");
    assert_eq!(
        claims(client.redeem(&code, VERIFIER).json()["access_token"].as_str().expect("at"))["upn"],
        USER.0
    );

    let fabrikam = client.authorize(SECOND_TENANT_ID, GRAPH_SCOPES, &[], None);
    assert!(fabrikam.text.contains(&format!("admin@{SECOND_DOMAIN}")), "{}", fabrikam.text);
    assert!(!fabrikam.text.contains(DEMO_DOMAIN), "{}", fabrikam.text);
    let common = client.authorize("organizations", GRAPH_SCOPES, &[], None);
    assert!(common.text.contains(ADMIN.0) && common.text.contains(SECOND_DOMAIN));

    // The tenant segment of the URL is escaped wherever the page shows it.
    let page = client.authorize(DEMO_TENANT_ID, GRAPH_SCOPES, &[], None);
    let retry = client.form(
        "/%3Cb%3Ex/login",
        &[("ctx", &page.hidden("ctx")), ("login", USER.0), ("passwd", "wrong")],
        &[],
    );
    assert!(retry.text.contains("/&lt;b&gt;x/login"), "{}", retry.text);
    assert!(!retry.text.contains("<b>x"), "{}", retry.text);
    assert!(!retry.text.contains("demo-accounts"), "not a demo tenant's segment");
}

#[test]
fn the_v1_device_code_flow_takes_a_resource() {
    let client = Client::start();
    let start = client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/devicecode"),
        &[("client_id", SPCONNECT_CLIENT_ID), ("resource", "https://contoso.sharepoint.com/")],
        &[],
    );
    assert_eq!(start.status, 200, "{}", start.text);
    let body = start.json();
    let page =
        client.form("/devicelogin", &[("otc", body["user_code"].as_str().expect("code"))], &[]);
    let done = client.submit_sign_in(DEMO_TENANT_ID, &page, USER);
    assert!(done.text.contains("You have signed in"), "{}", done.text);
    let tokens = v1_token(
        &client,
        &[
            ("client_id", SPCONNECT_CLIENT_ID),
            ("grant_type", "device_code"),
            ("code", body["device_code"].as_str().expect("device code")),
            ("device_code", body["device_code"].as_str().expect("device code")),
            ("resource", "https://contoso.sharepoint.com/"),
        ],
    );
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    let tokens = tokens.json();
    assert_v1_shape(&tokens, "https://contoso.sharepoint.com/");
    assert!(tokens["refresh_token"].is_string(), "v1 always refreshes: {tokens}");
    let access = claims(tokens["access_token"].as_str().expect("at"));
    assert_eq!(
        (access["aud"].as_str(), access["upn"].as_str()),
        (Some("https://contoso.sharepoint.com"), Some(USER.0))
    );
}
