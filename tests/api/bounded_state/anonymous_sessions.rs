//! Browser sessions of visitors nobody has signed in: short-lived, capped per address and
//! in size, while a person's sign-in still works (docs/DECISIONS.md §80).

use farm_auth::accounts::users::Role;
use farm_auth::web::session_store::{ANONYMOUS_PER_ADDRESS, ANONYMOUS_TTL_SECS};
use reqwest::StatusCode;

use super::count;
use crate::support::app::TestApp;
use crate::support::user_agent::{UserAgent, code_from, set_cookie};
use farm_auth::secrets::hash_secret;

const ROWS: &str = "SELECT COUNT(*) FROM browser_sessions";
const BYTES: &str = "SELECT COALESCE(SUM(LENGTH(data)), 0) FROM browser_sessions";
/// The most one anonymous record may hold: the pending requests' budget and the rest.
const MAX_RECORD_BYTES: i64 = 20 * 1024;

/// A cookieless authorization request with the longest parameters the endpoint accepts.
fn long_request(app: &TestApp, client: &crate::support::app::TestClient) -> String {
    let state = "s".repeat(2048);
    let nonce = "n".repeat(512);
    app.authorize_url(
        client,
        "openid profile",
        &[("state", &state), ("nonce", &nonce)],
    )
}

#[tokio::test]
async fn a_flood_of_cookieless_authorization_requests_leaves_a_bounded_number_of_rows_and_bytes() {
    let app = TestApp::spawn().await;
    let client = app.web_client("openid profile").await;
    let url = long_request(&app, &client);
    let flood = 3 * ANONYMOUS_PER_ADDRESS;
    for _ in 0..flood {
        // A new client each time: no cookie, as a bot sends it.
        let answer = app
            .http
            .get(url.replace(&app.issuer, &app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "to the login page");
    }
    let rows = count(&app, ROWS).await;
    assert!(
        rows <= ANONYMOUS_PER_ADDRESS,
        "{flood} requests left {rows} rows"
    );
    let bytes = count(&app, BYTES).await;
    assert!(
        bytes <= ANONYMOUS_PER_ADDRESS * MAX_RECORD_BYTES,
        "{rows} rows hold {bytes} bytes"
    );
}

#[tokio::test]
async fn anonymous_sessions_last_minutes_not_the_idle_lifetime_of_a_sign_in() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        let page = app.http.get(app.url("/login")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
    }
    let now = app.clock.now();
    let latest = count(&app, "SELECT MAX(expires_at) FROM browser_sessions").await;
    assert!(
        latest <= now + ANONYMOUS_TTL_SECS,
        "kept until {latest}, now {now}"
    );
    assert_eq!(count(&app, ROWS).await, 3);

    app.clock.advance(ANONYMOUS_TTL_SECS + 1);
    app.store
        .delete_expired_sessions(app.clock.now())
        .await
        .unwrap();
    assert_eq!(count(&app, ROWS).await, 0, "the sweep took them all");
}

#[tokio::test]
async fn a_person_signs_in_through_the_flow_after_a_flood_from_their_own_address() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let client = app.web_client("openid profile").await;
    app.person("ada", Role::Consumer).await;
    // The person's request is waiting for the password when the flood comes.
    let landing = agent
        .navigate(&app.authorize_url(&client, "openid profile", &[]))
        .await;
    for _ in 0..ANONYMOUS_PER_ADDRESS / 2 {
        app.http.get(app.url("/login")).send().await.unwrap();
    }
    let landing = agent
        .log_in(landing, "ada", crate::support::user_agent::PASSWORD)
        .await;
    let back = agent.consent(landing, "allow").await.client();
    code_from(&app, &back);

    // Signed in, the session is no longer anonymous: kept for the idle lifetime, counted
    // under no address.
    let signed_in = count(
        &app,
        "SELECT COUNT(*) FROM browser_sessions WHERE client_key IS NULL",
    )
    .await;
    assert_eq!(signed_in, 1);
    let until = count(
        &app,
        "SELECT MAX(expires_at) FROM browser_sessions WHERE client_key IS NULL",
    )
    .await;
    assert!(until > app.clock.now() + ANONYMOUS_TTL_SECS);
}

#[tokio::test]
async fn the_oldest_anonymous_sessions_of_an_address_are_evicted_first() {
    let app = TestApp::spawn().await;
    let stored = |response: &reqwest::Response| {
        let (id, _) = set_cookie(response, "farm_auth_session").expect("a session cookie");
        format!(
            "SELECT COUNT(*) FROM browser_sessions WHERE id = '{}'",
            hash_secret(&id)
        )
    };
    let first = app.http.get(app.url("/login")).send().await.unwrap();
    let first = stored(&first);
    let mut last = String::new();
    for _ in 0..ANONYMOUS_PER_ADDRESS {
        app.clock.advance(1);
        last = stored(&app.http.get(app.url("/login")).send().await.unwrap());
    }
    assert_eq!(count(&app, ROWS).await, ANONYMOUS_PER_ADDRESS);
    assert_eq!(count(&app, &first).await, 0, "the oldest went");
    assert_eq!(count(&app, &last).await, 1, "the newest stayed");
}
