//! The registered APIs (resource servers, RFC 8707) as the request path sees them: every
//! API, its audience and its scopes, held in memory as one snapshot that is swapped whole.
//!
//! Why in memory: the token endpoint decides a token's audience from the scopes and the
//! `resource` asked for, on every request, and must not read the database to do it
//! (DECISIONS §15). The snapshot is loaded at start-up, reloaded at once after a change this
//! process made, and read again in the background every `FARM_AUTH_CLIENT_CACHE_SECS` (at
//! least every second), the staleness bound clients already have. Only administrators create
//! APIs, so the snapshot stays small.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;

use crate::oidc::discovery;
use crate::store::apis::{ApiRecord, ApiScopeRecord};
use crate::store::{Store, StoreError};

/// An API: its id, name, audience, own client and scopes.
pub type Api = ApiRecord;
/// One scope of an API, with the words consent pages show and whether vendors may have it.
pub type ApiScope = ApiScopeRecord;

/// farm-auth's own APIs (the account API and the admin API): tokens for them have
/// farm-auth's own audience.
pub const OWN_SCOPES: &[&str] = &["account", "admin"];

/// The sign-in scopes: about the person, neutral as to audience (allowed with any API).
pub const SIGN_IN_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "roles",
    "farms",
    "offline_access",
];

/// Whether `scope` is one of farm-auth's names, which no API may define.
pub fn is_reserved(scope: &str) -> bool {
    OWN_SCOPES.contains(&scope) || SIGN_IN_SCOPES.contains(&scope)
}

impl ApiRecord {
    /// This API's scope `name`, if it defines one.
    pub fn scope(&self, name: &str) -> Option<&ApiScope> {
        self.scopes.iter().find(|s| s.scope == name)
    }
}

/// Every API at one moment, indexed by audience and by scope.
#[derive(Default)]
pub struct ApiSet {
    apis: Vec<Arc<Api>>,
    by_audience: HashMap<String, Arc<Api>>,
    by_scope: HashMap<String, Arc<Api>>,
    /// The provider metadata, whose `scopes_supported` names the APIs' scopes.
    discovery: Bytes,
}

impl ApiSet {
    pub fn new(records: Vec<ApiRecord>, issuer: &str) -> ApiSet {
        let apis: Vec<Arc<Api>> = records.into_iter().map(Arc::new).collect();
        let mut by_audience = HashMap::new();
        let mut by_scope = HashMap::new();
        for api in &apis {
            by_audience.insert(api.audience.to_string(), api.clone());
            for scope in &api.scopes {
                by_scope.insert(scope.scope.clone(), api.clone());
            }
        }
        let mut api_scopes: Vec<&str> = by_scope.keys().map(String::as_str).collect();
        api_scopes.sort_unstable();
        let discovery = discovery::document(issuer, &api_scopes).into();
        ApiSet {
            apis,
            by_audience,
            by_scope,
            discovery,
        }
    }

    pub fn all(&self) -> &[Arc<Api>] {
        &self.apis
    }

    /// The API whose audience is `audience` (compared as strings, RFC 9068 §4).
    pub fn by_audience(&self, audience: &str) -> Option<&Arc<Api>> {
        self.by_audience.get(audience)
    }

    /// The API that defines `scope`.
    pub fn of_scope(&self, scope: &str) -> Option<&Arc<Api>> {
        self.by_scope.get(scope)
    }

    /// The provider metadata document (JSON).
    pub fn discovery(&self) -> Bytes {
        self.discovery.clone()
    }
}

pub struct ApiRegistry {
    store: Store,
    issuer: Arc<str>,
    current: RwLock<Arc<ApiSet>>,
}

impl ApiRegistry {
    /// Reads every API from the database.
    pub async fn load(store: Store, issuer: Arc<str>) -> Result<ApiRegistry, StoreError> {
        let set = ApiSet::new(store.list_apis().await?, &issuer);
        Ok(ApiRegistry {
            store,
            issuer,
            current: RwLock::new(Arc::new(set)),
        })
    }

    /// The APIs as they are now in this process.
    pub fn current(&self) -> Arc<ApiSet> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reads every API again: after a change made here, and in the background.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let set = Arc::new(ApiSet::new(self.store.list_apis().await?, &self.issuer));
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = set;
        Ok(())
    }
}
