//! Which upstream subject is which local account: the account made from an upstream
//! sign-in, a link written once the person proved the local account (never on the address
//! alone, decision 135), and a link removed unless it is the account's last way in.

use crate::domain::{EmailAddress, Roles, Username};
use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::upstreams::UpstreamLink;
use crate::store::users::UserRecord;

use super::super::audit::{self, Event, Origin};
use super::super::email_links;
use super::super::throttle::{self, Locked};
use super::super::users::Role;
use super::relying_party::Identity;

#[derive(Debug, thiserror::Error)]
pub enum UpstreamSignUpError {
    #[error("{0}")]
    Invalid(String),
    #[error("that username is taken; choose another")]
    Taken,
    /// Too many sign-ups from this network: 429 until the lock ends.
    #[error("too many sign-ups from your network")]
    Throttled(Locked),
    /// Too many sign-ups from everyone: 503 until the lock ends.
    #[error("too many sign-ups at once")]
    Overloaded(Locked),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A username to offer for `identity`: its `preferred_username`, else the local part of
/// its address, kept to the characters usernames allow.
pub fn suggested_username(identity: &Identity) -> String {
    let from = identity
        .preferred_username
        .as_deref()
        .or_else(|| identity.email.as_deref().and_then(|e| e.split('@').next()))
        .unwrap_or_default();
    from.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(64)
        .collect()
}

/// Makes an account for `identity` named `username`, linked to it, without a password.
/// Its address is confirmed only if the provider vouched for it; otherwise a confirmation
/// link is mailed, as after any sign-up.
pub async fn sign_up(
    state: &AppState,
    origin: &Origin,
    identity: &Identity,
    username: &str,
) -> Result<UserRecord, UpstreamSignUpError> {
    let invalid = |e: &dyn std::fmt::Display| UpstreamSignUpError::Invalid(e.to_string());
    let username = Username::parse(username).map_err(|e| invalid(&e))?;
    let email = EmailAddress::parse(identity.email.as_deref().unwrap_or_default())
        .map_err(|e| invalid(&e))?;
    admit(state, origin).await?;
    let now = state.clock.now();
    let user = UserRecord {
        id: random_id(),
        username: username.into_string(),
        email: email.into_string(),
        email_verified: identity.email_verified,
        password_hash: None,
        roles: Roles::of(&[Role::Consumer]).map_err(|e| invalid(&e))?,
        created_at: now,
        updated_at: now,
        locked: None,
        password_reset_required: false,
        display_name: None,
    };
    let inserted = (state.store)
        .insert_user_with_upstream_link(&user, &identity.provider_id, &identity.subject)
        .await;
    match inserted {
        Err(StoreError::Conflict) => return Err(UpstreamSignUpError::Taken),
        other => other?,
    }
    if !user.email_verified {
        email_links::send_verification(state, &user).await?;
    }
    let detail = format!("from provider {}", identity.provider_id);
    let event = Event::of_user("signup", &user.id).detail(detail);
    audit::record(state, origin, event).await?;
    linked_event(state, origin, &user.id, &identity.provider_id).await?;
    Ok(user)
}

/// The sign-up limits of the person's network and of everyone (the page's anti-automation
/// step is the provider's own sign-in here).
async fn admit(state: &AppState, origin: &Origin) -> Result<(), UpstreamSignUpError> {
    let address = throttle::address_of(origin);
    let own = [throttle::limit(throttle::SIGNUP_ADDRESS, &address)];
    if let Err(lock) = throttle::count(state, &own).await? {
        return Err(UpstreamSignUpError::Throttled(lock));
    }
    let everyone = throttle::signup_all(state.config.signup_rate_limit);
    if let Err(lock) = throttle::count(state, &[throttle::limit(everyone, "")]).await? {
        return Err(UpstreamSignUpError::Overloaded(lock));
    }
    Ok(())
}

async fn linked_event(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    provider_id: &str,
) -> Result<(), StoreError> {
    let event =
        Event::of_user("upstream.linked", user_id).detail(format!("provider {provider_id}"));
    audit::record(state, origin, event).await
}

/// What [`link`] came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Linked {
    Done,
    /// The upstream subject is linked to an account already, or this account to another
    /// subject of the provider.
    Taken,
}

