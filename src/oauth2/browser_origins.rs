//! Which web origins may call the endpoints a browser app uses (token, UserInfo, revocation,
//! discovery, JWKS) from JavaScript: the origins of the redirect URIs of public clients that
//! may act now.
//!
//! A single-page app is a public client (it cannot keep a secret) whose redirect URI is a
//! page of its own origin; that page then calls the token endpoint with `fetch`. A
//! confidential client calls from its server, where CORS does not apply, so its redirect
//! URIs open nothing here. The set is read from the database and kept for the client cache's
//! lifetime (`FARM_AUTH_CLIENT_CACHE_SECS`), and dropped at once when this process changes a
//! client; it is as large as the number of registered public clients, which only
//! administrators and holders of registration tokens can grow.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use crate::clock::{Clock, UnixTime};
use crate::domain::redirect_uri::RedirectUri;
use crate::store::Store;

use super::clients::Client;

pub struct BrowserOrigins {
    store: Store,
    clock: Clock,
    ttl_secs: i64,
    /// The origins and when they were read; `None` until first needed or after a change.
    loaded: RwLock<Option<(Arc<HashSet<String>>, UnixTime)>>,
    /// One reload at a time: a burst of preflights after expiry reads the database once.
    reloading: tokio::sync::Mutex<()>,
}

impl BrowserOrigins {
    pub fn new(store: Store, clock: Clock, ttl_secs: u64) -> BrowserOrigins {
        BrowserOrigins {
            store,
            clock,
            ttl_secs: ttl_secs as i64,
            loaded: RwLock::default(),
            reloading: tokio::sync::Mutex::default(),
        }
    }

    /// Whether a page of `origin` (the `Origin` request header, as sent) may read our answers.
    /// When the database cannot be read, the answer is no (the browser then refuses to
    /// show the response to the page; nothing is granted by failing).
    pub async fn allows(&self, origin: &str) -> bool {
        match self.current().await {
            Some(origins) => origins.contains(origin),
            None => false,
        }
    }

    /// Forgets what was read, after this process changed a client.
    pub fn invalidate(&self) {
        *self.write() = None;
    }

    async fn current(&self) -> Option<Arc<HashSet<String>>> {
        if let Some(fresh) = self.fresh() {
            return Some(fresh);
        }
        let _one_at_a_time = self.reloading.lock().await;
        if let Some(fresh) = self.fresh() {
            return Some(fresh);
        }
        let records = match self.store.list_public_clients().await {
            Ok(records) => records,
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the public clients' origins");
                return None;
            }
        };
        let clients = records.into_iter().filter_map(|r| Client::try_from(r).ok());
        let origins = Arc::new(origins_of(clients));
        *self.write() = Some((origins.clone(), self.clock.now()));
        Some(origins)
    }

    fn fresh(&self) -> Option<Arc<HashSet<String>>> {
        let loaded = self.loaded.read().unwrap_or_else(|p| p.into_inner());
        let (origins, at) = loaded.as_ref()?;
        (self.clock.now() < at + self.ttl_secs).then(|| origins.clone())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<(Arc<HashSet<String>>, UnixTime)>> {
        self.loaded.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// The web origins (RFC 6454 §6.2 serialization, as browsers send them in `Origin`) of the
/// redirect URIs of the public clients that may act now. Custom schemes of native apps have
/// no web origin and add nothing.
fn origins_of(clients: impl Iterator<Item = Client>) -> HashSet<String> {
    clients
        .filter(|c| c.is_public() && c.is_usable())
        .flat_map(|c| c.redirect_uris.into_iter())
        .filter_map(|uri| web_origin(&uri))
        .collect()
}

fn web_origin(uri: &RedirectUri) -> Option<String> {
    let url = url::Url::parse(uri.as_str()).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(uri: &str) -> Option<String> {
        web_origin(&RedirectUri::parse(uri).expect("a redirect URI"))
    }

    #[test]
    fn a_redirect_uri_gives_its_scheme_host_and_port_as_browsers_send_them() {
        assert_eq!(
            origin("https://shop.example/callback?x=1").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            origin("https://Shop.Example:8443/cb").as_deref(),
            Some("https://shop.example:8443")
        );
        // The default port is left out, as in the `Origin` header.
        assert_eq!(
            origin("https://shop.example:443/cb").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            origin("http://localhost:5173/cb").as_deref(),
            Some("http://localhost:5173")
        );
    }

    #[test]
    fn a_native_apps_private_scheme_has_no_web_origin() {
        assert_eq!(origin("com.example.app:/oauth2redirect"), None);
    }
}
