//! The ID token is checked against the provider's own keys: one signed with another
//! provider's key, or altered after signing, signs no one in. The provider here is a front
//! (a discovery document and a token endpoint) handing the downstream an ID token that a
//! real farm-auth, spawned with the front's URL as its issuer, issued for the right client
//! and `nonce`: only the keys the front publishes, or the token's bytes, differ.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::*;
use crate::support::{Options, TestClient, code_from, token_json};

const SCOPE: &str = "openid email";

/// What the front publishes and answers: its JWKS URL, and the ID token of its token endpoint.
#[derive(Clone, Default)]
struct Served(Arc<Mutex<(String, String)>>);

async fn front(listener: TcpListener, served: Served) {
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let discovery = {
        let served = served.clone();
        move || async move {
            Json(json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/authorize"),
                "token_endpoint": format!("{issuer}/token"),
                "jwks_uri": served.0.lock().unwrap().0.clone(),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }))
        }
    };
    let token = move || async move {
        let id_token = served.0.lock().unwrap().1.clone();
        Json(
            json!({"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": id_token}),
        )
    };
    let app = axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/token", post(token));
    axum::serve(listener, app).await.unwrap();
}

struct Setup {
    down: TestApp,
    issuer: TestApp,
    client: TestClient,
    served: Served,
}

async fn set_up() -> Setup {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front_url = format!("http://{}", listener.local_addr().unwrap());
    let served = Served::default();
    tokio::spawn(front(listener, served.clone()));
    let issuer = TestApp::spawn_with(Options {
        issuer: Some(front_url.clone()),
        ..Options::default()
    })
    .await;
    let carol = issuer.person(CAROL, Role::Consumer).await;
    let confirmed = (issuer.store).set_email_verified(&carol, CAROL_EMAIL, issuer.clock.now());
    assert!(confirmed.await.unwrap());
    let client = issuer.web_client(SCOPE).await;
    let down = TestApp::spawn().await;
    let new = NewUpstream {
        id: "front".into(),
        label: "Front".into(),
        issuer: front_url,
        client_id: client.id.clone(),
        client_secret: client.secret.clone(),
        scopes: Some(SCOPE.into()),
        trust_mfa: false,
    };
    upstream::create(&down.state, Actor::CommandLine, new)
        .await
        .unwrap();
    Setup {
        down,
        issuer,
        client,
        served,
    }
}

/// A downstream sign-in whose ID token is what `forge` makes of a real one (for the right
/// client and nonce), checked against the keys at `jwks_uri`: where the browser lands.
async fn attempt(setup: &Setup, jwks_uri: String, forge: fn(String) -> String) -> Landing {
    // A fresh discovery for every attempt.
    setup.down.clock.advance(600);
    setup.served.0.lock().unwrap().0 = jwks_uri;
    let agent = UserAgent::new(&setup.down);
    let there = agent.navigate("/login/upstream/front").await.client();
    let state = Landing::param(&there, "state").unwrap();
    let nonce = Landing::param(&there, "nonce").unwrap();
    let at_issuer = UserAgent::new(&setup.issuer);
    let url = setup
        .issuer
        .authorize_url(&setup.client, SCOPE, &[("nonce", &nonce)]);
    let landing = at_issuer.navigate(&url).await;
    let back = match at_issuer.log_in(landing, CAROL, PASSWORD).await {
        Landing::Client(url) => url,
        page => at_issuer.consent(page, "allow").await.client(),
    };
    let code = code_from(&setup.issuer, &back);
    let tokens: Value = token_json(setup.issuer.exchange_code(&setup.client, &code).await).await;
    let id_token = forge(tokens["id_token"].as_str().unwrap().to_string());
    setup.served.0.lock().unwrap().1 = id_token;
    let callback = format!("/login/upstream/callback?code=c&state={state}");
    agent.navigate(&callback).await
}

/// The token with its `sub` changed after signing.
fn altered(token: String) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "someone-else".into();
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

fn assert_refused(landing: Landing) {
    let (_, status, page) = landing.page();
    assert_eq!(status.as_u16(), 400, "{page}");
    assert!(page.contains("could not be checked"), "{page}");
}

#[tokio::test]
async fn an_id_token_not_signed_with_the_providers_keys_or_altered_is_refused() {
    let setup = set_up().await;
    let own_keys = setup.issuer.endpoint("jwks_uri").await;
    // The same token, checked against the keys of another provider.
    let other = TestApp::spawn().await;
    let foreign_keys = other.endpoint("jwks_uri").await;
    assert_refused(attempt(&setup, foreign_keys, |t| t).await);
    assert_refused(attempt(&setup, own_keys.clone(), altered).await);
    // The control: untouched, against its own keys, it is accepted (a first sign-in).
    let (path, _, page) = attempt(&setup, own_keys, |t| t).await.page();
    assert_eq!(path, "/login/upstream/signup", "{page}");
}

/// Refused answers are in the trail, aggregated: one row per provider, address and hour,
/// counting them, so a stranger repeating forged callbacks cannot grow the trail.
#[tokio::test]
async fn refused_answers_share_one_row_of_the_trail_per_hour() {
    let setup = set_up().await;
    let own_keys = setup.issuer.endpoint("jwks_uri").await;
    for _ in 0..4 {
        assert_refused(attempt(&setup, own_keys.clone(), altered).await);
    }
    let rows = setup.down.trail("login.upstream").await;
    // Four attempts 600 s apart fall in one or two hour-long windows.
    assert!(matches!(rows.len(), 1 | 2), "{rows:?}");
    assert_eq!(rows.iter().map(|r| r.repeats).sum::<i64>(), 4, "{rows:?}");
    for row in &rows {
        assert_eq!(row.outcome, "failure");
        assert_eq!(
            row.detail.as_deref(),
            Some("provider front: its answer did not verify")
        );
        assert_eq!(row.user_id, None);
    }
}

/// Refused answers from one network are counted: after ten in an hour, a callback from it
/// is answered 429 without asking the provider (decision 160).
#[tokio::test]
async fn refused_answers_lock_the_callback_for_the_network() {
    let setup = set_up().await;
    let own_keys = setup.issuer.endpoint("jwks_uri").await;
    // The front now serves an altered token to every exchange.
    assert_refused(attempt(&setup, own_keys, altered).await);
    let agent = UserAgent::new(&setup.down);
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let there = agent.navigate("/login/upstream/front").await.client();
        let state = Landing::param(&there, "state").unwrap();
        let callback = format!("/login/upstream/callback?code=c&state={state}");
        let (_, status, _) = agent.navigate(&callback).await.page();
        statuses.push(status.as_u16());
    }
    // One refused before the loop: nine more are let through, then the lock.
    assert_eq!(&statuses[..9], &[400; 9], "{statuses:?}");
    assert_eq!(statuses[9], 429, "{statuses:?}");
}
