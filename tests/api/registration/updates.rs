//! Updating and deleting a registration (RFC 7592): PUT replaces the metadata (omitted fields
//! go back to defaults, what GET returns can be put back), cannot raise scopes or loosen
//! redirects, keeps a client public or confidential; DELETE removes it and its tokens.

use farm_auth::secrets::hash_secret;
use farm_auth::store::clients::ClientRecord;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    INVENTORY, REDIRECT_URI, TestApp, UserAgent, assert_oauth_error, json_answer,
};

#[tokio::test]
async fn put_replaces_the_metadata_and_omitted_fields_go_back_to_their_defaults() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, Some("Acme")).await;
    let info = registered(
        &app,
        &token,
        &json!({
            "client_name": "Before",
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": ["https://rp.example/signed-out"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_post",
            "scope": "openid email offline_access",
        }),
    )
    .await;
    let client = test_client(&info);
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let before = app.store.find_client(&client.id).await.unwrap().unwrap();

    app.clock.advance(10);
    let new_uri = "https://rp.example/other-callback";
    let body = json!({
        "client_id": client.id,
        "client_name": "After",
        "redirect_uris": [new_uri],
    });
    let response = manage(
        &app,
        Method::PUT,
        &client.id,
        Some(registration_token),
        Some(&body),
    )
    .await;
    let updated = json_answer(response, StatusCode::OK).await;
    assert_eq!(updated["client_id"], client.id.as_str());
    assert_eq!(updated["client_name"], "After");
    assert_eq!(updated["redirect_uris"], json!([new_uri]));
    assert_eq!(updated["post_logout_redirect_uris"], json!([]));
    assert_eq!(updated["grant_types"], json!(["authorization_code"]));
    assert_eq!(updated["response_types"], json!(["code"]));
    assert_eq!(updated["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(updated["scope"], "openid");
    assert_eq!(updated["client_id_issued_at"], info["client_id_issued_at"]);
    assert!(updated.get("client_secret").is_none(), "{updated}");
    // RFC 7592 §3: a new registration token, which replaces the one presented.
    let rotated = new_registration_token(&updated, registration_token);

    // Stored: id, secret, creation and vendor stay; the registration token is the new one.
    let after = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(after.name, "After");
    assert_eq!(after.redirect_uris, vec![new_uri]);
    assert_eq!(after.grant_types, vec!["authorization_code"]);
    assert_eq!(after.token_endpoint_auth_method, "client_secret_basic");
    assert_eq!(after.scope, "openid");
    assert_eq!(after.secret_hash, before.secret_hash);
    assert_eq!(after.created_at, before.created_at);
    assert_eq!(after.vendor.as_deref(), Some("Acme"));
    assert_eq!(
        before.registration_token_hash.as_deref(),
        Some(hash_secret(registration_token).as_str())
    );
    assert_eq!(
        after.registration_token_hash.as_deref(),
        Some(hash_secret(&rotated).as_str())
    );
    assert_eq!(after.updated_at, before.updated_at + 10);
    assert_invalid_token(
        manage(
            &app,
            Method::GET,
            &client.id,
            Some(registration_token),
            None,
        )
        .await,
    )
    .await;

    // The same secret now authenticates with Basic, and no longer in the form.
    let response = app.client_credentials(&client, None).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.id.as_str()),
        ("client_secret", client.secret.as_str()),
    ];
    let response = app.post_form("token_endpoint", None, &form).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    // GET (with the new token) shows the change, and the old redirect URI is no longer the
    // client's.
    let read = json_answer(
        manage(&app, Method::GET, &client.id, Some(&rotated), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["client_name"], "After");
    new_registration_token(&read, &rotated);
    let agent = UserAgent::new(&app);
    let (_, status, _) = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await
        .page();
    assert_eq!(status, StatusCode::BAD_REQUEST, "old redirect URI accepted");
}

