//! The rules of each registered field, one function per field: what the administrator and a
//! vendor may register, and the error that names the field.

use super::{NewClient, Registrant, RegistrationError};
use crate::accounts::acr::{Acr, MAX_ACR_VALUES, MAX_ACR_VALUES_LEN};
use crate::domain::RedirectUri;
use crate::oauth2::clients::{AuthMethod, GrantType};
use crate::oauth2::scope::NEVER_FOR_VENDORS;
use crate::oidc::discovery::SCOPES_SUPPORTED;

/// A minimum level: one of the `acr` values we state (decision 123).
pub(super) fn min_acr(text: &str) -> Result<String, RegistrationError> {
    match Acr::parse(text) {
        Some(acr) => Ok(acr.as_str().to_string()),
        None => Err(RegistrationError::Metadata(format!(
            "min_acr must be one of: {}",
            Acr::ALL.map(Acr::as_str).join(", ")
        ))),
    }
}

/// OpenID Connect Registration §2 `default_acr_values`, as stored: the values we state,
/// space separated (`None` when there are none). Others are dropped, as a server may
/// replace requested metadata (RFC 7591 §3.2.1); the answer shows what was kept.
pub(super) fn default_acr_values(values: &[String]) -> Result<Option<String>, RegistrationError> {
    let too_many = || RegistrationError::Metadata("too many default_acr_values".into());
    let total: usize = values.iter().map(|v| v.len() + 1).sum();
    if values.len() > MAX_ACR_VALUES || total > MAX_ACR_VALUES_LEN {
        return Err(too_many());
    }
    let known: Vec<&str> = values
        .iter()
        .filter_map(|v| Acr::parse(v))
        .map(Acr::as_str)
        .collect();
    Ok((!known.is_empty()).then(|| known.join(" ")))
}

/// The scopes a vendor may register for itself: the sign-in scopes discovery advertises,
/// but for those never granted to a vendor's app.
pub(super) fn vendor_scopes() -> Vec<&'static str> {
    SCOPES_SUPPORTED
        .iter()
        .copied()
        .filter(|s| !NEVER_FOR_VENDORS.contains(s))
        .collect()
}

/// OpenID Connect Back-Channel Logout 1.0 §2.2: an absolute URI without a fragment, https
/// (http only for a confidential client, §2.2). We allow http only on a loopback host, for
/// the platform's own confidential clients in development: for a server-to-server POST,
/// loopback is this server's own host, which a vendor must not be able to aim us at.
pub(super) fn backchannel_logout_uri(
    uri: &str,
    auth_method: AuthMethod,
    registrant: Registrant,
) -> Result<String, RegistrationError> {
    let refused = || {
        RegistrationError::Metadata(format!(
            "backchannel_logout_uri must be an https URI without a fragment: {}",
            uri.chars().take(80).collect::<String>()
        ))
    };
    let parsed = RedirectUri::parse(uri).map_err(|_| refused())?;
    let https = parsed.as_str().starts_with("https://");
    let loopback_allowed = registrant == Registrant::Platform && auth_method != AuthMethod::None;
    match https || (parsed.is_web() && loopback_allowed) {
        true => Ok(parsed.as_str().to_string()),
        false => Err(refused()),
    }
}

pub(super) fn grant_types(new: &NewClient) -> Result<Vec<GrantType>, RegistrationError> {
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

/// A redirect URI as registered ([`RedirectUri::parse`] holds the rules), and for a vendor
/// only https or loopback http: a private-use scheme can be claimed by any app on the device.
pub(super) fn redirect_uri(
    uri: &str,
    registrant: Registrant,
) -> Result<RedirectUri, RegistrationError> {
    let parsed =
        RedirectUri::parse(uri).map_err(|e| RegistrationError::RedirectUri(e.to_string()))?;
    if registrant.is_vendor() && !parsed.is_web() {
        return Err(RegistrationError::RedirectUri(format!(
            "a vendor's redirect URIs must use https (or http on a loopback host): {}",
            uri.chars().take(80).collect::<String>()
        )));
    }
    Ok(parsed)
}