/// Links `identity` to `user_id`, who proved the local account in this browser.
pub async fn link(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    identity: &Identity,
) -> Result<Linked, StoreError> {
    let now = state.clock.now();
    let inserted = (state.store)
        .insert_upstream_link(&identity.provider_id, &identity.subject, user_id, now)
        .await;
    match inserted {
        Err(StoreError::Conflict) => return Ok(Linked::Taken),
        other => other?,
    }
    linked_event(state, origin, user_id, &identity.provider_id).await?;
    if let Some(user) = state.store.find_user_by_id(user_id).await? {
        notice(state, &user, "mail-upstream-linked", &identity.provider_id).await?;
    }
    Ok(Linked::Done)
}

/// Tells the person by mail that a provider now signs in to their account, or no longer
/// does: a link they did not make must not go unnoticed.
async fn notice(
    state: &AppState,
    user: &UserRecord,
    message: &str,
    provider_id: &str,
) -> Result<(), StoreError> {
    let label = match super::find(state, provider_id).await? {
        Some(provider) => provider.label,
        None => provider_id.to_string(),
    };
    let what = crate::i18n::t1(message, "provider", &label);
    email_links::security_notice(state, user, &what).await;
    Ok(())
}

/// The providers `user_id` is linked to.
pub async fn of_user(state: &AppState, user_id: &str) -> Result<Vec<UpstreamLink>, StoreError> {
    state.store.upstream_links_of(user_id).await
}

/// What [`unlink`] came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Unlinked {
    Done,
    NotLinked,
    /// No password, no passkey and no other link: the account would have no way in.
    LastWayIn,
}

/// Removes `user`'s link to `provider_id`, unless it is the account's last way in.
pub async fn unlink(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    provider_id: &str,
) -> Result<Unlinked, StoreError> {
    let links = state.store.upstream_links_of(&user.id).await?;
    if !links.iter().any(|l| l.provider_id == provider_id) {
        return Ok(Unlinked::NotLinked);
    }
    let other_way = user.password_hash.is_some()
        || links.len() > 1
        || !state.store.list_passkeys(&user.id).await?.is_empty();
    if !other_way {
        return Ok(Unlinked::LastWayIn);
    }
    // The store checks the other ways in again as it deletes: another request may have
    // removed one since they were read here.
    if !state
        .store
        .delete_upstream_link(&user.id, provider_id)
        .await?
    {
        return Ok(Unlinked::LastWayIn);
    }
    let event =
        Event::of_user("upstream.unlinked", &user.id).detail(format!("provider {provider_id}"));
    audit::record(state, origin, event).await?;
    notice(state, user, "mail-upstream-unlinked", provider_id).await?;
    Ok(Unlinked::Done)
}

#[cfg(test)]
mod tests {
    use super::suggested_username;
    use crate::accounts::upstream::relying_party::Identity;

    fn identity(preferred: Option<&str>, email: Option<&str>) -> Identity {
        Identity {
            provider_id: "up".into(),
            subject: "s".into(),
            email: email.map(str::to_string),
            email_verified: true,
            preferred_username: preferred.map(str::to_string),
            multi_factor: false,
            auth_time: None,
        }
    }

    #[test]
    fn the_offered_username_is_the_preferred_one_else_the_address_local_part() {
        let both = identity(Some("carol"), Some("c.smith@farm.example"));
        assert_eq!(suggested_username(&both), "carol");
        let address = identity(None, Some("c.smith+x@farm.example"));
        assert_eq!(suggested_username(&address), "c.smithx");
        assert_eq!(suggested_username(&identity(Some("Zoë Q"), None)), "ZoQ");
        assert_eq!(suggested_username(&identity(None, None)), "");
    }
}
