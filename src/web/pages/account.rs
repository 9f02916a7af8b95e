//! The pages of a person's own account: profile, sessions, apps, passkeys, TOTP, recovery
//! codes, and the pages reached from mail (password reset, email verification).

use askama::Template;

use crate::i18n::{self, Words};

use crate::domain::Scope;

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub csrf_token: String,
    /// A passkey is offered: the account was just created here (decision 150).
    pub passkey_offer: bool,
    /// The account has a password (decision 151: it may have none).
    pub has_password: bool,
    /// The account can sign in without its password: it may remove it.
    pub other_way_in: bool,
    pub username: String,
    /// Empty when none is set.
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    pub roles: String,
    pub notice: crate::web::account::Notice,
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
            ip: login
                .ip
                .clone()
                .unwrap_or_else(|| i18n::t("account-unknown")),
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
                .unwrap_or_else(|| i18n::t("account-never")),
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
        return i18n::t("account-unknown-device");
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
            RecentFactor::AuthenticatorApp { .. } => i18n::t("review-factor-app"),
            RecentFactor::RecoveryCodes { .. } => i18n::t("review-factor-codes"),
            RecentFactor::Passkey { name, .. } => i18n::t1("review-factor-passkey", "name", name),
            RecentFactor::Provider { label, .. } => {
                i18n::t1("review-factor-provider", "provider", label)
            }
        };
        ReviewedFactor {
            key: factor.key(),
            label,
            added: when(factor.added_at()),
        }
    }
}

/// The page a link of a change of address opens (confirm at the new address, undo at the
/// old): one button that posts the token.
#[derive(Template)]
#[template(path = "email_change_link.html")]
pub struct EmailChangeLinkPage {
    pub csrf_token: String,
    pub token: String,
    pub title: &'static str,
    pub lead: &'static str,
    pub action: &'static str,
    pub button: &'static str,
}

#[derive(Template)]
#[template(path = "email_verify.html")]
pub struct VerifyEmailPage {
    pub csrf_token: String,
    pub token: String,
}
