//! The device authorization grant (RFC 8628) end to end: a TV asks for codes, a person
//! types the user code at `/device` in a browser (here reqwest with a cookie jar), signs in
//! and decides, and the TV's polls get the answer the RFC gives. One module per part; shared
//! here: device clients, starting and polling, and a browser at the device page.

mod endpoint;
mod polling;
mod resource;
mod user_code_page;

use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::support::{Landing, PASSWORD, TestApp, TestClient, UserAgent};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

const SCOPE: &str = "openid profile offline_access";

const TV: &str = "Living Room TV";

const INVALID_CODE: &str = "That code is not valid or has expired.";

impl TestApp {
    /// A client for the device grant (and refresh tokens), allowed [`SCOPE`].
    async fn device_client(&self, public: bool) -> TestClient {
        self.register(NewClient {
            name: TV.into(),
            grant_types: vec![DEVICE_GRANT.into(), "refresh_token".into()],
            scope: Some(SCOPE.into()),
            public,
            ..Default::default()
        })
        .await
    }

    /// POSTs `form` to an advertised endpoint as `client`: Basic authentication with its
    /// secret, or only `client_id` in the body for a public client (no secret).
    async fn post_as(
        &self,
        endpoint: &str,
        client: &TestClient,
        form: &[(&str, &str)],
    ) -> Response {
        let url = self.endpoint(endpoint).await;
        let mut form: Vec<(&str, &str)> = form.to_vec();
        let request = match client.secret.is_empty() {
            true => {
                form.push(("client_id", &client.id));
                self.http.post(url)
            }
            false => self
                .http
                .post(url)
                .basic_auth(&client.id, Some(&client.secret)),
        };
        request.form(&form).send().await.unwrap()
    }

    /// A device authorization request (§3.1) that must succeed: its response.
    async fn start_device(&self, client: &TestClient, scope: Option<&str>) -> Value {
        let form: Vec<(&str, &str)> = scope.map(|s| ("scope", s)).into_iter().collect();
        let response = self
            .post_as("device_authorization_endpoint", client, &form)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
        response.json().await.unwrap()
    }

    /// One poll of the token endpoint with `device_code`.
    async fn poll(&self, client: &TestClient, device_code: &str) -> Response {
        let form = [("grant_type", DEVICE_GRANT), ("device_code", device_code)];
        self.post_as("token_endpoint", client, &form).await
    }

    /// A direct look at the database, apart from the server's own queries.
    async fn sql(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database.url).await.unwrap()
    }

    /// The stored request of `device_code`: status, deciding user, interval, last poll.
    async fn device_row(&self, device_code: &str) -> (String, Option<String>, i64, Option<i64>) {
        let hash = farm_auth::secrets::hash_secret(device_code);
        sqlx::query_as(
            "SELECT status, user_id, interval_secs, last_polled_at FROM device_authorizations \
             WHERE device_code_hash = $1",
        )
        .bind(hash)
        .fetch_one(&self.sql().await)
        .await
        .unwrap()
    }

    async fn count(&self, sql: &str, client: &TestClient) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .bind(&client.id)
            .fetch_one(&self.sql().await)
            .await
            .unwrap();
        n
    }

    async fn grants_of(&self, client: &TestClient) -> i64 {
        self.count("SELECT COUNT(*) FROM grants WHERE client_id = $1", client)
            .await
    }

    async fn device_rows_of(&self, client: &TestClient) -> i64 {
        let sql = "SELECT COUNT(*) FROM device_authorizations WHERE client_id = $1";
        self.count(sql, client).await
    }

    /// The audit events of `user_id` named `event`.
    async fn events(&self, user_id: &str, event: &str) -> Vec<(String, Option<String>)> {
        let all = self.store.list_audit_events(Some(user_id), 100).await;
        all.unwrap()
            .into_iter()
            .filter(|e| e.event == event)
            .map(|e| (e.outcome, e.client_id))
            .collect()
    }
}

/// A browser where `username` signed in by way of the device page; returns it on that page.
async fn signed_in_at_device(app: &TestApp, username: &str) -> UserAgent {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/device").await;
    let (path, _, _) = agent
        .log_in(landing, username, PASSWORD)
        .await
        .page_at("/device");
    assert_eq!(path, "/device");
    agent
}

/// Types `typed` on the device page and sends it.
async fn enter_code(agent: &UserAgent, typed: &str) -> Landing {
    let (_, _, body) = agent.navigate("/device").await.page_at("/device");
    agent
        .submit(&body, "/device", &[("user_code", typed)])
        .await
}

/// Answers the confirmation page (asserting it is one) with "allow" or "deny".
async fn decide(agent: &UserAgent, landing: Landing, decision: &str) -> Landing {
    let (_, _, body) = landing.page_at("/device/confirm");
    assert!(body.contains(">Allow</button>") && body.contains(">Deny</button>"));
    agent
        .submit(&body, "/device/confirm", &[("decision", decision)])
        .await
}

impl Landing {
    /// A page at `path` (query aside) answered 200: its path, status and HTML.
    fn page_at(self, path: &str) -> (String, StatusCode, String) {
        let (at, status, body) = self.page();
        assert_eq!(at.split('?').next(), Some(path), "at {at}:\n{body}");
        assert_eq!(status, StatusCode::OK, "{at}:\n{body}");
        (at, status, body)
    }
}

fn user_code(started: &Value) -> String {
    started["user_code"].as_str().unwrap().to_string()
}

fn device_code(started: &Value) -> String {
    started["device_code"].as_str().unwrap().to_string()
}
