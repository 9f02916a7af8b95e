//! The scenarios of a person who is already signed in, at a second app: single sign-on and
//! refresh. Each worker has its own state, prepared before the warm-up so that no password
//! is hashed while they are measured:
//! - **SSO**: a browser signed in once (at the first web client, through the browser flow)
//!   asks for a code for the second app, whose consent is remembered: `GET authorize` → 303
//!   to the app with a code → the app trades the code at the token endpoint. One unit of work
//!   is one code exchanged: two signatures (access and ID token).
//! - **Refresh**: the second app's `refresh_token` grant. The server rotates refresh tokens
//!   (each is used once; a used one presented again revokes the whole grant, RFC 9700
//!   §4.14.2), so each worker keeps its own chain: its first token comes from an SSO code
//!   exchange with `offline_access`, and every answer's new token is the next request's.
//!   One unit is one refresh: two signatures, and a refresh token stored.

use anyhow::{Result, anyhow};

use crate::browser::{CookieJar, at, redirect};
use crate::flow::{Flow, REDIRECT_URI, code_of, ensure_tokens};
use crate::http::{Connection, Response};

/// The second app: registered for this scope (with the refresh token grant), and allowed by
/// the user once, on the consent page, before anything is measured.
pub(crate) const SECOND_APP_SCOPE: &str = "openid profile offline_access";
/// What an SSO asks the second app for: no `offline_access`, so the exchange signs two
/// tokens and stores no refresh token.
pub(crate) const SSO_SCOPE: &str = "openid profile";

/// What a signed-in worker needs: how to sign a browser in, and the second app's requests.
pub(crate) struct SignedIn {
    /// The browser flow at the first web client, which signs a browser in.
    pub(crate) sign_in: Flow,
    /// The second app's authorization request (with [`SSO_SCOPE`] for SSO, or
    /// [`SECOND_APP_SCOPE`] for the code that starts a refresh chain) and token requests.
    pub(crate) app: Flow,
}

/// What one worker keeps from one unit of work to the next.
pub(crate) enum WorkerState {
    /// Nothing: every unit of work starts afresh.
    None,
    /// A browser with a signed-in session (SSO).
    Browser(CookieJar),
    /// The refresh token the next refresh presents (refresh).
    Chain(String),
    /// A browser signed in at the upstream provider, and the connection to it.
    Upstream(CookieJar, Option<Connection>),
    /// The person a webhook worker changes, and whether they are locked now.
    Person(usize, bool),
}

impl SignedIn {
    /// A browser for each of `workers` SSO workers, each signed in once (one Argon2id
    /// verification each, one after the other, before the warm-up).
    pub(crate) async fn browsers(&self, workers: usize) -> Result<Vec<WorkerState>> {
        let mut states = Vec::with_capacity(workers);
        for _ in 0..workers {
            let jar = self.sign_in.signed_in_browser().await?;
            states.push(WorkerState::Browser(jar));
        }
        Ok(states)
    }

    /// A refresh chain for each of `workers` workers: one browser signs in, then takes one
    /// code for the second app per worker, each exchanged for a first refresh token.
    pub(crate) async fn chains(&self, workers: usize) -> Result<Vec<WorkerState>> {
        let mut jar = self.sign_in.signed_in_browser().await?;
        let mut connection = None;
        let mut states = Vec::with_capacity(workers);
        for _ in 0..workers {
            let response = self
                .sso(&mut connection, &mut Vec::new(), &mut jar)
                .await
                .map_err(|error| anyhow!("starting a refresh chain failed: {error}"))?;
            let token = refresh_token_of(&response).map_err(|error| {
                anyhow!("the second app's code exchange gave no refresh token: {error}")
            })?;
            states.push(WorkerState::Chain(token));
        }
        Ok(states)
    }

    /// One SSO: the signed-in browser asks for a code for the second app (no page: the
    /// consent is remembered), and the app trades it for tokens. Returns the token response.
    pub(crate) async fn sso(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        jar: &mut CookieJar,
    ) -> Result<Response, String> {
        let step = "GET /oauth2/authorize (signed in)";
        let response = self
            .app
            .get(connection, steps, &self.app.authorize_path, jar)
            .await;
        let back = redirect(response, jar, REDIRECT_URI).map_err(|e| at(step, e))?;
        let code = code_of(&back).map_err(|e| at(step, e))?;
        let step = "POST /oauth2/token (code)";
        let response = self
            .app
            .redeem(connection, steps, &code)
            .await
            .map_err(|e| at(step, e))?;
        ensure_tokens(&response).map_err(|e| at(step, e))?;
        Ok(response)
    }

    /// One refresh with the chain's current token, which the answer's new token replaces.
    pub(crate) async fn refresh(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        token: &mut String,
    ) -> Result<(), String> {
        let step = "POST /oauth2/token (refresh)";
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", token)
            .finish();
        let response = self
            .app
            .post_as_client(connection, steps, &form)
            .await
            .map_err(|e| at(step, e))?;
        ensure_tokens(&response).map_err(|e| at(step, e))?;
        *token = refresh_token_of(&response).map_err(|e| at(step, e))?;
        Ok(())
    }
}

/// The `refresh_token` of a token response, read without a JSON parser (the load generator
/// keeps its own CPU time low): the server writes compact JSON, and a refresh token is
/// base64url, which JSON never escapes.
fn refresh_token_of(response: &Response) -> Result<String, String> {
    const FIELD: &str = r#""refresh_token":""#;
    let body = std::str::from_utf8(&response.body).unwrap_or_default();
    body.find(FIELD)
        .map(|at| &body[at + FIELD.len()..])
        .and_then(|rest| rest.split_once('"'))
        .map(|(token, _)| token.to_string())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| format!("no refresh_token in {}", response.body_excerpt()))
}
