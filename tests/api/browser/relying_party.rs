//! The relying party's side: the authorization request it sends, the checks it makes on the
//! code, tokens and ID token it gets back, and its landing pages.

use axum::response::Html;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use super::CLIENT_NAME;
use super::driver::Browser;
use crate::support::{TestApp, TestClient};

pub(super) fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// What a relying party sends and later checks: an authorization code request with PKCE.
pub(super) struct AuthorizationRequest {
    pub(super) url: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    verifier: String,
}

impl AuthorizationRequest {
    pub(super) fn new(
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
    pub(super) async fn expect_code(&self, browser: &Browser, app: &TestApp) -> String {
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

    pub(super) async fn exchange(&self, app: &TestApp, client: &TestClient, code: &str) -> Value {
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
    pub(super) async fn verify_id_token(&self, app: &TestApp, client: &TestClient, token: &str) {
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
pub(super) struct RelyingParty {
    origin: String,
}

impl RelyingParty {
    pub(super) async fn start() -> RelyingParty {
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

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

pub(super) async fn echo(uri: axum::http::Uri) -> Html<String> {
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
