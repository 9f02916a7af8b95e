//! A passkey offered right after sign-up (decision 150): sign-up leaves a mark in the
//! browser session, for this person, for ten minutes; while it stands, the account page and
//! the consent page show a small "add a passkey now" block (only where the script runs), and
//! adding that passkey does not ask for the password typed a moment ago. Adding any passkey
//! takes the mark away, so it serves once.

use serde::{Deserialize, Serialize};

use super::error::PageError;
use super::session::BrowserSession;
use crate::state::AppState;

pub(super) const OFFER: &str = "passkey:offer";
/// How long after sign-up the offer stands.
const OFFER_TTL_SECS: i64 = 600;

#[derive(Serialize, Deserialize)]
struct Offer {
    user_id: String,
    until: i64,
}

/// Marks that `user_id` has just signed up in this browser (nothing when the server has no
/// passkeys).
pub async fn make(
    state: &AppState,
    session: &BrowserSession,
    user_id: &str,
) -> Result<(), PageError> {
    if state.passkeys.is_none() {
        return Ok(());
    }
    let offer = Offer {
        user_id: user_id.to_string(),
        until: state.clock.now() + OFFER_TTL_SECS,
    };
    session.put(OFFER, &offer).await
}

/// Whether the offer stands for `user_id` (read, not taken).
pub async fn stands(
    state: &AppState,
    session: &BrowserSession,
    user_id: &str,
) -> Result<bool, PageError> {
    if state.passkeys.is_none() {
        return Ok(false);
    }
    let offer = session.read::<Offer>(OFFER).await?;
    Ok(offer.is_some_and(|o| o.user_id == user_id && o.until > state.clock.now()))
}

/// Ends the offer: a passkey was added.
pub async fn end(session: &BrowserSession) -> Result<(), PageError> {
    session.take_flash::<Offer>(OFFER).await.map(|_| ())
}
