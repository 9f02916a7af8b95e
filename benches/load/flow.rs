//! The browser flow: a person signs in to the web client, and the client redeems the code.
//! One measured flow is four requests (authorize → login page → login, answered with the
//! code since the consent is remembered → code for tokens) by a fresh browser with its own `CookieJar`; the
//! first flow, before anything is measured, also allows the web client on the consent page.
//! Its constants name the web client and the user: the server module registers them, and
//! the Argon2id rate is measured on the same password.

use std::time::Instant;

use anyhow::{Result, anyhow, ensure};
use bytes::Bytes;
use url::Url;

use crate::browser::{CookieJar, at, ensure_cookie, page, query_value, redirect};
use crate::endpoints::{Credentials, Endpoints};
use crate::http::{Connection, Response, Target, contains, send};

/// The browser flow's relying party: a confidential web client with PKCE, registered for
/// [`WEB_CLIENT_SCOPE`] and [`FARMS_SCOPE`]. The redirect URI is only compared, never fetched.
pub(crate) const WEB_CLIENT_SCOPE: &str = "openid profile";
/// The same flow asking for the `farms` claim too (the user owns a farm).
pub(crate) const FARMS_SCOPE: &str = "openid profile farms";
pub(crate) const REDIRECT_URI: &str = "https://rp.example/cb";
/// The one user every flow signs in as.
pub(crate) const USERNAME: &str = "bench-user";
pub(crate) const EMAIL: &str = "bench-user@example.com";
pub(crate) const PASSWORD: &str = "furrow-turnip-lantern-42";
/// RFC 7636 Appendix B: a verifier and its S256 challenge.
pub(crate) const CODE_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CODE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub(crate) const FLOW_STATE: &str = "s";
/// The requests of one measured flow, in order.
pub(crate) const FLOW_STEPS: [&str; 4] = [
    "GET /oauth2/authorize",
    "GET /login",
    "POST /login",
    "POST /oauth2/token",
];

/// The parts of the flow that are the same every time: one client and one scope.
pub(crate) struct Flow {
    pub(crate) target: Target,
    /// The first request: the same for every flow, since a fresh browser has no cookie.
    authorize: Bytes,
    /// The same request's path and query, which a signed-in browser sends with its cookies.
    pub(crate) authorize_path: String,
    pub(crate) token_path: String,
    /// The web client's Basic authorization header, for the token request.
    pub(crate) client_authorization: String,
}

impl Flow {
    pub(crate) fn new(endpoints: &Endpoints, client: &Credentials, scope: &str) -> Result<Flow> {
        let mut authorize = endpoints.authorization.clone();
        authorize
            .query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", scope)
            .append_pair("state", FLOW_STATE)
            .append_pair("nonce", "n")
            .append_pair("code_challenge", CODE_CHALLENGE)
            .append_pair("code_challenge_method", "S256");
        let target = Target::of(&authorize)?;
        ensure!(
            Target::of(&endpoints.token)?.address == target.address,
            "the token endpoint {} is not on the server of {}",
            endpoints.token,
            endpoints.authorization
        );
        let path =
            |url: &Url| url[url::Position::BeforePath..url::Position::AfterQuery].to_string();
        let authorize_path = path(&authorize);
        Ok(Flow {
            authorize: target.render("GET", &authorize_path, &[], ""),
            authorize_path,
            token_path: path(&endpoints.token),
            client_authorization: client.basic_authorization(),
            target,
        })
    }

    /// One measured flow: four requests, the consent already remembered.
    pub(crate) async fn run(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
    ) -> Result<(), String> {
        self.walk(connection, steps, false).await.map(drop)
    }

    /// Signs in once and allows the web client on the consent page, before anything is
    /// measured.
    pub(crate) async fn remember_consent(&self) -> Result<()> {
        self.tokens().await.map(drop)
    }

