//! Apps in the console: a confidential app's secret is shown once and works, a public app has
//! none, a bad redirect URI stores nothing, edits, secret rotation and deletion with the name
//! typed.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use super::*;
use crate::support::{TestApp, TestClient, UserAgent, assert_oauth_error};

#[tokio::test]
async fn a_confidential_app_is_registered_and_its_secret_is_shown_once_and_works() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let (_, status, page) = register_app(
        &olga,
        &[
            ("name", "Stock Sync"),
            ("kind", "client_secret_basic"),
            ("grant_client_credentials", "on"),
            ("scope", "orders:read"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("App registered: Stock Sync"), "{page}");
    let id = code(&page, "uri").expect("the client id");
    let secret = code(&page, "secret").expect("the secret, this once");
    assert!(secret.len() >= 32, "{secret}");

    let record = app.store.find_client(&id).await.unwrap().expect("stored");
    assert_eq!(record.name, "Stock Sync");
    assert_eq!(record.token_endpoint_auth_method, "client_secret_basic");
    assert_eq!(record.grant_types, vec!["client_credentials"]);
    let hash = record.secret_hash.expect("a secret hash");
    assert!(!hash.contains(&secret), "the secret is stored in clear");

    let client = TestClient {
        id: id.clone(),
        secret: secret.clone(),
    };
    let token = app.access_token(&client, Some("orders:read")).await;
    let claims = app.verify_like_a_resource_server(&token).await.unwrap();
    assert_eq!(claims["client_id"], id.as_str(), "{claims}");

    // Never shown again.
    for path in ["/admin/clients".to_string(), format!("/admin/clients/{id}")] {
        let page = open(&olga, &path).await;
        assert!(page.contains("Stock Sync"), "{path}");
        assert!(!page.contains(&secret), "{path} shows the secret");
    }
    let created = events(&app, "client.created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].client_id.as_deref(), Some(id.as_str()));
    assert_eq!(created[0].actor_id.as_deref(), Some(olga_id.as_str()));
}

#[tokio::test]
async fn a_public_app_is_registered_without_a_secret() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let (_, status, page) = register_app(
        &olga,
        &[
            ("name", "Farm Phone"),
            ("kind", "none"),
            ("redirect_uris", "https://phone.example/cb\r\n\r\n  "),
            ("grant_authorization_code", "on"),
            ("scope", "openid profile"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("This is a public app"), "{page}");
    assert_eq!(code(&page, "secret"), None);
    let id = code(&page, "uri").expect("the client id");
    let record = app.store.find_client(&id).await.unwrap().expect("stored");
    assert_eq!(record.token_endpoint_auth_method, "none");
    assert_eq!(record.secret_hash, None);
    assert_eq!(record.redirect_uris, vec!["https://phone.example/cb"]);
    let page = open(&olga, &format!("/admin/clients/{id}")).await;
    assert!(page.contains("public (none)"), "{page}");
    assert!(
        !page.contains("/secret\""),
        "a public app has no secret to rotate"
    );
}

#[tokio::test]
async fn a_bad_redirect_uri_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for uri in [
        "http://shop.example/cb",
        "not a uri",
        "https://shop.example/cb#fragment",
        "javascript:alert(1)",
        "/relative/cb",
    ] {
        let (landed, status, page) = register_app(
            &olga,
            &[
                ("name", "Bad Shop"),
                ("kind", "client_secret_basic"),
                ("redirect_uris", uri),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
        assert_eq!(
            (landed.as_str(), status),
            ("/admin/clients", StatusCode::OK),
            "{uri}"
        );
        assert_refused(&page, "Not registered:");
        assert_eq!(code(&page, "secret"), None, "{uri}");
        assert!(app.store.list_clients().await.unwrap().is_empty(), "{uri}");
    }
    assert!(events(&app, "client").await.is_empty());
}

#[tokio::test]
async fn an_apps_redirect_uris_and_scope_are_edited() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let client = app.web_client("openid").await;
    let path = format!("/admin/clients/{}", client.id);
    let uris = "https://rp.example/callback\nhttps://rp.example/other";
    let fields = [
        ("name", "Veggie Box"),
        ("redirect_uris", uris),
        ("grant_authorization_code", "on"),
        ("grant_refresh_token", "on"),
        ("scope", "openid profile email"),
    ];
    let page = send_back(&olga, &path, &path, &fields).await;
    assert_done(&page, "Veggie Box is saved.");
    let record = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(
        record.redirect_uris,
        vec!["https://rp.example/callback", "https://rp.example/other"]
    );
    assert_eq!(record.scope, "openid profile email");
    assert!(page.contains("https://rp.example/other"), "{page}");
    let updated = events(&app, "client.updated").await;
    assert_eq!(updated.len(), 1);

    // The new scope is granted at once (the cache is dropped).
    let agent = UserAgent::new(&app);
    app.person("ada", Role::Consumer).await;
    let back = app
        .sign_in_and_allow(&agent, &client, "ada", "openid email")
        .await;
    crate::support::code_from(&app, &back);

    // A bad edit changes nothing.
    let bad = [
        ("name", "Veggie Box"),
        ("redirect_uris", "ftp://rp.example/cb"),
        ("grant_authorization_code", "on"),
        ("scope", "openid"),
    ];
    let page = send_back(&olga, &path, &path, &bad).await;
    assert_refused(&page, "Not saved:");
    let after = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(after.redirect_uris, record.redirect_uris);
    assert_eq!(after.scope, record.scope);
}

#[tokio::test]
async fn rotating_an_apps_secret_retires_the_old_one() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let old = app.machine_client("orders:read").await;
    app.access_token(&old, None).await;
    let path = format!("/admin/clients/{}", old.id);
    let (landed, status, page) = send(&olga, &path, &format!("{path}/secret"), &[]).await;
    assert_eq!(
        (landed.as_str(), status),
        (format!("{path}/secret").as_str(), StatusCode::OK)
    );
    assert!(page.contains("New secret: test bot"), "{page}");
    let secret = code(&page, "secret").expect("the new secret");
    assert_ne!(secret, old.secret);

    let response = app.client_credentials(&old, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let new = TestClient {
        id: old.id.clone(),
        secret,
    };
    app.access_token(&new, None).await;
    assert_eq!(events(&app, "client.secret_rotated").await.len(), 1);
}

#[tokio::test]
async fn deleting_an_app_needs_its_name_typed() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let bot = app.machine_client("orders:read").await;
    let path = format!("/admin/clients/{}", bot.id);
    let delete = format!("{path}/delete");
    for wrong in ["", "Test Bot", "test", "bot"] {
        let page = send_back(&olga, &path, &delete, &[("confirm", wrong)]).await;
        assert_refused(&page, "Type the app's name exactly");
        assert!(app.store.find_client(&bot.id).await.unwrap().is_some());
    }
    app.access_token(&bot, None).await;

    let (landed, _, page) = send(&olga, &path, &delete, &[("confirm", "test bot")]).await;
    assert_eq!(landed, "/admin/clients");
    assert_done(&page, "test bot is deleted");
    assert!(app.store.find_client(&bot.id).await.unwrap().is_none());
    let response = app.client_credentials(&bot, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_eq!(olga.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(events(&app, "client.deleted").await.len(), 1);
}

#[tokio::test]
async fn the_apps_list_pages_by_50_oldest_first() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for _ in 0..55 {
        app.machine_client("openid").await;
    }
    let stored: Vec<String> = (app.store.list_clients().await.unwrap())
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert!(stored.len() >= 55, "{}", stored.len());
    let listed = |page: &str| -> Vec<String> {
        rows(page)
            .iter()
            .map(|row| {
                let start = row.find("/admin/clients/").expect("a link") + "/admin/clients/".len();
                let end = start + row[start..].find('"').expect("a link");
                row[start..end].to_string()
            })
            .collect()
    };

    let first = open(&olga, "/admin/clients").await;
    assert_eq!(listed(&first), stored[..50]);
    assert_eq!(link_rel(&first, "first"), None);
    let next = link_rel(&first, "next").expect("a Next page link");
    let second = open(&olga, &next).await;
    assert_eq!(listed(&second), stored[50..]);
    assert_eq!(link_rel(&second, "next"), None);
    assert_eq!(
        link_rel(&second, "first").as_deref(),
        Some("/admin/clients")
    );
    // The registration form is on every page.
    assert!(
        second.contains("Register an app of the platform"),
        "{second}"
    );
    // A cursor the server did not write shows the first page.
    for after in ["", "12", "x.y", "1.%00"] {
        let shown = open(&olga, &format!("/admin/clients?after={after}")).await;
        assert_eq!(listed(&shown), stored[..50], "{after}");
    }
}
