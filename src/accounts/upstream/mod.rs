//! Upstream OpenID providers (Google, Microsoft, another farm-auth: any provider with a
//! discovery document), with farm-auth as their relying party. This module owns their
//! configuration (created and deleted by administrators, the client secret sealed at rest by
//! the store); [`relying_party`] talks to them (discovery, the code flow with PKCE, the ID
//! token checked against their JWKS); [`links`] says which upstream subject is which local
//! account. The sign-in step itself is [`super::sign_in::upstream`].

pub mod links;
pub mod relying_party;

use serde::Serialize;

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::upstreams::UpstreamRecord;

use super::admin::Actor;

/// The scopes asked for when the administrator names none.
pub const DEFAULT_SCOPES: &str = "openid email profile";
/// The one callback URI of every provider, below the issuer: what an administrator
/// registers at the provider.
pub const CALLBACK_PATH: &str = "/login/upstream/callback";

/// What an administrator registers at every provider: the callback under this issuer.
pub fn redirect_uri(state: &AppState) -> String {
    format!("{}{CALLBACK_PATH}", state.issuer)
}

/// A provider just configured, with the redirect URI to register at it.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedUpstream {
    #[serde(flatten)]
    pub provider: UpstreamSummary,
    pub redirect_uri: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamConfigError {
    #[error("{0}")]
    Invalid(String),
    #[error("a provider with id '{0}' exists already")]
    Taken(String),
    #[error("no provider with id '{0}'")]
    NoSuchProvider(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an administrator gives to configure a provider.
pub struct NewUpstream {
    pub id: String,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Option<String>,
    pub trust_mfa: bool,
}

/// A provider as listed (never its secret).
#[derive(Clone, Debug, Serialize)]
pub struct UpstreamSummary {
    pub id: String,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub scopes: String,
    pub trust_mfa: bool,
    pub enabled: bool,
    pub created_at: i64,
}

impl From<&UpstreamRecord> for UpstreamSummary {
    fn from(p: &UpstreamRecord) -> Self {
        UpstreamSummary {
            id: p.id.clone(),
            label: p.label.clone(),
            issuer: p.issuer.clone(),
            client_id: p.client_id.clone(),
            scopes: p.scopes.clone(),
            trust_mfa: p.trust_mfa,
            enabled: p.enabled,
            created_at: p.created_at,
        }
    }
}

fn invalid(why: &str) -> UpstreamConfigError {
    UpstreamConfigError::Invalid(why.into())
}

/// Whether `id` is a slug fit for a URL path: 1 to 32 lower-case letters, digits and `-`,
/// and not one of the fixed paths beside `/login/upstream/{id}`.
pub fn is_provider_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !matches!(id, "callback" | "signup")
}

/// Whether a provider's URL may be used: https, or http to a loopback address (a
/// development or test provider). Its issuer and every endpoint it names are held to this,
/// so neither the client secret nor a code travels in clear text or to another scheme.
pub(super) fn https_or_loopback(url: &url::Url) -> bool {
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

/// The issuer as given, checked: an absolute http(s) URL without query or fragment, and
/// https unless its host is a loopback address (a development or test provider).
fn parse_issuer(issuer: &str) -> Result<String, UpstreamConfigError> {
    let url = url::Url::parse(issuer).map_err(|_| invalid("the issuer must be an absolute URL"))?;
    if !https_or_loopback(&url)
        || url.query().is_some()
        || url.fragment().is_some()
        || issuer.len() > 512
    {
        return Err(invalid(
            "the issuer must be an https URL without query or fragment",
        ));
    }
    Ok(issuer.trim_end_matches('/').to_string())
}

/// The scopes to ask for: `openid` always among them, each a plain token.
fn parse_scopes(scopes: Option<&str>) -> Result<String, UpstreamConfigError> {
    let scopes = scopes.unwrap_or(DEFAULT_SCOPES);
    let list: Vec<&str> = scopes.split_whitespace().collect();
    let plain = |s: &&str| s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic() && b != b'"');
    if !list.contains(&"openid") || list.len() > 16 || !list.iter().all(plain) {
        return Err(invalid(
            "the scopes must include openid (at most 16 plain scopes)",
        ));
    }
    Ok(list.join(" "))
}

fn check_text(value: &str, what: &str, max: usize) -> Result<String, UpstreamConfigError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(UpstreamConfigError::Invalid(format!(
            "the {what} must be 1 to {max} characters"
        )));
    }
    Ok(value.to_string())
}

