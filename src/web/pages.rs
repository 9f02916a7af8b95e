//! The HTML pages: askama templates (in `templates/`), and the one way every page is sent,
//! with a strict Content Security Policy, no framing and no caching.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::domain::Scope;

/// What the sign-in and sign-up pages show of the authorization request they serve.
pub struct Flow {
    pub csrf_token: String,
    /// The pending request's id, carried in a hidden field.
    pub request: Option<String>,
    /// The application the person is signing in to.
    pub client_name: Option<String>,
    /// Who made it, when not the platform: the farm's or vendor's name (empty when the
    /// vendor is not named), as on the consent page.
    pub vendor: Option<String>,
    /// Where the flow ends, for the page's `form-action`.
    pub redirect_uri: Option<String>,
}

impl Flow {
    pub fn csp(&self) -> Csp {
        Csp::returning_to(self.redirect_uri.as_deref())
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub flow: Flow,
    /// Whether "Sign in with a passkey" is offered.
    pub passkeys: bool,
    pub username: String,
    pub error: Option<String>,
    pub signup_href: String,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub flow: Flow,
    pub username: String,
    pub email: String,
    pub role: String,
    pub farm_name: String,
    pub error: Option<String>,
    pub login_href: String,
    /// The anti-automation challenge and its difficulty (`static/signup.js` solves it).
    pub challenge: String,
    pub challenge_bits: u32,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    pub csrf_token: String,
    pub request: String,
    pub client_name: String,
    pub username: String,
    pub scopes: Vec<String>,
    /// Registered by an outside vendor (RFC 7591), not by the platform: `Some(name)`, with
    /// the vendor's name when known (empty otherwise).
    pub vendor: Option<String>,
}

/// The device page: where a person types the user code a device shows (RFC 8628 §3.3).
#[derive(Template)]
#[template(path = "device.html")]
pub struct DevicePage {
    pub csrf_token: String,
    pub username: String,
    /// Prefilled: from `verification_uri_complete`, or what was typed before a refusal.
    pub user_code: String,
    pub error: Option<String>,
}

/// The device confirmation page (RFC 8628 §5.4): which application, what it may do, and the
/// code again, to compare with the device's.
#[derive(Template)]
#[template(path = "device_confirm.html")]
pub struct DeviceConfirmPage {
    pub csrf_token: String,
    pub client_name: String,
    pub username: String,
    pub user_code: String,
    pub scopes: Vec<String>,
    /// As on the consent page: `Some` for a vendor's app, with its name when known.
    pub vendor: Option<String>,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage {
    pub csrf_token: String,
    pub username: Option<String>,
    pub client_name: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub csrf_token: String,
    /// The login page, for this request.
    pub start_again: String,
    pub request: Option<String>,
    pub totp: bool,
    /// Recovery codes are left (or the app is set up, whose codes they are).
    pub recovery: bool,
    pub passkeys: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub csrf_token: String,
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub roles: String,
    pub notice: super::account::Notice,
    pub totp: bool,
    pub recovery_codes_left: i64,
    pub passkeys: Vec<PasskeyView>,
    /// Whether this server can do passkeys at all (its issuer names a host, not an IP).
    pub passkeys_available: bool,
    pub sessions: Vec<SessionView>,
    pub apps: Vec<AppView>,
    /// An administrator: the page links to the console.
    pub admin: bool,
}

/// One sign-in as the sessions list shows it.
pub struct SessionView {
    pub sid: String,
    pub device: String,
    pub ip: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

impl SessionView {
    pub fn new(login: &crate::store::sessions::LoginSessionRecord, current_sid: &str) -> Self {
        SessionView {
            sid: login.sid.clone(),
            device: device_of(login.user_agent.as_deref()),
            ip: login.ip.clone().unwrap_or_else(|| "unknown".into()),
            started: when(login.created_at),
            last_seen: when(login.last_seen_at.unwrap_or(login.created_at)),
            current: login.sid == current_sid,
        }
    }
}

/// One connected app.
pub struct AppView {
    pub client_id: String,
    pub name: String,
    pub scopes: String,
    pub since: String,
    pub has_tokens: bool,
}

impl AppView {
    pub fn new(app: &crate::store::consents::ConnectedApp, name: String) -> Self {
        AppView {
            client_id: app.client_id.clone(),
            name,
            scopes: app.scope.as_ref().map(Scope::to_string).unwrap_or_default(),
            since: when(app.granted_at),
            has_tokens: app.live_grants > 0,
        }
    }
}

/// One registered passkey.
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub added: String,
    pub last_used: String,
}

impl PasskeyView {
    pub fn new(passkey: &crate::store::factors::PasskeyRecord) -> Self {
        PasskeyView {
            id: passkey.credential_id.clone(),
            name: passkey.name.clone(),
            added: when(passkey.created_at),
            last_used: passkey
                .last_used_at
                .map(when)
                .unwrap_or_else(|| "never".into()),
        }
    }
}

/// A time as people read it, in UTC.
pub fn when(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "unknown".into())
}

/// "Firefox on Linux", from a `User-Agent`; good enough to recognise one's own devices.
pub fn device_of(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else {
        return "Unknown device".into();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(token, _)| ua.contains(token))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| ua.contains(token))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => ua.chars().take(60).collect(),
    }
}