#[tokio::test]
async fn what_get_returns_can_be_put_back_unchanged() {
    // What a vendor's tooling does: read the registration, change a field, send it all back
    // (read-only fields included, which the server ignores).
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let web = json!({"client_name": "Round trip", "redirect_uris": [REDIRECT_URI],
           "post_logout_redirect_uris": ["https://rp.example/signed-out"],
           "grant_types": ["authorization_code", "refresh_token"],
           "token_endpoint_auth_method": "client_secret_post",
           "scope": "openid email offline_access"});
    // A machine client keeps the `client_credentials` an administrator granted it.
    let machine = machine_vendor_app(&app, &token, "Round trip bot", "").await;
    for info in [registered(&app, &token, &web).await, machine] {
        let id = info["client_id"].as_str().unwrap();
        let registration_token = info["registration_access_token"].as_str().unwrap();
        let before = app.store.find_client(id).await.unwrap().unwrap();
        let mut read = json_answer(
            manage(&app, Method::GET, id, Some(registration_token), None).await,
            StatusCode::OK,
        )
        .await;
        // The token to use next comes with the answer, and goes back with the rest of it
        // (a read-only field the server ignores).
        let read_token = new_registration_token(&read, registration_token);
        read["client_name"] = json!("Renamed");
        let response = manage(&app, Method::PUT, id, Some(&read_token), Some(&read)).await;
        let mut updated = json_answer(response, StatusCode::OK).await;
        let updated_token = new_registration_token(&updated, &read_token);
        // The same metadata back, with another new token.
        for answer in [&mut updated, &mut read] {
            answer
                .as_object_mut()
                .unwrap()
                .remove("registration_access_token");
        }
        assert_eq!(updated, read);
        let after = app.store.find_client(id).await.unwrap().unwrap();
        assert_eq!(
            after,
            ClientRecord {
                name: "Renamed".into(),
                updated_at: after.updated_at,
                registration_token_hash: Some(hash_secret(&updated_token)),
                ..before
            }
        );
    }
}

#[tokio::test]
async fn put_needs_the_clients_own_id_and_a_secret_it_carries_must_be_the_clients() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let info = registered(&app, &token, &web_app("Mine")).await;
    let other = registered(&app, &token, &web_app("Other")).await;
    let client = test_client(&info);
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let with = |extra: Value| {
        let mut body = web_app("Changed");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let before = snapshot(&app).await;
    for body in [
        with(json!({})),
        with(json!({"client_id": null})),
        with(json!({"client_id": other["client_id"]})),
        with(json!({"client_id": "no-such-client"})),
        with(json!({"client_id": client.id, "client_secret": other["client_secret"]})),
        with(json!({"client_id": client.id, "client_secret": "wrong"})),
        with(json!({"client_id": client.id, "client_secret": 5})),
    ] {
        let response = manage(
            &app,
            Method::PUT,
            &client.id,
            Some(registration_token),
            Some(&body),
        )
        .await;
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        // RFC 7592 §2.2 names no code for this; either of RFC 6749's and RFC 7591's fits.
        assert!(
            answer["error"] == "invalid_request" || answer["error"] == "invalid_client_metadata",
            "{body}: {answer}"
        );
    }
    // Refused, so nothing was rotated either: the token presented still works.
    assert_eq!(snapshot(&app).await, before);

    let body = with(json!({"client_id": client.id, "client_secret": client.secret}));
    let response = manage(
        &app,
        Method::PUT,
        &client.id,
        Some(registration_token),
        Some(&body),
    )
    .await;
    let updated = json_answer(response, StatusCode::OK).await;
    assert_eq!(updated["client_name"], "Changed");
    new_registration_token(&updated, registration_token);
}

