//! Registering and changing clients, with validated metadata: from the command line and the
//! administrator's console (the platform's own apps), or by vendors through RFC 7591
//! ([`super::dcr`]), who get less room. Secrets are generated here (256 bits), returned
//! once, and stored as SHA-256 hashes.

mod fields;

use fields::{
    backchannel_logout_uri, default_acr_values, grant_types, min_acr, redirect_uri, vendor_scopes,
};

use super::clients::{AuthMethod, Client, GrantType};
use super::scope::{NEVER_FOR_VENDORS, Scope};
use crate::domain::FarmId;
use crate::oidc::discovery::SCOPES_SUPPORTED;
use crate::secrets::{hash_secret, random_id, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::clients::{ClientFarm, ClientRecord};

/// Who registers a client, which decides how much it may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registrant {
    /// The platform's administrators: any scope (the `account` and `admin` APIs, the
    /// scopes of the platform's services) and native-app redirect schemes.
    Platform,
    /// An outside vendor (RFC 7591): only the OpenID Connect scopes (never `roles`), and
    /// redirect URIs on https or loopback http. A vendor's app must not reach the account
    /// or admin APIs, nor the platform's services in its own name: no `client_credentials`.
    Vendor,
    /// An administrator changing a vendor's app: what a vendor may have, and also
    /// `client_credentials`, which only an administrator grants. Never `roles`, `account`
    /// or `admin`, whoever asks.
    VendorByAdministrator,
}

