//! A person in a real browser: headless Chromium, driven over WebDriver in a phone-sized
//! window, signs up, consents, signs out, signs in again and is signed out by the relying
//! party. Every page the person sees is saved as a screenshot (under
//! `$CARGO_TARGET_DIR/screenshots/`, else `target/screenshots/`) and checked for
//! accessibility basics.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them these tests skip, so that a
//! newcomer's `cargo test` passes, unless `FARM_AUTH_REQUIRE_BROWSER=1` (as in CI) makes them
//! fail instead.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::response::Html;
use fantoccini::elements::Element;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use farm_auth::oauth2::clients::NewClient;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};
use url::Url;

use crate::helpers::{Options, TestApp, TestClient};

const REQUIRE_BROWSER_VAR: &str = "FARM_AUTH_REQUIRE_BROWSER";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// How long a page may take to show what a step waits for; generous, because the whole test
/// suite shares two cores with the browser.
const PAGE_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
const PHONE_WIDTH: u32 = 420;
const PHONE_HEIGHT: u32 = 900;

const USERNAME: &str = "farmer_amara";
const EMAIL: &str = "amara@farm.example";
const PASSWORD: &str = "hedgerow turnip lantern 42";
const CLIENT_NAME: &str = "Farm Shop";

/// Proves chromedriver, Chromium and fantoccini work on this machine with pages that exist
/// whatever state the sign-in pages are in, so a failure of the flow below is about the pages.
#[tokio::test]
async fn chromium_reads_the_discovery_document() {
    let Some(browser) = Browser::launch("harness").await else {
        return;
    };
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    assert!(
        app.issuer.starts_with("http://localhost:"),
        "{}",
        app.issuer
    );

    browser
        .goto(&format!("{}/.well-known/openid-configuration", app.issuer))
        .await;
    let text = browser.body_text().await;
    let metadata: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("discovery as Chromium shows it is not JSON ({e}): {text}"));
    assert_eq!(metadata["issuer"], app.issuer.as_str());
    browser.close().await;
}