#[tokio::test]
async fn put_cannot_raise_scopes_beyond_the_vendor_limits_nor_loosen_redirects() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Climber")).await;
    let id = info["client_id"].as_str().unwrap();
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let before = snapshot(&app).await;
    let body = |scope: &str, uri: &str| {
        json!({"client_id": id, "client_name": "Climber", "redirect_uris": [uri],
               "grant_types": ["authorization_code", "refresh_token"], "scope": scope})
    };
    for scope in ["openid account", "admin", "openid profile orders:write"] {
        let response = manage(
            &app,
            Method::PUT,
            id,
            Some(registration_token),
            Some(&body(scope, REDIRECT_URI)),
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    }
    for uri in ["com.climber.app:/cb", "http://rp.example/cb"] {
        let response = manage(
            &app,
            Method::PUT,
            id,
            Some(registration_token),
            Some(&body("openid", uri)),
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_redirect_uri").await;
    }
    let client_credentials = json!({"client_id": id, "client_name": "Climber",
        "grant_types": ["client_credentials"], "response_types": [], "scope": "account"});
    let response = manage(
        &app,
        Method::PUT,
        id,
        Some(registration_token),
        Some(&client_credentials),
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    // A refused PUT rotates nothing: the stored hash is the presented token's, which still
    // reads the registration.
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(
        stored_registration_token_hash(&app, id).await,
        Some(hash_secret(registration_token))
    );
    let read = json_answer(
        manage(&app, Method::GET, id, Some(registration_token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["scope"], "openid profile offline_access");
}

#[tokio::test]
async fn a_client_stays_public_or_confidential_across_updates() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let public = registered(
        &app,
        &token,
        &json!({"client_name": "Phone", "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "none"}),
    )
    .await;
    let public_id = public["client_id"].as_str().unwrap();
    let public_token = public["registration_access_token"].as_str().unwrap();

    // Leaving the method out keeps it public (no secret appears).
    let body =
        json!({"client_id": public_id, "client_name": "Phone 2", "redirect_uris": [REDIRECT_URI]});
    let response = manage(
        &app,
        Method::PUT,
        public_id,
        Some(public_token),
        Some(&body),
    )
    .await;
    let updated = json_answer(response, StatusCode::OK).await;
    assert_eq!(updated["token_endpoint_auth_method"], "none");
    assert!(updated.get("client_secret").is_none());
    let stored = app.store.find_client(public_id).await.unwrap().unwrap();
    assert_eq!(stored.secret_hash, None);
    assert_eq!(stored.token_endpoint_auth_method, "none");
    // From here on, the token that answer carried (RFC 7592 §3).
    let public_token = new_registration_token(&updated, public_token);
    assert_eq!(
        stored.registration_token_hash,
        Some(hash_secret(&public_token))
    );

    // Asking to become confidential is refused, with the current token (and it stays
    // current: a refused PUT rotates nothing).
    let before = snapshot(&app).await;
    for method in ["client_secret_basic", "client_secret_post"] {
        let body = json!({"client_id": public_id, "client_name": "Phone", "redirect_uris": [REDIRECT_URI],
                          "token_endpoint_auth_method": method});
        let response = manage(
            &app,
            Method::PUT,
            public_id,
            Some(&public_token),
            Some(&body),
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    }

    // And a confidential client cannot become public.
    let confidential = registered(&app, &token, &web_app("Server")).await;
    let id = confidential["client_id"].as_str().unwrap();
    let registration_token = confidential["registration_access_token"].as_str().unwrap();
    let before_confidential = app.store.find_client(id).await.unwrap();
    let body = json!({"client_id": id, "client_name": "Server", "redirect_uris": [REDIRECT_URI],
                      "token_endpoint_auth_method": "none"});
    let response = manage(&app, Method::PUT, id, Some(registration_token), Some(&body)).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(
        app.store.find_client(id).await.unwrap(),
        before_confidential
    );
    assert_eq!(
        app.store.find_client(public_id).await.unwrap().as_ref(),
        before.clients.iter().find(|c| c.client_id == public_id)
    );
    // Both tokens presented to the refused PUTs still work.
    for (id, token) in [(public_id, public_token.as_str()), (id, registration_token)] {
        let response = manage(&app, Method::GET, id, Some(token), None).await;
        let read = json_answer(response, StatusCode::OK).await;
        new_registration_token(&read, token);
    }
}

#[tokio::test]
async fn delete_removes_the_client_and_its_tokens_stop_working() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    // An API opened a scope to vendor apps; its own client introspects (RFC 7662 Â§4).
    let inventory = app
        .api("Inventory", INVENTORY, &[("inventory:read", true)])
        .await;
    let resource_server = inventory.client;
    let info = machine_vendor_app(&app, &token, "Bot", "inventory:read").await;
    let client = test_client(&info);
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let access = app.access_token(&client, None).await;
    assert_eq!(
        app.introspect(&resource_server, &access).await["active"],
        true
    );

    let response = manage(
        &app,
        Method::DELETE,
        &client.id,
        Some(registration_token),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.text().await.unwrap(), "");

    assert_eq!(app.store.find_client(&client.id).await.unwrap(), None);
    assert_eq!(
        app.store.list_clients().await.unwrap().len(),
        1,
        "only the resource server"
    );
    let response = app.client_credentials(&client, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_eq!(
        app.introspect(&resource_server, &access).await,
        json!({"active": false})
    );
    // The registration token went with the client.
    for method in [Method::GET, Method::DELETE] {
        let response = manage(&app, method, &client.id, Some(registration_token), None).await;
        assert_invalid_token(response).await;
    }
    let events = app.store.list_audit_events(None, 50).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "client.deleted" && e.client_id.as_deref() == Some(&client.id)),
        "{events:?}"
    );
}
