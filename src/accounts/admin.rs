//! What an administrator does to an account, from the command line, the console or the
//! admin API alike: lock and unlock with a reason, set roles, require a new
//! password, end sessions, delete. Every change is written to the trail with who made it.
//!
//! The command line calls them with a state of its own ([`AppState::open`]); revocations
//! reach running servers through the revocation table they read every second.

use crate::domain::{RoleError, Roles, SessionId};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::AuditRecord;
use crate::store::users::{UserCursor, UserPage, UserRecord};

use super::audit::Origin;
use super::users::Role;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no user named '{0}'")]
    NoSuchUser(String),
    #[error("{0}")]
    Invalid(String),
    /// An administrator acting on their own account in a way that would shut them out.
    #[error("{0}")]
    NotOnYourself(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who makes a change, as the trail records it.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    /// `farm-auth user …`: whoever can reach the database.
    CommandLine,
    /// A signed-in person: an administrator (console, admin API), or an owner or
    /// manager issuing registration tokens for their farm.
    Person {
        user: &'a UserRecord,
        origin: &'a Origin,
    },
}

impl Actor<'_> {
    fn describe(&self) -> String {
        match self {
            Actor::CommandLine => "the command line".into(),
            Actor::Person { user, .. } if user.roles.contains(Role::Admin) => {
                format!("administrator {}", user.username)
            }
            Actor::Person { user, .. } => user.username.clone(),
        }
    }

    /// Refuses a change an administrator would make to their own account.
    fn not_on_self(&self, target: &UserRecord, why: &'static str) -> Result<(), AdminError> {
        match self {
            Actor::Person { user, .. } if user.id == target.id => {
                Err(AdminError::NotOnYourself(why))
            }
            _ => Ok(()),
        }
    }

    /// Writes `event` about `target` (a user, or `None` for a change to something else) to
    /// the trail.
    pub async fn record(
        &self,
        state: &AppState,
        event: &str,
        target: Option<&UserRecord>,
        detail: Option<String>,
    ) -> Result<(), StoreError> {
        self.record_event(state, event, target, None, detail).await
    }

    /// Writes a refused `event` to the trail, with why it was refused: a privileged action
    /// someone tried and was not allowed.
    pub async fn record_refusal(
        &self,
        state: &AppState,
        event: &str,
        why: String,
    ) -> Result<(), StoreError> {
        self.write(state, event, "failure", None, None, Some(why))
            .await
    }

    /// Writes `event` about client `client_id` to the trail.
    pub async fn record_for_client(
        &self,
        state: &AppState,
        event: &str,
        client_id: &str,
        detail: Option<String>,
    ) -> Result<(), StoreError> {
        self.record_event(state, event, None, Some(client_id), detail)
            .await
    }

    async fn record_event(
        &self,
        state: &AppState,
        event: &str,
        target: Option<&UserRecord>,
        client_id: Option<&str>,
        detail: Option<String>,
    ) -> Result<(), StoreError> {
        self.write(state, event, "success", target, client_id, detail)
            .await
    }

    async fn write(
        &self,
        state: &AppState,
        event: &str,
        outcome: &str,
        target: Option<&UserRecord>,
        client_id: Option<&str>,
        detail: Option<String>,
    ) -> Result<(), StoreError> {
        let (actor_id, ip) = match self {
            Actor::CommandLine => (None, None),
            Actor::Person { user, origin } => {
                (Some(user.id.clone()), origin.ip.map(|ip| ip.to_string()))
            }
        };
        let by = self.describe();
        let record = AuditRecord {
            at: state.clock.now(),
            event: event.to_string(),
            outcome: outcome.into(),
            user_id: target.map(|user| user.id.clone()),
            username: target.map(|user| user.username.clone()),
            ip,
            client_id: client_id.map(str::to_string),
            detail: Some(match detail.filter(|d| !d.is_empty()) {
                Some(detail) => format!("by {by}: {detail}"),
                None => format!("by {by}"),
            }),
            actor_id,
            ..AuditRecord::default()
        };
        super::audit::write(state, &record).await
    }
}

/// The longest reason kept with a lock.
const MAX_TEXT_CHARS: usize = 500;

/// The user named `username`, for the command line.
pub async fn find(state: &AppState, username: &str) -> Result<UserRecord, AdminError> {
    state
        .store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.to_string()))
}

/// One page of the people whose username or email starts with `query` (any case), from
/// `after` (a cursor of the previous page), and how many there are (up to a bound).
pub async fn search_users(
    state: &AppState,
    query: &str,
    after: Option<&UserCursor>,
    limit: i64,
) -> Result<UserPage, StoreError> {
    state.store.search_users(query, after, limit).await
}

/// Ends every session of `user` and revokes every grant and the access tokens issued with
/// them.
async fn cut_off(state: &AppState, user: &UserRecord, now: i64) -> Result<(), StoreError> {
    let store = &state.store;
    store
        .end_login_sessions_of_user(&user.id, None, None, now)
        .await?;
    let (_, issued) = store.revoke_user_grants(&user.id, None, now).await?;
    for (jti, exp) in issued {
        store.insert_revoked_token(&jti, exp).await?;
    }
    Ok(())
}