#[tokio::test]
async fn a_person_signs_up_consents_signs_out_and_signs_in_again() {
    let Some(browser) = Browser::launch("flow").await else {
        return;
    };
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let rp = RelyingParty::start().await;
    let callback = rp.url("/callback");
    let signed_out = rp.url("/signed-out");
    let client = app
        .register(NewClient {
            name: CLIENT_NAME.into(),
            redirect_uris: vec![callback.clone()],
            post_logout_redirect_uris: vec![signed_out.clone()],
            scope: Some("openid profile email".into()),
            ..Default::default()
        })
        .await;

    // An unknown person starts at the relying party and is sent to the login page.
    let first = AuthorizationRequest::new(&app, &client, &callback, "s123", "n456");
    browser.goto(&first.url).await;
    let signup_link = browser
        .wait_for(Locator::Css(r#"a[href^="/signup"]"#), "a sign-up link")
        .await;
    browser
        .assert_url_starts_with(&format!("{}/login", app.issuer))
        .await;
    browser.page("login").await;

    // Sign-up signs the new person in and continues to consent.
    signup_link.click().await.expect("click the sign-up link");
    let password = browser
        .wait_for(NEW_PASSWORD, "the sign-up form's password field")
        .await;
    browser.page("signup").await;
    browser.fill(USERNAME_FIELD, USERNAME).await;
    browser
        .fill(Locator::Css(r#"input[autocomplete="email"]"#), EMAIL)
        .await;
    password.send_keys(PASSWORD).await.expect("type a password");
    browser
        .click(Locator::Css(r#"input[name="role"][value="farmer"]"#))
        .await;
    browser
        .click(Locator::Css(
            r#"form:has(input[autocomplete="new-password"]) button[type="submit"]"#,
        ))
        .await;

    let allow = browser
        .wait_for(
            Locator::XPath(&button("Allow")),
            "the consent page's Allow button",
        )
        .await;
    browser
        .wait_for(Locator::XPath(&button("Deny")), "a Deny button")
        .await;
    let text = browser.body_text().await;
    assert!(
        text.contains(CLIENT_NAME),
        "the consent page does not name the client: {text}"
    );
    browser.page("consent").await;
    allow.click().await.expect("click Allow");

    let code = first.expect_code(&browser, &app).await;
    let tokens = first.exchange(&app, &client, &code).await;
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    first.verify_id_token(&app, &client, id_token).await;

    // Signing out at the provider asks first, since nothing proves a relying party sent us.
    browser.goto(&format!("{}/logout", app.issuer)).await;
    let sign_out = browser
        .wait_for(
            Locator::XPath(&button("Sign out")),
            "the logout page's Sign out button",
        )
        .await;
    browser.page("logout-confirm").await;
    sign_out.click().await.expect("click Sign out");
    browser.wait_until_gone(&sign_out, "the logout page").await;
    browser.wait_for_text("signed out").await;
    browser.page("signed-out").await;

    // Signed out, the next authorization request needs a password again; consent is
    // remembered, so the person goes straight back to the relying party.
    let second = AuthorizationRequest::new(&app, &client, &callback, "s124", "n789");
    browser.goto(&second.url).await;
    browser.log_in(USERNAME, PASSWORD).await;
    let code = second.expect_code(&browser, &app).await;
    let tokens = second.exchange(&app, &client, &code).await;
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    second.verify_id_token(&app, &client, id_token).await;

    // RP-initiated logout with an id_token_hint and a registered URI: no question asked.
    let mut logout = Url::parse(&format!("{}/logout", app.issuer)).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", &signed_out)
        .append_pair("state", "bye");
    browser.goto(logout.as_str()).await;
    let landed = browser
        .wait_for_url(&signed_out, "the relying party's signed-out page")
        .await;
    assert_eq!(query(&landed, "state").as_deref(), Some("bye"), "{landed}");

    // And that really ended the session.
    let third = AuthorizationRequest::new(&app, &client, &callback, "s125", "n000");
    browser.goto(&third.url).await;
    browser
        .wait_for(CURRENT_PASSWORD, "the login page after RP-initiated logout")
        .await;
    browser.close().await;
}

/// An authorization request that cannot be answered safely (the client, so its redirect
/// URIs, are unknown) shows the person an error page rather than redirecting anywhere.
#[tokio::test]
async fn an_unknown_client_gets_an_error_page_not_a_redirect() {
    let Some(browser) = Browser::launch("error").await else {
        return;
    };
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let path = "/oauth2/authorize?client_id=unknown&response_type=code";

    let response = app.http.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    assert!(status.is_client_error(), "status {status}");
    assert!(response.headers().get("location").is_none(), "redirected");
    let content_type = &response.headers()["content-type"];
    assert!(
        content_type.to_str().unwrap().starts_with("text/html"),
        "the error is {content_type:?}, not a page (status {status})"
    );

    browser.goto(&format!("{}{path}", app.issuer)).await;
    browser
        .assert_url_starts_with(&format!("{}/oauth2/authorize", app.issuer))
        .await;
    browser.page("error").await;
    browser.close().await;
}

const USERNAME_FIELD: Locator<'static> = Locator::Css(r#"input[autocomplete="username"]"#);
const NEW_PASSWORD: Locator<'static> = Locator::Css(r#"input[autocomplete="new-password"]"#);
const CURRENT_PASSWORD: Locator<'static> =
    Locator::Css(r#"input[autocomplete="current-password"]"#);

/// An XPath for a submit button by its visible text.
fn button(text: &str) -> String {
    format!(r#"//button[@type="submit"][normalize-space()="{text}"]"#)
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// What a relying party sends and later checks: an authorization code request with PKCE.
struct AuthorizationRequest {
    url: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    verifier: String,
}

impl AuthorizationRequest {
    fn new(
        app: &TestApp,
        client: &TestClient,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
    ) -> AuthorizationRequest {
        let verifier = farm_auth::secrets::base64url(&farm_auth::secrets::random_bytes::<32>());
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        let challenge = farm_auth::secrets::base64url(digest.as_ref());
        let mut url = Url::parse(&format!("{}/oauth2/authorize", app.issuer)).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid profile email")
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        AuthorizationRequest {
            // Spaces as %20, as the contract writes them (both decode the same).
            url: url.as_str().replace('+', "%20"),
            redirect_uri: redirect_uri.into(),
            state: state.into(),
            nonce: nonce.into(),
            verifier,
        }
    }

    /// Waits for the browser to reach the redirect URI and checks the RFC 9207 response.
    async fn expect_code(&self, browser: &Browser, app: &TestApp) -> String {
        let landed = browser
            .wait_for_url(&self.redirect_uri, "the relying party's callback")
            .await;
        assert_eq!(
            query(&landed, "state"),
            Some(self.state.clone()),
            "{landed}"
        );
        assert_eq!(query(&landed, "iss"), Some(app.issuer.clone()), "{landed}");
        assert_eq!(query(&landed, "error"), None, "{landed}");
        query(&landed, "code").unwrap_or_else(|| panic!("no code in {landed}"))
    }

    async fn exchange(&self, app: &TestApp, client: &TestClient, code: &str) -> Value {
        let response = app
            .post_form(
                "token_endpoint",
                Some(client),
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", &self.redirect_uri),
                    ("code_verifier", &self.verifier),
                ],
            )
            .await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "token response: {body}");
        let tokens: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(tokens["token_type"], "Bearer", "{tokens}");
        assert!(tokens["access_token"].is_string(), "{tokens}");
        tokens
    }

    /// Checks the ID token as a relying party must (OpenID Connect Core §3.1.3.7).
    async fn verify_id_token(&self, app: &TestApp, client: &TestClient, token: &str) {
        let header = jsonwebtoken::decode_header(token).expect("an ID token is a JWT");
        let kid = header.kid.expect("the ID token names its key");
        let jwks = app.jwks().await;
        let key = DecodingKey::from_jwk(jwks.find(&kid).expect("kid in the JWKS")).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&app.issuer]);
        validation.set_audience(&[&client.id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .expect("a valid ID token")
            .claims;
        assert_eq!(claims["nonce"], self.nonce.as_str(), "{claims}");
    }
}

/// A relying party's landing pages: `/callback` and `/signed-out` answer with a page that
/// echoes the query, so the browser visibly arrives somewhere.
struct RelyingParty {
    origin: String,
}

impl RelyingParty {
    async fn start() -> RelyingParty {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = axum::Router::new()
            .route("/callback", axum::routing::get(echo))
            .route("/signed-out", axum::routing::get(echo));
        // Runs until the test's runtime ends.
        tokio::spawn(async move { axum::serve(listener, router).await });
        RelyingParty {
            origin: format!("http://localhost:{port}"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

async fn echo(uri: axum::http::Uri) -> Html<String> {
    let query = uri
        .query()
        .unwrap_or("")
        .replace('&', "&amp;")
        .replace('<', "&lt;");
    Html(format!(
        "<!doctype html><html lang=\"en\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>{CLIENT_NAME}</title>\
         <p>Back at {CLIENT_NAME} with <code>{query}</code></p></html>"
    ))
}

/// Headless Chromium under its own chromedriver, with a fresh profile.
struct Browser {
    client: Client,
    name: String,
    shots: PathBuf,
    // Dropped in this order: the driver (and with it Chromium), then the profile directory.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// `None`, after a note on stderr, when Chromium or chromedriver is missing and
    /// `FARM_AUTH_REQUIRE_BROWSER=1` is not set. `name` labels the logs and failure shots.
    async fn launch(name: &str) -> Option<Browser> {
        if let Some(missing) = missing_browser() {
            if std::env::var(REQUIRE_BROWSER_VAR).as_deref() == Ok("1") {
                panic!(
                    "{REQUIRE_BROWSER_VAR}=1 but {missing}: \
                     apt-get install chromium chromium-driver"
                );
            }
            // Once, in one write, straight to stderr: the test harness hides eprintln! output
            // of passing tests.
            static NOTED: std::sync::Once = std::sync::Once::new();
            NOTED.call_once(|| {
                let note = format!(
                    "\nbrowser tests skipped: install chromium chromium-driver ({missing})\n"
                );
                let _ = std::io::stderr().write_all(note.as_bytes());
            });
            return None;
        }
        let shots = screenshot_dir();
        std::fs::create_dir_all(&shots).expect("create the screenshot directory");
        let log = shots.join(format!("chromedriver-{name}.log"));
        let driver = Driver::start(&log).await;
        let profile = tempfile::tempdir().expect("temp dir");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless=new",
                    // Tests run as root in containers, where the sandbox cannot start.
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // Containers give /dev/shm little space; Chromium crashes when it fills.
                    "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    // A phone: every page must be readable at this width.
                    format!("--window-size={PHONE_WIDTH},{PHONE_HEIGHT}"),
                ],
                "binary": CHROMIUM,
            }),
        );
        // rustls is built with both aws-lc-rs and ring here (through different dependencies),
        // so it cannot pick a process-wide provider itself; fantoccini's connector needs one.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("TLS roots for the WebDriver connection")
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("Chromium did not start ({e}); see {}", log.display()));
        // New headless widens a --window-size below 500 px; WebDriver's resize does make the
        // viewport phone-sized.
        client
            .set_window_size(PHONE_WIDTH, PHONE_HEIGHT)
            .await
            .expect("resize the window");
        // A hung page fails the test in seconds rather than WebDriver's default five minutes.
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(PAGE_TIMEOUT),
                Some(PAGE_TIMEOUT * 3),
                None,
            ))
            .await
            .expect("set timeouts");
        let width = client.execute("return window.innerWidth;", vec![]).await;
        assert_eq!(width.ok(), Some(json!(PHONE_WIDTH)), "viewport width");
        Some(Browser {
            client,
            name: name.into(),
            shots,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Ends the WebDriver session, which quits Chromium cleanly.
    async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    async fn goto(&self, url: &str) {
        if let Err(e) = self.client.goto(url).await {
            self.fail(&format!("navigating to {url}: {e}")).await;
        }
    }

    /// Polls for an element until it appears or `PAGE_TIMEOUT` passes.
    async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .every(POLL)
            .for_element(locator)
            .await
        {
            Ok(element) => element,
            Err(e) => self.fail(&format!("waiting for {what} ({e})")).await,
        }
    }

    /// Waits until `element`'s page has been replaced by the next one.
    async fn wait_until_gone(&self, element: &Element, what: &str) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        while element.tag_name().await.is_ok() {
            if Instant::now() > deadline {
                self.fail(&format!("waiting to leave {what}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the browser to be at a URL that starts with `prefix`, and returns it.
    async fn wait_for_url(&self, prefix: &str, what: &str) -> Url {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            if let Ok(url) = self.client.current_url().await
                && url.as_str().starts_with(prefix)
            {
                return url;
            }
            if Instant::now() > deadline {
                self.fail(&format!("waiting for {what} at {prefix}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the page's visible text to contain `needle`, ignoring case.
    async fn wait_for_text(&self, needle: &str) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        while !self
            .body_text()
            .await
            .to_lowercase()
            .contains(&needle.to_lowercase())
        {
            if Instant::now() > deadline {
                self.fail(&format!("waiting for the text '{needle}'")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn assert_url_starts_with(&self, prefix: &str) {
        let url = self.client.current_url().await.expect("current URL");
        if !url.as_str().starts_with(prefix) {
            self.fail(&format!("expected to be at {prefix}")).await;
        }
    }

    async fn fill(&self, locator: Locator<'_>, text: &str) {
        let field = self.wait_for(locator, &format!("{locator:?}")).await;
        if let Err(e) = field.send_keys(text).await {
            self.fail(&format!("typing into {locator:?}: {e}")).await;
        }
    }

    async fn click(&self, locator: Locator<'_>) {
        let element = self.wait_for(locator, &format!("{locator:?}")).await;
        if let Err(e) = element.click().await {
            self.fail(&format!("clicking {locator:?}: {e}")).await;
        }
    }

    /// On the login page: types a username and password and submits them.
    async fn log_in(&self, username: &str, password: &str) {
        self.wait_for(CURRENT_PASSWORD, "the login page's password field")
            .await;
        self.fill(USERNAME_FIELD, username).await;
        self.fill(CURRENT_PASSWORD, password).await;
        self.click(Locator::Css(
            r#"form:has(input[autocomplete="current-password"]) button[type="submit"]"#,
        ))
        .await;
    }

    async fn body_text(&self) -> String {
        self.try_body_text()
            .await
            .unwrap_or_else(|e| panic!("reading the page's text: {e}"))
    }

    async fn try_body_text(&self) -> Result<String, String> {
        let script = "return document.body ? document.body.innerText : '';";
        match self.client.execute(script, vec![]).await {
            Ok(Value::String(text)) => Ok(text),
            other => Err(format!("{other:?}")),
        }
    }

    /// A page the person sees: saves its screenshot as `<name>.png` and checks it for
    /// accessibility basics.
    async fn page(&self, name: &str) {
        self.screenshot(name).await;
        let problems = match self.client.execute(ACCESSIBILITY_CHECK, vec![]).await {
            Ok(Value::Array(problems)) => problems,
            other => panic!("running the accessibility check on {name}: {other:?}"),
        };
        if !problems.is_empty() {
            let url = self.client.current_url().await.expect("current URL");
            panic!("the {name} page ({url}) fails accessibility basics: {problems:?}");
        }
    }

    async fn screenshot(&self, name: &str) {
        if let Err(e) = self.try_screenshot(name).await {
            panic!("screenshot of {name}: {e}");
        }
    }

    /// The whole page, not just the part in view: WebDriver shoots the viewport, so the
    /// window grows to the page's height for the shot.
    async fn try_screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let error = |e: fantoccini::error::CmdError| e.to_string();
        let script = "return document.documentElement.scrollHeight - window.innerHeight;";
        let below = self.client.execute(script, vec![]).await.map_err(error)?;
        let below = below.as_u64().unwrap_or(0) as u32;
        if below > 0 {
            let height = PHONE_HEIGHT + below;
            let grown = self.client.set_window_size(PHONE_WIDTH, height).await;
            grown.map_err(error)?;
        }
        let png = self.client.screenshot().await.map_err(error);
        if below > 0 {
            let restored = self.client.set_window_size(PHONE_WIDTH, PHONE_HEIGHT).await;
            restored.map_err(error)?;
        }
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png?).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Panics with what the person sees: the URL, the page's text and a screenshot (each as
    /// far as a possibly crashed browser still tells).
    async fn fail(&self, what: &str) -> ! {
        let url = self
            .client
            .current_url()
            .await
            .map_or_else(|e| format!("unknown ({e})"), |url| url.to_string());
        let text: String = self
            .try_body_text()
            .await
            .unwrap_or_else(|e| format!("(unreadable: {e})"))
            .chars()
            .take(2000)
            .collect();
        let shot = self
            .try_screenshot(&format!("failed-{}", self.name))
            .await
            .map_or_else(|e| format!("not taken ({e})"), |p| p.display().to_string());
        panic!("{what}: the browser is at {url}, screenshot {shot}, showing:\n{text}");
    }
}

/// Returns a list of problems: `lang` on `<html>`, a viewport `<meta>`, a label for every
/// form control a person fills in, and no sideways scrolling at phone width.
const ACCESSIBILITY_CHECK: &str = r#"
const problems = [];
if (!document.documentElement.getAttribute('lang')) problems.push('<html> has no lang');
if (!document.querySelector('meta[name="viewport"]')) problems.push('no <meta name="viewport">');
for (const control of document.querySelectorAll('input, select, textarea')) {
  if (['hidden', 'submit', 'button', 'reset'].includes(control.type)) continue;
  const labelled = control.closest('label')
    || (control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`));
  if (!labelled) problems.push(`no label for ${control.outerHTML}`);
}
const width = document.documentElement.scrollWidth;
if (width > window.innerWidth) {
  problems.push(`scrolls sideways: ${width}px wide in a ${window.innerWidth}px window`);
}
return problems;
"#;

/// What is missing for a browser test, if anything.
fn missing_browser() -> Option<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let driver_found = std::env::split_paths(&path).any(|dir| dir.join(CHROMEDRIVER).is_file());
    if !driver_found {
        return Some(format!("{CHROMEDRIVER} is not on PATH"));
    }
    if !Path::new(CHROMIUM).is_file() {
        return Some(format!("{CHROMIUM} does not exist"));
    }
    None
}

fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("screenshots")
}

/// A chromedriver process in its own process group, ended with everything it started.
struct Driver {
    child: Child,
    url: String,
    /// Already waited for: its id may belong to someone else by now.
    reaped: bool,
}

impl Driver {
    async fn start(log: &Path) -> Driver {
        // A free port can be taken by someone else before chromedriver binds it: try again.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Chromium joins this group, so Drop can end it even when a test panics.
                .process_group(0)
                .spawn()
                .expect("start chromedriver");
            let mut driver = Driver {
                child,
                url: format!("http://127.0.0.1:{port}"),
                reaped: false,
            };
            if driver.ready().await {
                return driver;
            }
        }
        panic!("chromedriver did not start; see {}", log.display());
    }

    /// Whether chromedriver says it is ready (so not some other program that took the port)
    /// before it exits or `PAGE_TIMEOUT` passes.
    async fn ready(&mut self) -> bool {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + PAGE_TIMEOUT;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                self.reaped = true;
                return false;
            }
            if let Ok(response) = http.get(format!("{}/status", self.url)).send().await
                && let Ok(status) = response.json::<Value>().await
            {
                return status["value"]["ready"] == true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if self.reaped {
            return;
        }
        // SAFETY: kill(2) on the process group this still unreaped child leads.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}
