//! The device authorization grant (RFC 8628) end to end: a TV asks for codes, a person
//! types the user code at `/device` in a browser (here reqwest with a cookie jar), signs in
//! and decides, and the TV's polls get the answer the RFC gives.

use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, TestClient, assert_oauth_error};
use crate::user_agent::{Landing, PASSWORD, UserAgent, token_json};

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

#[tokio::test]
async fn a_tv_gets_tokens_once_the_person_allows_it_on_the_device_page() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;

    let started = app.start_device(&tv, Some(SCOPE)).await;
    let code = user_code(&started);
    let device_code = device_code(&started);
    assert_eq!(code.len(), 9, "{code}");
    assert!(
        code.char_indices().all(|(i, c)| match i {
            4 => c == '-',
            _ => "BCDFGHJKLMNPQRSTVWXZ".contains(c),
        }),
        "{code}"
    );
    assert_eq!(device_code.len(), 43);
    let page = format!("{}/device", app.issuer);
    assert_eq!(started["verification_uri"], page.as_str());
    assert_eq!(
        started["verification_uri_complete"],
        format!("{page}?user_code={code}").as_str()
    );
    assert_eq!(started["expires_in"], 600);
    assert_eq!(started["interval"], 5);

    // §3.5: nobody has decided yet.
    let pending = app.poll(&tv, &device_code).await;
    assert_oauth_error(pending, StatusCode::BAD_REQUEST, "authorization_pending").await;

    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &code).await;
    let (_, _, body) = confirm.page_at("/device/confirm");
    // §5.4: the application, what it may do, and the code to compare with the device's.
    assert!(body.contains(TV), "{body}");
    assert!(body.contains(&code), "{body}");
    assert!(body.contains("Know who you are when you sign in"), "{body}");
    assert!(
        body.contains("Keep access when you are not using it"),
        "{body}"
    );
    let confirm = Landing::Page {
        path: "/device/confirm".into(),
        status: StatusCode::OK,
        body,
    };
    let (_, _, done) = decide(&agent, confirm, "allow").await.page();
    assert!(done.contains("You can go back to your device."), "{done}");
    let (status, user_id, _, _) = app.device_row(&device_code).await;
    assert_eq!(
        (status.as_str(), user_id.as_deref()),
        ("approved", Some(sub.as_str()))
    );

    app.clock.advance(5);
    let tokens = token_json(app.poll(&tv, &device_code).await).await;
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["sub"], sub.as_str());
    assert_eq!(claims["client_id"], tv.id.as_str());
    let id_token = tokens["id_token"]
        .as_str()
        .expect("an ID token with openid");
    let id_claims = app.verify_id_token(&tv, id_token).await;
    assert_eq!(id_claims["sub"], sub.as_str());
    assert_eq!(id_claims["amr"], serde_json::json!(["pwd"]));
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");

    // The device code is spent: invalid_grant, and the grant stands (the refresh token works).
    app.clock.advance(5);
    let again = app.poll(&tv, &device_code).await;
    assert_oauth_error(again, StatusCode::BAD_REQUEST, "invalid_grant").await;
    let refreshed = token_json(app.refresh(&tv, refresh, None).await).await;
    assert!(refreshed["access_token"].is_string());

    let approved = app.events(&sub, "device.approved").await;
    assert_eq!(approved, [("success".to_string(), Some(tv.id.clone()))]);
    let consent = app.store.find_consent(&sub, &tv.id).await.unwrap();
    assert_eq!(consent.map(|s| s.to_string()).as_deref(), Some(SCOPE));
}

#[tokio::test]
async fn without_openid_or_offline_access_there_is_no_id_token_or_refresh_token() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, Some("profile")).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let tokens = token_json(app.poll(&tv, &device_code(&started)).await).await;
    assert_eq!(tokens["scope"], "profile");
    assert!(tokens.get("id_token").is_none(), "{tokens}");
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
}

