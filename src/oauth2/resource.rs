//! Which API a token is for (RFC 8707 resource indicators): from the client, the scopes it
//! asked for and the `resource` values it sent, the audience of the token and the scopes
//! that go with it, or `invalid_target`. One pure function, used at the authorization
//! endpoint, the device authorization endpoint and every grant of the token endpoint.
//!
//! The rules (DECISIONS §48): one API per access token. farm-auth's own scopes (`account`,
//! `admin`) are for farm-auth's own audience; the sign-in scopes go with any audience; each
//! other scope either belongs to one API or to none (a scope of no API is kept or dropped
//! as before, §21, and goes with farm-auth's audience).

use std::sync::Arc;

use super::apis::{Api, ApiSet, OWN_SCOPES};
use super::clients::Client;
use super::scope::Scope;
use super::{ErrorCode, OAuthError};
use crate::domain::Resource;
use crate::domain::scope::MAX_TOKENS;

/// What a token will be for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The API, or `None` for farm-auth itself.
    pub api: Option<Arc<Api>>,
    /// The scope asked for, less the API scopes this client may not have, plus, when a
    /// resource was named without any of its scopes, the client's registered scopes of it.
    pub scope: Scope,
}

impl Target {
    /// The `aud` of the access token: the API's audience, or farm-auth's (`own`).
    pub fn audience<'a>(&'a self, own: &'a str) -> &'a str {
        match &self.api {
            Some(api) => api.audience.as_str(),
            None => own,
        }
    }
}

/// Why a request has no target: the `error_description` of `invalid_target`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TargetError(pub String);

/// RFC 8707 §2: `invalid_target`, HTTP 400 at the token endpoint.
impl From<TargetError> for OAuthError {
    fn from(error: TargetError) -> Self {
        OAuthError::new(ErrorCode::InvalidTarget, error.0)
    }
}

fn refuse(text: impl Into<String>) -> TargetError {
    TargetError(text.into())
}

/// Whether `client` may be given `scope` of `api`: it is registered for it, and a vendor's
/// app only where the API opened the scope to vendor apps (enforced here, at issuance, and
/// not only at registration).
pub fn may_have(client: &Client, api: &Api, scope: &str) -> bool {
    client.scope.contains(scope)
        && api
            .scope(scope)
            .is_some_and(|s| s.vendor_open || !client.registered_by_vendor)
}

/// The API a request is for, and the scope to grant toward it. `requested` is the scope as
/// asked for; `resources` every `resource` value sent; `own` farm-auth's own audience.
pub fn resolve(
    apis: &ApiSet,
    own: &str,
    client: &Client,
    requested: &Scope,
    resources: &[&str],
) -> Result<Target, TargetError> {
    // RFC 8707 §2: one value per API; we issue one API per token, so more than one value,
    // even the same twice, has no single target.
    let resource = match resources {
        [] => None,
        [one] => Some(Resource::parse(one).map_err(|e| refuse(e.to_string()))?),
        _ => return Err(refuse("only one resource may be named per request")),
    };
    let asked_api = api_of_scopes(apis, requested)?;
    // API scopes this client may not have are dropped like any unregistered scope (§21).
    let mut scope = requested.filter(|s| match apis.of_scope(s) {
        Some(owner) => may_have(client, owner, s),
        None => true,
    });
    let api = match resource {
        // Implied by what is left of the API's scopes: none left, no API.
        None => api_of_scopes(apis, &scope)?,
        // RFC 8707 §2: the resource must be one we know (a registered API, or farm-auth).
        Some(resource) if resource.as_str() == own => match asked_api {
            Some(_) => return Err(refuse("the scopes asked for belong to another API")),
            None => None,
        },
        Some(resource) => {
            let api = apis
                .by_audience(resource.as_str())
                .ok_or_else(|| refuse("the resource is not a registered API"))?;
            if asked_api.as_ref().is_some_and(|asked| asked.id != api.id) {
                return Err(refuse("the scopes asked for belong to another API"));
            }
            if !api.scopes.iter().any(|s| may_have(client, api, &s.scope)) {
                return Err(refuse("this client may not use the resource"));
            }
            Some(api.clone())
        }
    };
    // An API named by `resource` rather than by its scopes: farm-auth's own scopes still
    // cannot go with it (one API per token, CONTRACT.md "APIs and audiences").
    if api.is_some()
        && let Some(own) = scope.iter().find(|s| OWN_SCOPES.contains(s))
    {
        return Err(refuse(format!(
            "'{own}' is farm-auth's own scope and cannot be combined with another API"
        )));
    }
    if let Some(api) = &api
        && !scope.iter().any(|s| api.scope(s).is_some())
    {
        // RFC 6749 §3.3: a resource named without its scopes gets the client's default,
        // its registered scopes of that API.
        for registered in api
            .scopes
            .iter()
            .filter(|s| may_have(client, api, &s.scope))
        {
            // A scope holds at most MAX_TOKENS tokens (a grant's must read back).
            if scope.len() == MAX_TOKENS {
                return Err(refuse("too many scopes for one request"));
            }
            scope = scope.with(&registered.scope);
        }
    }
    Ok(Target { api, scope })
}

