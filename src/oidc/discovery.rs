//! Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2, one document served
//! at both well-known paths. Built when the registered APIs are loaded: it depends on the
//! issuer and on the APIs' scopes ([`crate::oauth2::apis`]).
//! Only what works is advertised.

use serde::Serialize;

use super::claims;
use crate::accounts::acr::Acr;

/// Every endpoint path, relative to the issuer; the router mounts the same constants.
pub mod paths {
    pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
    pub const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";
    pub const JWKS: &str = "/oauth2/jwks";
    pub const AUTHORIZE: &str = "/oauth2/authorize";
    /// Where a kept authorization request can be carried on (not advertised).
    pub const AUTHORIZE_RESUME: &str = "/oauth2/authorize/resume";
    pub const USERINFO: &str = "/oauth2/userinfo";
    pub const END_SESSION: &str = "/logout";
    pub const TOKEN: &str = "/oauth2/token";
    pub const INTROSPECT: &str = "/oauth2/introspect";
    pub const REVOKE: &str = "/oauth2/revoke";
    /// RFC 7591 registration; a client's own registration is below it (RFC 7592).
    pub const REGISTRATION: &str = "/oauth2/register";
    /// RFC 8628 §3.1.
    pub const DEVICE_AUTHORIZATION: &str = "/oauth2/device_authorization";
    /// Where a person types a device's user code (RFC 8628 §3.2 `verification_uri`).
    pub const DEVICE: &str = crate::oauth2::device::VERIFICATION_PATH;
}

const CLIENT_AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post"];
const TOKEN_AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post", "none"];

/// The scopes a client can be granted; `address` and `phone` are not, since farm-auth holds
/// neither.
pub const SCOPES_SUPPORTED: &[&str] = &[
    "openid",
    "profile",
    "email",
    "roles",
    "farms",
    "offline_access",
];

#[derive(Serialize)]
struct ProviderMetadata<'a> {
    issuer: &'a str,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    introspection_endpoint: String,
    revocation_endpoint: String,
    registration_endpoint: String,
    /// RFC 8628 §4.
    device_authorization_endpoint: String,
    /// The sign-in scopes and every API's scopes (RFC 8414 §2).
    scopes_supported: Vec<&'a str>,
    response_types_supported: &'static [&'static str],
    response_modes_supported: &'static [&'static str],
    grant_types_supported: &'static [&'static str],
    subject_types_supported: &'static [&'static str],
    id_token_signing_alg_values_supported: &'static [&'static str],
    token_endpoint_auth_methods_supported: &'static [&'static str],
    introspection_endpoint_auth_methods_supported: &'static [&'static str],
    revocation_endpoint_auth_methods_supported: &'static [&'static str],
    code_challenge_methods_supported: &'static [&'static str],
    claims_supported: &'static [&'static str],
    claims_parameter_supported: bool,
    acr_values_supported: [&'static str; 3],
    /// OpenID Connect Discovery §3: the languages of the pages, for `ui_locales`.
    ui_locales_supported: [&'static str; 3],
    request_parameter_supported: bool,
    request_uri_parameter_supported: bool,
    require_request_uri_registration: bool,
    prompt_values_supported: &'static [&'static str],
    /// RFC 9207 §3: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: bool,
    frontchannel_logout_supported: bool,
    backchannel_logout_supported: bool,
    backchannel_logout_session_supported: bool,
}

/// The metadata document for `issuer` (no trailing slash), as JSON bytes; `api_scopes` are
/// the scopes the registered APIs define.
pub fn document<'a>(issuer: &'a str, api_scopes: &[&'a str]) -> Vec<u8> {
    let url = |path: &str| format!("{issuer}{path}");
    let metadata = ProviderMetadata {
        issuer,
        authorization_endpoint: url(paths::AUTHORIZE),
        token_endpoint: url(paths::TOKEN),
        userinfo_endpoint: url(paths::USERINFO),
        jwks_uri: url(paths::JWKS),
        end_session_endpoint: url(paths::END_SESSION),
        introspection_endpoint: url(paths::INTROSPECT),
        revocation_endpoint: url(paths::REVOKE),
        registration_endpoint: url(paths::REGISTRATION),
        device_authorization_endpoint: url(paths::DEVICE_AUTHORIZATION),
        scopes_supported: SCOPES_SUPPORTED.iter().chain(api_scopes).copied().collect(),
        response_types_supported: &["code"],
        response_modes_supported: &["query", "form_post"],
        grant_types_supported: &[
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        subject_types_supported: &["public"],
        id_token_signing_alg_values_supported: &["RS256"],
        token_endpoint_auth_methods_supported: TOKEN_AUTH_METHODS,
        introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        revocation_endpoint_auth_methods_supported: TOKEN_AUTH_METHODS,
        code_challenge_methods_supported: &["S256"],
        claims_supported: claims::SUPPORTED,
        claims_parameter_supported: true,
        // Weakest first (decision 123); a request may name any of them (Core §3.1.2.1).
        acr_values_supported: Acr::ALL.map(Acr::as_str),
        ui_locales_supported: crate::i18n::Lang::ALL.map(crate::i18n::Lang::code),
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        require_request_uri_registration: false,
        prompt_values_supported: &["none", "login", "consent", "select_account"],
        authorization_response_iss_parameter_supported: true,
        frontchannel_logout_supported: false,
        // Back-Channel Logout 1.0 §2.1: logout tokens are sent (crate::events::logout_token),
        // and always carry `sid`, so a client may require it.
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
    };
    serde_json::to_vec(&metadata).expect("provider metadata always serializes")
}
