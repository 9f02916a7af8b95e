//! What administrators do to clients and signing keys from the console and the admin API:
//! each change is validated like a registration, written to the trail with who made it,
//! and applied to this process's caches at once (other replicas see it within their cache
//! lifetimes).

use serde::Serialize;

use super::client_metadata::{self, NewClient, Registered, Registrant, RegistrationError};
use super::clients::Client;
use crate::accounts::admin::Actor;
use crate::domain::{ClientId, FarmId};
use crate::keys::{self, KeyError, Rotation};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::clients::ClientCursor;
use crate::store::keys::Revoked;

/// Every registered client.
pub async fn list_clients(state: &AppState) -> Result<Vec<Client>, StoreError> {
    let records = state.store.list_clients().await?;
    records.into_iter().map(Client::try_from).collect()
}

/// One page of the registered clients, oldest first, from `after`; and where the next page
/// starts (`None` on the last).
pub async fn list_clients_page(
    state: &AppState,
    after: Option<&ClientCursor>,
    limit: i64,
) -> Result<(Vec<Client>, Option<ClientCursor>), StoreError> {
    let mut records = state.store.list_clients_page(after, limit + 1).await?;
    let mut next = None;
    if records.len() as i64 > limit {
        records.truncate(usize::try_from(limit).unwrap_or(0));
        next = records.last().map(ClientCursor::after);
    }
    let clients = records
        .into_iter()
        .map(Client::try_from)
        .collect::<Result<_, _>>()?;
    Ok((clients, next))
}

/// The client `client_id`, if there is one (read from the database, not the cache: an
/// administrator sees it as it is now).
pub async fn find_client(state: &AppState, client_id: &str) -> Result<Option<Client>, StoreError> {
    match state.store.find_client(client_id).await? {
        Some(record) => Ok(Some(Client::try_from(record)?)),
        None => Ok(None),
    }
}

/// Registers one of the platform's clients, belonging to `farm` if one is named; its secret
/// is in the answer, this once.
pub async fn create_client(
    state: &AppState,
    actor: Actor<'_>,
    new: NewClient,
    farm: Option<&FarmId<'_>>,
) -> Result<Registered, RegistrationError> {
    let registered = client_metadata::register_for_farm(state, new, farm).await?;
    let detail = match farm {
        Some(farm) => format!("{} for farm {farm}", registered.client.name),
        None => registered.client.name.clone(),
    };
    actor
        .record_for_client(state, "client.created", &registered.client.id, Some(detail))
        .await?;
    Ok(registered)
}

/// Replaces a client's metadata. Administrators may give the platform's clients any scope
/// ([`Registrant::Platform`]); a vendor's app stays a vendor's app, to which they may grant
/// `client_credentials` and the scopes of the platform's APIs, but never `roles`, `account`
/// or `admin` ([`Registrant::VendorByAdministrator`]).
pub async fn update_client(
    state: &AppState,
    actor: Actor<'_>,
    client_id: &str,
    new: NewClient,
) -> Result<Client, RegistrationError> {
    let registrant = match state.store.find_client(client_id).await? {
        Some(current) if current.registration_token_hash.is_some() => {
            Registrant::VendorByAdministrator
        }
        Some(_) => Registrant::Platform,
        None => return Err(RegistrationError::NotFound),
    };
    let client = match client_metadata::update(state, client_id, new, registrant).await {
        Ok(client) => client,
        Err(RegistrationError::Metadata(why)) if registrant != Registrant::Platform => {
            // What an administrator may not give a vendor's app is a refused privileged
            // change: in the trail.
            actor
                .record_refusal(
                    state,
                    "client.updated",
                    format!("client {client_id}: {why}"),
                )
                .await?;
            return Err(RegistrationError::Metadata(why));
        }
        Err(error) => return Err(error),
    };
    state.clients.forget(client_id);
    let detail = format!(
        "redirect URIs {}; scope {}",
        crate::domain::redirect_uri::join(&client.redirect_uris, " "),
        client.scope
    );
    actor
        .record_for_client(state, "client.updated", client_id, Some(detail))
        .await?;
    Ok(client)
}

