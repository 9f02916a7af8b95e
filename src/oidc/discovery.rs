//! Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2, one document served
//! at both well-known paths. Built once at start-up: it depends only on the issuer.
//! Only what works is advertised; each later capability adds its own fields here.

use serde::Serialize;

/// Every endpoint path, relative to the issuer; the router mounts the same constants.
pub mod paths {
    pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
    pub const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";
    pub const JWKS: &str = "/oauth2/jwks";
    pub const TOKEN: &str = "/oauth2/token";
    pub const INTROSPECT: &str = "/oauth2/introspect";
    pub const REVOKE: &str = "/oauth2/revoke";
}

const CLIENT_AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post"];

#[derive(Serialize)]
struct ProviderMetadata<'a> {
    issuer: &'a str,
    jwks_uri: String,
    token_endpoint: String,
    introspection_endpoint: String,
    revocation_endpoint: String,
    grant_types_supported: &'static [&'static str],
    /// RFC 8414 §2: REQUIRED. Empty until the authorization endpoint exists; no grant
    /// offered so far uses one.
    response_types_supported: &'static [&'static str],
    token_endpoint_auth_methods_supported: &'static [&'static str],
    introspection_endpoint_auth_methods_supported: &'static [&'static str],
    revocation_endpoint_auth_methods_supported: &'static [&'static str],
}

/// The metadata document for `issuer` (no trailing slash), as JSON bytes.
pub fn document(issuer: &str) -> Vec<u8> {
    let url = |path: &str| format!("{issuer}{path}");
    let metadata = ProviderMetadata {
        issuer,
        jwks_uri: url(paths::JWKS),
        token_endpoint: url(paths::TOKEN),
        introspection_endpoint: url(paths::INTROSPECT),
        revocation_endpoint: url(paths::REVOKE),
        grant_types_supported: &["client_credentials"],
        response_types_supported: &[],
        token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    };
    serde_json::to_vec(&metadata).expect("provider metadata always serializes")
}
