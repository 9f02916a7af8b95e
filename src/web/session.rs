//! The browser session: a tower-sessions record in the database, named by an `HttpOnly`,
//! `SameSite=Lax` cookie (`Secure`, with the `__Host-` prefix, when the issuer is https).
//! It holds the CSRF token of the forms, who is signed in, the authorization requests
//! waiting for the person to sign in or consent, and the local page to return to after
//! signing in. Until someone signs in it is anonymous: short-lived, capped per client
//! address and in size ([`super::session_store`], docs/DECISIONS.md §80).

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::{FromFnLayer, Next};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use super::error::PageError;
use super::extract::RequestOrigin;
use super::session_store::{DbSessionStore, with_client_key};
use crate::accounts::login::SignedIn;
use crate::accounts::sessions;
use crate::accounts::sign_in::Partial;
use crate::accounts::throttle::address_of;
use crate::error::InternalError;
use crate::i18n::Lang;
use crate::oauth2::authorize::{AuthorizationRequest, Progress};
use crate::secrets::{constant_time_eq, random_token};
use crate::state::AppState;

const CSRF: &str = "csrf";
/// Who is signed in; the session store treats a record without it as anonymous.
const LOGIN: &str = "login";
const PENDING: &str = "pending";
const PARTIAL: &str = "partial";
const RETURN_TO: &str = "return_to";
/// The language an authorization request's `ui_locales` chose for this browser's pages.
const LANG: &str = "lang";
/// Authorization requests kept per browser; the oldest goes when another arrives.
const MAX_PENDING: usize = 8;
/// The most the pending requests of one browser take, serialised: the oldest go first, so
/// a session record stays within about this (one request of the longest parameters the
/// authorization endpoint accepts is about 7 KB).
const MAX_PENDING_BYTES: usize = 16 * 1024;
/// How long a page to return to is kept: a sign-in started and abandoned must not send a
/// later one somewhere unexpected.
const RETURN_TTL_SECS: i64 = 15 * 60;
/// The pages a sign-in may return to (with anything below them, and a query). Only local
/// paths, and only these: a return path must never become an open redirect.
const RETURN_PREFIXES: &[&str] = &["/device", "/admin", "/farms/invitations"];
const MAX_RETURN_LEN: usize = 512;

/// Whether `path` may be returned to after signing in: a local path under one of
/// [`RETURN_PREFIXES`], printable ASCII, no `//`, `\\` or `..` (which browsers read as
/// another host or another path).
pub fn is_return_path(path: &str) -> bool {
    let under_prefix = RETURN_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    });
    under_prefix
        && path.len() <= MAX_RETURN_LEN
        && path.bytes().all(|b| b.is_ascii_graphic())
        && !path.contains("//")
        && !path.contains('\\')
        && !path.contains("..")
}

/// A page to go to after signing in, until a time.
#[derive(Serialize, Deserialize)]
struct ReturnTo {
    path: String,
    until: i64,
}

/// The layers of the page routes: the client's address, for the store to count anonymous
/// sessions by, around the session layer.
pub type PageSessionLayer = Stack<
    SessionManagerLayer<DbSessionStore>,
    Stack<FromFnLayer<ClientAddressFn, AppState, (RequestOrigin, Request)>, Identity>,
>;

type ClientAddressFn =
    fn(RequestOrigin, Request, Next) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>>;

/// Serves the rest of the request with its client address known to the session store.
fn client_address(
    RequestOrigin(origin): RequestOrigin,
    request: Request,
    next: Next,
) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>> {
    let address = Some(address_of(&origin)).filter(|a| !a.is_empty());
    Box::pin(with_client_key(address, next.run(request)))
}

/// The session layer for the page routes.
pub fn layer(state: &AppState) -> PageSessionLayer {
    let secure = state.issuer.starts_with("https://");
    let store = DbSessionStore::new(state.store.clone(), state.clock.clone());
    let idle = state.config.session_idle.as_secs() as i64;
    let sessions = SessionManagerLayer::new(store)
        .with_name(match secure {
            // RFC 6265bis §4.1.3.2: the prefix makes browsers insist on Secure, Path=/
            // and no Domain, so no sibling host can plant or overwrite the cookie.
            true => "__Host-farm_auth",
            false => "farm_auth_session",
        })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(idle)));
    let remember: ClientAddressFn = client_address;
    ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            remember,
        ))
        .layer(sessions)
        .into_inner()
}

/// An authorization request waiting for the person.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pending {
    pub id: String,
    pub request: AuthorizationRequest,
    pub progress: Progress,
}

pub struct BrowserSession(Session);

impl<S: Send + Sync> FromRequestParts<S> for BrowserSession {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state)
            .await
            .map(BrowserSession)
            .map_err(|(_, why)| InternalError::session(why).into())
    }
}

fn internal(error: tower_sessions::session::Error) -> PageError {
    InternalError::session(error).into()
}

