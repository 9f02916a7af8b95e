//! The authorization endpoint (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): the request is
//! parsed into an [`AuthorizationRequest`], [`next_step`] says whether the person must sign
//! in or consent first, and [`issue_code`] answers with a code (RFC 6749 §4.1.2).
//!
//! Errors follow RFC 6749 §4.1.2.1: until the client and its redirect URI are verified the
//! request is answered at the provider ([`AuthorizeError::Page`]) and never redirected;
//! afterwards every error goes back to the client with `state` and `iss` (RFC 9207). A
//! vendor's app is the exception while nobody is signed in: its redirect URI was chosen
//! outside the platform, so an error found before the person is known is held at the
//! provider ([`AuthorizeError::Held`]) behind a link back, never sent there by itself
//! (RFC 9700 §4.11.2: no open redirector).
//!
//! This file holds the request and response types; `request.rs` parses a request,
//! `params.rs` its single parameters, `errors.rs` where its errors go, `decide.rs` the next
//! step, `issue.rs` the consent and the code.

use serde::{Deserialize, Serialize};
use url::Url;

use super::scope::Scope;
use crate::accounts::acr::AcrRequest;

mod decide;
mod errors;
mod issue;
mod params;
mod request;

pub use decide::{NextStep, Progress, client_still_allows, next_step};
pub use errors::{AuthorizeError, HeldResponse, request_error};
pub(crate) use issue::grant_lifetime;
pub use issue::{issue_code, record_consent, remember_consent};
pub use request::parse_request;

/// RFC 6749 §4.1.2: a code lives at most ten minutes; RFC 9700 recommends far less.
pub const CODE_TTL_SECS: i64 = 60;
/// How long a person has to sign in and consent before the request must start over.
pub const PENDING_TTL_SECS: i64 = 15 * 60;
/// Grants without refresh tokens are kept this long after their code, so that a replayed
/// code can still revoke what it issued.
const REPLAY_WINDOW_SECS: i64 = 86_400;

const MAX_PARAMS: usize = 64;
/// The longest `state` echoed back to a client (here and at logout).
pub const MAX_STATE_LEN: usize = 2048;
const MAX_NONCE_LEN: usize = 512;
const MAX_HINT_LEN: usize = 256;
const MAX_CLAIMS_LEN: usize = 4096;

/// How the response reaches the client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    /// RFC 6749 §4.1.2: parameters in the redirect URI's query.
    #[default]
    Query,
    /// OAuth 2.0 Form Post Response Mode: an auto-submitted HTML form.
    FormPost,
}

/// OpenID Connect Core §3.1.2.1 `prompt`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// A verified authorization request: its client and redirect URI are trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// Whether the request named it (RFC 6749 §4.1.3: then the token request must too).
    pub redirect_uri_given: bool,
    pub response_mode: ResponseMode,
    pub state: Option<String>,
    /// What will be asked of the person: the requested scopes the client is registered for.
    pub scope: Scope,
    pub nonce: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The `sub` of a valid `id_token_hint`: only that person may be signed in.
    pub hinted_sub: Option<String>,
    /// A public client whose redirect URI is not https cannot prove which app it is (RFC
    /// 8252 §8.6): any app could claim its id, so remembered consent does not count for it.
    pub consent_each_time: bool,
    pub code_challenge: Option<String>,
    /// The `claims` request parameter (OpenID Connect Core §5.5), as compact JSON.
    pub claims: Option<String>,
    /// The authentication level asked for: `acr_values`, an `acr` claim request, the
    /// client's default and minimum (decisions 124 and 125). Requests kept in a session
    /// before step-up existed read as asking nothing.
    #[serde(default)]
    pub acr: AcrRequest,
    /// The first language of `ui_locales` that the pages have (OpenID Connect Core
    /// §3.1.2.1); unknown or hostile values choose nothing (decision 143).
    #[serde(default)]
    pub ui_lang: Option<crate::i18n::Lang>,
    pub received_at: i64,
}

/// A response to deliver to the client: a code or an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(&'static str, String)>,
}

impl AuthorizationResponse {
    /// The redirect URI with the parameters added to its query (RFC 6749 §3.1.2: keeping
    /// the query it was registered with).
    pub fn location(&self) -> String {
        let Ok(mut url) = Url::parse(&self.redirect_uri) else {
            return self.redirect_uri.clone();
        };
        url.query_pairs_mut()
            .extend_pairs(self.params.iter().map(|(k, v)| (*k, v.as_str())));
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_keep_the_registered_query() {
        let response = AuthorizationResponse {
            redirect_uri: "https://app.example/cb?x=1".into(),
            mode: ResponseMode::Query,
            params: vec![("code", "a b".into()), ("state", "s&t".into())],
        };
        assert_eq!(
            response.location(),
            "https://app.example/cb?x=1&code=a+b&state=s%26t"
        );
    }
}
