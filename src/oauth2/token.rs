//! The token endpoint (RFC 6749 §3.2): authenticate the client, then dispatch on
//! `grant_type` to one of [`super::grants`].

use serde::Serialize;

use super::access_token::IssuedAccessToken;
use super::client_auth;
use super::clients::{Client, GrantType};
use super::params::Params;
use super::{ErrorCode, OAuthError, grants};
use crate::state::AppState;

/// RFC 6749 §5.1 successful response.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl TokenResponse {
    pub fn bearer(issued: IssuedAccessToken) -> Self {
        TokenResponse {
            access_token: issued.token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
            scope: issued.claims.scope,
            refresh_token: None,
            id_token: None,
        }
    }
}

/// Handles one token request: `authorization` is the raw `Authorization` header, if any;
/// `address` the client's network address, as lock keys count it.
pub async fn exchange(
    state: &AppState,
    authorization: Option<&str>,
    params: &Params,
    address: &str,
) -> Result<TokenResponse, OAuthError> {
    let client = client_auth::authenticate(&state.clients, authorization, params).await?;
    admit(state, &client, address).await?;
    let grant_type = params.require("grant_type")?;
    let grant = GrantType::parse(grant_type).ok_or_else(|| {
        OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "this grant type is not supported",
        )
    })?;
    if !client.may_use(grant) {
        return Err(OAuthError::unauthorized_client(
            "this client is not registered for this grant type",
        ));
    }
    let issued = match grant {
        GrantType::ClientCredentials => {
            grants::client_credentials::exchange(state, &client, params)
        }
        GrantType::AuthorizationCode => {
            grants::authorization_code::exchange(state, &client, params).await
        }
        GrantType::RefreshToken => grants::refresh_token::exchange(state, &client, params).await,
        GrantType::DeviceCode => grants::device_code::exchange(state, &client, params).await,
    }?;
    crate::metrics::token_issued(grant.as_str());
    Ok(issued)
}

/// Counts a request of an authenticated client against its rate (the token and device
/// authorization and revocation endpoints share it); refused with `TooManyRequests` when
/// over.
pub(crate) async fn admit(
    state: &AppState,
    client: &Client,
    address: &str,
) -> Result<(), OAuthError> {
    // Anyone can speak for a public client (it has no secret), so its budget is per address:
    // a stranger's flood must not use up the requests of the app's real users.
    let rate_key = match client.is_public() {
        true => format!("{}@{address}", client.id),
        false => client.id.clone(),
    };
    let admitted = state
        .token_rate
        .admit(&state.store, &rate_key, &client.id, state.clock.now())
        .await?;
    match admitted {
        true => Ok(()),
        false => Err(OAuthError::new(
            ErrorCode::TooManyRequests,
            "this client is over its request rate; try again in a minute",
        )),
    }
}
