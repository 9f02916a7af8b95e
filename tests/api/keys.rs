//! Signing keys: two-phase rotation (a new key is published first and signs only once
//! verifiers can have fetched it), old public keys published until every token they signed
//! has expired, and revocation of a compromised key at once.

use std::time::Duration;

use crate::support::{
    Landing, Options, TestApp, UserAgent, assert_one_line_error, code_from, eventually, operator,
    published_kids, stdout_json, token_json,
};
use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::users::Role;
use farm_auth::keys::{self, JWKS_MAX_AGE_SECS};
use farm_auth::oauth2::operator as admin_ops;
use reqwest::StatusCode;

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn refreshing_app() -> TestApp {
    TestApp::spawn_with(Options {
        key_refresh_secs: Some(1),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn a_rotated_key_is_published_at_once_and_signs_only_after_the_jwks_cache_lifetime() {
    let app = refreshing_app().await;
    let bot = app.machine_client("orders:read").await;
    let old_kid = kid_of(&app.access_token(&bot, None).await);
    let jwks = app.http.get(app.url("/oauth2/jwks")).send().await.unwrap();
    let cache_control = jwks.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cache_control.contains(&format!("max-age={JWKS_MAX_AGE_SECS}")),
        "{cache_control}"
    );

    let rotation = keys::rotate(&app.state).await.unwrap();
    assert_ne!(rotation.kid, old_kid);
    // The JWKS cache lifetime plus the key refresh interval (1 s here).
    assert_eq!(
        rotation.activates_at,
        app.clock.now() + JWKS_MAX_AGE_SECS + 1
    );
    assert!(
        eventually(5, || async {
            published_kids(&app).await == vec![rotation.kid.clone(), old_kid.clone()]
        })
        .await,
        "both keys are published, the next one first"
    );
    assert_eq!(kid_of(&app.access_token(&bot, None).await), old_kid);
    app.clock
        .advance(rotation.activates_at - app.clock.now() - 1);
    assert_eq!(
        kid_of(&app.access_token(&bot, None).await),
        old_kid,
        "one second before its activation the old key still signs"
    );
    app.clock.advance(1);
    let new_token = app.access_token(&bot, None).await;
    assert_eq!(kid_of(&new_token), rotation.kid);
    app.verify_like_a_resource_server(&new_token)
        .await
        .expect("the new token verifies against the JWKS");
}

#[tokio::test]
async fn after_a_rotation_old_tokens_verify_until_they_expire() {
    let app = refreshing_app().await;
    let bot = app.machine_client("orders:read").await;
    let old_token = app.access_token(&bot, None).await;
    let old_kid = kid_of(&old_token);

    let rotation = keys::rotate(&app.state).await.unwrap();
    app.state.keys.refresh().await.unwrap();
    app.clock.advance(rotation.activates_at - app.clock.now());
    let new_kid = rotation.kid;
    assert_eq!(kid_of(&app.access_token(&bot, None).await), new_kid);
    assert_eq!(published_kids(&app).await, vec![new_kid.clone(), old_kid]);
    app.verify_like_a_resource_server(&old_token)
        .await
        .expect("old token still verifies");
    assert_eq!(app.introspect(&bot, &old_token).await["active"], true);

    // The old key stopped signing at the new key's activation. Once every token it signed
    // has expired (the longer of the access token TTL, 900 s, and the ID token's hour, which
    // id_token_hint relies on; + refresh 1 s + 60 s of clock skew), it leaves the JWKS.
    app.clock.advance(3660);
    tokio::time::sleep(Duration::from_millis(1100)).await; // a refresh has run
    assert_eq!(
        published_kids(&app).await.len(),
        2,
        "still published at 3660 s"
    );
    app.clock.advance(1);
    assert!(
        eventually(5, || async {
            published_kids(&app).await == vec![new_kid.clone()]
        })
        .await
    );
    assert_eq!(
        app.store
            .delete_expired_signing_keys(app.clock.now())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_server_keeps_old_keys_for_its_own_token_lifetime_whoever_rotates() {
    let options = Options {
        key_refresh_secs: Some(1),
        access_token_ttl: Some(3600),
        ..Default::default()
    };
    let app = TestApp::spawn_with(options).await;
    let old_kid = published_kids(&app).await[0].clone();
    // Rotated by the CLI, which knows nothing of the server's one-hour tokens.
    let rotation = keys::rotate(&app.state).await.unwrap();
    let new_kid = rotation.kid;
    assert!(eventually(5, || async { published_kids(&app).await.len() == 2 }).await);
    app.clock
        .advance(rotation.activates_at - app.clock.now() + 3600);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(published_kids(&app).await, vec![new_kid.clone(), old_kid]);
    app.clock.advance(61);
    assert!(
        eventually(5, || async {
            published_kids(&app).await == vec![new_kid.clone()]
        })
        .await
    );
}

#[tokio::test]
async fn a_restart_keeps_the_same_signing_key() {
    let first = TestApp::spawn().await;
    let kids = published_kids(&first).await;
    let database = first.database.clone();
    drop(first);
    let second = TestApp::spawn_with(Options {
        database: Some(database),
        ..Default::default()
    })
    .await;
    assert_eq!(published_kids(&second).await, kids);
}

#[tokio::test]
async fn a_server_whose_active_key_was_withdrawn_makes_a_new_one_at_its_next_refresh() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let old_kid = kid_of(&app.access_token(&bot, None).await);

    // An operator withdraws every key by hand, say after a compromise.
    let pool = sqlx::AnyPool::connect(&app.database.url).await.unwrap();
    sqlx::query("DELETE FROM signing_keys")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    assert!(
        app.state.keys.refresh().await.unwrap(),
        "the key set changed"
    );
    let new_kid = kid_of(&app.access_token(&bot, None).await);
    assert_ne!(new_kid, old_kid, "tokens are signed with a new key");
    assert_eq!(
        published_kids(&app).await,
        vec![new_kid],
        "only the new key is published"
    );
}

/// `ada`'s access token from a web client (sign-in, consent, code exchange).
async fn person_token(app: &TestApp) -> String {
    app.person("ada", Role::Farmer).await;
    let client = app.web_client("openid profile").await;
    let agent = UserAgent::new(app);
    let landing: Landing = agent
        .navigate(&app.authorize_url(&client, "openid profile", &[]))
        .await;
    let landing = agent.log_in(landing, "ada", crate::support::PASSWORD).await;
    let back = agent.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(app, &back)).await).await;
    tokens["access_token"].as_str().unwrap().to_string()
}

async fn userinfo_status(app: &TestApp, token: &str) -> StatusCode {
    let url = app.endpoint("userinfo_endpoint").await;
    app.http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_key_revoked_on_the_command_line_is_withdrawn_everywhere_and_its_tokens_refused() {
    let app = refreshing_app().await;
    let bot = app.machine_client("orders:read").await;
    let machine_token = app.access_token(&bot, None).await;
    let person_token = person_token(&app).await;
    let old_kid = kid_of(&machine_token);
    // Verified once, so the server remembers the signature as checked.
    assert_eq!(app.introspect(&bot, &machine_token).await["active"], true);
    assert_eq!(userinfo_status(&app, &person_token).await, StatusCode::OK);

    let output = operator(&app, &["keys", "revoke", &old_kid, "--json"]);
    let printed = stdout_json(&output);
    assert_eq!(printed["revoked"], old_kid.as_str());
    let next_kid = printed["signing_kid"]
        .as_str()
        .expect("a successor")
        .to_string();
    assert_ne!(next_kid, old_kid);

    // The server learns of it at its next key refresh (1 s here), without a restart.
    assert!(
        eventually(5, || async {
            published_kids(&app).await == vec![next_kid.clone()]
        })
        .await,
        "only the new key is published"
    );
    assert_eq!(app.introspect(&bot, &machine_token).await["active"], false);
    assert_eq!(
        userinfo_status(&app, &person_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.verify_like_a_resource_server(&machine_token)
            .await
            .is_err()
    );
    // The next key signs at once: a verifier refreshes its JWKS on the unknown kid.
    let new_token = app.access_token(&bot, None).await;
    assert_eq!(kid_of(&new_token), next_kid);
    app.verify_like_a_resource_server(&new_token).await.unwrap();
    assert_eq!(app.introspect(&bot, &new_token).await["active"], true);

    let events = app
        .store
        .search_audit_events(
            &farm_auth::store::audit::AuditFilter {
                event: Some("keys.revoked"),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        events[0].detail.as_deref().unwrap().contains(&old_kid),
        "{:?}",
        events[0].detail
    );
}

#[tokio::test]
async fn revoking_the_signing_key_during_a_rotation_makes_the_next_key_sign_at_once() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let old_kid = kid_of(&app.access_token(&bot, None).await);
    let rotation = keys::rotate(&app.state).await.unwrap();

    let next = admin_ops::revoke_key(&app.state, Actor::CommandLine, &old_kid)
        .await
        .unwrap();
    assert_eq!(next.as_deref(), Some(rotation.kid.as_str()));
    assert_eq!(kid_of(&app.access_token(&bot, None).await), rotation.kid);
    assert_eq!(published_kids(&app).await, vec![rotation.kid.clone()]);
}

#[tokio::test]
async fn revoking_a_key_waiting_for_its_turn_leaves_the_current_key_signing() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let old_kid = kid_of(&app.access_token(&bot, None).await);
    let rotation = keys::rotate(&app.state).await.unwrap();

    let next = admin_ops::revoke_key(&app.state, Actor::CommandLine, &rotation.kid)
        .await
        .unwrap();
    assert_eq!(next, None, "the signing key did not change");
    assert_eq!(published_kids(&app).await, vec![old_kid.clone()]);
    app.clock
        .advance(rotation.activates_at - app.clock.now() + 10);
    assert_eq!(
        kid_of(&app.access_token(&bot, None).await),
        old_kid,
        "the old key goes on signing past the withdrawn key's activation"
    );
    // And a later rotation works as usual.
    let later = keys::rotate(&app.state).await.unwrap();
    app.state.keys.refresh().await.unwrap();
    app.clock.advance(later.activates_at - app.clock.now());
    assert_eq!(kid_of(&app.access_token(&bot, None).await), later.kid);
}

#[tokio::test]
async fn revoking_an_unknown_kid_is_a_one_line_error() {
    let app = TestApp::spawn().await;
    let output = operator(&app, &["keys", "revoke", "no-such-kid"]);
    assert_one_line_error(&output, "no-such-kid");
}
