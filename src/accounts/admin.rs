//! What an administrator does to an account (the command line now; the console and the
//! admin API use the same functions): lock and unlock, with a reason, and set roles. A lock
//! is separate from the brute-force throttles: set and lifted by hand. Locking ends every
//! session of the account and revokes every grant and the access tokens issued with them.
//!
//! These take the store and a clock rather than the running server's state, so that the
//! command line can use them against the database directly; revocations reach running
//! servers through the revocation table they read every second.

use crate::clock::Clock;
use crate::store::audit::AuditRecord;
use crate::store::users::UserRecord;
use crate::store::{Store, StoreError};

use super::users::Role;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no user named '{0}'")]
    NoSuchUser(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The longest reason kept with a lock.
const MAX_REASON_CHARS: usize = 500;

async fn find(store: &Store, username: &str) -> Result<UserRecord, AdminError> {
    store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.to_string()))
}

async fn record(
    store: &Store,
    clock: &Clock,
    event: &str,
    user: &UserRecord,
    actor: &str,
    detail: Option<String>,
) -> Result<(), StoreError> {
    let record = AuditRecord {
        at: clock.now(),
        event: event.to_string(),
        outcome: "success".into(),
        user_id: Some(user.id.clone()),
        username: Some(user.username.clone()),
        detail: Some(match detail.filter(|d| !d.is_empty()) {
            Some(detail) => format!("by {actor}: {detail}"),
            None => format!("by {actor}"),
        }),
        ..AuditRecord::default()
    };
    store.insert_audit_event(&record).await
}

/// Locks `username`'s account: they cannot sign in, and what they held stops working.
/// `actor` names who did it, for the trail.
pub async fn lock(
    store: &Store,
    clock: &Clock,
    username: &str,
    reason: &str,
    actor: &str,
) -> Result<UserRecord, AdminError> {
    let reason = reason_text(reason);
    let user = find(store, username).await?;
    let now = clock.now();
    store
        .set_user_lock(&user.id, Some((now, &reason)), now)
        .await?;
    store
        .end_login_sessions_of_user(&user.id, None, None, now)
        .await?;
    let (_, issued) = store.revoke_user_grants(&user.id, None, now).await?;
    for (jti, exp) in issued {
        store.insert_revoked_token(&jti, exp).await?;
    }
    record(store, clock, "user.locked", &user, actor, Some(reason)).await?;
    Ok(user)
}

/// Lifts an administrator's lock; the person signs in again as before.
pub async fn unlock(
    store: &Store,
    clock: &Clock,
    username: &str,
    reason: &str,
    actor: &str,
) -> Result<UserRecord, AdminError> {
    let user = find(store, username).await?;
    store.set_user_lock(&user.id, None, clock.now()).await?;
    let reason = reason_text(reason);
    record(store, clock, "user.unlocked", &user, actor, Some(reason)).await?;
    Ok(user)
}

/// A reason as kept in the trail: printable, at most [`MAX_REASON_CHARS`].
fn reason_text(reason: &str) -> String {
    reason
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_REASON_CHARS)
        .collect()
}

/// Replaces `username`'s roles. New tokens carry them; tokens already issued keep theirs
/// until they expire (15 minutes by default).
pub async fn set_roles(
    store: &Store,
    clock: &Clock,
    username: &str,
    roles: &[String],
    actor: &str,
) -> Result<(UserRecord, Vec<String>), AdminError> {
    let mut parsed: Vec<String> = Vec::new();
    for text in roles {
        let role = Role::parse(text).ok_or_else(|| {
            AdminError::Invalid(format!("unknown role '{text}' (consumer, farmer or admin)"))
        })?;
        if !parsed.iter().any(|r| r == role.as_str()) {
            parsed.push(role.as_str().to_string());
        }
    }
    if parsed.is_empty() {
        return Err(AdminError::Invalid("a user needs at least one role".into()));
    }
    let user = find(store, username).await?;
    store.set_user_roles(&user.id, &parsed, clock.now()).await?;
    let detail = format!("roles {}", parsed.join(" "));
    record(store, clock, "user.roles", &user, actor, Some(detail)).await?;
    Ok((user, parsed))
}