/// Locks `user`'s account: they cannot sign in, and what they held stops working.
pub async fn lock(
    state: &AppState,
    user: &UserRecord,
    reason: &str,
    actor: Actor<'_>,
) -> Result<(), AdminError> {
    actor.not_on_self(user, "you cannot lock your own account")?;
    let reason = printable(reason, MAX_TEXT_CHARS);
    let now = state.clock.now();
    state
        .store
        .set_user_lock(&user.id, Some((now, &reason)), now)
        .await?;
    cut_off(state, user, now).await?;
    actor
        .record(state, "user.locked", Some(user), Some(reason))
        .await?;
    Ok(())
}

/// A lock's reason as people and scripts must give it (the command line may lock without
/// one): refused when it holds nothing but blanks and control characters.
pub fn stated_reason(text: Option<&str>) -> Result<&str, AdminError> {
    match text.filter(|t| !t.chars().all(|c| c.is_whitespace() || c.is_control())) {
        Some(reason) => Ok(reason),
        None => Err(AdminError::Invalid(
            "Say why the account is locked. A reason is required.".into(),
        )),
    }
}

/// Lifts an administrator's lock; the person signs in again as before.
pub async fn unlock(
    state: &AppState,
    user: &UserRecord,
    reason: &str,
    actor: Actor<'_>,
) -> Result<(), AdminError> {
    state
        .store
        .set_user_lock(&user.id, None, state.clock.now())
        .await?;
    let reason = printable(reason, MAX_TEXT_CHARS);
    actor
        .record(state, "user.unlocked", Some(user), Some(reason))
        .await?;
    Ok(())
}

/// `text` as kept (a reason, a search): printable, trimmed, at most `max`
/// characters.
pub fn printable(text: &str, max: usize) -> String {
    let kept: String = text.chars().filter(|c| !c.is_control()).collect();
    kept.trim().chars().take(max).collect()
}

/// Role names as an administrator gave them, parsed, or why not in their words.
pub fn parse_roles(roles: &[impl AsRef<str>]) -> Result<Roles, AdminError> {
    Roles::parse(roles).map_err(|error| match error {
        RoleError::Unknown(text) => AdminError::Invalid(format!(
            "unknown role '{}' (consumer, farmer or admin)",
            printable(&text, 40)
        )),
        RoleError::Empty => AdminError::Invalid(error.to_string()),
    })
}

/// Replaces `user`'s roles. New tokens carry them; tokens already issued keep theirs
/// until they expire (15 minutes by default). The admin API and console read the role at
/// every request, so taking `admin` away takes effect at once.
pub async fn set_roles(
    state: &AppState,
    user: &UserRecord,
    roles: &[impl AsRef<str>],
    actor: Actor<'_>,
) -> Result<Roles, AdminError> {
    let parsed = parse_roles(roles)?;
    if !parsed.contains(Role::Admin) {
        actor.not_on_self(user, "you cannot take the admin role from yourself")?;
    }
    state
        .store
        .set_user_roles(&user.id, &parsed, state.clock.now())
        .await?;
    let detail = format!("roles {}", parsed.join(" "));
    actor
        .record(state, "user.roles", Some(user), Some(detail))
        .await?;
    Ok(parsed)
}

/// Makes `user` choose a new password: the current one stops signing in, every session
/// and grant ends, and a reset link is mailed to them. Returns whether the mail went out
/// (three links an hour at most).
pub async fn require_password_reset(
    state: &AppState,
    user: &UserRecord,
    actor: Actor<'_>,
) -> Result<bool, AdminError> {
    actor.not_on_self(user, "change your own password from your account page")?;
    let now = state.clock.now();
    state.store.require_password_reset(&user.id, now).await?;
    cut_off(state, user, now).await?;
    let mailed = super::email_links::mail_reset_link(
        state,
        user,
        "An administrator of Not Far(m) From Home asked you to choose a new password. Until you do, your current password no longer signs you in. The link works once, for 30 minutes.",
        "If the link has expired, ask for a new one from the sign-in page (\u{201c}Forgot your password?\u{201d}).",
    )
    .await?;
    let detail = match mailed {
        true => "reset link mailed",
        false => "no link mailed: three were sent this hour",
    };
    actor
        .record(
            state,
            "user.password_reset_required",
            Some(user),
            Some(detail.into()),
        )
        .await?;
    Ok(mailed)
}

/// Ends one of `user`'s sessions; false if they have no live session `sid`.
pub async fn end_session(
    state: &AppState,
    user: &UserRecord,
    sid: &SessionId<'_>,
    actor: Actor<'_>,
) -> Result<bool, AdminError> {
    let ended = state
        .store
        .end_login_sessions_of_user(&user.id, Some(sid), None, state.clock.now())
        .await?;
    if ended.is_empty() {
        return Ok(false);
    }
    actor
        .record(state, "session.ended", Some(user), None)
        .await?;
    Ok(true)
}

/// Deletes `user`'s account: what they held is revoked first, then the account and
/// everything hanging off it is removed. The trail keeps their id and username.
pub async fn delete(
    state: &AppState,
    user: &UserRecord,
    actor: Actor<'_>,
) -> Result<(), AdminError> {
    actor.not_on_self(user, "you cannot delete your own account here")?;
    cut_off(state, user, state.clock.now()).await?;
    if !state.store.delete_user(&user.id).await? {
        return Err(AdminError::NoSuchUser(user.username.clone()));
    }
    actor
        .record(state, "user.deleted", Some(user), None)
        .await?;
    Ok(())
}
