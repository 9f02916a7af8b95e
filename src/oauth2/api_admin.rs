//! What administrators do to APIs (resource servers) from the command line, the console and
//! the admin API: register one with its scopes and its own confidential client (the secret
//! returned this once), change its scopes or open them to vendor apps, delete it. Each
//! change is written to the audit trail and reloads this process's API registry at once
//! (other replicas see it within their client cache lifetime).

use serde::Serialize;

use super::apis::{Api, is_reserved};
use super::clients::AuthMethod;
use super::scope::Scope;
use crate::accounts::admin::{Actor, printable};
use crate::domain::{ApiId, Resource};
use crate::secrets::{hash_secret, random_id, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::apis::{ApiRecord, ApiScopeRecord, ApiStoreError};
use crate::store::clients::ClientRecord;

const MAX_NAME_LEN: usize = 100;
const MAX_DESCRIPTION_LEN: usize = 200;
/// More scopes than one API needs; a consent page must stay readable.
const MAX_SCOPES: usize = 50;

/// An API as an administrator asks for it, before validation.
#[derive(Clone, Debug, Default)]
pub struct NewApi {
    pub name: String,
    pub audience: String,
    pub scopes: Vec<NewApiScope>,
}

/// One scope of a new API: its name, its plain-words description, and whether vendor apps
/// may be given it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct NewApiScope {
    pub scope: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub vendor_open: bool,
}

impl NewApiScope {
    /// `SCOPE` or `SCOPE=DESCRIPTION`, as the command line takes it.
    pub fn from_arg(text: &str, vendor_open: bool) -> NewApiScope {
        let (scope, description) = text.split_once('=').unwrap_or((text, ""));
        NewApiScope {
            scope: scope.to_string(),
            description: description.to_string(),
            vendor_open,
        }
    }
}

