//! A person's sign-ins and connected apps, as their account shows them: ending one session,
//! all others, or all (after a password reset), and revoking an app's access.

use crate::domain::{ClientId, SessionId};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::consents::ConnectedApp;
use crate::store::sessions::LoginSessionRecord;

use super::audit::{self, Event, Origin};
use super::login::SignedIn;

/// Ends every login session of `user_id` except `keep`; with `revoke_grants`, also revokes
/// every grant (refresh tokens, and the access tokens issued with them). Returns the sids
/// ended.
pub async fn sign_out_everywhere(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    keep: Option<&str>,
    revoke_grants: bool,
) -> Result<Vec<String>, StoreError> {
    let now = state.clock.now();
    let ended = state
        .store
        .end_login_sessions_of_user(user_id, None, keep, now)
        .await?;
    if revoke_grants {
        revoke_tokens(state, user_id, None).await?;
    }
    let event = Event::of_user("session.ended", user_id).detail(match keep {
        Some(_) => format!("{} other sessions", ended.len()),
        None => format!("all {} sessions", ended.len()),
    });
    audit::record(state, origin, event).await?;
    Ok(ended)
}

/// Ends one of `user_id`'s sessions; false if they have no live session `sid`.
pub async fn end_session(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    sid: &SessionId<'_>,
) -> Result<bool, StoreError> {
    let ended = state
        .store
        .end_login_sessions_of_user(user_id, Some(sid), None, state.clock.now())
        .await?;
    if ended.is_empty() {
        return Ok(false);
    }
    audit::record(state, origin, Event::of_user("session.ended", user_id)).await?;
    Ok(true)
}

/// Whether `person`'s login session is still live: not ended by a sign-out elsewhere, an
/// administrator or a reset, and not past its absolute end. Notes when it was last seen,
/// to the minute (one write a minute at most), for the sessions page.
pub async fn still_live(state: &AppState, person: &SignedIn) -> Result<bool, StoreError> {
    let now = state.clock.now();
    let live = state
        .store
        .find_live_login_session(&person.sid, now)
        .await?;
    match live {
        Some(login) if login.user_id == person.user_id => {
            if login.last_seen_at.is_none_or(|seen| seen < now - 60) {
                state.store.touch_login_session(&person.sid, now).await?;
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

pub async fn live_sessions(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<LoginSessionRecord>, StoreError> {
    state
        .store
        .list_live_login_sessions(user_id, state.clock.now())
        .await
}

pub async fn connected_apps(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<ConnectedApp>, StoreError> {
    state
        .store
        .list_connected_apps(user_id, state.clock.now())
        .await
}

/// Takes back what `user_id` gave `client_id`: its refresh tokens (and the access tokens
/// issued with them) and the remembered consent. False if it held nothing.
pub async fn revoke_app(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    client_id: &ClientId<'_>,
) -> Result<bool, StoreError> {
    let revoked = revoke_tokens(state, user_id, Some(client_id)).await?;
    let forgot = state.store.delete_consent(user_id, client_id).await?;
    if !(revoked || forgot) {
        return Ok(false);
    }
    let event = Event::of_user("app.revoked", user_id).client(client_id);
    audit::record(state, origin, event).await?;
    Ok(true)
}

async fn revoke_tokens(
    state: &AppState,
    user_id: &str,
    client_id: Option<&str>,
) -> Result<bool, StoreError> {
    let (grants, issued) = state
        .store
        .revoke_user_grants(user_id, client_id, state.clock.now())
        .await?;
    for (jti, exp) in issued {
        state.revocations.revoke(&jti, exp).await?;
    }
    Ok(grants > 0)
}