#[tokio::test]
async fn polling_too_fast_is_told_to_slow_down_and_the_interval_grows_by_five_seconds() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let code = device_code(&started);

    let first = app.poll(&tv, &code).await;
    assert_oauth_error(first, StatusCode::BAD_REQUEST, "authorization_pending").await;
    app.clock.advance(4);
    let hasty = app.poll(&tv, &code).await;
    assert_oauth_error(hasty, StatusCode::BAD_REQUEST, "slow_down").await;
    assert_eq!(app.device_row(&code).await.2, 10);

    // Five seconds is no longer enough; ten is.
    app.clock.advance(5);
    let hasty = app.poll(&tv, &code).await;
    assert_oauth_error(hasty, StatusCode::BAD_REQUEST, "slow_down").await;
    assert_eq!(app.device_row(&code).await.2, 15);
    app.clock.advance(15);
    let patient = app.poll(&tv, &code).await;
    assert_oauth_error(patient, StatusCode::BAD_REQUEST, "authorization_pending").await;
    let (status, _, interval, last_polled) = app.device_row(&code).await;
    assert_eq!((status.as_str(), interval), ("pending", 15));
    assert_eq!(last_polled, Some(app.clock.now()));
}

#[tokio::test]
async fn a_denied_request_answers_access_denied_and_grants_nothing() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    let (_, _, done) = decide(&agent, confirm, "deny").await.page();
    assert!(done.contains("You can go back to your device."), "{done}");

    let denied = app.poll(&tv, &device_code(&started)).await;
    assert_oauth_error(denied, StatusCode::BAD_REQUEST, "access_denied").await;
    let (status, user_id, _, _) = app.device_row(&device_code(&started)).await;
    assert_eq!(
        (status.as_str(), user_id.as_deref()),
        ("denied", Some(sub.as_str()))
    );
    assert_eq!(app.grants_of(&tv).await, 0);
    assert_eq!(app.store.find_consent(&sub, &tv.id).await.unwrap(), None);
    let events = app.events(&sub, "device.denied").await;
    assert_eq!(events, [("success".to_string(), Some(tv.id.clone()))]);
}

#[tokio::test]
async fn an_expired_device_code_answers_expired_token_and_its_user_code_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    app.clock.advance(600);

    let expired = app.poll(&tv, &device_code(&started)).await;
    assert_oauth_error(expired, StatusCode::BAD_REQUEST, "expired_token").await;
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device");
    assert!(body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
}

#[tokio::test]
async fn the_code_expiring_between_entry_and_decision_approves_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device/confirm");
    app.clock.advance(600);
    let landing = agent
        .submit(&body, "/device/confirm", &[("decision", "allow")])
        .await;
    let (_, _, body) = landing.page_at("/device");
    assert!(body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
    assert_eq!(app.grants_of(&tv).await, 0);
}

