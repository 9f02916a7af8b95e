//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2–§3): a client sends the
//! person to the end-session endpoint, optionally with the ID token it holds and where to
//! return to. The return address must be one the client registered (§3), compared exactly.

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

    /// Whether signing out needs no confirmation: the client proved, with an ID token for
    /// the person signed in now (or for nobody signed in), that the request is theirs.
    pub fn is_confirmed_by_hint(&self, signed_in_user: Option<&str>) -> bool {
        match (&self.hint, signed_in_user) {
            (Some(hint), Some(user)) => hint.sub == user,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
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
