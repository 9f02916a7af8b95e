//! The registration access token (RFC 7592): it reads the current registration, every read
//! and update rotates it and old ones manage nothing, racing requests with one token get one
//! answer, and wrong tokens or unknown clients all get the same 401.

use farm_auth::secrets::hash_secret;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{
    REDIRECT_URI, TestApp, assert_challenged_without_error, captured_logs, json_answer,
};

#[tokio::test]
async fn the_registration_access_token_reads_the_current_registration() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Reader")).await;
    let id = info["client_id"].as_str().unwrap();
    let registration_token = info["registration_access_token"].as_str().unwrap();

    // The registration client URI as given, reached at this server.
    let response = app
        .http
        .get(at_server(
            &app,
            info["registration_client_uri"].as_str().unwrap(),
        ))
        .bearer_auth(registration_token)
        .send()
        .await
        .unwrap();
    let read = json_answer(response, StatusCode::OK).await;
    assert!(read.get("client_secret").is_none(), "{read}");
    for field in [
        "client_id",
        "client_id_issued_at",
        "client_name",
        "redirect_uris",
        "post_logout_redirect_uris",
        "grant_types",
        "response_types",
        "token_endpoint_auth_method",
        "scope",
        "registration_client_uri",
    ] {
        assert_eq!(read[field], info[field], "{field}");
    }
    // RFC 7592 §3: the answer carries a new registration access token, and the one
    // presented stops working (§2.1: the client discards it); only the new one's hash is
    // kept.
    let rotated = new_registration_token(&read, registration_token);
    assert_eq!(
        stored_registration_token_hash(&app, id).await,
        Some(hash_secret(&rotated))
    );
    assert_invalid_token(manage(&app, Method::GET, id, Some(registration_token), None).await).await;
    let again = json_answer(
        manage(&app, Method::GET, id, Some(&rotated), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["client_name"], "Reader");
    let newest = new_registration_token(&again, &rotated);
    assert_invalid_token(manage(&app, Method::GET, id, Some(&rotated), None).await).await;
    // The initial access token does not manage the client.
    assert_invalid_token(manage(&app, Method::GET, id, Some(&token), None).await).await;
    assert_eq!(
        stored_registration_token_hash(&app, id).await,
        Some(hash_secret(&newest))
    );
}

#[tokio::test]
async fn every_read_and_update_rotates_the_registration_token_and_old_ones_manage_nothing() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, Some("Acme")).await;
    let info = registered(&app, &token, &web_app("Rotating")).await;
    let id = info["client_id"].as_str().unwrap().to_string();
    let first = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();

    // GET: a new token.
    let read = json_answer(
        manage(&app, Method::GET, &id, Some(&first), None).await,
        StatusCode::OK,
    )
    .await;
    let second = new_registration_token(&read, &first);

    // PUT: a new token again, with the change.
    let mut body = web_app("Rotated");
    body["client_id"] = json!(id);
    let updated = json_answer(
        manage(&app, Method::PUT, &id, Some(&second), Some(&body)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["client_name"], "Rotated");
    let third = new_registration_token(&updated, &second);
    assert_ne!(third, first);
    assert_eq!(
        stored_registration_token_hash(&app, &id).await,
        Some(hash_secret(&third))
    );

    // Every token given out before is spent, for every method, and changes nothing.
    let before = snapshot(&app).await;
    for old in [&first, &second] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let mut hijack = web_app("Hijacked");
            hijack["client_id"] = json!(id);
            let body = (method == Method::PUT).then_some(&hijack);
            let response = manage(&app, method, &id, Some(old), body).await;
            assert_invalid_token(response).await;
        }
    }
    assert_eq!(snapshot(&app).await, before);

    // DELETE with the newest: no token back, and the client is gone.
    let response = manage(&app, Method::DELETE, &id, Some(&third), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.text().await.unwrap(), "");
    assert_eq!(app.store.find_client(&id).await.unwrap(), None);
    assert_invalid_token(manage(&app, Method::GET, &id, Some(&third), None).await).await;

    // No registration token, old or new, reaches the trail or the logs.
    let events = format!(
        "{:?}",
        app.store.list_audit_events(None, 100).await.unwrap()
    );
    let logs = captured_logs();
    for secret in [&first, &second, &third] {
        assert!(!events.contains(secret.as_str()), "a token in the trail");
        assert!(!logs.contains(secret.as_str()), "a token reached the logs");
    }
}

