//! The small HTML pages of the sign-in: sign-in form, consent, messages, `form_post` responses.
//! Plain HTML forms, so a test can complete a sign-in over HTTP the way a browser would.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use crate::seed::DemoAccount;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}\
         input,button{{display:block;width:100%;margin:.5rem 0;padding:.5rem;font-size:1rem}}\
         .error{{color:#a4262c}}.note{{color:#555;font-size:.9rem}}</style></head><body>\
         <p class=\"note\">Tenant emulator: not Microsoft</p><h1>{}</h1>{body}</body></html>",
        escape(title),
        escape(title)
    )
}

/// The sign-in form. For a demo tenant, `demo` lists its seeded accounts, each a one-click form
/// that posts the same fields with the password filled in.
pub fn sign_in(
    tenant: &str,
    ctx: &str,
    login_hint: &str,
    error: Option<&str>,
    demo: &[DemoAccount],
) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\" id=\"error\">{}</p>", escape(e)))
        .unwrap_or_default();
    Html(page(
        "Sign in",
        &format!(
            "{error}<form method=\"post\" action=\"/{}/login\">\
             <input type=\"hidden\" name=\"ctx\" value=\"{}\">\
             <label>Email, phone, or Skype<input name=\"login\" type=\"email\" value=\"{}\" autocomplete=\"username\"></label>\
             <label>Password<input name=\"passwd\" type=\"password\" autocomplete=\"current-password\"></label>\
             <button type=\"submit\" id=\"idSIButton9\">Sign in</button></form>{}",
            escape(tenant),
            escape(ctx),
            escape(login_hint),
            demo_accounts(tenant, ctx, demo)
        ),
    ))
    .into_response()
}

/// The seeded accounts of a demo tenant, to sign in with one click.
fn demo_accounts(tenant: &str, ctx: &str, demo: &[DemoAccount]) -> String {
    let Some(first) = demo.first() else { return String::new() };
    let mut organizations: Vec<&str> = demo.iter().map(|a| a.organization).collect();
    organizations.dedup();
    let which = if organizations.len() == 1 {
        format!("the {} demo tenant ({})", first.organization, first.domain)
    } else {
        format!("the demo tenants ({})", organizations.join(", "))
    };
    let buttons: String = demo
        .iter()
        .map(|account| {
            format!(
                "<form method=\"post\" action=\"/{}/login\" class=\"demo-account\">\
                 <input type=\"hidden\" name=\"ctx\" value=\"{}\">\
                 <input type=\"hidden\" name=\"login\" value=\"{}\">\
                 <input type=\"hidden\" name=\"passwd\" value=\"{}\">\
                 <button type=\"submit\">{} ({}): {}</button></form>",
                escape(tenant),
                escape(ctx),
                escape(&account.upn),
                escape(account.password),
                escape(account.display_name),
                escape(&account.upn),
                escape(account.role)
            )
        })
        .collect();
    format!(
        "<section id=\"demo-accounts\"><h2>Demo accounts</h2><p>This is {}, made up by \
         spconnect's tenant emulator. It is not Microsoft and no Microsoft account works here. \
         Pick a seeded account to sign in with it:</p>{buttons}</section>",
        escape(&which)
    )
}

/// The account picker: one button per signed-in account (`(value, name, upn)`), and
/// "Use another account".
pub fn account_picker(tenant: &str, ctx: &str, accounts: &[(String, &str, &str)]) -> Response {
    let choice = |value: &str, label: &str| {
        format!(
            "<button type=\"submit\" name=\"account\" value=\"{}\">{label}</button>",
            escape(value)
        )
    };
    let buttons: String = accounts
        .iter()
        .map(|(value, name, upn)| {
            choice(
                value,
                &format!("{}<br><span class=\"note\">{}</span>", escape(name), escape(upn)),
            )
        })
        .collect();
    Html(page(
        "Pick an account",
        &format!(
            "<form method=\"post\" action=\"/{}/select\" id=\"accounts\">\
             <input type=\"hidden\" name=\"ctx\" value=\"{}\">{buttons}{}</form>",
            escape(tenant),
            escape(ctx),
            choice(super::session::ANOTHER_ACCOUNT, "Use another account")
        ),
    ))
    .into_response()
}

/// The consent page listing the permissions asked for.
pub fn consent(
    tenant: &str,
    ctx: &str,
    app: &str,
    permissions: &[String],
    org_wide: bool,
) -> Response {
    let items: String = permissions.iter().map(|p| format!("<li>{}</li>", escape(p))).collect();
    let scope = if org_wide {
        "<p>As an administrator you consent on behalf of your organization.</p>"
    } else {
        ""
    };
    Html(page(
        "Permissions requested",
        &format!(
            "<p>{} would like to:</p><ul id=\"permissions\">{items}</ul>{scope}\
             <form method=\"post\" action=\"/{}/consent\"><input type=\"hidden\" name=\"ctx\" value=\"{}\">\
             <button type=\"submit\" name=\"action\" value=\"accept\" id=\"idBtn_Accept\">Accept</button>\
             <button type=\"submit\" name=\"action\" value=\"cancel\" id=\"idBtn_Back\">Cancel</button></form>",
            escape(app),
            escape(tenant),
            escape(ctx)
        ),
    ))
    .into_response()
}

/// A page that only says something (errors the client cannot be told about by redirect).
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    (status, Html(page(title, &format!("<p id=\"message\">{}</p>", escape(text))))).into_response()
}

/// A `response_mode=form_post` answer: a form that posts the parameters to the redirect URI.
pub fn form_post(redirect_uri: &str, params: &[(&str, String)]) -> Response {
    let inputs: String = params
        .iter()
        .map(|(k, v)| {
            format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(k), escape(v))
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\">\
         <form method=\"POST\" action=\"{}\">{inputs}<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
        escape(redirect_uri)
    ))
    .into_response()
}
