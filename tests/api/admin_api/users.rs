//! Users through the admin API: searching, reading one (with their farms), replacing roles,
//! ending sessions and deleting; each change is in the audit trail under the administrator.

use std::collections::BTreeSet;

use farm_auth::accounts::users::Role;
use farm_auth::domain::{FarmRole, FarmStatus};
use farm_auth::store::audit::AuditFilter;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::support::{
    PASSWORD, TestApp, UserAgent, api_person, assert_api_error, assert_no_content, farm_owned_by,
    is_signed_in, json_answer,
};

#[tokio::test]
async fn users_are_searched_by_the_start_of_username_or_email_ignoring_case_with_literal_wildcards()
{
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    app.stored_user(&random_id(), "Carrot", "carrot@veg.example")
        .await;
    app.stored_user(&random_id(), "apple", "APPLE@fruit.example")
        .await;
    app.stored_user(&random_id(), "banana_split", "split@fruit.example")
        .await;
    app.stored_user(&random_id(), "bananasplit", "bs@fruit.example")
        .await;
    app.stored_user(&random_id(), "percent", "100%organic@veg.example")
        .await;
    app.stored_user(&random_id(), "percentage", "pct@veg.example")
        .await;

    let search = |q: &str| format!("/api/v1/admin/users?q={}", urlencoding(q));

    // Everyone, sorted by username whatever its case.
    let all = ok(get(&app, "/api/v1/admin/users", &root.token).await).await;
    assert_eq!(
        names(&all),
        [
            "apple",
            "banana_split",
            "bananasplit",
            "Carrot",
            "percent",
            "percentage",
            "root"
        ]
    );
    assert_eq!(all["total"], 7);
    assert_eq!(all["total_exact"], true);
    assert_eq!(all["limit"], 25);
    assert_eq!(all["next_cursor"], Value::Null);
    // Never a password hash.
    assert!(!all.to_string().contains("argon2"), "{all}");
    assert!(all["users"][6].get("password_hash").is_none());
    let root_view = &all["users"][6];
    assert_eq!(root_view["id"], root.id);
    assert_eq!(root_view["roles"], json!(["admin"]));
    assert_eq!(root_view["locked"], false);
    assert_eq!(root_view["password_reset_required"], false);

    // The start of a username, ignoring case; then the start of an address, for people
    // whose username did not match already.
    let found = ok(get(&app, &search("cArR"), &root.token).await).await;
    assert_eq!(names(&found), ["Carrot"]);
    let found = ok(get(&app, &search("apple@"), &root.token).await).await;
    assert_eq!(names(&found), ["apple"]);
    let found = ok(get(&app, &search("SPLIT"), &root.token).await).await;
    assert_eq!(names(&found), ["banana_split"]);
    let found = ok(get(&app, &search("b"), &root.token).await).await;
    assert_eq!(names(&found), ["banana_split", "bananasplit"]);
    assert_eq!(found["total"], 2, "a person found twice counts once");
    let found = ok(get(&app, &search("1"), &root.token).await).await;
    assert_eq!(names(&found), ["percent"]);
    // Text in the middle is not a start.
    let found = ok(get(&app, &search("fruit"), &root.token).await).await;
    assert_eq!(found["users"], json!([]));

    // `_` and `%` are the characters themselves, not wildcards.
    let found = ok(get(&app, &search("banana_"), &root.token).await).await;
    assert_eq!(names(&found), ["banana_split"]);
    let found = ok(get(&app, &search("100%"), &root.token).await).await;
    assert_eq!(names(&found), ["percent"]);
    for nobody in ["%", "_", "\\", "nobody"] {
        let found = ok(get(&app, &search(nobody), &root.token).await).await;
        assert_eq!(found["users"], json!([]), "{nobody}");
        assert_eq!(found["total"], 0, "{nobody}");
    }
}

