//! The pages of signing in with an upstream provider ([`crate::web::upstream`]).

use askama::Template;

use crate::i18n::Words;

/// A provider's button on the sign-in and sign-up pages.
#[derive(Clone, Debug)]
pub struct UpstreamButton {
    pub id: String,
    pub label: String,
}

/// Making an account from an upstream sign-in: the username to take.
#[derive(Template)]
#[template(path = "upstream_signup.html")]
pub struct UpstreamSignupPage {
    pub csrf_token: String,
    pub request: Option<String>,
    pub provider: String,
    pub email: String,
    pub email_verified: bool,
    pub username: String,
    pub error: Option<String>,
}

/// An account has the address the provider vouched for: sign in to it to link.
#[derive(Template)]
#[template(path = "upstream_prove.html")]
pub struct UpstreamProvePage {
    pub provider: String,
    pub email: String,
    pub login_href: String,
}

/// A provider linked to the account.
pub struct LinkView {
    pub id: String,
    pub label: String,
    pub since: String,
}

/// The account's sign-in providers: linked ones (to unlink), and the others (to link).
#[derive(Template)]
#[template(path = "account_upstream.html")]
pub struct AccountUpstreamPage {
    pub csrf_token: String,
    /// Linking asks for the password (or an authenticator code) again.
    pub has_password: bool,
    pub done: Option<String>,
    pub error: Option<String>,
    pub linked: Vec<LinkView>,
    pub available: Vec<UpstreamButton>,
}
