//! Dynamic Client Registration (RFC 7591) and its management protocol (RFC 7592): vendors
//! register their apps with an initial access token, then read, change or delete them with
//! the registration access token they get back, which every read or change replaces. Vendor apps get less room than the
//! platform's own ([`Registrant::Vendor`]) and are marked as such on consent pages.
//!
//! No axum here: the web adapter reads the bearer token and the JSON body, and renders the
//! answer.

use serde_json::{Map, Value, json};

use super::client_metadata::{self, NewClient, Registrant, RegistrationError};
use super::clients::{AuthMethod, Client, GrantType};
use super::initial_access;
use crate::domain::ClientId;
use crate::oidc::discovery::paths;
use crate::oidc::userinfo::BearerError;
use crate::secrets::{constant_time_eq, hash_secret, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::AuditRecord;
use crate::store::clients::ClientRecord;

/// What a registration request can get wrong.
#[derive(Debug, thiserror::Error)]
pub enum DcrError {
    /// The initial or registration access token: RFC 6750 §3.1 (401 `invalid_token`).
    #[error(transparent)]
    Bearer(#[from] BearerError),
    /// RFC 7591 §3.2.2: 400 with `invalid_redirect_uri` or `invalid_client_metadata`.
    #[error("{1}")]
    Metadata(&'static str, String),
    /// The request body is over the size limit: 413.
    #[error("the request body is too large")]
    TooLarge,
}

impl From<RegistrationError> for DcrError {
    fn from(error: RegistrationError) -> Self {
        match error {
            RegistrationError::RedirectUri(why) => DcrError::Metadata("invalid_redirect_uri", why),
            RegistrationError::Metadata(why) => DcrError::Metadata("invalid_client_metadata", why),
            RegistrationError::NotFound => DcrError::Bearer(not_yours()),
            RegistrationError::Store(error) => error.into(),
        }
    }
}

impl From<StoreError> for DcrError {
    fn from(error: StoreError) -> Self {
        DcrError::Bearer(BearerError::Internal(error.into()))
    }
}

/// RFC 7592 §2: an unknown client and a wrong token get the same answer, so that a token
/// tells nothing about other clients.
fn not_yours() -> BearerError {
    BearerError::InvalidToken("the registration access token is invalid")
}

/// The API scopes a vendor asks for, taken out of `new` (whose other scopes the vendor
/// policy judges): each must have been opened to vendor apps by its API, or the request is
/// `invalid_client_metadata` (RFC 7591 §3.2.2).
fn split_api_scopes(
    state: &AppState,
    mut new: NewClient,
) -> Result<(NewClient, Vec<String>), DcrError> {
    let Some(text) = new.scope.as_deref() else {
        return Ok((new, Vec::new()));
    };
    if text.split(' ').filter(|t| !t.is_empty()).count() > crate::domain::scope::MAX_TOKENS {
        return Err(metadata_error("too many scope tokens"));
    }
    let apis = state.apis.current();
    let mut kept = Vec::new();
    let mut api_scopes = Vec::new();
    for token in text.split(' ').filter(|t| !t.is_empty()) {
        match apis.of_scope(token) {
            None => kept.push(token),
            Some(api) if api.scope(token).is_some_and(|s| s.vendor_open) => {
                api_scopes.push(token.to_string());
            }
            Some(_) => {
                return Err(metadata_error(format!(
                    "scope '{token}' is not open to vendor apps"
                )));
            }
        }
    }
    if !api_scopes.is_empty() {
        new.scope = Some(kept.join(" "));
    }
    Ok((new, api_scopes))
}

/// `record` with the vendor-open API scopes put back.
fn with_api_scopes(mut record: ClientRecord, api_scopes: &[String]) -> ClientRecord {
    for scope in api_scopes {
        record.scope = record.scope.with(scope);
    }
    record
}

fn metadata_error(why: impl Into<String>) -> DcrError {
    DcrError::Metadata("invalid_client_metadata", why.into())
}

/// RFC 7591 §3.1: registers a client with the initial access token `token`. Answers the
/// client information response (§3.2.1), secrets included, for a 201.
pub async fn register(state: &AppState, token: &str, body: &Value) -> Result<Value, DcrError> {
    let now = state.clock.now();
    let invalid = BearerError::InvalidToken("the initial access token is invalid or expired");
    let Some(grant) = initial_access::check(&state.store, now, token).await? else {
        return Err(invalid.into());
    };
    let prepared = parse_metadata(body, None)
        .and_then(|new| split_api_scopes(state, new))
        .and_then(|(new, api_scopes)| {
            let (record, secret) = client_metadata::prepare(new, Registrant::Vendor, now)?;
            Ok((with_api_scopes(record, &api_scopes), secret))
        });
    let (record, secret) = match prepared {
        Ok(prepared) => prepared,
        Err(DcrError::Metadata(code, why)) => {
            // A refused registration is in the trail, with whose token asked and why (no
            // metadata values beyond the reason, which quotes at most 80 characters).
            let audit = AuditRecord {
                at: now,
                event: "client.registered".into(),
                outcome: "failure".into(),
                user_id: grant.issued_by.clone(),
                detail: Some(format!("by a vendor: {code}: {why}")),
                ..AuditRecord::default()
            };
            state.store.insert_audit_event(&audit).await?;
            return Err(DcrError::Metadata(code, why));
        }
        Err(other) => return Err(other),
    };
    let registration_token = random_token::<32>();
    let record = ClientRecord {
        vendor: grant.vendor.clone(),
        registration_token_hash: Some(hash_secret(&registration_token)),
        // The app belongs to the farm whose token registered it.
        farm_id: grant.farm_id.clone(),
        ..record
    };
    client_metadata::reachable(state, &record).await?;
    // The token is spent in the transaction that stores the client: a registration that
    // fails leaves the token as it was.
    if state
        .store
        .insert_client_with_initial_token(&grant.token_hash, now, &record)
        .await?
        .is_none()
    {
        return Err(invalid.into());
    }
    state.clients.forget(&record.client_id);
    let audit = AuditRecord {
        at: now,
        event: "client.registered".into(),
        outcome: "success".into(),
        user_id: grant.issued_by.clone(),
        client_id: Some(record.client_id.clone()),
        detail: Some(match &grant.farm_id {
            Some(farm) => format!("by a vendor for farm {farm}"),
            None => format!(
                "by a vendor ({})",
                grant.vendor.as_deref().unwrap_or("not named")
            ),
        }),
        ..AuditRecord::default()
    };
    // The client exists now and the token's use is spent: the vendor must get the answer,
    // so a trail that cannot be written is logged rather than failing the request.
    if let Err(error) = crate::accounts::audit::write(state, &audit).await {
        tracing::error!(%error, client_id = %record.client_id, "could not record a registration in the audit trail");
    }
    let client = Client::try_from(record)?;
    let mut answer = client_information(state, &client);
    answer.insert(
        "registration_access_token".into(),
        json!(registration_token),
    );
    if let Some(secret) = secret {
        answer.insert("client_secret".into(), json!(secret));
        // RFC 7591 §3.2.1: REQUIRED with a secret; 0 means it does not expire.
        answer.insert("client_secret_expires_at".into(), json!(0));
    }
    Ok(Value::Object(answer))
}

/// The client `client_id` if `token` is its registration access token (RFC 7592 §2), and
/// its record as stored.
async fn authorized(
    state: &AppState,
    client_id: &str,
    token: &str,
) -> Result<(Client, ClientRecord), DcrError> {
    let Ok(client_id) = ClientId::parse(client_id) else {
        return Err(not_yours().into());
    };
    let Some(record) = state.store.find_client(&client_id).await? else {
        return Err(not_yours().into());
    };
    let client = Client::try_from(record.clone())?;
    // A suspended app (or one of a farm that is not active) manages nothing: it could
    // otherwise delete the grants under review, or free its farm's quota (DECISIONS §58).
    if !client.is_usable() {
        return Err(not_yours().into());
    }
    let matches = client
        .registration_token_hash()
        .is_some_and(|stored| constant_time_eq(stored.as_bytes(), hash_secret(token).as_bytes()));
    match matches {
        true => Ok((client, record)),
        false => Err(not_yours().into()),
    }
}

/// RFC 7592 §2.1: the client's current registration.
pub async fn read(state: &AppState, client_id: &str, token: &str) -> Result<Value, DcrError> {
    let (client, _) = authorized(state, client_id, token).await?;
    let mut answer = client_information(state, &client);
    let rotated = rotate_registration_token(state, &client.id, token).await?;
    answer.insert("registration_access_token".into(), json!(rotated));
    Ok(Value::Object(answer))
}

/// RFC 7592 §3: the client information response carries a registration access token
/// (REQUIRED), and only its hash is kept, so every answer carries a new one and the
/// presented one stops working (§2.1: the client MUST then discard it). Two requests racing
/// with one token: the second finds it gone, as after any rotation.
async fn rotate_registration_token(
    state: &AppState,
    client_id: &str,
    presented: &str,
) -> Result<String, DcrError> {
    let fresh = random_token::<32>();
    let rotated = state
        .store
        .rotate_registration_token(client_id, &hash_secret(presented), &hash_secret(&fresh))
        .await?;
    match rotated {
        true => Ok(fresh),
        false => Err(not_yours().into()),
    }
}

/// RFC 7592 §2.2: replaces the client's metadata with `body` (fields left out go back to
/// their defaults). The id and secret stay.
pub async fn update(
    state: &AppState,
    client_id: &str,
    token: &str,
    body: &Value,
) -> Result<Value, DcrError> {
    let (client, stored_record) = authorized(state, client_id, token).await?;
    // §2.2: the body names the client, and a secret it carries must be the client's own.
    if body.get("client_id").and_then(Value::as_str) != Some(client.id.as_str()) {
        return Err(DcrError::Metadata(
            "invalid_request",
            "client_id must be given and match the client".into(),
        ));
    }
    if let Some(secret) = body.get("client_secret") {
        let matches = match (secret.as_str(), client.secret_hash()) {
            (Some(secret), Some(stored)) => {
                constant_time_eq(stored.as_bytes(), hash_secret(secret).as_bytes())
            }
            _ => false,
        };
        if !matches {
            return Err(DcrError::Metadata(
                "invalid_request",
                "client_secret does not match the client's".into(),
            ));
        }
    }
    let (new, api_scopes) = split_api_scopes(state, parse_metadata(body, Some(&client))?)?;
    let revised =
        client_metadata::revise(stored_record, new, Registrant::Vendor, state.clock.now())?;
    let revised = with_api_scopes(revised, &api_scopes);
    client_metadata::reachable(state, &revised).await?;
    // The change and the token's rotation are one statement: of two requests racing with
    // one token, the second changes nothing and is told its token is spent.
    let fresh = random_token::<32>();
    let stored = state
        .store
        .update_client_rotating(&revised, &hash_secret(token), &hash_secret(&fresh))
        .await?;
    if !stored {
        return Err(not_yours().into());
    }
    state.clients.forget(&client.id);
    let updated = Client::try_from(revised)?;
    let mut answer = client_information(state, &updated);
    answer.insert("registration_access_token".into(), json!(fresh));
    // The new token must reach the vendor: a trail that cannot be written is logged.
    if let Err(error) = record(state, "client.updated", &client.id).await {
        tracing::error!(%error, client_id = %client.id, "could not record a client update in the audit trail");
    }
    Ok(Value::Object(answer))
}

/// RFC 7592 §2.3: deletes the client; its grants go with it, and its access tokens stop
/// passing introspection.
pub async fn delete(state: &AppState, client_id: &str, token: &str) -> Result<(), DcrError> {
    let (client, _) = authorized(state, client_id, token).await?;
    state.store.delete_client(&client.id).await?;
    state.clients.forget(&client.id);
    record(state, "client.deleted", &client.id).await?;
    Ok(())
}

async fn record(state: &AppState, event: &str, client_id: &str) -> Result<(), StoreError> {
    let audit = AuditRecord {
        at: state.clock.now(),
        event: event.into(),
        outcome: "success".into(),
        client_id: Some(client_id.into()),
        detail: Some("by the vendor (RFC 7592)".into()),
        ..AuditRecord::default()
    };
    crate::accounts::audit::write(state, &audit).await
}

/// RFC 7591 §3.2.1: the client's metadata as registered, with where to manage it.
fn client_information(state: &AppState, client: &Client) -> Map<String, Value> {
    let grant_types: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
    let response_types: &[&str] = match client.may_use(GrantType::AuthorizationCode) {
        true => &["code"],
        false => &[],
    };
    let mut answer = Map::new();
    answer.insert("client_id".into(), json!(client.id));
    answer.insert("client_id_issued_at".into(), json!(client.created_at));
    answer.insert("client_name".into(), json!(client.name));
    answer.insert("redirect_uris".into(), json!(client.redirect_uris));
    answer.insert(
        "post_logout_redirect_uris".into(),
        json!(client.post_logout_redirect_uris),
    );
    answer.insert("grant_types".into(), json!(grant_types));
    answer.insert("response_types".into(), json!(response_types));
    answer.insert(
        "token_endpoint_auth_method".into(),
        json!(client.auth_method.as_str()),
    );
    answer.insert("scope".into(), json!(client.scope.to_string()));
    // RFC 9700 §2.1.1: a vendor's app must send a PKCE challenge with every authorization
    // request. No registered metadata says so; this one is named after RFC 9126 §6's
    // `require_pushed_authorization_requests`, and is what the server enforces.
    answer.insert("require_pkce".into(), json!(client.requires_pkce()));
    if let Some(uri) = &client.backchannel_logout_uri {
        answer.insert("backchannel_logout_uri".into(), json!(uri));
        answer.insert(
            "backchannel_logout_session_required".into(),
            json!(client.backchannel_logout_session_required),
        );
    }
    if !client.default_acr_values.is_empty() {
        answer.insert(
            "default_acr_values".into(),
            json!(client.default_acr_values),
        );
    }
    answer.insert(
        "registration_client_uri".into(),
        json!(format!(
            "{}{}/{}",
            state.issuer,
            paths::REGISTRATION,
            client.id
        )),
    );
    answer
}

/// The most list entries a registration may carry.
const MAX_LIST: usize = 20;

/// Reads the metadata this server understands from a registration body; anything else is
/// ignored (RFC 7591 §2: the server MUST ignore metadata it does not understand). On an
/// update, `current` is the client: it stays public or confidential.
fn parse_metadata(body: &Value, current: Option<&Client>) -> Result<NewClient, DcrError> {
    let Some(body) = body.as_object() else {
        return Err(metadata_error("the registration must be a JSON object"));
    };
    let text = |name: &str| -> Result<Option<String>, DcrError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(metadata_error(format!("{name} must be a string"))),
        }
    };
    let list = |name: &str| -> Result<Option<Vec<String>>, DcrError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) if items.len() <= MAX_LIST => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(metadata_error(format!("{name} must hold strings"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::Array(_)) => Err(metadata_error(format!(
                "{name} holds at most {MAX_LIST} entries"
            ))),
            Some(_) => Err(metadata_error(format!("{name} must be an array"))),
        }
    };
    let Some(name) = text("client_name")? else {
        return Err(metadata_error(
            "client_name is required: people are shown it when they are asked to allow the app",
        ));
    };
    let redirect_uris = list("redirect_uris")?.unwrap_or_default();
    // RFC 7591 §2: the default grant is authorization_code, and response_type code.
    let grant_types = list("grant_types")?.unwrap_or_else(|| vec!["authorization_code".into()]);
    // The default is for a registration that leaves grant_types out; an empty list asks
    // for nothing, and no grant is chosen in its place.
    if grant_types.is_empty() {
        return Err(metadata_error(
            "grant_types must name at least one grant type",
        ));
    }
    let response_types = list("response_types")?;
    let wants_code = grant_types
        .iter()
        .any(|g| g == GrantType::AuthorizationCode.as_str());
    // §2.1: the response types must agree with the grant types.
    match response_types.as_deref() {
        None => {}
        Some([]) if !wants_code => {}
        Some([code]) if code == "code" && wants_code => {}
        Some(_) => {
            return Err(metadata_error(
                "response_types must be [\"code\"] with authorization_code, and empty without",
            ));
        }
    }
    let auth_method = text("token_endpoint_auth_method")?;
    let public = match auth_method.as_deref() {
        Some(m) if m == AuthMethod::None.as_str() => true,
        None => current.is_some_and(Client::is_public),
        Some(_) => false,
    };
    Ok(NewClient {
        name,
        redirect_uris,
        post_logout_redirect_uris: list("post_logout_redirect_uris")?.unwrap_or_default(),
        grant_types,
        scope: text("scope")?,
        public,
        auth_method: auth_method.filter(|_| !public),
        // Back-Channel Logout 1.0 §2.2 (https only for a vendor's app).
        backchannel_logout_uri: text("backchannel_logout_uri")?,
        backchannel_logout_session_required: match body.get("backchannel_logout_session_required") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(required)) => *required,
            Some(_) => {
                return Err(metadata_error(
                    "backchannel_logout_session_required must be a boolean",
                ));
            }
        },
        // The minimum is the platform's (decision 126); the defaults are the app's own,
        // and an update without them clears them, as RFC 7592 §2.2 replaces all metadata.
        min_acr: None,
        default_acr_values: Some(list("default_acr_values")?.unwrap_or_default()),
    })
}

#[cfg(test)]
#[path = "dcr_tests.rs"]
mod tests;
