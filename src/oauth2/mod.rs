//! OAuth 2.0 protocol rules, with no HTTP types: the token endpoint and its grants (RFC 6749,
//! one file per grant under [`grants`]), client registration records and client
//! authentication (§2.3), JWT access tokens (RFC 9068), introspection (RFC 7662),
//! revocation (RFC 7009) and device authorization (RFC 8628, [`device`]). Handlers in
//! [`crate::web`] parse the HTTP request into [`params::Params`], call one function here,
//! and render its result or [`OAuthError`].

pub mod access_token;
pub mod api_admin;
pub mod apis;
pub mod authorize;
pub mod browser_origins;
pub mod client_auth;
pub mod client_metadata;
pub mod clients;
pub mod dcr;
pub mod device;
pub mod error;
pub mod grants;
pub mod initial_access;
pub mod introspect;
pub mod operator;
pub mod params;
pub mod pkce;
pub mod rate_limit;
pub mod registry;
pub mod resource;
pub mod revocation_list;
pub mod revoke;
pub mod scope;
pub mod token;
pub mod verified_tokens;

pub use error::{ErrorCode, OAuthError};