    /// A whole flow, allowing the client on the consent page if it is shown: the token
    /// response.
    pub(crate) async fn tokens(&self) -> Result<Response> {
        self.walk(&mut None, &mut Vec::new(), true)
            .await
            .map_err(|error| anyhow!("a browser flow (with consent) failed: {error}"))
    }

    /// A browser that has signed in (through this flow, the consent remembered), for the
    /// scenarios of a person already signed in; its code is left unused.
    pub(crate) async fn signed_in_browser(&self) -> Result<CookieJar> {
        let mut connection = None;
        let (jar, _back) = self
            .sign_in(&mut connection, &mut Vec::new())
            .await
            .map_err(|error| anyhow!("signing in a browser failed: {error}"))?;
        Ok(jar)
    }

    /// Authorize → login page → login, which answers with the code (or, only when
    /// `may_consent`, the consent page → consent → code) → token. Every request's latency is
    /// pushed to `steps`.
    async fn walk(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        may_consent: bool,
    ) -> Result<Response, String> {
        let (mut jar, mut back) = self.sign_in(connection, steps).await?;
        let step = FLOW_STEPS[2];
        if back.starts_with("/consent?") {
            if !may_consent {
                return Err(at(
                    step,
                    "the consent page came back: consent not remembered",
                ));
            }
            back = self.consent(connection, steps, &mut jar, &back).await?;
        }
        let code = code_of(&back).map_err(|e| at(step, e))?;
        // The client redeems the code, from its own server: no browser cookies.
        let response = self
            .redeem(connection, steps, &code)
            .await
            .map_err(|e| at(FLOW_STEPS[3], e))?;
        ensure_tokens(&response).map_err(|e| at(FLOW_STEPS[3], e))?;
        Ok(response)
    }

