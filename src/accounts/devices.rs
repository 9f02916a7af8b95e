//! Known devices: a browser that completes a sign-in gets a long-lived cookie naming it.
//! The account-wide lock (failures from anywhere) does not apply to a person's own known
//! browser, so an attacker who fails on purpose, from other addresses, cannot keep them out
//! (OWASP's "device cookies"). The per-address locks still apply to everyone.

use crate::domain::DeviceToken;
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::StoreError;

/// How long an unused device stays known.
pub const DEVICE_TTL_SECS: i64 = 365 * 86_400;

/// The cookie's token, if it could be one we set ([`DeviceToken::parse`]).
fn parsed(token: Option<&str>) -> Option<DeviceToken<'_>> {
    token.and_then(|t| DeviceToken::parse(t).ok())
}

/// The person `token`'s browser signed in as, if it is a known device.
pub async fn owner(state: &AppState, token: Option<&str>) -> Result<Option<String>, StoreError> {
    let Some(token) = parsed(token) else {
        return Ok(None);
    };
    let since = state.clock.now() - DEVICE_TTL_SECS;
    state
        .store
        .find_known_device(&hash_secret(&token), since)
        .await
}

/// Records that the browser presenting `token` (if any) signed in as `user_id`; returns a
/// new token to set when the browser was not known for this person yet.
pub async fn remember(
    state: &AppState,
    user_id: &str,
    token: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let now = state.clock.now();
    if let Some(token) = parsed(token) {
        let hash = hash_secret(&token);
        let since = now - DEVICE_TTL_SECS;
        if state
            .store
            .find_known_device(&hash, since)
            .await?
            .as_deref()
            == Some(user_id)
        {
            state.store.touch_known_device(&hash, now).await?;
            return Ok(None);
        }
    }
    let token = random_token::<32>();
    state
        .store
        .insert_known_device(&hash_secret(&token), user_id, now)
        .await?;
    Ok(Some(token))
}

/// Forgets `user_id`'s known browsers, but the one presenting `keep` (the browser that
/// changed the password).
pub async fn forget_all(
    state: &AppState,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), StoreError> {
    let keep = parsed(keep).map(|t| hash_secret(&t));
    state
        .store
        .delete_known_devices(user_id, keep.as_deref())
        .await?;
    Ok(())
}