impl BrowserSession {
    /// The language a `ui_locales` chose here, if any; a session that cannot be read
    /// chooses nothing (the handler meets the same failure and reports it).
    pub async fn chosen_lang(&self) -> Option<Lang> {
        self.0.get::<Lang>(LANG).await.ok().flatten()
    }

    /// Keeps `lang` for the pages of this browser's flows.
    pub async fn choose_lang(&self, lang: Lang) -> Result<(), PageError> {
        if self.chosen_lang().await == Some(lang) {
            return Ok(());
        }
        self.0.insert(LANG, lang).await.map_err(internal)
    }

    /// The CSRF token of this browser's forms, created on first use.
    pub async fn csrf_token(&self) -> Result<String, PageError> {
        if let Some(token) = self.0.get::<String>(CSRF).await.map_err(internal)? {
            return Ok(token);
        }
        let token = random_token::<32>();
        self.0.insert(CSRF, &token).await.map_err(internal)?;
        Ok(token)
    }

    /// Synchronizer-token check for every form POST.
    pub async fn check_csrf(&self, presented: Option<&str>) -> Result<(), PageError> {
        let expected = self.0.get::<String>(CSRF).await.map_err(internal)?;
        match (expected, presented) {
            (Some(expected), Some(presented))
                if constant_time_eq(expected.as_bytes(), presented.as_bytes()) =>
            {
                Ok(())
            }
            _ => Err(PageError::Csrf),
        }
    }

    /// Who is signed in, if their login session is still live (not ended by logout
    /// elsewhere, not past its absolute end).
    pub async fn signed_in(&self, state: &AppState) -> Result<Option<SignedIn>, PageError> {
        let Some(person) = self.0.get::<SignedIn>(LOGIN).await.map_err(internal)? else {
            return Ok(None);
        };
        if sessions::still_live(state, &person).await? {
            return Ok(Some(person));
        }
        self.0.remove::<SignedIn>(LOGIN).await.map_err(internal)?;
        Ok(None)
    }

    /// Records a sign-in. The session id changes (against session fixation) and so does
    /// the CSRF token; pending requests carry over.
    pub async fn sign_in(&self, person: &SignedIn) -> Result<(), PageError> {
        self.0.cycle_id().await.map_err(internal)?;
        self.clear_partial_login().await?;
        self.forget_ceremonies().await?;
        self.0.insert(LOGIN, person).await.map_err(internal)?;
        self.0
            .insert(CSRF, random_token::<32>())
            .await
            .map_err(internal)
    }

    /// Remembers where to go after the next sign-in that serves no authorization request;
    /// a path [`is_return_path`] refuses is ignored (false).
    pub async fn set_return_path(&self, path: &str, now: i64) -> Result<bool, PageError> {
        if !is_return_path(path) {
            tracing::debug!("a return path outside the allowed pages was ignored");
            return Ok(false);
        }
        let kept = ReturnTo {
            path: path.to_string(),
            until: now + RETURN_TTL_SECS,
        };
        self.put(RETURN_TO, &kept).await?;
        Ok(true)
    }

    /// The page [`Self::set_return_path`] kept, if it has not run out, taken away.
    pub async fn take_return_path(&self, now: i64) -> Result<Option<String>, PageError> {
        let kept = self.take_flash::<ReturnTo>(RETURN_TO).await?;
        Ok(kept
            .filter(|kept| kept.until > now && is_return_path(&kept.path))
            .map(|kept| kept.path))
    }

    /// Keeps what a refused form shows again after its 303 (Post/Redirect/Get), once.
    pub async fn set_flash<T: Serialize>(&self, key: &str, value: &T) -> Result<(), PageError> {
        self.0.insert(key, value).await.map_err(internal)
    }

    /// What [`Self::set_flash`] kept under `key`, taken away.
    pub async fn take_flash<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, PageError> {
        // Looked at first: removing marks the session changed (a write) even when the key
        // was not there, and most page views have nothing kept.
        if self.0.get_value(key).await.map_err(internal)?.is_none() {
            return Ok(None);
        }
        match self.0.remove::<T>(key).await {
            Ok(value) => Ok(value),
            Err(tower_sessions::session::Error::SerdeJson(_)) => Ok(None),
            Err(error) => Err(internal(error)),
        }
    }

    /// Keeps `value` under `key` in this browser's session.
    pub async fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<(), PageError> {
        self.0.insert(key, value).await.map_err(internal)
    }

    /// What is kept under `key`; `None` also when it cannot be read (written by an older
    /// version).
    pub async fn read<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, PageError> {
        match self.0.get::<T>(key).await {
            Ok(value) => Ok(value),
            Err(tower_sessions::session::Error::SerdeJson(_)) => Ok(None),
            Err(error) => Err(internal(error)),
        }
    }

