//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2–§3): a client sends the
//! person to the end-session endpoint, optionally with the ID token it holds and where to
//! return to. The return address must be one the client registered (§3), compared exactly.
//!
//! [`decide`] says what happens: only an ID token of the browser's current session, issued
//! to the client asking, signs the person out at once; otherwise they are asked first (§2:
//! the OP SHOULD ask whether they want to log out). A vendor's app's return address is used
//! only once the person is known (RFC 9700 §4.11.2); before that it is offered as a link.

use std::sync::Arc;

use url::Url;

use super::id_token::{self, IdTokenClaims};
use crate::accounts::audit::{self, Event, Origin};
use crate::accounts::login::SignedIn;
use crate::domain::ClientId;
use crate::oauth2::authorize::MAX_STATE_LEN;
use crate::oauth2::clients::Client;
use crate::oauth2::params::Params;
use crate::state::AppState;
use crate::store::StoreError;

/// A verified logout request.
#[derive(Debug, Default)]
pub struct LogoutRequest {
    /// The claims of a valid `id_token_hint`.
    pub hint: Option<IdTokenClaims>,
    pub client: Option<Arc<Client>>,
    /// The registered `post_logout_redirect_uri`, as given.
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

impl LogoutRequest {
    /// Where to send the person once signed out: the return address with `state`.
    pub fn return_to(&self) -> Option<String> {
        let uri = self.post_logout_redirect_uri.as_deref()?;
        let mut url = Url::parse(uri).ok()?;
        if let Some(state) = &self.state {
            url.query_pairs_mut().append_pair("state", state);
        }
        Some(url.to_string())
    }

