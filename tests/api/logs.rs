//! No secret, password or token ever reaches the logs, even at debug level.

use reqwest::StatusCode;

use crate::support::{TestApp, TestClient, captured_logs};

#[tokio::test]
async fn secrets_and_tokens_never_reach_the_logs() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    app.introspect(&bot, &token).await;
    assert_eq!(app.revoke(&bot, &token).await.status(), StatusCode::OK);
    let wrong = TestClient {
        id: bot.id.clone(),
        secret: "wrong-secret-4d1f9a".into(),
    };
    let refused = app.client_credentials(&wrong, None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .http
        .get(app.url("/healthz?token=query-secret-77ab"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A farm invitation's token travels in the path of its link: the route is logged.
    let invitation = "invitation-secret-5c3e8d0f";
    let response = app
        .http
        .get(app.url(&format!("/farms/invitations/{invitation}")))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error() || response.status().is_success());

    let logs = captured_logs();
    assert!(
        logs.contains("/oauth2/token"),
        "the capture works and requests are logged by path"
    );
    for secret in [
        bot.secret.as_str(),
        token.as_str(),
        "wrong-secret-4d1f9a",
        "query-secret-77ab",
        "invitation-secret-5c3e8d0f",
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
    // The signature part alone must not appear either (a token split across fields).
    let signature = token.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature));
}