#[tokio::test]
async fn another_clients_device_code_is_invalid_grant_and_not_recorded() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    let other = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;

    let stolen = app.poll(&other, &device_code(&started)).await;
    assert_oauth_error(stolen, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(app.device_row(&device_code(&started)).await.3, None);
    let unknown = app.poll(&tv, "not-a-device-code").await;
    assert_oauth_error(unknown, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn an_approved_code_is_invalid_grant_for_another_client() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let other = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let stolen = app.poll(&other, &device_code(&started)).await;
    assert_oauth_error(stolen, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // The rightful device still gets its tokens.
    token_json(app.poll(&tv, &device_code(&started)).await).await;
}

#[tokio::test]
async fn an_approved_device_code_is_refused_by_the_authorization_code_grant() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    // A client registered for both grants, with the device grant's URN as a redirect URI
    // would be refused at registration; it cannot send the URN to match either.
    let both = app
        .register(NewClient {
            name: TV.into(),
            redirect_uris: vec!["https://tv.example/cb".into()],
            grant_types: vec![DEVICE_GRANT.into(), "authorization_code".into()],
            scope: Some(SCOPE.into()),
            ..Default::default()
        })
        .await;
    let started = app.start_device(&both, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let code = device_code(&started);
    for redirect_uri in [None, Some(DEVICE_GRANT)] {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        if let Some(uri) = redirect_uri {
            form.push(("redirect_uri", uri));
        }
        let response = app.post_as("token_endpoint", &both, &form).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    }
}

#[tokio::test]
async fn a_client_not_registered_for_the_device_grant_is_unauthorized_client() {
    let app = TestApp::spawn().await;
    let web = app.web_client("openid profile").await;
    let response = app
        .post_as("device_authorization_endpoint", &web, &[])
        .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
    assert_eq!(app.device_rows_of(&web).await, 0);
    // Nor may it poll.
    let poll = app.poll(&web, "anything").await;
    assert_oauth_error(poll, StatusCode::BAD_REQUEST, "unauthorized_client").await;
}

#[tokio::test]
async fn a_public_client_needs_only_its_client_id() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(true).await;
    assert!(tv.secret.is_empty());
    let started = app.start_device(&tv, Some("openid")).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let tokens = token_json(app.poll(&tv, &device_code(&started)).await).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        app.verify_id_token(&tv, id_token).await["sub"],
        sub.as_str()
    );

    // A secret it does not have is not accepted either.
    let response = app
        .http
        .post(app.endpoint("device_authorization_endpoint").await)
        .form(&[("client_id", tv.id.as_str()), ("client_secret", "guess")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_scope_beyond_the_clients_is_invalid_scope() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    for scope in ["openid roles", "email", "openid \"quoted\""] {
        let response = app
            .post_as("device_authorization_endpoint", &tv, &[("scope", scope)])
            .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
    assert_eq!(app.device_rows_of(&tv).await, 0);
    // Without a scope, everything the client is registered for.
    let started = app.start_device(&tv, None).await;
    let hash = farm_auth::secrets::hash_secret(&device_code(&started));
    let (scope,): (String,) =
        sqlx::query_as("SELECT scope FROM device_authorizations WHERE device_code_hash = $1")
            .bind(hash)
            .fetch_one(&app.sql().await)
            .await
            .unwrap();
    assert_eq!(scope, SCOPE);
}

#[tokio::test]
async fn malformed_input_gets_rfc_errors_and_never_a_500() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    let endpoint = app.endpoint("device_authorization_endpoint").await;
    let token = app.endpoint("token_endpoint").await;
    let send = |url: &str, body: Vec<u8>, content_type: &str| {
        app.http
            .post(url)
            .basic_auth(&tv.id, Some(&tv.secret))
            .header("content-type", content_type.to_string())
            .body(body)
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(&str, Vec<u8>, &str, StatusCode, &str)> = vec![
        (
            &endpoint,
            b"{\"scope\":\"openid\"}".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &endpoint,
            b"scope=openid&scope=profile".to_vec(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &endpoint,
            b"scope=%FF%FE%00".to_vec(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            &endpoint,
            b"scope=\xff\xfe".to_vec(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            &endpoint,
            format!("scope={}", "a".repeat(20_000)).into_bytes(),
            form,
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}&device_code=a&device_code=b").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}&device_code={}", "x".repeat(5000)).into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}&device_code=%00%FF%C3").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (
            &token,
            [
                format!("grant_type={DEVICE_GRANT}&device_code=").as_bytes(),
                b"\xff\x00",
            ]
            .concat(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
    ];
    for (url, body, content_type, status, error) in cases {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(60)
            .collect::<String>();
        let response = send(url, body, content_type).await.unwrap();
        assert_eq!(response.status(), status, "{url} {shown}");
        assert_oauth_error(response, status, error).await;
    }
    // No client authentication at all, or a client id PostgreSQL text cannot hold.
    for body in ["scope=openid", "client_id=%00"] {
        let response = app
            .http
            .post(&endpoint)
            .header("content-type", form)
            .body(body)
            .send();
        let response = response.await.unwrap();
        assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    }
    assert_eq!(app.device_rows_of(&tv).await, 0);

    // The page: whatever is typed or put in the query, a page and never a 500.
    app.person("ada", Role::Consumer).await;
    let agent = signed_in_at_device(&app, "ada").await;
    for query in [
        "user_code=%FF%00",
        "user_code=%3Cscript%3E",
        "user_code=&user_code=x",
        "%%%",
    ] {
        let response = agent.get(&format!("/device?{query}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>"), "{body}");
    }
    for typed in ["\u{0}\u{ffff}", &"B".repeat(10_000), "<b>BCDF</b>"] {
        let (_, _, body) = enter_code(&agent, typed).await.page_at("/device");
        assert!(body.contains(INVALID_CODE), "{body}");
        assert!(!body.contains("<b>BCDF"), "the typed text is escaped");
    }
}

#[tokio::test]
async fn a_code_typed_in_lowercase_with_spaces_is_found() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let typed = user_code(&started).to_lowercase().replace('-', " ");
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &format!("  {typed} ")).await;
    let (_, _, body) = confirm.page_at("/device/confirm");
    assert!(body.contains(&user_code(&started)), "{body}");
}

#[tokio::test]
async fn guessing_user_codes_is_throttled_and_the_real_code_waits_for_the_lock_to_end() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let real = user_code(&started);
    // Wrong codes of the right shape: the real one with its last letter changed.
    let wrong = |i: usize| {
        let last = ["B", "C", "D", "F", "G", "H"]
            .into_iter()
            .filter(|l| !real.ends_with(l))
            .nth(i)
            .unwrap();
        format!("{}{last}", &real[..8])
    };
    let agent = signed_in_at_device(&app, "ada").await;
    for i in 0..5 {
        let (_, _, body) = enter_code(&agent, &wrong(i)).await.page_at("/device");
        assert!(body.contains(INVALID_CODE), "guess {i}: {body}");
    }
    // The fifth failure earned a lock: even the real code is refused, unchecked.
    let (_, _, body) = enter_code(&agent, &real).await.page_at("/device");
    assert!(body.contains("Too many codes that did not work."), "{body}");
    assert!(!body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
    assert_eq!(app.grants_of(&tv).await, 0);
    let rejected = app.events(&sub, "device.code_rejected").await;
    let outcomes: Vec<&str> = rejected.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "failure").count(), 5);
    assert_eq!(outcomes.iter().filter(|o| **o == "locked").count(), 1);

    // After the lock (30 s), the real code works, and still forgives nothing: the next
    // wrong guess locks again at once.
    app.clock.advance(31);
    enter_code(&agent, &real).await.page_at("/device/confirm");
    app.clock.advance(1);
    enter_code(&agent, &wrong(0)).await.page_at("/device");
    let (_, _, body) = enter_code(&agent, &real).await.page_at("/device");
    assert!(body.contains("Too many codes that did not work."), "{body}");
}

#[tokio::test]
async fn a_decision_cannot_be_replayed() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let (_, _, confirm) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device/confirm");
    let allowed = agent
        .submit(&confirm, "/device/confirm", &[("decision", "allow")])
        .await;
    allowed.page();

    // The same form again, allowing or denying: refused, nothing changes.
    for decision in ["allow", "deny"] {
        let again = agent
            .submit(&confirm, "/device/confirm", &[("decision", decision)])
            .await;
        let (_, _, body) = again.page_at("/device");
        assert!(body.contains(INVALID_CODE), "{body}");
    }
    // Nor can the code be entered again.
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device");
    assert!(body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "approved");
    assert_eq!(app.grants_of(&tv).await, 1);
    assert_eq!(app.events(&sub, "device.approved").await.len(), 1);
    assert!(app.events(&sub, "device.denied").await.is_empty());
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;

    let code = user_code(&started);
    let forged = agent.post("/device", &[("user_code", code.as_str())]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let forged = agent
        .post(
            "/device",
            &[("user_code", code.as_str()), ("csrf_token", "guess")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Found honestly, then a forged decision.
    enter_code(&agent, &code).await.page_at("/device/confirm");
    let forged = agent
        .post("/device/confirm", &[("decision", "allow")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
    assert_eq!(app.grants_of(&tv).await, 0);
    let still = app.poll(&tv, &device_code(&started)).await;
    assert_oauth_error(still, StatusCode::BAD_REQUEST, "authorization_pending").await;
}

#[tokio::test]
async fn someone_not_signed_in_is_sent_to_sign_in_and_brought_back_with_the_code() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let code = user_code(&started);
    let agent = UserAgent::new(&app);

    // verification_uri_complete, as a phone's camera would open it.
    let complete = started["verification_uri_complete"].as_str().unwrap();
    let response = agent.get(complete).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
    let landing = agent.follow(response).await;
    let response = {
        let (path, _, body) = landing.page();
        assert_eq!(path, "/login");
        let fields = crate::user_agent::hidden_fields(&body, "/login");
        let mut form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        form.extend([("username", "ada"), ("password", PASSWORD)]);
        agent.post("/login", &form).await
    };
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = format!("/device?user_code={code}");
    assert_eq!(response.headers()["location"], back.as_str());
    let (_, _, body) = agent.follow(response).await.page_at("/device");
    assert!(
        body.contains(&format!("value=\"{code}\"")),
        "prefilled: {body}"
    );
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");

    // The return path was used up: signing in again, over this sign-in, goes to the account.
    let fields = crate::user_agent::hidden_fields(&body, "/device");
    let csrf = &fields.iter().find(|(n, _)| n == "csrf_token").unwrap().1;
    let form = [
        ("csrf_token", csrf.as_str()),
        ("username", "ada"),
        ("password", PASSWORD),
    ];
    let response = agent.post("/login", &form).await;
    assert_eq!(response.headers()["location"], "/account");

    // A return path kept longer than a quarter of an hour is forgotten.
    let late = UserAgent::new(&app);
    let landing = late.navigate("/device").await;
    app.clock.advance(15 * 60 + 1);
    let (path, _, _) = late.log_in(landing, "ada", PASSWORD).await.page();
    assert_eq!(path, "/account");
}

/// A device app registered by a vendor through RFC 7591, with an initial access token
/// issued (as the command line issues it) for `vendor`: a public client.
async fn vendor_device_client(app: &TestApp, name: &str, vendor: Option<&str>) -> TestClient {
    use farm_auth::accounts::admin::Actor;
    use farm_auth::oauth2::initial_access::{self, Request};

    let issued = initial_access::issue(
        &app.state,
        Actor::CommandLine,
        Request {
            ttl_secs: None,
            uses: Some(1),
            vendor: vendor.map(str::to_string),
            own_company: false,
        },
    )
    .await
    .expect("token issued");
    let response = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .bearer_auth(&issued.token)
        .json(&serde_json::json!({
            "client_name": name,
            "grant_types": [DEVICE_GRANT],
            "token_endpoint_auth_method": "none",
            "scope": "openid profile",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let info: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{info}");
    assert!(info.get("client_secret").is_none(), "{info}");
    TestClient {
        id: info["client_id"].as_str().unwrap().into(),
        secret: String::new(),
    }
}

/// The confirmation page `username` sees for a fresh device request of `client`, and the
/// browser on it.
async fn confirmation_page(
    app: &TestApp,
    client: &TestClient,
    username: &str,
) -> (UserAgent, Value, String) {
    let started = app.start_device(client, Some("openid profile")).await;
    let agent = signed_in_at_device(app, username).await;
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device/confirm");
    (agent, started, body)
}

#[tokio::test]
async fn the_confirmation_page_says_a_vendors_app_is_made_by_the_vendor() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = vendor_device_client(&app, "Acme Screen", Some("Acme Screens Ltd")).await;

    let (agent, started, body) = confirmation_page(&app, &tv, "ada").await;
    assert!(body.contains("Acme Screen"), "{body}");
    assert!(body.contains("class=\"vendor-note\""), "{body}");
    assert!(
        body.contains(
            "<strong>Acme Screen</strong> is made by <strong>Acme Screens Ltd</strong>, an outside vendor, not by Not Far(m) From Home."
        ),
        "{body}"
    );
    assert!(!body.contains("an outside developer"), "{body}");
    // The code to compare is still there, and the vendor's app works like any other.
    assert!(body.contains(&user_code(&started)), "{body}");
    let confirm = Landing::Page {
        path: "/device/confirm".into(),
        status: StatusCode::OK,
        body,
    };
    decide(&agent, confirm, "allow").await.page();
    let tokens = token_json(app.poll(&tv, &device_code(&started)).await).await;
    assert_eq!(tokens["scope"], "openid profile");
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        app.verify_id_token(&tv, id_token).await["sub"],
        sub.as_str()
    );
}

#[tokio::test]
async fn an_unnamed_vendor_is_an_outside_developer_and_a_name_is_shown_escaped() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let unnamed = vendor_device_client(&app, "Garage Box", None).await;
    let (_, _, body) = confirmation_page(&app, &unnamed, "ada").await;
    assert!(
        body.contains("<strong>Garage Box</strong> is made by an outside developer"),
        "{body}"
    );
    assert!(!body.contains("an outside vendor"), "{body}");

    let odd = vendor_device_client(&app, "Odd Box", Some("<b>Evil</b> & Co")).await;
    let (_, _, body) = confirmation_page(&app, &odd, "ada").await;
    assert!(body.contains("an outside vendor"), "{body}");
    assert!(!body.contains("<b>Evil</b>"), "unescaped: {body}");
    assert!(
        body.contains("&#60;b&#62;Evil&#60;/b&#62; &#38; Co")
            || body.contains("&lt;b&gt;Evil&lt;/b&gt; &amp; Co"),
        "{body}"
    );
}

#[tokio::test]
async fn the_platforms_own_device_apps_carry_no_vendor_note() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    for public in [false, true] {
        let tv = app.device_client(public).await;
        let (_, _, body) = confirmation_page(&app, &tv, "ada").await;
        assert!(body.contains(TV), "{body}");
        assert!(!body.contains("vendor-note"), "{body}");
        assert!(!body.contains("is made by"), "{body}");
        assert!(!body.contains("outside"), "{body}");
    }
}
