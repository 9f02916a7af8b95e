//! A browser over plain HTTP: keeps cookies, never follows redirects on its own (each hop is
//! visible to the test), reads CSRF tokens from pages and submits forms the way a person's
//! browser would. And a relying party's side: a client registered for the code flow, PKCE,
//! and the authorization request it sends.

use farm_auth::Clock;
use farm_auth::accounts::users::{self, NewUser, Role};
use farm_auth::oauth2::client_metadata::NewClient;
use farm_auth::store::users::UserRecord;
use reqwest::{Response, StatusCode};
use url::Url;

use super::app::{TestApp, TestClient};
use super::authenticator_app::Authenticators;

pub const REDIRECT_URI: &str = "https://rp.example/callback";
pub const POST_LOGOUT_URI: &str = "https://rp.example/signed-out";
pub const PASSWORD: &str = "a field of sunflowers";

/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Where a navigation ended.
#[derive(Debug)]
pub enum Landing {
    /// A page at the provider: its path (with query), status and HTML.
    Page {
        path: String,
        status: StatusCode,
        body: String,
    },
    /// The provider sent the browser back to a client: the full URL.
    Client(Url),
}

impl Landing {
    pub fn page(self) -> (String, StatusCode, String) {
        match self {
            Landing::Page { path, status, body } => (path, status, body),
            Landing::Client(url) => panic!("expected a page, went back to the client: {url}"),
        }
    }

    pub fn client(self) -> Url {
        match self {
            Landing::Client(url) => url,
            Landing::Page { path, status, body } => {
                panic!("expected a redirect to the client, got page {path} ({status}):\n{body}")
            }
        }
    }

    /// A query parameter of the client URL.
    pub fn param(url: &Url, name: &str) -> Option<String> {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

pub struct UserAgent {
    pub http: reqwest::Client,
    address: String,
    issuer: String,
    authenticators: Authenticators,
    clock: Clock,
}

impl UserAgent {
    pub fn new(app: &TestApp) -> UserAgent {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        UserAgent {
            http,
            address: app.address.clone(),
            issuer: app.issuer.clone(),
            authenticators: app.authenticators.clone(),
            clock: app.clock.clone(),
        }
    }

    /// An absolute URL at the server for `target`: a path, or a URL under the issuer.
    fn at_server(&self, target: &str) -> String {
        if let Some(path) = target.strip_prefix(&self.issuer) {
            return format!("{}{path}", self.address);
        }
        if target.starts_with('/') {
            return format!("{}{target}", self.address);
        }
        target.to_string()
    }

    pub async fn get(&self, target: &str) -> Response {
        self.http.get(self.at_server(target)).send().await.unwrap()
    }

    pub async fn post(&self, target: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.at_server(target))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Follows redirects while they stay at the provider; stops at a page, or when sent to
    /// a client.
    pub async fn follow(&self, mut response: Response) -> Landing {
        for _ in 0..10 {
            if !response.status().is_redirection() {
                let path = response.url().path().to_string()
                    + &response
                        .url()
                        .query()
                        .map(|q| format!("?{q}"))
                        .unwrap_or_default();
                let status = response.status();
                let body = response.text().await.unwrap();
                return Landing::Page { path, status, body };
            }
            assert_eq!(
                response.status(),
                StatusCode::SEE_OTHER,
                "redirects are 303"
            );
            let location = response.headers()["location"].to_str().unwrap().to_string();
            let provider_path = location.starts_with('/') || location.starts_with(&self.issuer);
            if !provider_path {
                return Landing::Client(Url::parse(&location).expect("absolute client URL"));
            }
            response = self.get(&location).await;
        }
        panic!("too many redirects");
    }

    pub async fn navigate(&self, target: &str) -> Landing {
        let response = self.get(target).await;
        self.follow(response).await
    }

    /// Submits the form at `action` found on `page`, with its hidden fields plus `fields`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Landing {
        let mut form: Vec<(String, String)> = hidden_fields(page, action);
        for (name, value) in fields {
            form.retain(|(n, _)| n != name);
            form.push((name.to_string(), value.to_string()));
        }
        solve_challenge(&mut form);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let response = self.post(action, &pairs).await;
        self.follow(response).await
    }

    /// Signs in on a login page (asserting it is one) and goes on; an administrator made
    /// by [`TestApp::person`] gives their authenticator app's code at the second step.
    pub async fn log_in(&self, landing: Landing, username: &str, password: &str) -> Landing {
        let (path, _, body) = landing.page();
        assert!(path.starts_with("/login"), "not the login page: {path}");
        let landing = self
            .submit(
                &body,
                "/login",
                &[("username", username), ("password", password)],
            )
            .await;
        let second_step = matches!(&landing, Landing::Page { path, .. } if path.starts_with("/login/second-factor"));
        if !second_step {
            return landing;
        }
        let Some(code) = self.authenticators.next_code(username, &self.clock) else {
            return landing;
        };
        let (_, _, page) = landing.page();
        let fields = [("method", "totp"), ("code", code.as_str())];
        self.submit(&page, "/login/second-factor", &fields).await
    }

    /// Answers a consent page (asserting it is one) with "allow" or "deny".
    pub async fn consent(&self, landing: Landing, decision: &str) -> Landing {
        let (path, _, body) = landing.page();
        assert!(
            path.starts_with("/consent"),
            "not the consent page: {path}\n{body}"
        );
        assert!(body.contains(">Allow</button>") && body.contains(">Deny</button>"));
        self.submit(&body, "/consent", &[("decision", decision)])
            .await
    }
}

/// A browser whose requests a trusted proxy forwards for `address` (the app needs
/// `Options::trusted_proxies` naming 127.0.0.1).
pub fn browser_at(app: &TestApp, address: &str) -> UserAgent {
    browser_with(app, "x-forwarded-for", address)
}

/// A browser that sends the header `name: value` with every request.
pub fn browser_with(app: &TestApp, name: &'static str, value: &str) -> UserAgent {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(name, value.parse().unwrap());
    let mut agent = UserAgent::new(app);
    agent.http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    agent
}

/// Does what the sign-up page's script does in a browser: fills in the solution of the
/// form's proof of work, unless the test set one.
pub fn solve_challenge(form: &mut [(String, String)]) {
    let challenge = form
        .iter()
        .find(|(n, _)| n == "challenge")
        .map(|(_, v)| v.clone());
    let Some(challenge) = challenge else { return };
    let bits = challenge
        .split('.')
        .nth(2)
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    for (name, value) in form.iter_mut() {
        if name == "solution" && value.is_empty() {
            *value = farm_auth::accounts::signup_challenge::solve(&challenge, bits);
        }
    }
}

/// The hidden inputs of the form posting to `action` on `page`.
pub fn hidden_fields(page: &str, action: &str) -> Vec<(String, String)> {
    let start = page
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action} on:\n{page}"));
    let end = page[start..]
        .find("</form>")
        .map_or(page.len(), |e| start + e);
    let form = &page[start..end];
    let mut fields = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap_or(input.len())];
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value")) {
            fields.push((name, unescape(&value)));
        }
    }
    fields
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// HTML character references decoded, as far as the pages use them.
pub fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#61;", "=")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

