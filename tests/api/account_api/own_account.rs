//! A person's own account through the API: reading it with their token, listing their browser
//! sessions and ending one, and never seeing or ending someone else's.

use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::support::{
    PASSWORD, SignIn, TestApp, assert_api_error, assert_no_content, is_signed_in, json_answer,
    sign_in,
};

#[tokio::test]
async fn a_person_reads_their_own_account_with_their_token() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let bob = person(&app, "bob").await;
    let body = json_answer(
        get(&app, "/api/v1/me", Some(&ada.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        body,
        json!({
            "id": ada.id,
            "username": "ada",
            "display_name": null,
            "email": "ada@farm.example",
            "email_verified": false,
            "roles": ["consumer"],
        })
    );
    let body = json_answer(
        get(&app, "/api/v1/me", Some(&bob.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["id"], json!(bob.id));
    assert_eq!(body["username"], json!(bob.username));
    // The `sub` of the token is the account.
    let claims = app.verify_like_a_resource_server(&ada.token).await.unwrap();
    assert_eq!(claims["sub"], json!(ada.id));
}

#[tokio::test]
async fn a_person_lists_their_browser_sessions_and_ends_one() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());
    let before = sessions_of(&app, &ada.token).await;
    assert_eq!(before.len(), 1, "{before:?}");
    let first = &before[0];
    assert_eq!(first["ip"], "127.0.0.1", "{first}");
    assert_eq!(first["amr"], json!(["pwd"]), "{first}");
    let created = first["created_at"].as_i64().unwrap();
    assert!((app.clock.now() - created).abs() <= 5, "{first}");
    assert!(
        first["expires_at"].as_i64().unwrap() > app.clock.now(),
        "{first}"
    );
    let first_id = first["id"].as_str().unwrap().to_string();
    assert!(!first_id.is_empty());

    // A second browser.
    app.clock.advance(5);
    let SignIn {
        agent: laptop,
        path,
        ..
    } = sign_in(&app, "ada", PASSWORD).await;
    assert_eq!(path, "/account");
    let now = sessions_of(&app, &ada.token).await;
    let ids = session_ids(&now);
    assert_eq!(ids.len(), 2, "{now:?}");
    assert_eq!(ids[1], first_id, "newest first: {now:?}");
    let laptop_id = ids[0].clone();

    assert_no_content(delete(&app, &format!("/api/v1/me/sessions/{laptop_id}"), token).await).await;
    assert!(!is_signed_in(&laptop).await);
    assert!(is_signed_in(&ada.agent).await);
    assert_eq!(
        session_ids(&sessions_of(&app, &ada.token).await),
        vec![first_id.clone()]
    );

    // Ended already, never existed, absurd.
    for id in [laptop_id.clone(), "no-such-session".into(), "x".repeat(300)] {
        let response = delete(&app, &format!("/api/v1/me/sessions/{id}"), token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(is_signed_in(&ada.agent).await);

    // Ending the browser the app signed in through signs it out too.
    assert_no_content(delete(&app, &format!("/api/v1/me/sessions/{first_id}"), token).await).await;
    assert!(!is_signed_in(&ada.agent).await);
    assert!(sessions_of(&app, &ada.token).await.is_empty());
}

#[tokio::test]
async fn a_person_cannot_see_or_end_someone_elses_session() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let bob = person(&app, "bob").await;
    let ada_ids = session_ids(&sessions_of(&app, &ada.token).await);
    let bob_ids = session_ids(&sessions_of(&app, &bob.token).await);
    assert_eq!((ada_ids.len(), bob_ids.len()), (1, 1));
    assert_ne!(ada_ids, bob_ids);

    let response = delete(
        &app,
        &format!("/api/v1/me/sessions/{}", bob_ids[0]),
        Some(&ada.token),
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(is_signed_in(&bob.agent).await);
    assert_eq!(session_ids(&sessions_of(&app, &bob.token).await), bob_ids);
    assert!(is_signed_in(&ada.agent).await);

    // Ids no session can have are not found either, on both databases (PostgreSQL text
    // cannot hold a NUL), and end nothing.
    for id in ["a%00b", "%07", &"x".repeat(300)] {
        let response = delete(&app, &format!("/api/v1/me/sessions/{id}"), Some(&ada.token)).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(is_signed_in(&ada.agent).await);
}