/// A registered API and its client's secret, shown this once.
#[derive(Debug, Serialize)]
pub struct CreatedApi {
    pub api_id: String,
    pub audience: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiAdminError {
    /// Input an administrator can correct; the message says what.
    #[error("{0}")]
    Invalid(String),
    /// The audience or a scope is another API's.
    #[error("{0}")]
    Taken(&'static str),
    #[error("no such API")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ApiStoreError> for ApiAdminError {
    fn from(error: ApiStoreError) -> Self {
        match error {
            ApiStoreError::Taken => {
                ApiAdminError::Taken("the audience or one of the scopes belongs to another API")
            }
            ApiStoreError::Store(e) => ApiAdminError::Store(e),
        }
    }
}

fn invalid(text: impl Into<String>) -> ApiAdminError {
    ApiAdminError::Invalid(text.into())
}

/// Every API, as the database holds it now.
pub async fn list(state: &AppState) -> Result<Vec<Api>, StoreError> {
    state.store.list_apis().await
}

/// The API with this id, or with this audience.
pub async fn find(state: &AppState, id_or_audience: &str) -> Result<Option<Api>, StoreError> {
    let id = ApiId::parse(id_or_audience).ok();
    let audience = Resource::parse(id_or_audience).ok();
    if id.is_none() && audience.is_none() {
        return Ok(None);
    }
    Ok(list(state).await?.into_iter().find(|api| {
        id.is_some_and(|id| api.id == *id) || audience.as_ref().is_some_and(|a| api.audience == *a)
    }))
}

/// Registers an API with its own confidential client, both or neither.
pub async fn create(
    state: &AppState,
    actor: Actor<'_>,
    new: NewApi,
) -> Result<CreatedApi, ApiAdminError> {
    let name = printable(&new.name, MAX_NAME_LEN + 1);
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(invalid(format!(
            "the name must have 1 to {MAX_NAME_LEN} characters"
        )));
    }
    let audience =
        Resource::parse(new.audience.trim()).map_err(|e| invalid(format!("audience: {e}")))?;
    if audience.as_str() == &*state.audience || audience.as_str() == &*state.issuer {
        return Err(invalid("the audience is farm-auth's own"));
    }
    let scopes = validate_scopes(new.scopes)?;
    let now = state.clock.now();
    let secret = random_token::<32>();
    let client = ClientRecord {
        client_id: random_id(),
        name: format!("API: {name}"),
        secret_hash: Some(hash_secret(&secret)),
        token_endpoint_auth_method: AuthMethod::ClientSecretBasic.as_str().into(),
        // The API's client only authenticates, to introspect: it gets no tokens.
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        grant_types: vec![],
        scope: Scope::default(),
        created_at: now,
        updated_at: now,
        vendor: None,
        registration_token_hash: None,
        farm_id: None,
        farm: None,
        suspended_at: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        min_acr: None,
        default_acr_values: None,
    };
    let api = ApiRecord {
        id: random_id(),
        name,
        audience,
        client_id: client.client_id.clone(),
        created_at: now,
        scopes,
    };
    state.store.insert_api(&api, &client).await?;
    state.apis.reload().await?;
    actor
        .record_for_client(
            state,
            "api.created",
            &api.client_id,
            Some(format!(
                "{} ({}); scopes {}",
                api.name,
                api.audience,
                scope_list(&api)
            )),
        )
        .await?;
    Ok(CreatedApi {
        api_id: api.id,
        audience: api.audience.to_string(),
        client_id: api.client_id,
        client_secret: secret,
    })
}

/// Replaces the scopes of API `id_or_audience` (and which are open to vendor apps).
pub async fn set_scopes(
    state: &AppState,
    actor: Actor<'_>,
    id_or_audience: &str,
    scopes: Vec<NewApiScope>,
) -> Result<Api, ApiAdminError> {
    let api = find(state, id_or_audience)
        .await?
        .ok_or(ApiAdminError::NotFound)?;
    let scopes = validate_scopes(scopes)?;
    if !state.store.replace_api_scopes(&api.id, &scopes).await? {
        return Err(ApiAdminError::NotFound);
    }
    state.apis.reload().await?;
    let api = ApiRecord { scopes, ..api };
    actor
        .record_for_client(
            state,
            "api.scopes_changed",
            &api.client_id,
            Some(format!("{}: {}", api.name, scope_list(&api))),
        )
        .await?;
    Ok(api)
}

/// Deletes API `id_or_audience` with its client; false if there is none. Tokens issued for
/// it stay valid until they expire, as the API's own check of `aud` is offline.
pub async fn delete(
    state: &AppState,
    actor: Actor<'_>,
    id_or_audience: &str,
) -> Result<bool, StoreError> {
    let Some(api) = find(state, id_or_audience).await? else {
        return Ok(false);
    };
    // The API row goes with its client (ON DELETE CASCADE), and its scopes with it.
    if !state.store.delete_client(&api.client_id).await? {
        return Ok(false);
    }
    state.clients.forget(&api.client_id);
    state.apis.reload().await?;
    actor
        .record_for_client(
            state,
            "api.deleted",
            &api.client_id,
            Some(format!("{} ({})", api.name, api.audience)),
        )
        .await?;
    Ok(true)
}

/// An API as `api list --json` and the admin API show it.
pub fn summary(api: &Api) -> serde_json::Value {
    serde_json::json!({
        "api_id": api.id,
        "name": api.name,
        "audience": api.audience.as_str(),
        "client_id": api.client_id,
        "created_at": api.created_at,
        "scopes": api.scopes.iter().map(|s| serde_json::json!({
            "scope": s.scope,
            "description": s.description,
            "vendor_open": s.vendor_open,
        })).collect::<Vec<_>>(),
    })
}

/// `scope (open to vendors)` for the trail.
fn scope_list(api: &Api) -> String {
    let names: Vec<String> = api
        .scopes
        .iter()
        .map(|s| match s.vendor_open {
            true => format!("{} (open to vendors)", s.scope),
            false => s.scope.clone(),
        })
        .collect();
    names.join(", ")
}

/// Each scope a single RFC 6749 §3.3 token, not one of farm-auth's, named once, with a
/// printable description (its name when none is given).
fn validate_scopes(scopes: Vec<NewApiScope>) -> Result<Vec<ApiScopeRecord>, ApiAdminError> {
    if scopes.is_empty() {
        return Err(invalid("an API needs at least one scope"));
    }
    if scopes.len() > MAX_SCOPES {
        return Err(invalid(format!("an API has at most {MAX_SCOPES} scopes")));
    }
    let mut valid: Vec<ApiScopeRecord> = Vec::new();
    for new in scopes {
        let name = new.scope.trim();
        let parsed = Scope::parse(name).ok().filter(|s| s.len() == 1);
        let Some(parsed) = parsed else {
            return Err(invalid(format!(
                "'{}' is not a scope (one word of printable characters, no quotes or backslashes)",
                printable(name, 40)
            )));
        };
        let name = parsed.to_string();
        if is_reserved(&name) {
            return Err(invalid(format!(
                "'{name}' is one of farm-auth's own scopes and cannot belong to an API"
            )));
        }
        if valid.iter().any(|v| v.scope == name) {
            return Err(invalid(format!("scope '{name}' is named twice")));
        }
        let description = printable(&new.description, MAX_DESCRIPTION_LEN);
        valid.push(ApiScopeRecord {
            description: match description.is_empty() {
                true => name.clone(),
                false => description,
            },
            scope: name,
            vendor_open: new.vendor_open,
        });
    }
    Ok(valid)
}