impl TestApp {
    /// A person with `username` and [`PASSWORD`]; an administrator also has an
    /// authenticator app, which the console and the admin API ask for.
    pub async fn person(&self, username: &str, role: Role) -> String {
        let admin = role == Role::Admin;
        let new = NewUser {
            username: username.into(),
            email: format!("{username}@farm.example"),
            password: Some(PASSWORD.into()),
            roles: vec![role],
        };
        let user = users::create(&self.state, new).await.expect("user created");
        if admin {
            self.authenticators.set_up(self, &user.id).await;
        }
        user.id
    }

    /// A confidential client for the code flow, allowed `scope`, redirecting to
    /// [`REDIRECT_URI`].
    pub async fn web_client(&self, scope: &str) -> TestClient {
        self.register(NewClient {
            name: "Veggie Box".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            post_logout_redirect_uris: vec![POST_LOGOUT_URI.into()],
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            scope: Some(scope.into()),
            ..Default::default()
        })
        .await
    }

    /// The authorization request URL (at the issuer) for `client` with PKCE ([`CHALLENGE`]),
    /// `state=xyz`, `nonce=n-0S6`, then `extra` parameters (which replace defaults of the
    /// same name; an empty value removes the parameter).
    pub fn authorize_url(
        &self,
        client: &TestClient,
        scope: &str,
        extra: &[(&str, &str)],
    ) -> String {
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &client.id),
            ("redirect_uri", REDIRECT_URI),
            ("scope", scope),
            ("state", "xyz"),
            ("nonce", "n-0S6"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in extra {
            params.retain(|(n, _)| n != name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        let mut url = Url::parse(&format!("{}/oauth2/authorize", self.issuer)).unwrap();
        url.query_pairs_mut().extend_pairs(params);
        url.to_string()
    }

    /// Trades a code at the token endpoint with [`VERIFIER`].
    pub async fn exchange_code(&self, client: &TestClient, code: &str) -> Response {
        self.post_form(
            "token_endpoint",
            Some(client),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
    }

    /// The whole browser flow for a new person: authorize, sign in, allow; returns the
    /// client URL the browser was sent back to.
    pub async fn sign_in_and_allow(
        &self,
        agent: &UserAgent,
        client: &TestClient,
        username: &str,
        scope: &str,
    ) -> Url {
        let landing = agent
            .navigate(&self.authorize_url(client, scope, &[]))
            .await;
        let landing = agent.log_in(landing, username, PASSWORD).await;
        agent.consent(landing, "allow").await.client()
    }
}

/// The `code` of a successful authorization response at [`REDIRECT_URI`], asserting that it
/// carries `state=xyz` and the issuer (RFC 9207).
pub fn code_from(app: &TestApp, back: &Url) -> String {
    assert!(
        back.as_str().starts_with(&format!("{REDIRECT_URI}?")),
        "not the redirect URI: {back}"
    );
    assert_eq!(
        Landing::param(back, "error"),
        None,
        "error response: {back}"
    );
    assert_eq!(Landing::param(back, "state").as_deref(), Some("xyz"));
    assert_eq!(
        Landing::param(back, "iss").as_deref(),
        Some(app.issuer.as_str())
    );
    Landing::param(back, "code").expect("a code")
}

/// Asserts an error response sent back to [`REDIRECT_URI`] (RFC 6749 §4.1.2.1), with
/// `state=xyz` and `iss`, and no code.
pub fn assert_redirect_error(app: &TestApp, back: &Url, error: &str) {
    assert!(
        back.as_str().starts_with(&format!("{REDIRECT_URI}?")),
        "not the redirect URI: {back}"
    );
    assert_eq!(
        Landing::param(back, "error").as_deref(),
        Some(error),
        "{back}"
    );
    assert!(
        Landing::param(back, "error_description").is_some(),
        "{back}"
    );
    assert_eq!(Landing::param(back, "state").as_deref(), Some("xyz"));
    assert_eq!(
        Landing::param(back, "iss").as_deref(),
        Some(app.issuer.as_str())
    );
    assert_eq!(Landing::param(back, "code"), None);
}

/// The value of `name` in the `Set-Cookie` headers of `response`, with the whole header.
pub fn set_cookie(response: &Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| {
            let pair = header.split(';').next()?;
            let (n, value) = pair.split_once('=')?;
            (n.trim() == name).then(|| (value.to_string(), header.to_string()))
        })
}

/// A token response that must be a success: its JSON.
pub async fn token_json(response: Response) -> serde_json::Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "token response: {body}");
    serde_json::from_str(&body).expect("a token response is JSON")
}