#[tokio::test]
async fn two_requests_racing_with_one_registration_token_get_one_answer_and_one_401() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Racer")).await;
    let id = info["client_id"].as_str().unwrap().to_string();
    let mut presented = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            manage(&app, Method::GET, &id, Some(&presented), None),
            manage(&app, Method::GET, &id, Some(&presented), None),
        );
        let mut answers = Vec::new();
        let mut refused = 0;
        for response in [a, b] {
            match response.status() {
                StatusCode::OK => answers.push(json_answer(response, StatusCode::OK).await),
                _ => {
                    assert_invalid_token(response).await;
                    refused += 1;
                }
            }
        }
        assert_eq!((answers.len(), refused), (1, 1), "{answers:?}");
        // The winner's token is the client's; the presented one is spent.
        let winner = new_registration_token(&answers[0], &presented);
        assert_eq!(
            stored_registration_token_hash(&app, &id).await,
            Some(hash_secret(&winner))
        );
        assert_invalid_token(manage(&app, Method::GET, &id, Some(&presented), None).await).await;
        presented = winner;
    }
}

#[tokio::test]
async fn two_updates_racing_with_one_registration_token_store_only_the_winners_change() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Racer")).await;
    let id = info["client_id"].as_str().unwrap().to_string();
    let mut presented = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for round in 0..10 {
        let body = |name: &str| {
            json!({"client_id": id, "client_name": name,
                   "redirect_uris": ["https://racer.example/cb"]})
        };
        let (left, right) = (
            body(&format!("Left {round}")),
            body(&format!("Right {round}")),
        );
        let (a, b) = tokio::join!(
            manage(&app, Method::PUT, &id, Some(&presented), Some(&left)),
            manage(&app, Method::PUT, &id, Some(&presented), Some(&right)),
        );
        let mut winners = Vec::new();
        for response in [a, b] {
            match response.status() {
                StatusCode::OK => winners.push(json_answer(response, StatusCode::OK).await),
                _ => {
                    assert_invalid_token(response).await;
                }
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        let winner = &winners[0];
        // What is stored is the winner's change, never the refused one's.
        let stored = app.store.find_client(&id).await.unwrap().unwrap();
        assert_eq!(stored.name, winner["client_name"].as_str().unwrap());
        presented = new_registration_token(winner, &presented);
    }
}

#[tokio::test]
async fn wrong_tokens_and_unknown_clients_all_get_the_same_401() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let mine = registered(&app, &token, &web_app("Mine")).await;
    let theirs = registered(&app, &token, &web_app("Theirs")).await;
    let platform = app.web_client("openid").await;
    let id = mine["client_id"].as_str().unwrap();
    let my_token = mine["registration_access_token"].as_str().unwrap();
    let their_id = theirs["client_id"].as_str().unwrap();
    let their_token = theirs["registration_access_token"].as_str().unwrap();
    let my_secret = mine["client_secret"].as_str().unwrap();
    let before = snapshot(&app).await;

    let long_id = "a".repeat(300);
    let cases: Vec<(&str, &str)> = vec![
        // Another client's registration token, a made-up one, the client secret, the
        // initial access token; an unknown client; the platform's own client, which has
        // no registration token; an id too long to be one.
        (id, their_token),
        (their_id, my_token),
        (id, "wrong"),
        (id, my_secret),
        (id, token.as_str()),
        ("no-such-client", my_token),
        (platform.id.as_str(), my_token),
        (platform.id.as_str(), platform.secret.as_str()),
        (long_id.as_str(), my_token),
    ];
    let mut answers = Vec::new();
    for (client_id, bearer) in cases {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let body = json!({"client_id": client_id, "client_name": "Hijacked",
                              "redirect_uris": [REDIRECT_URI]});
            let body = (method == Method::PUT).then_some(&body);
            let response = manage(&app, method.clone(), client_id, Some(bearer), body).await;
            answers.push(assert_invalid_token(response).await);
        }
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "answers differ: {answers:?}"
    );
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        assert_challenged_without_error(manage(&app, method, id, None, None).await, "manage").await;
    }
    assert_eq!(snapshot(&app).await, before);
}