/// Configures a provider; the trail records who did.
pub async fn create(
    state: &AppState,
    actor: Actor<'_>,
    new: NewUpstream,
) -> Result<CreatedUpstream, UpstreamConfigError> {
    if !is_provider_id(&new.id) {
        return Err(invalid(
            "the id must be 1 to 32 lower-case letters, digits or '-'",
        ));
    }
    let record = UpstreamRecord {
        label: check_text(&new.label, "label", 64)?,
        issuer: parse_issuer(&new.issuer)?,
        client_id: check_text(&new.client_id, "client id", 512)?,
        client_secret: check_text(&new.client_secret, "client secret", 1024)?,
        scopes: parse_scopes(new.scopes.as_deref())?,
        trust_mfa: new.trust_mfa,
        enabled: true,
        created_at: state.clock.now(),
        id: new.id,
    };
    match state.store.insert_upstream(&record).await {
        Err(StoreError::Conflict) => return Err(UpstreamConfigError::Taken(record.id)),
        other => other?,
    }
    let detail = format!("provider {} ({})", record.id, record.issuer);
    actor
        .record(state, "upstream.created", None, Some(detail))
        .await?;
    Ok(CreatedUpstream {
        provider: UpstreamSummary::from(&record),
        redirect_uri: redirect_uri(state),
    })
}

/// Every configured provider.
pub async fn list(state: &AppState) -> Result<Vec<UpstreamSummary>, StoreError> {
    let all = state.store.list_upstreams().await?;
    Ok(all.iter().map(UpstreamSummary::from).collect())
}

/// The providers offered on the sign-in and sign-up pages: (id, label).
pub async fn buttons(state: &AppState) -> Result<Vec<(String, String)>, StoreError> {
    state.store.list_upstream_buttons().await
}

/// An enabled provider by id.
pub async fn find(state: &AppState, id: &str) -> Result<Option<UpstreamRecord>, StoreError> {
    if !is_provider_id(id) {
        return Ok(None);
    }
    let found = state.store.find_upstream(id).await?;
    Ok(found.filter(|p| p.enabled))
}

/// Deletes a provider and every link to it; the trail records who did.
pub async fn delete(
    state: &AppState,
    actor: Actor<'_>,
    id: &str,
) -> Result<(), UpstreamConfigError> {
    if !state.store.delete_upstream(id).await? {
        return Err(UpstreamConfigError::NoSuchProvider(id.into()));
    }
    state.upstreams.forget(id);
    actor
        .record(
            state,
            "upstream.deleted",
            None,
            Some(format!("provider {id}")),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{is_provider_id, parse_issuer, parse_scopes};

    #[test]
    fn a_provider_id_is_a_slug_that_is_not_a_fixed_path() {
        assert!(is_provider_id("google"));
        assert!(is_provider_id("farm-2"));
        for bad in ["", "Google", "a/b", "callback", "signup", &"a".repeat(33)] {
            assert!(!is_provider_id(bad), "{bad}");
        }
    }

    #[test]
    fn an_issuer_is_https_or_loopback_http_without_query() {
        assert_eq!(
            parse_issuer("https://accounts.google.com/").unwrap(),
            "https://accounts.google.com"
        );
        assert!(parse_issuer("http://127.0.0.1:8080").is_ok());
        assert!(parse_issuer("http://localhost:8080").is_ok());
        for bad in [
            "http://idp.example",
            "https://idp.example/?a=b",
            "idp.example",
        ] {
            assert!(parse_issuer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scopes_default_and_always_include_openid() {
        assert_eq!(parse_scopes(None).unwrap(), "openid email profile");
        assert_eq!(
            parse_scopes(Some(" openid  email ")).unwrap(),
            "openid email"
        );
        assert!(parse_scopes(Some("email profile")).is_err());
        assert!(parse_scopes(Some("openid \"x")).is_err());
    }
}