/// The one API whose scopes `requested` names, if any; scopes of two APIs, or of an API and
/// of farm-auth's own APIs, have no single audience.
fn api_of_scopes(apis: &ApiSet, requested: &Scope) -> Result<Option<Arc<Api>>, TargetError> {
    let mut found: Option<&Arc<Api>> = None;
    for scope in requested.iter() {
        if let Some(api) = apis.of_scope(scope) {
            if found.is_some_and(|f| f.id != api.id) {
                return Err(refuse("the scopes asked for belong to two APIs"));
            }
            found = Some(api);
        }
    }
    if found.is_some()
        && let Some(own) = requested.iter().find(|s| OWN_SCOPES.contains(s))
    {
        return Err(refuse(format!(
            "'{own}' is farm-auth's own scope and cannot be combined with an API's scopes"
        )));
    }
    Ok(found.cloned())
}

/// The scope a token toward `target_api` may carry out of a grant's `scope` (RFC 8707 §2.2:
/// a refresh or code exchange for one of the grant's targets is downscoped to it): toward
/// farm-auth, the grant's scopes of no API; toward an API, also that API's scopes.
pub fn narrow(apis: &ApiSet, scope: &Scope, target_api: Option<&Api>) -> Scope {
    scope.filter(|s| match apis.of_scope(s) {
        None => true,
        Some(owner) => target_api.is_some_and(|t| t.id == owner.id),
    })
}

/// The API of the scopes in `scope` (the first found, should a grant made before an API
/// changed hold scopes of two).
pub fn api_of(apis: &ApiSet, scope: &Scope) -> Option<Arc<Api>> {
    scope.iter().find_map(|s| apis.of_scope(s)).cloned()
}

/// What a `resource` named at the token endpoint is, checked before a code or device code
/// is used up: `None` when none was named; `Some(None)` for farm-auth itself.
pub fn named_target(
    apis: &ApiSet,
    own: &str,
    resources: &[&str],
) -> Result<Option<Option<Arc<Api>>>, TargetError> {
    match resources {
        [] => Ok(None),
        [one] => {
            let resource = Resource::parse(one).map_err(|e| refuse(e.to_string()))?;
            if resource.as_str() == own {
                return Ok(Some(None));
            }
            match apis.by_audience(resource.as_str()) {
                Some(api) => Ok(Some(Some(api.clone()))),
                None => Err(refuse("the resource is not a registered API")),
            }
        }
        _ => Err(refuse("only one resource may be named per request")),
    }
}

