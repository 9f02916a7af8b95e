//! The pages of the authorization flow: sign-in, sign-up, second factor, consent, device
//! code, sign-out, and the ways back to the app.

use askama::Template;

use crate::i18n::Words;

use super::Csp;

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
    /// The upstream providers offered (`upstream_buttons.html`).
    pub upstreams: Vec<super::UpstreamButton>,
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
    pub email_code_href: String,
}

/// Asking for a sign-in code by mail ([`crate::accounts::email_codes`]).
#[derive(Template)]
#[template(path = "email_code.html")]
pub struct EmailCodePage {
    pub csrf_token: String,
    pub request: Option<String>,
    pub email: String,
    pub error: Option<String>,
    /// The login page, for the same request.
    pub back: String,
}

/// Typing the code that was mailed.
#[derive(Template)]
#[template(path = "email_code_verify.html")]
pub struct EmailCodeVerifyPage {
    pub csrf_token: String,
    pub request: Option<String>,
    pub email: String,
    pub error: Option<String>,
    /// Asking again, for the same request.
    pub again: String,
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
    /// A passkey is offered: the account was just created here (decision 150).
    pub passkey_offer: bool,
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
    /// Whether the first step was a mailed code rather than the password.
    pub by_code: bool,
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