    /// The first three requests of the flow, by a fresh browser: authorize → login page →
    /// login. Returns the browser, signed in, and where the login's answer sends it.
    async fn sign_in(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
    ) -> Result<(CookieJar, String), String> {
        let (mut jar, login, request_id) = self.authorize(connection, steps).await?;

        // The login page, for its CSRF token.
        let step = FLOW_STEPS[1];
        let response = self.get(connection, steps, &login, &jar).await;
        let csrf = page(response, &mut jar, "csrf_token").map_err(|e| at(step, e))?;

        // The login form. The session id must change (against session fixation).
        let step = FLOW_STEPS[2];
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &csrf)
            .append_pair("request", &request_id)
            .append_pair("username", USERNAME)
            .append_pair("password", PASSWORD)
            .finish();
        let before = jar.header();
        // With the consent remembered, the answer sends the browser back to the client.
        let response = self.post(connection, steps, "/login", &jar, &form).await;
        let back = redirect(response, &mut jar, "").map_err(|e| at(step, e))?;
        if jar.header() == before {
            // Refused: the login page, shown again, says why.
            let again = self
                .get(connection, steps, &back, &jar)
                .await
                .map_err(|e| at(step, e))?;
            let html = String::from_utf8_lossy(&again.body);
            let said = html
                .split("role=\"alert\"")
                .nth(1)
                .and_then(|rest| {
                    rest.split('<')
                        .nth(0)
                        .map(|t| t.trim_start_matches('>').trim().to_string())
                })
                .unwrap_or_else(|| again.body_excerpt().to_string());
            let why =
                format!("the session cookie did not change at sign-in (sent to {back}: {said})");
            return Err(at(step, why));
        }
        Ok((jar, back))
    }

    /// A fresh browser sent by the client to the authorization endpoint, nobody signed in:
    /// the browser, the login page it is sent to, and the pending request's id.
    pub(crate) async fn authorize(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
    ) -> Result<(CookieJar, String, String), String> {
        let mut jar = CookieJar::default();
        let step = FLOW_STEPS[0];
        let response = self.exchange(connection, steps, &self.authorize).await;
        let login = redirect(response, &mut jar, "/login?").map_err(|e| at(step, e))?;
        ensure_cookie(&jar).map_err(|e| at(step, e))?;
        let request_id = query_value(&login, "request").map_err(|e| at(step, e))?;
        Ok((jar, login, request_id))
    }

    /// The client trades `code` for tokens at the token endpoint (with the PKCE verifier).
    pub(crate) async fn redeem(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        code: &str,
    ) -> Result<Response, String> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("code_verifier", CODE_VERIFIER)
            .finish();
        self.post_as_client(connection, steps, &form).await
    }

    /// A form the client posts to the token endpoint, authenticated with its secret.
    pub(crate) async fn post_as_client(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        form: &str,
    ) -> Result<Response, String> {
        let headers = [
            ("authorization", self.client_authorization.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let request = self.target.render("POST", &self.token_path, &headers, form);
        self.exchange(connection, steps, &request).await
    }

    /// The consent page, allowed; returns where its answer sends the browser.
    pub(crate) async fn consent(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        jar: &mut CookieJar,
        consent_page: &str,
    ) -> Result<String, String> {
        let step = "GET /consent";
        let request_id = query_value(consent_page, "request").map_err(|e| at(step, e))?;
        let response = self.get(connection, steps, consent_page, jar).await;
        let csrf = page(response, jar, "csrf_token").map_err(|e| at(step, e))?;
        let step = "POST /consent";
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &csrf)
            .append_pair("request", &request_id)
            .append_pair("decision", "allow")
            .finish();
        let response = self.post(connection, steps, "/consent", jar, &form).await;
        redirect(response, jar, "").map_err(|e| at(step, e))
    }

    pub(crate) async fn get(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        path: &str,
        jar: &CookieJar,
    ) -> Result<Response, String> {
        let cookie = jar.header();
        let request = self.target.render("GET", path, &[("cookie", &cookie)], "");
        self.exchange(connection, steps, &request).await
    }

    /// A form the browser posts from one of the pages.
    pub(crate) async fn post(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        path: &str,
        jar: &CookieJar,
        form: &str,
    ) -> Result<Response, String> {
        self.post_from(connection, steps, (path, jar), form, None)
            .await
    }

    /// The same, through a proxy that names the browser's address in `X-Forwarded-For`
    /// when `forwarded_for` is given.
    pub(crate) async fn post_from(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        (path, jar): (&str, &CookieJar),
        form: &str,
        forwarded_for: Option<&str>,
    ) -> Result<Response, String> {
        let cookie = jar.header();
        let mut headers = vec![
            ("cookie", cookie.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        headers.extend(forwarded_for.map(|address| ("x-forwarded-for", address)));
        let request = self.target.render("POST", path, &headers, form);
        self.exchange(connection, steps, &request).await
    }

    /// Sends one request of the flow and notes how long it took.
    async fn exchange(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        request: &[u8],
    ) -> Result<Response, String> {
        let started = Instant::now();
        let response = send(connection, self.target.address, request).await;
        steps.push(started.elapsed().as_nanos() as u64);
        response
    }
}

/// The code in `back`, a redirect to the client with the flow's state.
pub(crate) fn code_of(back: &str) -> Result<String, String> {
    if !back.starts_with(&format!("{REDIRECT_URI}?")) {
        return Err(format!("redirected to {back}, not to the client"));
    }
    let state = query_value(back, "state")?;
    if state != FLOW_STATE {
        return Err(format!("state '{state}' is not '{FLOW_STATE}'"));
    }
    query_value(back, "code")
}

/// A token response with an access token and an ID token.
pub(crate) fn ensure_tokens(response: &Response) -> Result<(), String> {
    let tokens_ok = contains(&response.body, br#""access_token""#)
        && contains(&response.body, br#""id_token""#);
    if response.status != 200 || !tokens_ok {
        return Err(format!(
            "status {}, body {}",
            response.status,
            response.body_excerpt()
        ));
    }
    Ok(())
}
