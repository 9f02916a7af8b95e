//! APIs (resource servers, RFC 8707): registering one as an administrator would, asking for
//! tokens with `resource`, reading a token's claims, and a platform service's verifier that
//! fetches the JWKS over HTTP and checks its own audience and a required scope.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Response;
use serde_json::Value;

use super::app::{TestApp, TestClient};
use super::user_agent::{POST_LOGOUT_URI, REDIRECT_URI};
use farm_auth::accounts::admin::Actor;
use farm_auth::oauth2::api_admin::{self, NewApi, NewApiScope};

/// A registered API: its id, audience and own client (for introspection).
#[derive(Clone, Debug)]
pub struct TestApi {
    pub id: String,
    pub audience: String,
    pub client: TestClient,
}

/// The inventory API of the tests: `inventory:read` (open to vendor apps) and
/// `inventory:write` (closed).
pub const INVENTORY: &str = "https://inventory.farm.example";
/// The orders API of the tests: `orders:read`, closed to vendor apps.
pub const ORDERS: &str = "https://orders.farm.example/api";

impl TestApp {
    /// Registers an API with `scopes` (name, open to vendor apps), as the command line does.
    pub async fn api(&self, name: &str, audience: &str, scopes: &[(&str, bool)]) -> TestApi {
        let new = NewApi {
            name: name.into(),
            audience: audience.into(),
            scopes: scopes
                .iter()
                .map(|(scope, open)| NewApiScope {
                    scope: scope.to_string(),
                    description: format!("Do {scope} things"),
                    vendor_open: *open,
                })
                .collect(),
        };
        let created = api_admin::create(&self.state, Actor::CommandLine, new)
            .await
            .expect("API registers");
        TestApi {
            id: created.api_id,
            audience: created.audience,
            client: TestClient {
                id: created.client_id,
                secret: created.client_secret,
            },
        }
    }

    /// The inventory and orders APIs ([`INVENTORY`], [`ORDERS`]).
    pub async fn two_apis(&self) -> (TestApi, TestApi) {
        let inventory = self
            .api(
                "Inventory",
                INVENTORY,
                &[("inventory:read", true), ("inventory:write", false)],
            )
            .await;
        let orders = self.api("Orders", ORDERS, &[("orders:read", false)]).await;
        (inventory, orders)
    }

    /// The token endpoint with `form` plus one `resource` parameter per value.
    pub async fn token_with_resources(
        &self,
        client: &TestClient,
        form: &[(&str, &str)],
        resources: &[&str],
    ) -> Response {
        let mut form = form.to_vec();
        form.extend(resources.iter().map(|r| ("resource", *r)));
        self.post_form("token_endpoint", Some(client), &form).await
    }

    /// The client credentials grant with an optional scope and `resource` values.
    pub async fn client_credentials_for(
        &self,
        client: &TestClient,
        scope: Option<&str>,
        resources: &[&str],
    ) -> Response {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.token_with_resources(client, &form, resources).await
    }

    /// The number of rows in `table` (a name from the test, never input), to show that a
    /// refusal wrote nothing.
    pub async fn rows(&self, table: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database.url).await.unwrap();
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let (n,): (i64,) = sqlx::query_as(&sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }
}

impl TestApp {
    /// Registers a vendor's app through RFC 7591 with a fresh initial access token, as the
    /// vendor would: the registration endpoint's answer.
    pub async fn register_vendor_app(&self, metadata: &Value) -> Response {
        let request = farm_auth::oauth2::initial_access::Request {
            ttl_secs: None,
            uses: Some(1),
            vendor: Some("Acme Tills".into()),
            farm: None,
            as_member: false,
        };
        let token =
            farm_auth::oauth2::initial_access::issue(&self.state, Actor::CommandLine, request)
                .await
                .expect("token issued")
                .token;
        self.http
            .post(self.endpoint("registration_endpoint").await)
            .bearer_auth(token)
            .json(metadata)
            .send()
            .await
            .unwrap()
    }
}

impl TestApp {
    /// A vendor's confidential app for the code flow, registered through RFC 7591 as the
    /// vendor would, allowed `scope`, redirecting to [`REDIRECT_URI`] and returning to
    /// [`POST_LOGOUT_URI`] after a sign-out.
    pub async fn vendor_web_client(&self, scope: &str) -> TestClient {
        let metadata = serde_json::json!({
            "client_name": "Acme Till",
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": [POST_LOGOUT_URI],
            "scope": scope,
        });
        let response = self.register_vendor_app(&metadata).await;
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
        let info: Value = response.json().await.unwrap();
        TestClient {
            id: info["client_id"].as_str().expect("client_id").into(),
            secret: info["client_secret"].as_str().expect("a secret").into(),
        }
    }
}

/// The claims of a JWT, unverified (the tests verify elsewhere).
pub fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// A platform service as the README tells it to be: it finds the JWKS through discovery,
/// fetches it over HTTP, verifies RS256 and `typ`, and accepts a token only for its own
/// audience and with the scope it requires.
pub struct PlatformService {
    pub audience: String,
    pub required_scope: String,
}

impl PlatformService {
    pub async fn accepts(&self, app: &TestApp, token: &str) -> Result<Value, String> {
        let http = reqwest::Client::new();
        let discovery: Value = http
            .get(app.url("/.well-known/openid-configuration"))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let jwks_uri = discovery["jwks_uri"].as_str().ok_or("no jwks_uri")?;
        let jwks: jsonwebtoken::jwk::JwkSet = http
            .get(jwks_uri)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        if header.typ.as_deref() != Some("at+jwt") {
            return Err(format!("typ is {:?}", header.typ));
        }
        let jwk = jwks
            .find(header.kid.as_deref().ok_or("no kid")?)
            .ok_or("kid not in the JWKS")?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&app.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map_err(|e| e.to_string())?
            .claims;
        let scope = claims["scope"].as_str().unwrap_or_default();
        if !scope.split(' ').any(|s| s == self.required_scope) {
            return Err(format!("scope '{}' is missing", self.required_scope));
        }
        Ok(claims)
    }
}
