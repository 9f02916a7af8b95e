//! The JSON account API under `/api/v1/`, for the platform's own apps: sign-up, password
//! reset, password change, the authenticator app and sessions. Callers present a farm-auth
//! access token with the `account` scope: an app's own token (client credentials) for
//! sign-up and resets, a person's token (authorization code flow) for the rest. There is no
//! password grant (RFC 9700 §2.4): apps sign people in through the browser.
//!
//! Described by an OpenAPI 3.1 document at `/api/v1/openapi.json` (`docs/openapi.json`).
//! Errors are JSON `{"error", "error_description"}` with the status that says what
//! happened; token failures follow RFC 6750 §3.1 like UserInfo.

mod account;
mod account_data;
mod admin;
mod farms;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;

pub use super::error::ApiError;
use crate::accounts::step_up::{self, SignInFacts, StepUp};
use crate::oauth2::access_token::{self, AccessTokenClaims};
use crate::oidc::userinfo::BearerError;
use crate::state::AppState;
use crate::store::users::UserRecord;

/// The scope an access token needs for this API.
pub const SCOPE: &str = "account";
/// The scope an access token needs for the admin API, besides a person with the admin role.
pub const ADMIN_SCOPE: &str = "admin";
/// The largest JSON body read.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    account::router()
        .merge(account_data::router())
        .merge(admin::router())
        .merge(farms::router())
        .route("/api/v1/openapi.json", axum::routing::get(get_openapi))
}

async fn get_openapi() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../docs/openapi.json"),
    )
}

/// Who calls: an access token with the `account` scope, and the person it was issued for,
/// if any (a client-credentials token has none).
pub struct Caller {
    pub claims: AccessTokenClaims,
    pub person: Option<UserRecord>,
}

impl Caller {
    /// The person behind the token, for the `/me` endpoints.
    pub fn person(&self) -> Result<&UserRecord, ApiError> {
        self.person
            .as_ref()
            .ok_or(ApiError::Bearer(BearerError::InsufficientScope(
                "this needs a person's access token",
            )))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Caller::authenticate(parts, state, SCOPE).await
    }
}

impl Caller {
    /// The verified, unrevoked access token of the request, if it holds `scope`.
    async fn authenticate(
        parts: &Parts,
        state: &AppState,
        scope: &'static str,
    ) -> Result<Caller, ApiError> {
        let header = match parts.headers.get(header::AUTHORIZATION) {
            None => return Err(BearerError::Missing.into()),
            Some(value) => value
                .to_str()
                .map_err(|_| BearerError::InvalidRequest("malformed Authorization header"))?,
        };
        let token = super::userinfo::bearer_from_header(header)?;
        let invalid = BearerError::InvalidToken("the access token is invalid or expired");
        let Some(claims) = access_token::verify(state, &token) else {
            return Err(invalid.into());
        };
        // RFC 8707, RFC 9068 §4: the account and admin APIs are farm-auth's own; a token for
        // another API is not for them (RFC 6750 §3.1 `invalid_token`).
        if claims.aud != *state.audience {
            return Err(BearerError::InvalidToken("the access token is for another API").into());
        }
        let revoked = access_token::is_revoked_or_orphaned(state, &claims).await?;
        if revoked {
            return Err(invalid.into());
        }
        let granted = claims.granted_scope();
        if !granted.contains(scope) {
            return Err(BearerError::InsufficientScope(match scope {
                ADMIN_SCOPE => "the access token lacks the admin scope",
                _ => "the access token lacks the account scope",
            })
            .into());
        }
        // RFC 9068 §2.2: a client's own token has the client as its subject.
        let person = match claims.sub == claims.client_id {
            true => None,
            false => match crate::accounts::users::find(state, &claims.sub).await? {
                Some(user) => Some(user),
                None => return Err(invalid.into()),
            },
        };
        Ok(Caller { claims, person })
    }
}

/// An administrator calling the admin API: an access token with the `admin` scope, of a
/// person who holds the admin role now (read at every request, so taking the role away
/// takes effect at once) and whose account is not locked.
pub struct AdminCaller {
    pub admin: UserRecord,
    pub origin: crate::accounts::audit::Origin,
}

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::authenticate(parts, state, ADMIN_SCOPE).await?;
        let admin =
            caller
                .person
                .filter(UserRecord::is_active_admin)
                .ok_or(ApiError::Forbidden(
                    "the admin API is for administrators only",
                ))?;
        let facts = SignInFacts {
            user_id: &admin.id,
            auth_time: caller.claims.auth_time,
            amr: caller.claims.amr.as_deref().unwrap_or_default(),
        };
        // RFC 9470 §3: the token is good, the sign-in behind it is not enough; the client
        // sends the person through the authorization endpoint again (with `max_age`).
        if let Some(need) = step_up::admin_needs(state, facts).await? {
            let max_age = state.config.admin_max_auth_age.as_secs();
            return Err(ApiError::Bearer(match need {
                StepUp::Enrol => BearerError::InsufficientUserAuthentication {
                    description: "the admin API needs an administrator with a second factor set up",
                    max_age: None,
                },
                StepUp::SignInAgain => BearerError::InsufficientUserAuthentication {
                    description: "the admin API needs a recent sign-in with a second factor",
                    max_age: Some(max_age),
                },
            }));
        }
        let Ok(super::extract::RequestOrigin(origin)) =
            super::extract::RequestOrigin::from_request_parts(parts, state).await;
        Ok(AdminCaller { admin, origin })
    }
}

/// A JSON request body: an object, at most [`MAX_BODY_BYTES`] (413 beyond, without
/// reading the rest).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let body = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| ApiError::Invalid("invalid_request", "the body is not JSON".into()))?;
        // serde reads a struct from an array too, field by field; the documented bodies are
        // objects, and nothing else is taken for one.
        if !value.is_object() {
            return Err(ApiError::Invalid(
                "invalid_request",
                "the body must be a JSON object".into(),
            ));
        }
        serde_json::from_value(value).map(JsonBody).map_err(|e| {
            ApiError::Invalid(
                "invalid_request",
                format!("the body is not the object expected: {e}"),
            )
        })
    }
}

/// A query string parsed into `T`; one that does not fit is the API's JSON 400
/// (`invalid_request`), as a bad body is, not axum's plain-text rejection.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::try_from_uri(&parts.uri) {
            Ok(axum::extract::Query(query)) => Ok(ApiQuery(query)),
            Err(rejection) => Err(ApiError::Invalid(
                "invalid_request",
                format!(
                    "the query string is not the one expected: {}",
                    rejection.body_text()
                ),
            )),
        }
    }
}

/// For an optional body field whose schema is not nullable: absent is `None` (with
/// `#[serde(default)]`), but an explicit `null` is refused like any other wrong type, as the
/// OpenAPI document says.
pub fn present_not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}