impl TestApp {
    /// A new browser's whole flow for `username` (sign in, allow), then the code traded:
    /// the token response.
    pub async fn sign_in_for_tokens(
        &self,
        agent: &UserAgent,
        client: &TestClient,
        username: &str,
        scope: &str,
    ) -> serde_json::Value {
        let back = self.sign_in_and_allow(agent, client, username, scope).await;
        let code = code_from(self, &back);
        token_json(self.exchange_code(client, &code).await).await
    }

    /// The refresh token grant for a confidential client.
    pub async fn refresh(&self, client: &TestClient, token: &str, scope: Option<&str>) -> Response {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.post_form("token_endpoint", Some(client), &form).await
    }

    /// Verifies an ID token as a relying party `client` would (signature against the JWKS,
    /// `typ`, `iss`, `aud`, `exp`) and returns its claims.
    pub async fn verify_id_token(&self, client: &TestClient, token: &str) -> serde_json::Value {
        use jsonwebtoken::{Algorithm, DecodingKey, Validation};
        let header = jsonwebtoken::decode_header(token).expect("a JWT");
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let jwks = self.jwks().await;
        let jwk = jwks
            .find(header.kid.as_deref().expect("kid"))
            .expect("kid in JWKS");
        let key = DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&client.id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .expect("a valid ID token")
            .claims
    }

    /// Calls the UserInfo endpoint with `Authorization: Bearer`.
    pub async fn userinfo(&self, access_token: &str) -> Response {
        self.http
            .get(self.endpoint("userinfo_endpoint").await)
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }
}

impl TestApp {
    /// A consumer written straight to the store with `id` (no password: fast), for lists,
    /// paging and the trail.
    pub async fn stored_user(&self, id: &str, username: &str, email: &str) -> String {
        let now = self.clock.now();
        let record = UserRecord {
            id: id.into(),
            username: username.into(),
            email: email.into(),
            email_verified: true,
            password_hash: None,
            roles: farm_auth::domain::Role::Consumer.into(),
            created_at: now,
            updated_at: now,
            locked: None,
            password_reset_required: false,
            display_name: None,
        };
        self.store.insert_user(&record).await.expect("user stored");
        id.to_string()
    }
}
