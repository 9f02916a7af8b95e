//! Registered OAuth clients: their parsed form, and registration with validated metadata.
//! Secrets are generated here (256 bits), returned once, and stored as SHA-256 hashes.

use std::fmt;

use url::Url;

use super::scope::Scope;
use crate::clock::Clock;
use crate::secrets::{hash_secret, random_token};
use crate::store::clients::ClientRecord;
use crate::store::{Store, StoreError};

/// How a client authenticates at the token endpoint (OpenID Connect Registration §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    /// A public client: no secret, PKCE instead.
    None,
}

impl AuthMethod {
    pub fn parse(text: &str) -> Option<AuthMethod> {
        match text {
            "client_secret_basic" => Some(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Some(AuthMethod::ClientSecretPost),
            "none" => Some(AuthMethod::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The grant types a client may be registered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    DeviceCode,
}

impl GrantType {
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::DeviceCode,
    ];

    pub fn parse(text: &str) -> Option<GrantType> {
        GrantType::ALL.into_iter().find(|g| g.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub name: String,
    secret_hash: Option<String>,
    pub auth_method: AuthMethod,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    /// The most a client may ask for.
    pub scope: Scope,
    pub created_at: i64,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.auth_method == AuthMethod::None
    }

    pub fn may_use(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// RFC 9700 §4.1.3: the redirect URI must be one registered, compared as exact strings.
    /// RFC 8252 §7.3: for a loopback IP address (not `localhost`) any port is allowed, since
    /// a native app picks a free one at the time of the request.
    pub fn redirect_uri_matches(&self, uri: &str) -> bool {
        if self.redirect_uris.iter().any(|r| r == uri) {
            return true;
        }
        let Ok(asked) = Url::parse(uri) else {
            return false;
        };
        let loopback_ip = matches!(asked.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(asked.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        if asked.scheme() != "http" || !loopback_ip || asked.port().is_none() {
            return false;
        }
        let mut portless = asked.clone();
        if portless.set_port(None).is_err() {
            return false;
        }
        self.redirect_uris.iter().any(|registered| {
            Url::parse(registered).is_ok_and(|mut r| r.set_port(None).is_ok() && r == portless)
                && !uri.contains('#')
        })
    }

    pub(crate) fn secret_hash(&self) -> Option<&str> {
        self.secret_hash.as_deref()
    }
}

impl TryFrom<ClientRecord> for Client {
    type Error = StoreError;

    fn try_from(record: ClientRecord) -> Result<Self, StoreError> {
        let corrupt =
            |what: &str| StoreError::Corrupt(format!("client {}: {what}", record.client_id));
        let auth_method = AuthMethod::parse(&record.token_endpoint_auth_method)
            .ok_or_else(|| corrupt("auth method"))?;
        let grant_types = record
            .grant_types
            .iter()
            .map(|g| GrantType::parse(g).ok_or_else(|| corrupt("grant type")))
            .collect::<Result<_, _>>()?;
        let scope = Scope::parse(&record.scope).map_err(|_| corrupt("scope"))?;
        Ok(Client {
            id: record.client_id,
            name: record.name,
            secret_hash: record.secret_hash,
            auth_method,
            redirect_uris: record.redirect_uris,
            post_logout_redirect_uris: record.post_logout_redirect_uris,
            grant_types,
            scope,
            created_at: record.created_at,
        })
    }
}

/// What a registration asks for, before validation.
#[derive(Clone, Debug, Default)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Empty: `authorization_code` when redirect URIs are given, else `client_credentials`.
    pub grant_types: Vec<String>,
    /// `None`: `openid` for clients that sign people in, nothing for machine clients.
    pub scope: Option<String>,
    pub public: bool,
    /// `None`: `client_secret_basic` (or `none` for a public client).
    pub auth_method: Option<String>,
}

/// A registered client and, for a confidential one, its secret: shown this once.
#[derive(Debug)]
pub struct Registered {
    pub client: Client,
    pub secret: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// RFC 7591 §3.2.2 `invalid_redirect_uri`.
    #[error("invalid redirect URI: {0}")]
    RedirectUri(String),
    /// RFC 7591 §3.2.2 `invalid_client_metadata`.
    #[error("invalid client metadata: {0}")]
    Metadata(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const MAX_NAME_LEN: usize = 100;
const MAX_URIS: usize = 20;
const MAX_URI_LEN: usize = 2000;

/// Validates `new` and stores it as a client with a fresh id (and secret).
pub async fn register(
    store: &Store,
    clock: &Clock,
    new: NewClient,
) -> Result<Registered, RegistrationError> {
    let record = validate(new, clock.now())?;
    let confidential = record.token_endpoint_auth_method != AuthMethod::None.as_str();
    let secret = confidential.then(random_token::<32>);
    let record = ClientRecord {
        secret_hash: secret.as_deref().map(hash_secret),
        ..record
    };
    store.insert_client(&record).await?;
    Ok(Registered {
        client: Client::try_from(record)?,
        secret,
    })
}

fn validate(new: NewClient, now: i64) -> Result<ClientRecord, RegistrationError> {
    let meta = |m: &str| RegistrationError::Metadata(m.to_string());
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control)
    {
        return Err(meta("name must be 1 to 100 printable characters"));
    }
    for uri in new
        .redirect_uris
        .iter()
        .chain(&new.post_logout_redirect_uris)
    {
        check_redirect_uri(uri)?;
    }
    if new.redirect_uris.len() > MAX_URIS || new.post_logout_redirect_uris.len() > MAX_URIS {
        return Err(meta("too many redirect URIs"));
    }
    let auth_method = match (new.public, new.auth_method.as_deref()) {
        (true, None | Some("none")) => AuthMethod::None,
        (true, Some(_)) => return Err(meta("a public client has no secret to authenticate with")),
        (false, None) => AuthMethod::ClientSecretBasic,
        (false, Some(m)) => match AuthMethod::parse(m) {
            Some(AuthMethod::None) => {
                return Err(meta("use --public for a client without a secret"));
            }
            Some(method) => method,
            None => {
                return Err(meta(
                    "token_endpoint_auth_method must be client_secret_basic or client_secret_post",
                ));
            }
        },
    };
    let grant_types = grant_types(&new)?;
    let has = |g: GrantType| grant_types.contains(&g);
    if has(GrantType::AuthorizationCode) && new.redirect_uris.is_empty() {
        return Err(meta(
            "the authorization_code grant needs at least one redirect URI",
        ));
    }
    if has(GrantType::ClientCredentials) && auth_method == AuthMethod::None {
        return Err(meta("a public client cannot use client_credentials"));
    }
    if has(GrantType::RefreshToken)
        && !(has(GrantType::AuthorizationCode) || has(GrantType::DeviceCode))
    {
        return Err(meta(
            "refresh_token needs authorization_code or the device grant",
        ));
    }
    let default_scope = if has(GrantType::AuthorizationCode) || has(GrantType::DeviceCode) {
        "openid"
    } else {
        ""
    };
    let scope = Scope::parse(new.scope.as_deref().unwrap_or(default_scope))
        .map_err(|e| meta(&e.to_string()))?;
    Ok(ClientRecord {
        client_id: random_token::<16>(),
        name: name.to_string(),
        secret_hash: None, // `register` generates the secret

        token_endpoint_auth_method: auth_method.as_str().to_string(),
        redirect_uris: new.redirect_uris,
        post_logout_redirect_uris: new.post_logout_redirect_uris,
        grant_types: grant_types.iter().map(|g| g.as_str().to_string()).collect(),
        scope: scope.to_string(),
        created_at: now,
        updated_at: now,
    })
}

fn grant_types(new: &NewClient) -> Result<Vec<GrantType>, RegistrationError> {
    if new.grant_types.is_empty() {
        let default = if new.redirect_uris.is_empty() {
            GrantType::ClientCredentials
        } else {
            GrantType::AuthorizationCode
        };
        return Ok(vec![default]);
    }
    let mut grants = Vec::new();
    for text in &new.grant_types {
        let grant = GrantType::parse(text)
            .ok_or_else(|| RegistrationError::Metadata(format!("unknown grant type '{text}'")))?;
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    Ok(grants)
}

/// RFC 6749 §3.1.2: an absolute URI without a fragment. RFC 9700 §2.1 and RFC 8252 §7:
/// https, http only on a loopback host, or a private-use scheme of a native app.
pub fn check_redirect_uri(uri: &str) -> Result<(), RegistrationError> {
    let bad = |why: &str| {
        RegistrationError::RedirectUri(format!(
            "{why}: {}",
            uri.chars().take(80).collect::<String>()
        ))
    };
    if uri.len() > MAX_URI_LEN {
        return Err(bad("too long"));
    }
    // The URL parser would quietly trim these; exact matching (RFC 9700 §4.1.3) must not.
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    let url = Url::parse(uri).map_err(|_| bad("not an absolute URI"))?;
    if url.fragment().is_some() || uri.contains('#') {
        return Err(bad("must not contain a fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(bad("http is allowed only on a loopback host")),
        "javascript" | "data" | "file" | "vbscript" | "blob" => Err(bad("scheme not allowed")),
        // RFC 8252 §7.1: private-use schemes are reverse domain names, so contain a dot.
        scheme if scheme.contains('.') => Ok(()),
        _ => Err(bad(
            "use https, loopback http, or a reverse-domain private-use scheme",
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str) -> NewClient {
        NewClient {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_machine_client_defaults_to_client_credentials_with_a_secret() {
        let record = validate(new("bot"), 0).unwrap();
        assert_eq!(record.grant_types, vec!["client_credentials"]);
        assert_eq!(record.token_endpoint_auth_method, "client_secret_basic");
        assert_eq!(record.client_id.len(), 22);
    }

    #[test]
    fn redirect_uris_follow_rfc_9700() {
        assert!(check_redirect_uri("https://shop.example/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:9000/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("com.example.app:/cb").is_ok());
        assert!(check_redirect_uri("http://shop.example/cb").is_err());
        assert!(check_redirect_uri("https://shop.example/cb#frag").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert!(check_redirect_uri("/relative").is_err());
        assert!(check_redirect_uri(" https://shop.example/cb").is_err());
        assert!(check_redirect_uri("https://shop.example/cb\n").is_err());
    }

    #[test]
    fn inconsistent_metadata_is_refused() {
        let public_machine = NewClient {
            public: true,
            ..new("x")
        };
        assert!(validate(public_machine, 0).is_err());
        let code_without_uri = NewClient {
            grant_types: vec!["authorization_code".into()],
            ..new("x")
        };
        assert!(validate(code_without_uri, 0).is_err());
        let unknown = NewClient {
            grant_types: vec!["password".into()],
            ..new("x")
        };
        assert!(validate(unknown, 0).is_err());
        assert!(validate(new("  "), 0).is_err());
        let bad_scope = NewClient {
            scope: Some("a\"b".into()),
            ..new("x")
        };
        assert!(validate(bad_scope, 0).is_err());
    }
}