#[tokio::test]
async fn the_user_list_pages_by_cursor_through_usernames_then_addresses() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    for (name, email) in [
        ("apple", "apple@fruit.example"),
        ("banana_split", "split@fruit.example"),
        ("bananasplit", "bs@fruit.example"),
        ("Carrot", "carrot@veg.example"),
        ("percent", "p@veg.example"),
        ("zed", "bee@hive.example"),
    ] {
        app.stored_user(&random_id(), name, email).await;
    }
    // Everyone, two at a time: every page counts them all, the last has no cursor.
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/users?limit=2".to_string();
    for page in 1..=4 {
        let body = ok(get(&app, &path, &root.token).await).await;
        assert_eq!(body["total"], 7);
        assert_eq!(body["limit"], 2);
        seen.extend(names(&body));
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                assert!(page < 4, "{body}");
                path = format!("/api/v1/admin/users?limit=2&cursor={}", urlencoding(cursor));
            }
            None => assert_eq!(page, 4, "{body}"),
        }
    }
    let everyone = [
        "apple",
        "banana_split",
        "bananasplit",
        "Carrot",
        "percent",
        "root",
        "zed",
    ];
    assert_eq!(seen, everyone);

    // A search that finds usernames and then an address, one at a time.
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/users?q=B&limit=1".to_string();
    loop {
        let body = ok(get(&app, &path, &root.token).await).await;
        assert_eq!(body["total"], 3, "{body}");
        seen.extend(names(&body));
        let Some(cursor) = body["next_cursor"].as_str() else {
            break;
        };
        path = format!(
            "/api/v1/admin/users?q=B&limit=1&cursor={}",
            urlencoding(cursor)
        );
        assert!(seen.len() < 5, "{seen:?}");
    }
    assert_eq!(seen, ["banana_split", "bananasplit", "zed"]);

    let most = ok(get(&app, "/api/v1/admin/users?limit=100", &root.token).await).await;
    assert_eq!(names(&most).len(), 7);
    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=99999999999999999999999",
        "cursor=",
        "cursor=apple",
        "cursor=x%3Aapple",
        "cursor=u%3Aa%00b",
    ] {
        let response = get(&app, &format!("/api/v1/admin/users?{query}"), &root.token).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}

/// The usernames of a page of users.
fn names(body: &Value) -> Vec<String> {
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect()
}

