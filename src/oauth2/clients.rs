//! Registered OAuth clients in their parsed form: how they authenticate, which grants they
//! may use, where they may be sent back to. Registration is in [`super::client_metadata`].

use std::fmt;

use url::Url;

use super::scope::{NEVER_FOR_VENDORS, Scope};
use crate::accounts::acr::{self, Acr};
use crate::domain::RedirectUri;
use crate::store::StoreError;
use crate::store::clients::{ClientFarm, ClientRecord};

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
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    /// The most a client may ask for.
    pub scope: Scope,
    pub created_at: i64,
    /// Registered by a vendor through RFC 7591: shown as such on consent pages.
    pub registered_by_vendor: bool,
    /// The vendor's name, when the initial access token named one.
    pub vendor: Option<String>,
    registration_token_hash: Option<String>,
    /// The farm it belongs to: its access tokens carry `farm_id`, people see the farm's
    /// name beside the app's, and it works only while the farm is active.
    pub farm: Option<ClientFarm>,
    /// Suspended by an administrator: no tokens, and those it has stop working.
    pub suspended: bool,
    /// OpenID Connect Back-Channel Logout 1.0 §2.2.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// The administrator's minimum level for every authorization of it (decision 126).
    pub min_acr: Option<Acr>,
    /// Its own default `acr_values` (OpenID Connect Registration §2): asked voluntarily
    /// when a request names none.
    pub default_acr_values: Vec<Acr>,
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

    /// What people are told of who made it: `Some` for a vendor's app or a farm's, holding
    /// the farm's name (or the vendor's), or nothing when no name is known; `None` for the
    /// platform's own.
    pub fn vendor_label(&self) -> Option<String> {
        if let Some(farm) = &self.farm {
            return Some(farm.name.to_string());
        }
        self.registered_by_vendor
            .then(|| self.vendor.clone().unwrap_or_default())
    }

    /// Whether it is a vendor's app: registered by a vendor (RFC 7591) or belonging to a farm.
    /// Its redirect URIs were chosen by someone outside the platform, so they are used only
    /// once the person is known (RFC 9700 §4.11.2), and it must use PKCE (RFC 9700 §2.1.1);
    /// the platform's own clients, registered by an administrator, are trusted with both.
    pub fn is_vendor_app(&self) -> bool {
        self.registered_by_vendor || self.farm.is_some()
    }

    /// RFC 9700 §2.1.1: public clients and vendors' apps must send a PKCE challenge.
    pub fn requires_pkce(&self) -> bool {
        self.is_public() || self.is_vendor_app()
    }

    /// Whether it may get tokens and its tokens count: not suspended, and, for a farm's
    /// client, its farm active.
    pub fn is_usable(&self) -> bool {
        !self.suspended && self.farm.as_ref().is_none_or(|f| f.status.is_active())
    }

    /// The farm whose id its access tokens carry.
    pub fn farm_id(&self) -> Option<&str> {
        self.farm.as_ref().map(|f| f.id.as_str())
    }

    /// The hash of the RFC 7592 registration access token, for a vendor's client.
    pub(crate) fn registration_token_hash(&self) -> Option<&str> {
        self.registration_token_hash.as_deref()
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
        let registered_by_vendor = record.registration_token_hash.is_some();
        // A vendor's app holds none of these, however its row came to list them.
        let scope = match registered_by_vendor {
            true => record.scope.filter(|t| !NEVER_FOR_VENDORS.contains(&t)),
            false => record.scope,
        };
        let min_acr = match &record.min_acr {
            Some(text) => Some(Acr::parse(text).ok_or_else(|| corrupt("min_acr"))?),
            None => None,
        };
        let default_acr_values =
            acr::parse_values(record.default_acr_values.as_deref().unwrap_or(""))
                .map_err(|_| corrupt("default_acr_values"))?;
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
            registered_by_vendor,
            vendor: record.vendor,
            registration_token_hash: record.registration_token_hash,
            farm: record.farm,
            suspended: record.suspended_at.is_some(),
            backchannel_logout_uri: record.backchannel_logout_uri,
            backchannel_logout_session_required: record.backchannel_logout_session_required,
            min_acr,
            default_acr_values,
        })
    }
}
