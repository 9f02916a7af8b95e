//! The HTML pages: askama templates (in `templates/`), and the one way every page is sent,
//! with a strict Content Security Policy, no framing and no caching.
//!
//! This file holds the sending (the policy, [`page`], [`message`]); `flow.rs` the pages of
//! the authorization flow, `account.rs` those of a person's account, `assets.rs` the
//! stylesheet and scripts.

use askama::Template;

use crate::i18n::Words;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

mod account;
mod assets;
mod flow;
mod upstream;

pub use account::{
    AccountPage, AppView, EmailChangeLinkPage, ForgotPasswordPage, PasskeyView, RecoveryCodesPage,
    ResetPasswordPage, ResetReviewPage, ReviewedFactor, SessionView, TotpEnrolPage,
    VerifyEmailPage, device_of, when,
};
pub use assets::{get_passkeys_script, get_signup_script, get_style};
pub use flow::{
    ConsentPage, DeviceConfirmPage, DevicePage, EmailCodePage, EmailCodeVerifyPage,
    FORM_POST_SCRIPT, Flow, FormPostPage, LoginPage, LogoutPage, ReturnToAppPage, SecondFactorPage,
    SignupPage,
};
pub use upstream::{
    AccountUpstreamPage, LinkView, UpstreamButton, UpstreamProvePage, UpstreamSignupPage,
};

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
}

/// Where a page's forms may lead, beyond the provider itself: the client a flow returns to.
/// Browsers apply `form-action` to the redirects that follow a form too, so a sign-in form
/// whose answer redirects to the client must name the client's origin.
#[derive(Default)]
pub struct Csp {
    pub form_targets: Vec<String>,
    pub script: Option<&'static str>,
    /// Whether the page loads our own scripts from `/static/` (the passkey ceremonies).
    pub own_scripts: bool,
}

impl Csp {
    /// A policy whose forms may also lead to `uri`'s origin.
    pub fn returning_to(uri: Option<&str>) -> Csp {
        Csp {
            form_targets: uri.and_then(source_of).into_iter().collect(),
            ..Csp::default()
        }
    }

    /// The same policy, also running `/static/` scripts.
    pub fn with_own_scripts(mut self) -> Csp {
        self.own_scripts = true;
        self
    }

    fn header(&self) -> String {
        let mut form_action = String::from("'self'");
        for target in &self.form_targets {
            form_action.push(' ');
            form_action.push_str(target);
        }
        let script = match (self.script, self.own_scripts) {
            (Some(text), _) => format!("'sha256-{}'", script_hash(text)),
            // The passkey script talks to its own origin only.
            (None, true) => "'self'; connect-src 'self'".into(),
            (None, false) => "'none'".into(),
        };
        format!(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src {script}; \
             form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
        )
    }
}

/// A CSP source expression for a redirect URI: its origin, or its scheme for a native app.
pub fn source_of(uri: &str) -> Option<String> {
    let url = Url::parse(uri).ok()?;
    let source = match url.scheme() {
        "http" | "https" => url.origin().ascii_serialization(),
        scheme => format!("{scheme}:"),
    };
    // CSP separators must never come from a URI.
    (!source.contains([';', ',', ' ', '\'']) && source != "null").then_some(source)
}

fn script_hash(text: &str) -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

/// Sends a rendered page.
pub fn page(status: StatusCode, template: &impl Template, csp: Csp) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response();
        }
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&csp.header()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages carry CSRF tokens and personal details: never cached, never shared.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page that only says something: errors, "signed out", "expired".
pub fn message(
    status: StatusCode,
    title: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Response {
    let template = MessagePage {
        title: title.to_string(),
        message: message.to_string(),
        link: link.map(|(href, text)| (href.to_string(), text.to_string())),
    };
    page(status, &template, Csp::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_targets_are_origins_or_schemes_only() {
        assert_eq!(
            source_of("https://app.example:8443/cb?x=1").as_deref(),
            Some("https://app.example:8443")
        );
        assert_eq!(
            source_of("com.example.app:/cb").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(source_of("not a uri"), None);
    }

    #[test]
    fn the_policy_forbids_framing_and_scripts_by_default() {
        let header = Csp::returning_to(Some("https://app.example/cb")).header();
        assert!(header.contains("frame-ancestors 'none'"));
        assert!(header.contains("script-src 'none'"));
        assert!(header.contains("form-action 'self' https://app.example;"));
    }
}