impl Registrant {
    /// Whether the client is a vendor's app, held to a vendor's redirect URIs and scopes.
    fn is_vendor(self) -> bool {
        self != Registrant::Platform
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
    /// OpenID Connect Back-Channel Logout 1.0 §2.2: where logout tokens are POSTed.
    pub backchannel_logout_uri: Option<String>,
    /// §2.2: whether the client needs `sid` in logout tokens (they always carry it).
    pub backchannel_logout_session_required: bool,
    /// The administrator's minimum `acr` for every authorization of the client (decision
    /// 126); a vendor cannot set it, nor change it.
    pub min_acr: Option<String>,
    /// OpenID Connect Registration §2 `default_acr_values`; `None` keeps what the client
    /// has when an administrator changes it (the console does not show them).
    pub default_acr_values: Option<Vec<String>>,
}

/// A registered client and, for a confidential one, its secret: shown this once.
#[derive(Debug)]
pub struct Registered {
    pub client: Client,
    pub secret: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("no such client")]
    NotFound,
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

/// Validates `new` as one of the platform's clients and stores it with a fresh id (and
/// secret).
pub async fn register(state: &AppState, new: NewClient) -> Result<Registered, RegistrationError> {
    register_for_farm(state, new, None).await
}

/// Validates `new` as one of the platform's clients belonging to `farm` (its tokens then
/// carry the farm's id) and stores it.
pub async fn register_for_farm(
    state: &AppState,
    new: NewClient,
    farm: Option<&FarmId<'_>>,
) -> Result<Registered, RegistrationError> {
    let (mut record, secret) = prepare(new, Registrant::Platform, state.clock.now())?;
    if let Some(farm) = farm {
        let Some(found) = state.store.find_farm(farm).await? else {
            return Err(RegistrationError::Metadata(format!(
                "no farm has the id {farm}"
            )));
        };
        record.farm_id = Some(found.id.clone());
        record.farm = Some(ClientFarm {
            id: found.id,
            name: found.name,
            status: found.status,
        });
    }
    reachable(state, &record).await?;
    state.store.insert_client(&record).await?;
    // A public client's redirect origins may call us from pages from now on.
    state.clients.forget(&record.client_id);
    Ok(Registered {
        client: Client::try_from(record)?,
        secret,
    })
}

/// Validates `new` for `registrant` into a record with a fresh id, and a fresh secret
/// (returned, and hashed in the record) for a confidential client.
pub fn prepare(
    new: NewClient,
    registrant: Registrant,
    now: i64,
) -> Result<(ClientRecord, Option<String>), RegistrationError> {
    let record = validate(new, registrant, now)?;
    let confidential = record.token_endpoint_auth_method != AuthMethod::None.as_str();
    let secret = confidential.then(random_token::<32>);
    let record = ClientRecord {
        secret_hash: secret.as_deref().map(hash_secret),
        ..record
    };
    Ok((record, secret))
}

/// Replaces the metadata of client `client_id` with `new`, validated for `registrant`; its
/// id, secret and vendor stay. A client stays public or confidential: the other kind is a
/// new registration.
pub async fn update(
    state: &AppState,
    client_id: &str,
    new: NewClient,
    registrant: Registrant,
) -> Result<Client, RegistrationError> {
    let current = state
        .store
        .find_client(client_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    let record = revise(current, new, registrant, state.clock.now())?;
    reachable(state, &record).await?;
    if !state.store.update_client(&record).await? {
        return Err(RegistrationError::NotFound);
    }
    Ok(Client::try_from(record)?)
}

/// `current` with its metadata replaced by `new`, validated for `registrant`, written
/// nowhere yet: its id, secret, vendor and registration token stay.
pub fn revise(
    current: ClientRecord,
    new: NewClient,
    registrant: Registrant,
    now: i64,
) -> Result<ClientRecord, RegistrationError> {
    let was_public = current.token_endpoint_auth_method == AuthMethod::None.as_str();
    if new.public != was_public {
        return Err(RegistrationError::Metadata(
            "a client cannot change between public and confidential; register a new one".into(),
        ));
    }
    // A vendor keeps what an administrator granted (`client_credentials`, scopes beyond the
    // sign-in ones) and cannot add to it.
    let keep_defaults = new.default_acr_values.is_none();
    let mut changed = match registrant {
        Registrant::Vendor => ClientRecord {
            min_acr: current.min_acr.clone(),
            ..validate_keeping(new, registrant, now, Some(&current))?
        },
        _ => validate(new, registrant, now)?,
    };
    if keep_defaults {
        changed.default_acr_values = current.default_acr_values.clone();
    }
    Ok(ClientRecord {
        client_id: current.client_id,
        secret_hash: current.secret_hash,
        created_at: current.created_at,
        vendor: current.vendor,
        registration_token_hash: current.registration_token_hash,
        farm_id: current.farm_id,
        farm: current.farm,
        suspended_at: current.suspended_at,
        ..changed
    })
}

/// Gives a confidential client a new secret, returned this once; the old one stops working
/// at once (within the client cache's lifetime at other replicas).
pub async fn rotate_secret(state: &AppState, client_id: &str) -> Result<String, RegistrationError> {
    let current = state
        .store
        .find_client(client_id)
        .await?
        .ok_or(RegistrationError::NotFound)?;
    if current.secret_hash.is_none() {
        return Err(RegistrationError::Metadata(
            "a public client has no secret".into(),
        ));
    }
    let secret = random_token::<32>();
    let stored = state
        .store
        .set_client_secret_hash(client_id, Some(&hash_secret(&secret)), state.clock.now())
        .await?;
    match stored {
        true => Ok(secret),
        false => Err(RegistrationError::NotFound),
    }
}

/// A back-channel logout URI must resolve, now, only to addresses farm-auth may call
/// (decision 162): refused at registration rather than failing at every sign-out. It is
/// checked again at each delivery, as DNS can change.
pub async fn reachable(state: &AppState, record: &ClientRecord) -> Result<(), RegistrationError> {
    let Some(uri) = &record.backchannel_logout_uri else {
        return Ok(());
    };
    let url = url::Url::parse(uri)
        .map_err(|_| RegistrationError::Metadata("backchannel_logout_uri is not a URL".into()))?;
    // A vendor's or a farm's app is judged as the public Internet, and is not told what its
    // name resolves to (that would map the inner network for it).
    let third_party = record.vendor.is_some()
        || record.farm_id.is_some()
        || record.registration_token_hash.is_some();
    let outbound = match third_party {
        true => state.outbound.for_third_parties(),
        false => &state.outbound,
    };
    outbound.resolve_and_check(&url).await.map_err(|error| {
        RegistrationError::Metadata(match third_party {
            true => "backchannel_logout_uri cannot be called from here".into(),
            false => format!("backchannel_logout_uri cannot be called: {error}"),
        })
    })
}

fn validate(
    new: NewClient,
    registrant: Registrant,
    now: i64,
) -> Result<ClientRecord, RegistrationError> {
    validate_keeping(new, registrant, now, None)
}

/// [`validate`], for a vendor's update of `granted`: it may keep the grant types and scopes
/// an administrator gave it beyond a vendor's, never add to them.
fn validate_keeping(
    new: NewClient,
    registrant: Registrant,
    now: i64,
    granted: Option<&ClientRecord>,
) -> Result<ClientRecord, RegistrationError> {
    let was_granted_grant =
        |g: GrantType| granted.is_some_and(|c| c.grant_types.iter().any(|t| t == g.as_str()));
    let was_granted_scope = |token: &str| granted.is_some_and(|c| c.scope.contains(token));
    let meta = |m: &str| RegistrationError::Metadata(m.to_string());
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control)
    {
        return Err(meta("name must be 1 to 100 printable characters"));
    }
    let parse_all = |uris: &[String]| {
        uris.iter()
            .map(|uri| redirect_uri(uri, registrant))
            .collect::<Result<Vec<_>, _>>()
    };
    let redirect_uris = parse_all(&new.redirect_uris)?;
    let post_logout_redirect_uris = parse_all(&new.post_logout_redirect_uris)?;
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
    if has(GrantType::ClientCredentials)
        && registrant == Registrant::Vendor
        && !was_granted_grant(GrantType::ClientCredentials)
    {
        return Err(meta(
            "client_credentials is granted to a vendor's app only by an administrator",
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
    if registrant.is_vendor()
        && let Some(token) = scope.iter().find(|t| NEVER_FOR_VENDORS.contains(t))
    {
        return Err(RegistrationError::Metadata(format!(
            "scope '{token}' is never granted to a vendor's app"
        )));
    }
    if registrant == Registrant::Vendor
        && let Some(token) = scope
            .iter()
            .find(|t| !SCOPES_SUPPORTED.contains(t) && !was_granted_scope(t))
    {
        return Err(RegistrationError::Metadata(format!(
            "scope '{token}' cannot be registered; vendors may ask for: {}",
            vendor_scopes().join(" ")
        )));
    }
    let backchannel_logout_uri = new
        .backchannel_logout_uri
        .as_deref()
        .map(|uri| backchannel_logout_uri(uri, auth_method, registrant))
        .transpose()?;
    let min_acr = match (new.min_acr.as_deref(), registrant) {
        (None, _) => None,
        (Some(_), Registrant::Vendor) => {
            return Err(meta("only an administrator sets a client's minimum acr"));
        }
        (Some(text), _) => Some(min_acr(text)?),
    };
    let default_acr_values = new
        .default_acr_values
        .as_deref()
        .map(default_acr_values)
        .transpose()?
        .flatten();
    Ok(ClientRecord {
        client_id: random_id(),
        name: name.to_string(),
        secret_hash: None, // `register` generates the secret

        token_endpoint_auth_method: auth_method.as_str().to_string(),
        redirect_uris,
        post_logout_redirect_uris,
        grant_types: grant_types.iter().map(|g| g.as_str().to_string()).collect(),
        scope,
        created_at: now,
        updated_at: now,
        vendor: None,
        registration_token_hash: None,
        farm_id: None,
        farm: None,
        suspended_at: None,
        backchannel_logout_uri,
        backchannel_logout_session_required: new.backchannel_logout_session_required,
        min_acr,
        default_acr_values,
    })
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
        let record = validate(new("bot"), Registrant::Platform, 0).unwrap();
        assert_eq!(record.grant_types, vec!["client_credentials"]);
        assert_eq!(record.token_endpoint_auth_method, "client_secret_basic");
        assert_eq!(record.client_id.len(), 22);
    }

    #[test]
    fn the_platform_may_register_native_schemes_and_vendors_may_not() {
        let platform = |uri| redirect_uri(uri, Registrant::Platform);
        let vendor = |uri| redirect_uri(uri, Registrant::Vendor);
        assert!(platform("com.example.app:/cb").is_ok());
        assert!(vendor("com.example.app:/cb").is_err());
        assert!(vendor("https://shop.example/cb").is_ok());
        assert!(vendor("http://localhost/cb").is_ok());
        assert!(platform("http://shop.example/cb").is_err());
    }

    #[test]
    fn vendors_get_https_redirects_and_the_openid_scopes_only() {
        let vendor = |uri: &str, scope: &str| NewClient {
            redirect_uris: vec![uri.into()],
            scope: Some(scope.into()),
            ..new("shop")
        };
        let ok = vendor("https://shop.example/cb", "openid email offline_access");
        assert!(validate(ok, Registrant::Vendor, 0).is_ok());
        let loopback = vendor("http://127.0.0.1:8000/cb", "openid");
        assert!(validate(loopback, Registrant::Vendor, 0).is_ok());
        for (uri, scope) in [
            ("com.example.app:/cb", "openid"),
            ("https://shop.example/cb", "openid account"),
            ("https://shop.example/cb", "admin"),
            ("https://shop.example/cb", "orders:write"),
        ] {
            assert!(
                validate(vendor(uri, scope), Registrant::Vendor, 0).is_err(),
                "{uri} {scope}"
            );
            assert!(
                validate(vendor(uri, scope), Registrant::Platform, 0).is_ok(),
                "{uri} {scope}"
            );
        }
    }

    #[test]
    fn inconsistent_metadata_is_refused() {
        let public_machine = NewClient {
            public: true,
            ..new("x")
        };
        assert!(validate(public_machine, Registrant::Platform, 0).is_err());
        let code_without_uri = NewClient {
            grant_types: vec!["authorization_code".into()],
            ..new("x")
        };
        assert!(validate(code_without_uri, Registrant::Platform, 0).is_err());
        let unknown = NewClient {
            grant_types: vec!["password".into()],
            ..new("x")
        };
        assert!(validate(unknown, Registrant::Platform, 0).is_err());
        assert!(validate(new("  "), Registrant::Platform, 0).is_err());
        let bad_scope = NewClient {
            scope: Some("a\"b".into()),
            ..new("x")
        };
        assert!(validate(bad_scope, Registrant::Platform, 0).is_err());
    }
}