    /// The half-done sign-in waiting for its second factor, if it has not run out.
    pub async fn partial_login(&self, now: i64) -> Result<Option<Partial>, PageError> {
        Ok(self
            .read::<Partial>(PARTIAL)
            .await?
            .filter(|p| p.expires_at > now))
    }

    /// Records a right password of someone who has a second factor to show. The session id
    /// changes, as at a full sign-in.
    pub async fn set_partial_login(&self, partial: &Partial) -> Result<(), PageError> {
        self.0.cycle_id().await.map_err(internal)?;
        self.forget_ceremonies().await?;
        self.put(PARTIAL, partial).await
    }

    /// Drops every passkey ceremony under way and the offer of a passkey after sign-up:
    /// they belong to whoever was signed in when they started, and a registration started
    /// by one account must never be finished by the next one signed in here.
    async fn forget_ceremonies(&self) -> Result<(), PageError> {
        let keys = [
            super::passkeys::REGISTRATION,
            super::passkey_login::LOGIN,
            super::passkey_login::AUTOFILL,
            super::passkey_offer::OFFER,
        ];
        for key in keys {
            self.0.remove_value(key).await.map_err(internal)?;
        }
        Ok(())
    }

    pub async fn clear_partial_login(&self) -> Result<(), PageError> {
        self.take_flash::<Partial>(PARTIAL).await.map(|_| ())
    }

    /// Forgets everything and drops the cookie.
    pub async fn sign_out(&self) -> Result<(), PageError> {
        self.0.flush().await.map_err(internal)
    }

    async fn pending_list(&self) -> Result<Vec<Pending>, PageError> {
        match self.0.get::<Vec<Pending>>(PENDING).await {
            Ok(list) => Ok(list.unwrap_or_default()),
            // Written by an older version: those requests start over.
            Err(tower_sessions::session::Error::SerdeJson(_)) => Ok(Vec::new()),
            Err(error) => Err(internal(error)),
        }
    }

    async fn store_pending(&self, list: Vec<Pending>) -> Result<(), PageError> {
        self.0.insert(PENDING, list).await.map_err(internal)
    }

    /// Keeps `request` for after sign-in or consent; returns its id. The CSRF token the
    /// next page needs is made now, in the same write.
    pub async fn add_pending(&self, request: AuthorizationRequest) -> Result<String, PageError> {
        self.csrf_token().await?;
        let mut list = self.pending_list().await?;
        let id = random_token::<16>();
        list.push(Pending {
            id: id.clone(),
            request,
            progress: Progress::default(),
        });
        keep_newest_within_budget(&mut list);
        self.store_pending(list).await?;
        Ok(id)
    }

    pub async fn pending(&self, id: &str) -> Result<Option<Pending>, PageError> {
        Ok(self.pending_list().await?.into_iter().find(|p| p.id == id))
    }

    /// Records what the person did for a pending request.
    pub async fn record_progress(
        &self,
        id: &str,
        update: impl Fn(&mut Progress),
    ) -> Result<(), PageError> {
        let mut list = self.pending_list().await?;
        for pending in list.iter_mut().filter(|p| p.id == id) {
            update(&mut pending.progress);
        }
        self.store_pending(list).await
    }

    pub async fn remove_pending(&self, id: &str) -> Result<(), PageError> {
        let mut list = self.pending_list().await?;
        let before = list.len();
        list.retain(|p| p.id != id);
        match list.len() == before {
            true => Ok(()),
            false => self.store_pending(list).await,
        }
    }
}

/// Drops the oldest pending requests until at most [`MAX_PENDING`] remain and they fit in
/// [`MAX_PENDING_BYTES`]; the newest is always kept.
fn keep_newest_within_budget(list: &mut Vec<Pending>) {
    let size = |p: &Pending| serde_json::to_vec(p).map_or(usize::MAX, |v| v.len());
    let mut sizes: Vec<usize> = list.iter().map(size).collect();
    while list.len() > 1
        && (list.len() > MAX_PENDING || sizes.iter().sum::<usize>() > MAX_PENDING_BYTES)
    {
        list.remove(0);
        sizes.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::is_return_path;

    #[test]
    fn only_local_device_and_admin_pages_are_returned_to() {
        for good in [
            "/device",
            "/device?user_code=BCDF-GHJK",
            "/device/confirm",
            "/admin",
            "/admin/users?page=2",
        ] {
            assert!(is_return_path(good), "{good}");
        }
        for bad in [
            "https://evil.example/device",
            "//evil.example/device",
            "/device//evil.example",
            "/\\evil.example",
            "/device\\..\\account",
            "/device/../account",
            "/devices",
            "/administrator",
            "/account",
            "device",
            "",
            "/device?x=a b",
            "/device\n",
            "/device?é",
            &format!("/device?{}", "a".repeat(600)),
        ] {
            assert!(!is_return_path(bad), "{bad:?}");
        }
    }
}
