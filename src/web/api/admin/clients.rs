//! The platform's clients: list, register, read, replace, a new secret, delete.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};

use super::super::{AdminCaller, ApiError, ApiQuery, JsonBody};
use super::{bad_cursor, json, no_content, page_limit};
use crate::accounts::acr::Acr;
use crate::domain::{ClientId, FarmId, RedirectUri};
use crate::error::InternalError;
use crate::oauth2::client_metadata::NewClient;
use crate::oauth2::clients::Client;
use crate::oauth2::operator;
use crate::state::AppState;
use crate::store::clients::ClientCursor;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/clients", get(get_clients).post(post_client))
        .route(
            "/api/v1/admin/clients/{id}",
            get(get_client).put(put_client).delete(delete_client),
        )
        .route(
            "/api/v1/admin/clients/{id}/secret",
            post(post_client_secret),
        )
        .route(
            "/api/v1/admin/clients/{id}/suspension",
            put(put_suspension).delete(delete_suspension),
        )
}

/// A client as administrators see it (never its secret).
#[derive(Serialize)]
pub struct ClientView {
    client_id: String,
    client_name: String,
    token_endpoint_auth_method: &'static str,
    redirect_uris: Vec<RedirectUri>,
    post_logout_redirect_uris: Vec<RedirectUri>,
    grant_types: Vec<&'static str>,
    scope: String,
    registered_by_vendor: bool,
    vendor: Option<String>,
    /// The farm it belongs to; its access tokens carry this id as `farm_id`.
    farm_id: Option<String>,
    suspended: bool,
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: bool,
    /// The administrator's minimum `acr` for every authorization (decision 126).
    min_acr: Option<&'static str>,
    /// The app's own default `acr_values` (OpenID Connect Registration §2).
    default_acr_values: Vec<&'static str>,
    created_at: i64,
}

impl From<&Client> for ClientView {
    fn from(client: &Client) -> Self {
        ClientView {
            client_id: client.id.clone(),
            client_name: client.name.clone(),
            token_endpoint_auth_method: client.auth_method.as_str(),
            redirect_uris: client.redirect_uris.clone(),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            grant_types: client.grant_types.iter().map(|g| g.as_str()).collect(),
            scope: client.scope.to_string(),
            registered_by_vendor: client.registered_by_vendor,
            vendor: client.vendor_label(),
            farm_id: client.farm_id().map(str::to_string),
            suspended: client.suspended,
            backchannel_logout_uri: client.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: client.backchannel_logout_session_required,
            min_acr: client.min_acr.map(Acr::as_str),
            default_acr_values: client
                .default_acr_values
                .iter()
                .map(|a| a.as_str())
                .collect(),
            created_at: client.created_at,
        }
    }
}

/// Where a page of the client list starts (`cursor`, the previous page's `next_cursor`).
#[derive(Deserialize)]
struct ClientPaging {
    limit: Option<i64>,
    cursor: Option<String>,
}

async fn get_clients(
    State(state): State<AppState>,
    _admin: AdminCaller,
    ApiQuery(paging): ApiQuery<ClientPaging>,
) -> Result<Response, ApiError> {
    let limit = page_limit(paging.limit)?;
    let after = match paging.cursor.as_deref() {
        None => None,
        Some(text) => Some(ClientCursor::parse(text).ok_or_else(bad_cursor)?),
    };
    let (clients, next) = operator::list_clients_page(&state, after.as_ref(), limit).await?;
    let clients: Vec<ClientView> = clients.iter().map(ClientView::from).collect();
    Ok(json(
        StatusCode::OK,
        serde_json::json!({
            "clients": clients,
            "limit": limit,
            "next_cursor": next.map(|cursor| cursor.to_string()),
        }),
    ))
}

async fn client(state: &AppState, id: &str) -> Result<Client, ApiError> {
    let id = ClientId::parse(id).map_err(|_| ApiError::NotFound)?;
    operator::find_client(state, &id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn get_client(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let client = client(&state, &id).await?;
    Ok(json(StatusCode::OK, ClientView::from(&client)))
}

/// A client's metadata as the admin API takes it (the CLI's `client create` options).
#[derive(Deserialize)]
struct ClientBody {
    client_name: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    scope: Option<String>,
    token_endpoint_auth_method: Option<String>,
    backchannel_logout_uri: Option<String>,
    #[serde(default)]
    backchannel_logout_session_required: bool,
    /// One of discovery's `acr_values_supported`: every authorization of the client must
    /// reach it.
    min_acr: Option<String>,
    /// On creation only: the farm the client belongs to.
    farm_id: Option<String>,
}

impl From<ClientBody> for NewClient {
    fn from(body: ClientBody) -> Self {
        let public = body.token_endpoint_auth_method.as_deref() == Some("none");
        NewClient {
            name: body.client_name,
            redirect_uris: body.redirect_uris,
            post_logout_redirect_uris: body.post_logout_redirect_uris,
            grant_types: body.grant_types,
            scope: body.scope,
            public,
            auth_method: body.token_endpoint_auth_method.filter(|_| !public),
            backchannel_logout_uri: body.backchannel_logout_uri,
            backchannel_logout_session_required: body.backchannel_logout_session_required,
            min_acr: body.min_acr,
            default_acr_values: None,
        }
    }
}

async fn post_client(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonBody(body): JsonBody<ClientBody>,
) -> Result<Response, ApiError> {
    let farm_id = body.farm_id.clone();
    let farm = farm_id
        .as_deref()
        .map(|id| {
            FarmId::parse(id).map_err(|_| {
                ApiError::Invalid(
                    "invalid_client_metadata",
                    format!("no farm has the id {id}"),
                )
            })
        })
        .transpose()?;
    let registered =
        operator::create_client(&state, caller.actor(), body.into(), farm.as_ref()).await?;
    let mut view =
        serde_json::to_value(ClientView::from(&registered.client)).map_err(InternalError::from)?;
    if let Some(secret) = registered.secret {
        view["client_secret"] = serde_json::json!(secret);
    }
    Ok(json(StatusCode::CREATED, view))
}

async fn put_client(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClientBody>,
) -> Result<Response, ApiError> {
    let current = client(&state, &id).await?;
    let updated = operator::update_client(&state, caller.actor(), &current.id, body.into()).await?;
    Ok(json(StatusCode::OK, ClientView::from(&updated)))
}

async fn post_client_secret(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let current = client(&state, &id).await?;
    let secret = operator::rotate_client_secret(&state, caller.actor(), &current.id).await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "client_id": current.id, "client_secret": secret }),
    ))
}

/// Suspends the client: no tokens, and those it has stop working at once.
async fn put_suspension(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    suspend(&state, caller, &id, true).await
}

/// Lets a suspended client work again.
async fn delete_suspension(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    suspend(&state, caller, &id, false).await
}

async fn suspend(
    state: &AppState,
    caller: AdminCaller,
    id: &str,
    suspended: bool,
) -> Result<Response, ApiError> {
    let id = ClientId::parse(id).map_err(|_| ApiError::NotFound)?;
    if !operator::suspend_client(state, caller.actor(), &id, suspended).await? {
        return Err(ApiError::NotFound);
    }
    let client = client(state, &id).await?;
    Ok(json(StatusCode::OK, ClientView::from(&client)))
}

async fn delete_client(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Ok(id) = ClientId::parse(&id) else {
        return Err(ApiError::NotFound);
    };
    match operator::delete_client(&state, caller.actor(), &id).await? {
        true => Ok(no_content()),
        false => Err(ApiError::NotFound),
    }
}
