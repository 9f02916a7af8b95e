//! The review of second factors after a password reset (decision 71). Whoever had the old
//! password may have added a factor of their own (an authenticator app, a passkey, new
//! recovery codes, a linked provider) to keep a way in, or to lock the person out. After a
//! reset by mail, the factors added in the last [`REVIEW_WINDOW_SECS`] are listed (for an
//! account whose address was never confirmed, all since it was made: [`review_since`]), and
//! the person may remove them before signing in. Older factors are not offered: the person
//! set them up long enough ago to protect the account against someone who only reads their
//! mail.

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::account_security::AddedFactor;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::email_links;

/// How far back the review after a reset looks: seven days, the time in which a person
/// who noticed nothing is likely to notice mail about a change and reset.
pub const REVIEW_WINDOW_SECS: i64 = 7 * 86_400;

/// A factor the review offers to remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecentFactor {
    AuthenticatorApp {
        added_at: i64,
    },
    RecoveryCodes {
        added_at: i64,
    },
    Passkey {
        id: String,
        name: String,
        added_at: i64,
    },
    /// An upstream provider linked, which signs in alone (decision 160).
    Provider {
        id: String,
        label: String,
        added_at: i64,
    },
}

impl RecentFactor {
    fn from_row(row: AddedFactor) -> Option<RecentFactor> {
        match row.kind.as_str() {
            "totp" => Some(RecentFactor::AuthenticatorApp {
                added_at: row.added_at,
            }),
            "recovery_codes" => Some(RecentFactor::RecoveryCodes {
                added_at: row.added_at,
            }),
            "passkey" => Some(RecentFactor::Passkey {
                id: row.id,
                name: row.name,
                added_at: row.added_at,
            }),
            "upstream" => Some(RecentFactor::Provider {
                id: row.id,
                label: row.name,
                added_at: row.added_at,
            }),
            _ => None,
        }
    }

    /// What a form names this factor by: `totp`, `recovery_codes` or `passkey:ID`.
    pub fn key(&self) -> String {
        match self {
            RecentFactor::AuthenticatorApp { .. } => "totp".into(),
            RecentFactor::RecoveryCodes { .. } => "recovery_codes".into(),
            RecentFactor::Passkey { id, .. } => format!("passkey:{id}"),
            RecentFactor::Provider { id, .. } => format!("upstream:{id}"),
        }
    }

    pub fn added_at(&self) -> i64 {
        match self {
            RecentFactor::AuthenticatorApp { added_at }
            | RecentFactor::RecoveryCodes { added_at }
            | RecentFactor::Passkey { added_at, .. }
            | RecentFactor::Provider { added_at, .. } => *added_at,
        }
    }
}

/// Since when `user`'s factors are reviewed: the last [`REVIEW_WINDOW_SECS`]; for an
/// account whose address was never confirmed, since it was made. Whoever signed up with
/// someone else's address (with or without a password) may have added ways in long before
/// the owner takes the account over with a reset (decision 161).
pub fn review_since(user: &UserRecord, now: i64) -> i64 {
    let window = now - REVIEW_WINDOW_SECS;
    match user.email_verified {
        true => window,
        false => window.min(user.created_at),
    }
}

/// The days the review of `user` looks back, as its page says.
pub fn review_days(user: &UserRecord, now: i64) -> i64 {
    (now - review_since(user, now) + 86_399) / 86_400
}

/// The factors of `user` added within the review window ([`review_since`]).
pub async fn recently_added(
    state: &AppState,
    user: &UserRecord,
) -> Result<Vec<RecentFactor>, StoreError> {
    let since = review_since(user, state.clock.now());
    let rows = state
        .store
        .list_factors_added_since(&user.id, since)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(RecentFactor::from_row)
        .collect())
}

/// Removes the recent factor named `key` ([`RecentFactor::key`]); false if no factor
/// added within the window has that name (an older one is never removed here).
pub async fn remove_recent(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    key: &str,
) -> Result<bool, StoreError> {
    let recent = recently_added(state, user).await?;
    let Some(factor) = recent.into_iter().find(|f| f.key() == key) else {
        return Ok(false);
    };
    let (removed, event, what) = match &factor {
        RecentFactor::AuthenticatorApp { .. } => (
            state.store.delete_totp(&user.id).await?,
            "totp.disabled",
            "The authenticator app was removed from your account, with its recovery codes, after a password reset.",
        ),
        RecentFactor::RecoveryCodes { .. } => (
            state.store.delete_recovery_codes(&user.id).await?,
            "recovery_codes.removed",
            "The recovery codes of your account were removed after a password reset.",
        ),
        RecentFactor::Passkey { id, .. } => (
            state.store.delete_passkey(&user.id, id).await?,
            "passkey.removed",
            "A passkey was removed from your account after a password reset.",
        ),
        RecentFactor::Provider { id, added_at, .. } => (
            (state.store)
                .delete_upstream_link_added_since(&user.id, id, *added_at)
                .await?,
            "upstream.unlinked",
            "A provider was unlinked from your account after a password reset.",
        ),
    };
    if removed {
        let event = Event::of_user(event, &user.id).detail("in the review after a password reset");
        audit::record(state, origin, event).await?;
        email_links::security_notice(state, user, what).await;
    }
    Ok(removed)
}