#[derive(Template)]
#[template(path = "totp_enrol.html")]
pub struct TotpEnrolPage {
    pub csrf_token: String,
    /// Drawn by the server from the URI; trusted markup.
    pub qr_svg: String,
    pub otpauth_uri: String,
    pub secret: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
pub struct ForgotPasswordPage {
    pub csrf_token: String,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
pub struct ResetPasswordPage {
    pub csrf_token: String,
    pub token: String,
    pub error: Option<String>,
}

/// After a reset by mail: the second factors added lately, each with a button to remove it.
#[derive(Template)]
#[template(path = "reset_review.html")]
pub struct ResetReviewPage {
    pub csrf_token: String,
    pub factors: Vec<ReviewedFactor>,
    /// The review window, in days.
    pub days: i64,
    pub notice: Option<String>,
}

/// One factor on the review page.
pub struct ReviewedFactor {
    /// What the removal form sends.
    pub key: String,
    pub label: String,
    pub added: String,
}

impl ReviewedFactor {
    pub fn of(factor: &crate::accounts::factor_review::RecentFactor) -> ReviewedFactor {
        use crate::accounts::factor_review::RecentFactor;
        let label = match factor {
            RecentFactor::AuthenticatorApp { .. } => "An authenticator app".to_string(),
            RecentFactor::RecoveryCodes { .. } => "New recovery codes".to_string(),
            RecentFactor::Passkey { name, .. } => format!("The passkey \u{201c}{name}\u{201d}"),
        };
        ReviewedFactor {
            key: factor.key(),
            label,
            added: when(factor.added_at()),
        }
    }
}

#[derive(Template)]
#[template(path = "email_verify.html")]
pub struct VerifyEmailPage {
    pub csrf_token: String,
    pub token: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
}

/// A page that leads back to an app only if the person chooses to (RFC 9700 §4.11.2): an
/// authorization error or a sign-out for a vendor's app, met before the person is known.
/// `post`: the hidden `params` are posted to `action` (Form Post Response Mode); otherwise
/// `action` is a link.
#[derive(Template)]
#[template(path = "return_to_app.html")]
pub struct ReturnToAppPage {
    pub title: &'static str,
    pub message: String,
    pub app: String,
    /// Where the way back leads (the app's origin), for the person to judge.
    pub destination: String,
    pub action: String,
    pub post: bool,
    pub params: Vec<(&'static str, String)>,
}

/// The Form Post Response Mode page: hidden fields posted to the client by a one-line script
/// (allowed by its hash), or by a button when scripts are off.
#[derive(Template)]
#[template(path = "form_post.html")]
pub struct FormPostPage {
    pub action: String,
    pub params: Vec<(&'static str, String)>,
    pub script: &'static str,
}

pub const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";

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

/// The stylesheet, compiled in: one binary carries everything it serves.
pub async fn get_style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
}

/// A script of ours, compiled in like the stylesheet.
fn script(text: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
}

/// The passkey ceremonies' script.
pub async fn get_passkeys_script() -> impl IntoResponse {
    script(include_str!("../../static/passkeys.js"))
}

/// The sign-up form's proof of work ([`crate::accounts::signup_challenge`]).
pub async fn get_signup_script() -> impl IntoResponse {
    script(include_str!("../../static/signup.js"))
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
