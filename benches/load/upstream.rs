//! The upstream sign-in row: a person signs in to the web client through an upstream OpenID
//! provider, which is a second farm-auth (the same binary, its own SQLite database) set up
//! as an operator would: a confidential client there whose redirect URI is the main server's
//! `/login/upstream/callback`, a user there, and the provider configured at the main server
//! with `farm-auth upstream create --client-secret-stdin`.
//!
//! Each worker keeps a browser signed in at the upstream (signed in before the warm-up, like
//! the SSO workers), and its own connection to it. Before anything is measured, one upstream
//! sign-in allows the main server at the upstream's consent page, makes the account at the
//! main server (the sign-up page, decision 135) and allows the web client there. One
//! measured flow is then a fresh browser at the main server: authorize → login page → `GET
//! /login/upstream/{id}` → the upstream's authorize (its cookies; consent remembered) → the
//! main server's callback (which redeems the upstream's code and checks its ID token) → the
//! web client's code (consent remembered) → the token request. Its figure is flows per
//! main-server CPU-second; the upstream's CPU time is reported beside it.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

use crate::browser::{CookieJar, at, page, redirect};
use crate::endpoints::{Endpoints, setup_http_client};
use crate::flow::{Flow, USERNAME, WEB_CLIENT_SCOPE, code_of, ensure_tokens};
use crate::http::{Connection, Response};
use crate::server::{Database, Server};
use crate::signed_in::WorkerState;

/// The provider's id at the main server (it appears in `/login/upstream/{id}`).
const PROVIDER_ID: &str = "bench-upstream";
/// The upstream's user (the flows' username and password there): an address no account at
/// the main server has, so that the first sign-in makes one (the upstream does not vouch for
/// it: its CLI users are unconfirmed), with this username (the upstream's is taken there).
const UPSTREAM_EMAIL: &str = "bench-upstream-user@example.org";
const LINKED_USERNAME: &str = "bench-upstream-user";
/// What the main server asks the upstream for (its default).
const UPSTREAM_SCOPE: &str = "openid email profile";

/// What a worker of the row needs; see the module comment.
pub(crate) struct UpstreamSignIn {
    /// The web client's flow at the main server.
    main: Flow,
    /// A web client's flow at the upstream, which signs the workers' browsers in there.
    upstream: Flow,
    /// `GET /login/upstream/{id}` at the main server.
    start_path: String,
    /// `http://{upstream}`: the upstream's authorize URL starts with it.
    upstream_origin: String,
    /// `http://{main}/login/upstream/callback`: where the upstream sends the browser back.
    callback: String,
    /// The upstream's process, whose CPU time is reported beside the row.
    pub(crate) upstream_pid: u32,
}