/// Percent-encodes everything but unreserved characters.
fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_user_is_shown_by_id_and_unknown_or_odd_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = app
        .stored_user(&random_id(), "marigold", "Marigold@farm.example")
        .await;

    let user = ok(get(&app, &user_path(&id), &root.token).await).await;
    assert_eq!(user["id"], id);
    assert_eq!(user["username"], "marigold");
    assert_eq!(user["email"], "Marigold@farm.example");
    assert_eq!(user["email_verified"], true);
    assert_eq!(user["roles"], json!(["consumer"]));
    assert_eq!(user["farms"], json!([]));
    assert!(
        user.get("company").is_none(),
        "the free-text company is gone"
    );
    assert_eq!(user["locked"], false);
    assert_eq!(user["locked_at"], Value::Null);
    assert_eq!(user["locked_reason"], Value::Null);
    assert_eq!(user["password_reset_required"], false);
    assert!(user["created_at"].is_i64());
    assert!(user.get("password_hash").is_none());

    let long = "a".repeat(10_000);
    for odd in [
        "nobody",
        "marigold",
        "%00",
        &format!("{id}%00"),
        "%0A",
        "%1B%5B31m",
        &long,
        "%2E%2E%2Fclients",
        "%20",
    ] {
        let response = get(&app, &user_path(odd), &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn roles_are_replaced_and_unknown_or_empty_roles_are_refused() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = app
        .stored_user(&random_id(), "wren", "wren@farm.example")
        .await;
    let roles = format!("{}/roles", user_path(&id));

    let user = ok(put(
        &app,
        &roles,
        &root.token,
        &json!({"roles": ["farmer", "consumer", "farmer"]}),
    )
    .await)
    .await;
    assert_eq!(user["roles"], json!(["farmer", "consumer"]));
    assert_eq!(
        stored_user(&app, &id).await.roles,
        vec!["farmer", "consumer"]
    );
    let record = assert_by_admin(&app, "user.roles", Some(&id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: roles farmer consumer")
    );

    let before = snapshot(&app).await;
    for body in [
        json!({"roles": []}),
        json!({"roles": ["root"]}),
        json!({"roles": ["farmer", "superuser"]}),
        json!({"roles": ["Admin"]}),
        json!({"roles": "admin"}),
        json!({"roles": [1]}),
        json!({"roles": null}),
        json!({}),
    ] {
        let response = put(&app, &roles, &root.token, &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    assert_eq!(snapshot(&app).await, before);

    // Administrators keep their own admin role; other changes to themselves are fine.
    let own = format!("{}/roles", user_path(&root.id));
    let response = put(&app, &own, &root.token, &json!({"roles": ["farmer"]})).await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    assert_eq!(stored_user(&app, &root.id).await.roles, vec!["admin"]);
    let user = ok(put(
        &app,
        &own,
        &root.token,
        &json!({"roles": ["admin", "farmer"]}),
    )
    .await)
    .await;
    assert_eq!(user["roles"], json!(["admin", "farmer"]));

    let response = put(
        &app,
        &format!("{}/roles", user_path("nobody")),
        &root.token,
        &json!({"roles": ["farmer"]}),
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_user_is_shown_with_their_farms_role_and_status_and_lists_leave_farms_out() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = app
        .stored_user(&random_id(), "wren", "wren@farm.example")
        .await;
    let owned = farm_owned_by(&app, &id, "Green Acres", FarmStatus::Pending).await;
    app.clock.advance(10);
    app.stored_user(&random_id(), "olive", "olive@farm.example")
        .await;
    let hill = app.active_farm("Hill Farm", "olive").await;
    app.add_member(&hill, "wren", FarmRole::Staff).await;

    let user = ok(get(&app, &user_path(&id), &root.token).await).await;
    assert_eq!(
        user["farms"],
        json!([
            {"id": owned, "name": "Green Acres", "role": "owner", "status": "pending"},
            {"id": hill, "name": "Hill Farm", "role": "staff", "status": "active"},
        ])
    );
    // A list would need one query per person: it leaves farms out.
    let list = ok(get(&app, "/api/v1/admin/users?q=wren", &root.token).await).await;
    assert_eq!(list["users"][0]["id"], id);
    assert!(list["users"][0].get("farms").is_none(), "{list}");
}

#[tokio::test]
async fn deleting_a_user_revokes_everything_and_the_trail_keeps_their_id() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let wren = api_person(
        &app,
        "wren",
        Role::Farmer,
        "openid account offline_access",
        "openid account offline_access",
    )
    .await;
    let refresh = wren.refresh.clone().expect("a refresh token");
    // Something else hanging off the account: a registration token they issued for
    // their farm.
    let farm = farm_owned_by(&app, &wren.id, "Wren's Meadow", FarmStatus::Active).await;
    json_answer(
        post(
            &app,
            "/api/v1/me/initial-access-tokens",
            &wren.token,
            &json!({ "farm_id": farm }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Not yourself.
    let response = delete(&app, &user_path(&root.id), &root.token).await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    stored_user(&app, &root.id).await;

    assert_no_content(delete(&app, &user_path(&wren.id), &root.token).await).await;
    assert!(app.store.find_user_by_id(&wren.id).await.unwrap().is_none());
    assert!(
        app.store
            .find_user_by_username("wren")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!is_signed_in(&wren.agent).await);
    let bot = app.machine_client("").await;
    assert_eq!(app.introspect(&bot, &refresh).await["active"], false);
    assert!(!active_after_revocation(&app, &bot, &wren.token).await);

    let record = assert_by_admin(&app, "user.deleted", Some(&wren.id), &root).await;
    assert_eq!(record.username.as_deref(), Some("wren"));
    let theirs = trail(
        &app,
        AuditFilter {
            user_id: Some(&wren.id),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(theirs[0].event, "user.deleted");

    let response = delete(&app, &user_path(&wren.id), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = get(&app, &user_path(&wren.id), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    // The name is free again.
    app.stored_user(&random_id(), "wren", "wren@farm.example")
        .await;
}

#[tokio::test]
async fn an_administrator_lists_and_ends_a_users_sessions() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = api_person(
        &app,
        "marigold",
        Role::Consumer,
        "openid account",
        "openid account",
    )
    .await;
    let phone = UserAgent::new(&app);
    let landing = phone.navigate("/login").await;
    let (path, _, _) = phone.log_in(landing, "marigold", PASSWORD).await.page();
    assert_eq!(path, "/account");

    let sessions_path = format!("{}/sessions", user_path(&marigold.id));
    let listed = ok(get(&app, &sessions_path, &root.token).await).await;
    let sessions = listed["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{listed}");
    let ids: Vec<String> = sessions
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let stored = app
        .store
        .list_live_login_sessions(&marigold.id, app.clock.now())
        .await
        .unwrap();
    let stored_ids: BTreeSet<String> = stored.iter().map(|s| s.sid.clone()).collect();
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), stored_ids);

    // Someone else's session is not found under this user.
    let roots = app
        .store
        .list_live_login_sessions(&root.id, app.clock.now())
        .await
        .unwrap();
    assert_eq!(roots.len(), 1);
    let response = delete(
        &app,
        &format!("{sessions_path}/{}", roots[0].sid),
        &root.token,
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(is_signed_in(&root.agent).await);
    for odd in ["none", "%00", "%0A", &"s".repeat(10_000)] {
        let response = delete(&app, &format!("{sessions_path}/{odd}"), &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = get(
        &app,
        &format!("{}/sessions", user_path("nobody")),
        &root.token,
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(is_signed_in(&marigold.agent).await);
    assert!(is_signed_in(&phone).await);

    // End both, one at a time.
    let mut ended = 0;
    for id in &ids {
        assert_no_content(delete(&app, &format!("{sessions_path}/{id}"), &root.token).await).await;
        ended += 1;
        let left = ok(get(&app, &sessions_path, &root.token).await).await;
        assert_eq!(left["sessions"].as_array().unwrap().len(), 2 - ended);
        assert_by_admin(&app, "session.ended", Some(&marigold.id), &root).await;
        let response = delete(&app, &format!("{sessions_path}/{id}"), &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(!is_signed_in(&marigold.agent).await);
    assert!(!is_signed_in(&phone).await);
    assert!(is_signed_in(&root.agent).await);
}