    /// Whether the hint is an ID token of this very login session (its `sid`), for the
    /// person signed in: only then did the client prove that the request is theirs and
    /// current. An older token of the same person, from a session that ended, does not.
    /// (Its `aud` is the client asking: [`parse_request`] refuses any other.)
    pub fn hint_is_for_session(&self, person: &SignedIn) -> bool {
        self.hint
            .as_ref()
            .is_some_and(|hint| hint.sid == person.sid && hint.sub == person.user_id)
    }
}

/// What the end-session endpoint does with a request.
#[derive(Debug, PartialEq, Eq)]
pub enum LogoutStep {
    /// Ask the person signed in whether they want to sign out (RP-Initiated Logout §2).
    Confirm,
    /// End the session of whoever is signed in (if anyone), then `then`.
    SignOut(AfterLogout),
}

/// Where the person goes once signed out.
#[derive(Debug, PartialEq, Eq)]
pub enum AfterLogout {
    /// Redirected to the client's return address (with `state`).
    Return(String),
    /// A page at the provider with a link to the return address of `app`, a vendor's app,
    /// because the person was not known when it asked (RFC 9700 §4.11.2).
    OfferReturn { app: String, uri: String },
    /// A page at the provider saying they are signed out.
    Stay,
}

/// Decides a logout request for `signed_in` (who is signed in in this browser), `confirmed`
/// when it comes from the confirmation form (whose CSRF token the caller checked).
pub fn decide(
    request: &LogoutRequest,
    signed_in: Option<&SignedIn>,
    confirmed: bool,
) -> LogoutStep {
    let known = match signed_in {
        Some(person) => confirmed || request.hint_is_for_session(person),
        None => false,
    };
    if signed_in.is_some() && !known {
        return LogoutStep::Confirm;
    }
    let Some(uri) = request.return_to() else {
        return LogoutStep::SignOut(AfterLogout::Stay);
    };
    let vendor_app = request.client.as_ref().filter(|c| c.is_vendor_app());
    LogoutStep::SignOut(match vendor_app {
        Some(app) if !known => AfterLogout::OfferReturn {
            app: app.name.clone(),
            uri,
        },
        _ => AfterLogout::Return(uri),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    /// Shown at the provider: nothing here is trusted enough to redirect to.
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn parse_request(
    state: &AppState,
    params: &Params,
) -> Result<LogoutRequest, LogoutError> {
    let hint =
        match params.get("id_token_hint") {
            None => None,
            Some(token) => Some(id_token::verify_hint(state, token).ok_or(
                LogoutError::Invalid("The application sent an ID token that was not issued here."),
            )?),
        };
    let client_id = match (params.get("client_id"), &hint) {
        (Some(id), Some(hint)) if id != hint.aud => {
            return Err(LogoutError::Invalid(
                "The application's identity does not match the ID token it sent.",
            ));
        }
        (Some(id), _) => Some(id.to_string()),
        (None, Some(hint)) => Some(hint.aud.clone()),
        (None, None) => None,
    };
    let client = match client_id.as_deref().map(ClientId::parse) {
        Some(Ok(id)) => Some(state.clients.find(&id).await?.ok_or(LogoutError::Invalid(
            "The application that sent you here is not registered with us.",
        ))?),
        Some(Err(_)) => {
            return Err(LogoutError::Invalid(
                "The application that sent you here is not registered with us.",
            ));
        }
        None => None,
    };
    let post_logout_redirect_uri = match (params.get("post_logout_redirect_uri"), &client) {
        (None, _) => None,
        (Some(uri), Some(client)) if client.post_logout_redirect_uris.iter().any(|r| r == uri) => {
            Some(uri.to_string())
        }
        (Some(_), Some(_)) => {
            return Err(LogoutError::Invalid(
                "The address the application asked us to send you back to is not registered for it.",
            ));
        }
        (Some(_), None) => {
            return Err(LogoutError::Invalid(
                "A return address was given without saying which application it belongs to.",
            ));
        }
    };
    let state_param = params.get("state");
    if state_param.is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return Err(LogoutError::Invalid("The sign-out request is too long."));
    }
    Ok(LogoutRequest {
        hint,
        client,
        post_logout_redirect_uri,
        state: state_param.map(str::to_string),
    })
}

/// Ends a login session everywhere, and says so in the trail (`why`: "signed out",
/// "replaced by another sign-in"); the browser's session is the caller's to clear.
pub async fn end_login_session(
    state: &AppState,
    origin: &Origin,
    person: &SignedIn,
    why: &'static str,
) -> Result<(), StoreError> {
    state
        .store
        .end_login_session(&person.sid, state.clock.now())
        .await?;
    let event = Event::of_user("session.ended", &person.user_id).detail(why);
    audit::record(state, origin, event).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada(sid: &str) -> SignedIn {
        SignedIn {
            user_id: "ada".into(),
            sid: sid.into(),
            auth_time: 0,
            amr: vec![],
            fresh_at: None,
        }
    }

    fn hinted(sub: &str, sid: &str) -> LogoutRequest {
        let hint = IdTokenClaims {
            iss: "https://id.example".into(),
            sub: sub.into(),
            aud: "app".into(),
            exp: 0,
            iat: 0,
            auth_time: 0,
            nonce: None,
            at_hash: None,
            amr: vec![],
            acr: None,
            sid: sid.into(),
            person: Default::default(),
        };
        LogoutRequest {
            hint: Some(hint),
            ..LogoutRequest::default()
        }
    }

    #[test]
    fn only_a_hint_of_the_current_session_skips_the_question() {
        let now = ada("s2");
        let stay = LogoutStep::SignOut(AfterLogout::Stay);
        assert_eq!(decide(&hinted("ada", "s2"), Some(&now), false), stay);
        assert_eq!(
            decide(&hinted("ada", "s1"), Some(&now), false),
            LogoutStep::Confirm
        );
        assert_eq!(
            decide(&hinted("bob", "s2"), Some(&now), false),
            LogoutStep::Confirm
        );
        assert_eq!(
            decide(&LogoutRequest::default(), Some(&now), false),
            LogoutStep::Confirm
        );
        assert_eq!(decide(&LogoutRequest::default(), Some(&now), true), stay);
        assert_eq!(decide(&hinted("ada", "s1"), None, false), stay);
    }
}
