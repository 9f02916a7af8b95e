//! APIs in the console: one is registered with its scopes and the API client's secret is
//! shown once and introspects; scopes are changed and opened to vendor apps; bad input and a
//! forged form store nothing; deletion needs the name typed.

use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::support::{INVENTORY, TestApp, TestClient, claims_of};

#[tokio::test]
async fn an_api_is_registered_changed_and_deleted_in_the_console() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let (_, status, page) = send(
        &olga,
        "/admin/apis",
        "/admin/apis",
        &[
            ("name", "Inventory"),
            ("audience", INVENTORY),
            ("scopes", "inventory:write=Change your stock levels"),
            ("vendor_scopes", "inventory:read=See your stock levels\n\n"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("API registered: Inventory"), "{page}");
    let secret = code(&page, "secret").expect("the secret, this once");
    let apis = farm_auth::oauth2::api_admin::list(&app.state)
        .await
        .unwrap();
    assert_eq!(apis.len(), 1);
    let api = &apis[0];
    assert_eq!(api.audience.as_str(), INVENTORY);
    let api_client = TestClient {
        id: api.client_id.clone(),
        secret: secret.clone(),
    };
    let bot = app.machine_client("inventory:read").await;
    let token = app.access_token(&bot, None).await;
    assert_eq!(claims_of(&token)["aud"], INVENTORY);
    assert_eq!(app.introspect(&api_client, &token).await["active"], true);
    let listed = open(&olga, "/admin/apis").await;
    assert!(listed.contains("inventory:read"), "{listed}");
    assert!(!listed.contains(&secret));

    // Close every scope to vendors and add one.
    let path = format!("/admin/apis/{}", api.id);
    let page = send_back(
        &olga,
        &path,
        &format!("{path}/scopes"),
        &[
            (
                "scopes",
                "inventory:read=See stock\ninventory:count=Count stock",
            ),
            ("vendor_scopes", ""),
        ],
    )
    .await;
    assert_done(&page, "are saved");
    assert!(!page.contains(&secret));
    let stored = farm_auth::oauth2::api_admin::summary(
        &farm_auth::oauth2::api_admin::list(&app.state)
            .await
            .unwrap()[0],
    );
    assert_eq!(
        stored["scopes"],
        json!([
            {"scope": "inventory:count", "description": "Count stock", "vendor_open": false},
            {"scope": "inventory:read", "description": "See stock", "vendor_open": false},
        ])
    );
    let refused = send_back(
        &olga,
        &path,
        &format!("{path}/scopes"),
        &[("scopes", "openid=Sign in"), ("vendor_scopes", "")],
    )
    .await;
    assert_refused(&refused, "farm-auth's own");
    assert_eq!(app.rows("api_scopes").await, 2);

    let kept = send_back(
        &olga,
        &path,
        &format!("{path}/delete"),
        &[("confirm", "Inv")],
    )
    .await;
    assert_refused(&kept, "Type the API's name exactly");
    let (landed, _, page) = send(
        &olga,
        &path,
        &format!("{path}/delete"),
        &[("confirm", "Inventory")],
    )
    .await;
    assert_eq!(landed, "/admin/apis");
    assert_done(&page, "Inventory is deleted");
    assert_eq!(app.rows("apis").await, 0);
    let created = events(&app, "api.created").await;
    assert_eq!(created[0].actor_id.as_deref(), Some(olga_id.as_str()));
    assert_eq!(events(&app, "api.deleted").await.len(), 1);
}

#[tokio::test]
async fn bad_apis_and_forged_forms_store_nothing() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    app.api(
        "Orders",
        "https://orders.farm.example",
        &[("orders:read", false)],
    )
    .await;
    let (apis, clients) = (app.rows("apis").await, app.rows("clients").await);
    let long = "x".repeat(3000);
    for (fields, why) in [
        (
            vec![("name", "X"), ("audience", "/relative"), ("scopes", "a")],
            "audience",
        ),
        (
            vec![
                ("name", "X"),
                ("audience", "https://x.example#f"),
                ("scopes", "a"),
            ],
            "fragment",
        ),
        (
            vec![
                ("name", ""),
                ("audience", "https://x.example"),
                ("scopes", "a"),
            ],
            "name",
        ),
        (
            vec![
                ("name", "X"),
                ("audience", "https://x.example"),
                ("scopes", ""),
            ],
            "at least one",
        ),
        (
            vec![
                ("name", "X"),
                ("audience", "https://x.example"),
                ("scopes", "a b=c"),
            ],
            "not a scope",
        ),
        (
            vec![
                ("name", "X"),
                ("audience", "https://x.example"),
                ("scopes", "account"),
            ],
            "farm-auth",
        ),
        (
            vec![
                ("name", "X"),
                ("audience", "https://orders.farm.example"),
                ("scopes", "z"),
            ],
            "another API",
        ),
        (
            vec![("name", "X"), ("audience", long.as_str()), ("scopes", "z")],
            "audience",
        ),
        (
            vec![
                ("name", "<script>"),
                ("audience", "https://x.example"),
                ("scopes", "\u{0}"),
            ],
            "not a scope",
        ),
    ] {
        let page = send_back(&olga, "/admin/apis", "/admin/apis", &fields).await;
        assert_refused(&page, why);
        assert!(!page.contains("<script>"), "{page}");
    }
    let forged = olga
        .post(
            "/admin/apis",
            &[
                ("name", "X"),
                ("audience", "https://x.example"),
                ("scopes", "z"),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    for path in ["/admin/apis/nobody", "/admin/apis/%00"] {
        let (_, status, _) = olga.navigate(path).await.page();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.rows("apis").await, apis);
    assert_eq!(app.rows("clients").await, clients);
}