/// Gives a confidential client a new secret, returned this once.
pub async fn rotate_client_secret(
    state: &AppState,
    actor: Actor<'_>,
    client_id: &str,
) -> Result<String, RegistrationError> {
    let secret = client_metadata::rotate_secret(state, client_id).await?;
    state.clients.forget(client_id);
    actor
        .record_for_client(state, "client.secret_rotated", client_id, None)
        .await?;
    Ok(secret)
}

/// Deletes a client: its grants go with it, and its access tokens stop passing
/// introspection. False if there was none.
pub async fn delete_client(
    state: &AppState,
    actor: Actor<'_>,
    client_id: &ClientId<'_>,
) -> Result<bool, StoreError> {
    if !state.store.delete_client(client_id).await? {
        return Ok(false);
    }
    state.clients.forget(client_id);
    // It may have been an API's client, and the API went with it.
    state.apis.reload().await?;
    actor
        .record_for_client(state, "client.deleted", client_id, None)
        .await?;
    Ok(true)
}

/// Suspends a client (`suspend`) or lets it work again. A suspended client gets no tokens,
/// and the tokens it has fail introspection, UserInfo and the account API, here at once
/// and at other replicas within their client cache lifetime, as for a deleted client; its
/// grants are kept, so resuming it restores what people allowed. False if there is none.
pub async fn suspend_client(
    state: &AppState,
    actor: Actor<'_>,
    client_id: &ClientId<'_>,
    suspend: bool,
) -> Result<bool, StoreError> {
    let now = state.clock.now();
    let at = suspend.then_some(now);
    if !state.store.set_client_suspended(client_id, at, now).await? {
        return Ok(false);
    }
    state.clients.forget(client_id);
    let event = match suspend {
        true => "client.suspended",
        false => "client.resumed",
    };
    actor
        .record_for_client(state, event, client_id, None)
        .await?;
    Ok(true)
}

/// A published signing key, without its private half.
#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo {
    pub kid: String,
    /// The key that signs now; the others are published until their tokens expire, or
    /// (the next key, after a rotation) until it starts signing at `activates_at`.
    pub active: bool,
    pub created_at: i64,
    /// When it starts (or started) signing.
    pub activates_at: i64,
    pub retired_at: Option<i64>,
}

/// The keys in the JWKS now, the latest to sign first.
pub async fn list_keys(state: &AppState) -> Result<Vec<KeyInfo>, StoreError> {
    let retention = state.config.key_retention().as_secs() as i64;
    let now = state.clock.now();
    let keys = state
        .store
        .list_published_signing_keys(now, retention)
        .await?;
    Ok(keys
        .into_iter()
        .map(|key| KeyInfo {
            active: key.signs_at(now),
            kid: key.kid,
            created_at: key.created_at,
            activates_at: key.activates_at,
            retired_at: key.retired_at,
        })
        .collect())
}

/// Publishes a new key, here at once and at other replicas within their key refresh
/// interval; it signs from the returned activation time ([`keys::rotate`]).
pub async fn rotate_keys(state: &AppState, actor: Actor<'_>) -> Result<Rotation, KeyError> {
    let rotation = keys::rotate(state).await?;
    state.keys.refresh().await?;
    let detail = format!("new key {}", rotation.kid);
    actor
        .record(state, "keys.rotated", None, Some(detail))
        .await?;
    Ok(rotation)
}

/// Withdraws a compromised key at once ([`keys::revoke`]): here now, with the tokens this
/// process remembers as verified forgotten, and at other replicas within their key refresh
/// interval. Returns the kid that signs from now on when it changed.
pub async fn revoke_key(
    state: &AppState,
    actor: Actor<'_>,
    kid: &str,
) -> Result<Option<String>, KeyError> {
    let revoked = keys::revoke(state, kid).await?;
    state.keys.refresh().await?;
    let successor = match revoked {
        Revoked::NextActivated(next) | Revoked::SpareActivated(next) => Some(next),
        Revoked::Withdrawn | Revoked::Unknown => None,
    };
    let detail = match &successor {
        Some(next) => format!("key {kid}; {next} signs from now on"),
        None => format!("key {kid}"),
    };
    actor
        .record(state, "keys.revoked", None, Some(detail))
        .await?;
    Ok(successor)
}