/// The target of a token issued from a grant holding `scope` (code exchange, refresh, device
/// poll): the grant's API, or the `named` one, which must be the grant's API or farm-auth
/// (RFC 8707 §2.2), downscoped to it. The API scopes this client may no longer have (a
/// vendor's, once the API closed them) are left out.
pub fn of_grant(
    apis: &ApiSet,
    client: &Client,
    scope: &Scope,
    named: Option<Option<Arc<Api>>>,
) -> Result<Target, TargetError> {
    let scope = scope.filter(|s| match apis.of_scope(s) {
        Some(owner) => may_have(client, owner, s),
        None => true,
    });
    let held = api_of(apis, &scope);
    let api = match named {
        None => held,
        Some(None) => None,
        Some(Some(api)) if held.as_ref().is_some_and(|h| h.id == api.id) => Some(api),
        Some(Some(_)) => return Err(refuse("the grant does not cover the resource")),
    };
    Ok(Target {
        scope: narrow(apis, &scope, api.as_deref()),
        api,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::apis::{ApiRecord, ApiScopeRecord};
    use crate::store::clients::ClientRecord;

    const OWN: &str = "https://auth.example";

    fn api(id: &str, audience: &str, scopes: &[(&str, bool)]) -> ApiRecord {
        ApiRecord {
            id: id.into(),
            name: id.into(),
            audience: Resource::parse(audience).unwrap(),
            client_id: format!("{id}-client"),
            created_at: 0,
            scopes: scopes
                .iter()
                .map(|(s, open)| ApiScopeRecord {
                    scope: s.to_string(),
                    description: format!("{s} words"),
                    vendor_open: *open,
                })
                .collect(),
        }
    }

    fn apis() -> ApiSet {
        ApiSet::new(
            vec![
                api(
                    "inv",
                    "https://inventory.example",
                    &[("inventory:read", true), ("inventory:write", false)],
                ),
                api("ord", "https://orders.example", &[("orders:read", false)]),
            ],
            OWN,
        )
    }

    fn client(scope: &str, vendor: bool) -> Client {
        Client::try_from(ClientRecord {
            client_id: "c".into(),
            name: "c".into(),
            secret_hash: None,
            token_endpoint_auth_method: "client_secret_basic".into(),
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            grant_types: vec![],
            scope: Scope::parse(scope).unwrap(),
            created_at: 0,
            updated_at: 0,
            vendor: None,
            registration_token_hash: vendor.then(|| "h".into()),
            farm_id: None,
            farm: None,
            suspended_at: None,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            min_acr: None,
            default_acr_values: None,
        })
        .unwrap()
    }

    fn resolve_text(
        client: &Client,
        scope: &str,
        resources: &[&str],
    ) -> Result<Target, TargetError> {
        resolve(
            &apis(),
            OWN,
            client,
            &Scope::parse(scope).unwrap(),
            resources,
        )
    }

    fn aud(target: &Target) -> &str {
        target.audience(OWN)
    }

    const ALL: &str = "openid profile account inventory:read inventory:write orders:read custom";

    #[test]
    fn sign_in_and_own_scopes_are_for_farm_auth() {
        let c = client(ALL, false);
        let t = resolve_text(&c, "openid profile account", &[]).unwrap();
        assert_eq!(aud(&t), OWN);
        assert_eq!(t.scope, "openid profile account");
        let t = resolve_text(&c, "openid custom", &[OWN]).unwrap();
        assert_eq!(aud(&t), OWN);
    }

    #[test]
    fn api_scopes_imply_their_api_and_sign_in_scopes_go_along() {
        let c = client(ALL, false);
        let t = resolve_text(&c, "openid inventory:read", &[]).unwrap();
        assert_eq!(aud(&t), "https://inventory.example");
        assert_eq!(t.scope, "openid inventory:read");
        let t = resolve_text(&c, "inventory:write", &["https://inventory.example"]).unwrap();
        assert_eq!(aud(&t), "https://inventory.example");
    }

    #[test]
    fn a_resource_without_its_scopes_gets_the_clients_registered_ones() {
        let c = client("openid inventory:read inventory:write", false);
        let t = resolve_text(&c, "openid", &["https://inventory.example"]).unwrap();
        assert_eq!(t.scope, "openid inventory:read inventory:write");
        assert_eq!(aud(&t), "https://inventory.example");
    }

    #[test]
    fn two_apis_or_an_api_with_account_have_no_target() {
        let c = client(ALL, false);
        for (scope, resources) in [
            ("inventory:read orders:read", &[][..]),
            ("account inventory:read", &[]),
            ("admin orders:read", &[]),
            ("inventory:read", &["https://orders.example"][..]),
            ("inventory:read", &[OWN]),
        ] {
            assert!(
                resolve_text(&c, scope, resources).is_err(),
                "{scope} {resources:?}"
            );
        }
    }

    #[test]
    fn bad_unknown_repeated_or_forbidden_resources_are_refused() {
        let c = client("openid inventory:read", false);
        for resources in [
            &["/relative"][..],
            &["https://inventory.example#frag"],
            &["https://unknown.example"],
            &["https://inventory.example", "https://inventory.example"],
            &["https://orders.example"],
            &["https://inventory.example/"],
        ] {
            assert!(
                resolve_text(&c, "openid", resources).is_err(),
                "{resources:?}"
            );
        }
    }

    #[test]
    fn scopes_the_client_may_not_have_are_dropped() {
        let c = client("openid inventory:read", false);
        let t = resolve_text(&c, "openid inventory:read inventory:write", &[]).unwrap();
        assert_eq!(t.scope, "openid inventory:read");
    }

    #[test]
    fn vendor_apps_get_only_the_scopes_opened_to_them() {
        let c = client("openid inventory:read inventory:write orders:read", true);
        let t = resolve_text(&c, "inventory:read inventory:write", &[]).unwrap();
        assert_eq!(t.scope, "inventory:read");
        let t = resolve_text(&c, "openid", &["https://inventory.example"]).unwrap();
        assert_eq!(t.scope, "openid inventory:read");
        assert!(resolve_text(&c, "openid", &["https://orders.example"]).is_err());
        let t = resolve_text(&c, "openid orders:read", &[]).unwrap();
        assert_eq!(t.scope, "openid");
        assert_eq!(aud(&t), OWN);
    }

    #[test]
    fn a_default_that_would_overflow_a_scope_is_refused_not_stored() {
        let c = client("inventory:read inventory:write", false);
        let many: Vec<String> = (0..49).map(|i| format!("s{i}")).collect();
        let asked = many.join(" ");
        assert!(resolve_text(&c, &asked, &["https://inventory.example"]).is_err());
        let fewer = many[..48].join(" ");
        let t = resolve_text(&c, &fewer, &["https://inventory.example"]).unwrap();
        assert_eq!(t.scope.len(), 50);
    }

    #[test]
    fn narrowing_keeps_the_targets_scopes_and_the_neutral_ones() {
        let set = apis();
        let scope = Scope::parse("openid offline_access inventory:read custom").unwrap();
        let inv = set.by_audience("https://inventory.example").cloned();
        assert_eq!(narrow(&set, &scope, None), "openid offline_access custom");
        assert_eq!(narrow(&set, &scope, inv.as_deref()), scope);
    }
}