/// The upstream server and the row's set-up, once the account is linked; `None` when
/// `main` cannot configure upstream providers (a baseline from before them).
pub(crate) async fn set_up(
    binary: &Path,
    dir: &Path,
    main: &Server,
    main_flow: Flow,
) -> Result<Option<(Server, UpstreamSignIn)>> {
    let dir = dir.join("upstream");
    std::fs::create_dir_all(&dir).context("cannot create the upstream's directory")?;
    let mut upstream = Server::start_on(binary, &dir, Database::sqlite_in(&dir), Vec::new())?;
    upstream.wait_until_healthy().await?;
    let callback = format!("http://{}/login/upstream/callback", main.address);
    let relying_party = upstream.register_client(&[
        "--name",
        "bench main server",
        "--redirect-uri",
        &callback,
        "--grant-type",
        "authorization_code",
        "--scope",
        UPSTREAM_SCOPE,
    ])?;
    let web_client = upstream.create_web_client()?;
    upstream.create_user_with(USERNAME, UPSTREAM_EMAIL)?;
    confirm_address(upstream.database(), USERNAME, UPSTREAM_EMAIL).await?;
    let issuer = format!("http://{}", upstream.address);
    let args = [
        "upstream",
        "create",
        "--id",
        PROVIDER_ID,
        "--label",
        "Bench upstream",
        "--issuer",
        &issuer,
        "--client-id",
        &relying_party.client_id,
        "--client-secret-stdin",
        "--json",
    ];
    let output = main.run_with_input(&args, &relying_party.client_secret)?;
    if !output.status.success() {
        eprintln!(
            "`farm-auth upstream create` failed ({}); no upstream sign-in row",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return Ok(None);
    }
    let endpoints = Endpoints::discover(&setup_http_client()?, upstream.address).await?;
    let row = UpstreamSignIn {
        main: main_flow,
        upstream: Flow::new(&endpoints, &web_client, WEB_CLIENT_SCOPE)?,
        start_path: format!("/login/upstream/{PROVIDER_ID}"),
        upstream_origin: issuer,
        callback,
        upstream_pid: upstream.pid(),
    };
    let mut browser = row.upstream.signed_in_browser().await?;
    row.walk(&mut None, &mut None, &mut browser, &mut Vec::new(), true)
        .await
        .map_err(|error| anyhow!("the first upstream sign-in failed: {error}"))?;
    Ok(Some((upstream, row)))
}

impl UpstreamSignIn {
    /// A browser signed in at the upstream for each of `workers` workers (one Argon2id
    /// verification there each, before the warm-up).
    pub(crate) async fn browsers(&self, workers: usize) -> Result<Vec<WorkerState>> {
        let mut states = Vec::with_capacity(workers);
        for _ in 0..workers {
            let jar = self.upstream.signed_in_browser().await?;
            states.push(WorkerState::Upstream(jar, None));
        }
        Ok(states)
    }

    /// One measured flow, every consent remembered and the account linked.
    pub(crate) async fn run(
        &self,
        connection: &mut Option<Connection>,
        upstream_connection: &mut Option<Connection>,
        upstream_jar: &mut CookieJar,
        steps: &mut Vec<u64>,
    ) -> Result<(), String> {
        self.walk(connection, upstream_connection, upstream_jar, steps, false)
            .await
            .map(drop)
    }

    /// The whole flow; only when `first`, the consent pages and the sign-up page are
    /// answered on the way.
    async fn walk(
        &self,
        connection: &mut Option<Connection>,
        upstream_connection: &mut Option<Connection>,
        upstream_jar: &mut CookieJar,
        steps: &mut Vec<u64>,
        first: bool,
    ) -> Result<Response, String> {
        let (mut jar, login, request_id) = self.main.authorize(connection, steps).await?;
        let step = "GET /login";
        let response = self.main.get(connection, steps, &login, &jar).await;
        page(response, &mut jar, "csrf_token").map_err(|e| at(step, e))?;
        let step = "GET /login/upstream/{id}";
        let start = format!("{}?request={request_id}", self.start_path);
        let response = self.main.get(connection, steps, &start, &jar).await;
        let out = redirect(response, &mut jar, &self.upstream_origin).map_err(|e| at(step, e))?;
        let step = "GET upstream /oauth2/authorize (signed in)";
        let path = &out[self.upstream_origin.len()..];
        let response = self
            .upstream
            .get(upstream_connection, steps, path, upstream_jar);
        let mut back = redirect(response.await, upstream_jar, "").map_err(|e| at(step, e))?;
        if first && back.starts_with("/consent?") {
            let (conn, jar) = (&mut *upstream_connection, &mut *upstream_jar);
            back = self.upstream.consent(conn, steps, jar, &back).await?;
        }
        let step = "GET /login/upstream/callback";
        let path = back
            .strip_prefix(&self.callback)
            .map(|query| format!("/login/upstream/callback{query}"))
            .ok_or_else(|| at(step, format!("the upstream sent the browser to {back}")))?;
        let response = self.main.get(connection, steps, &path, &jar).await;
        let mut back = redirect(response, &mut jar, "").map_err(|e| at(step, e))?;
        if first {
            back = self.sign_up(connection, steps, &mut jar, &back).await?;
        }
        let code = code_of(&back).map_err(|e| at(step, e))?;
        let step = "POST /oauth2/token (code)";
        let response = self.main.redeem(connection, steps, &code).await;
        let response = response.map_err(|e| at(step, e))?;
        ensure_tokens(&response).map_err(|e| at(step, e))?;
        Ok(response)
    }

    /// The first sign-in's pages at the main server: the sign-up page that makes the
    /// account (with a username of its own: the upstream's is taken here), then the web
    /// client's consent page. Returns where the browser goes next.
    async fn sign_up(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        jar: &mut CookieJar,
        back: &str,
    ) -> Result<String, String> {
        let mut back = back.to_string();
        if back.starts_with("/login/upstream/signup") {
            let step = "GET /login/upstream/signup";
            let response = self.main.get(connection, steps, &back, jar).await;
            let csrf = page(response, jar, "csrf_token").map_err(|e| at(step, e))?;
            let step = "POST /login/upstream/signup";
            let form = form_urlencoded::Serializer::new(String::new())
                .append_pair("csrf_token", &csrf)
                .append_pair("username", LINKED_USERNAME)
                .finish();
            let path = "/login/upstream/signup";
            let response = self.main.post(connection, steps, path, jar, &form).await;
            back = redirect(response, jar, "").map_err(|e| at(step, e))?;
        }
        if back.starts_with("/consent?") {
            back = self.main.consent(connection, steps, jar, &back).await?;
        }
        Ok(back)
    }
}

/// Marks the upstream's user's address confirmed, as a real provider's account would have
/// it: farm-auth makes no account from an address its provider does not vouch for
/// (decision 135), and the upstream farm-auth vouches only for a confirmed one.
async fn confirm_address(database: &Database, username: &str, email: &str) -> Result<()> {
    let store = farm_auth::store::Store::connect(&database.url).await?;
    let user = (store.find_user_by_username(username).await?)
        .context("the upstream's user is not there")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let normalized = email.to_lowercase();
    let confirmed = store.set_email_verified(&user.id, &normalized, now).await?;
    anyhow::ensure!(confirmed, "the upstream's user's address was not confirmed");
    Ok(())
}
