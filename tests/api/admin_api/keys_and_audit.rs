//! Signing keys (listed without private material, rotated) and the audit trail (filtered
//! by user, event and time, and paged) through the admin API.

use std::collections::BTreeSet;

use farm_auth::store::audit::AuditFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::TestApp;

#[tokio::test]
async fn keys_are_listed_without_private_material_and_rotated() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;

    let listed = ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{listed}");
    let old_kid = keys[0]["kid"].as_str().unwrap().to_string();
    assert_eq!(keys[0]["active"], true);
    assert!(keys[0]["created_at"].is_i64());
    assert_eq!(keys[0]["retired_at"], Value::Null);
    let fields: BTreeSet<&str> = keys[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["kid", "active", "created_at", "activates_at", "retired_at"])
    );
    let text = listed.to_string();
    for private in ["PRIVATE", "BEGIN", "\"d\"", "\"p\"", "\"n\""] {
        assert!(!text.contains(private), "{text}");
    }

    app.clock.advance(10);
    let rotated = ok(call_api(
        &app,
        Method::POST,
        "/api/v1/admin/keys/rotate",
        Some(&root.token),
        None,
    )
    .await)
    .await;
    let new_kid = rotated["kid"].as_str().unwrap().to_string();
    let activates_at = rotated["activates_at"].as_i64().unwrap();
    assert!(activates_at > app.clock.now(), "{rotated}");
    assert_ne!(new_kid, old_kid);
    let record = assert_by_admin(&app, "keys.rotated", None, &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some(format!("by administrator root: new key {new_kid}").as_str())
    );

    let listed = ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{listed}");
    // Two phases: the new key is published first and signs from its activation time.
    assert_eq!(keys[0]["kid"], new_kid, "the latest to sign first");
    assert_eq!(keys[0]["active"], false);
    assert_eq!(keys[0]["activates_at"], activates_at);
    assert_eq!(keys[1]["kid"], old_kid);
    assert_eq!(keys[1]["active"], true);
    assert_eq!(keys[1]["retired_at"], activates_at);
    app.clock.advance(activates_at - app.clock.now());
    let listed = ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;
    assert_eq!(listed["keys"][0]["active"], true);
    assert_eq!(listed["keys"][1]["active"], false);

    let jwks = app.jwks().await;
    assert!(jwks.find(&new_kid).is_some());
    assert!(jwks.find(&old_kid).is_some());
    let bot = app.machine_client("account").await;
    let token = app.access_token(&bot, Some("account")).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    app.verify_like_a_resource_server(&token).await.unwrap();
    // The administrator's own token, signed with the old key, still works.
    ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;
}

#[tokio::test]
async fn the_audit_trail_is_filtered_by_user_event_and_time_and_paged() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let a = app
        .stored_user(&random_id(), "alder", "alder@farm.example")
        .await;
    let b = app
        .stored_user(&random_id(), "birch", "birch@farm.example")
        .await;
    let start = app.clock.now();
    app.clock.advance(100);
    let t1 = app.clock.now();
    for (id, reason) in [(&a, "One"), (&b, "Two"), (&a, "Three")] {
        ok(post(
            &app,
            &format!("{}/unlock", user_path(id)),
            &root.token,
            &json!({"reason": reason}),
        )
        .await)
        .await;
    }
    app.clock.advance(100);
    let t2 = app.clock.now();
    ok(post(
        &app,
        &format!("{}/lock", user_path(&b)),
        &root.token,
        &json!({"reason": "testing"}),
    )
    .await)
    .await;
    ok(put(
        &app,
        &format!("{}/roles", user_path(&a)),
        &root.token,
        &json!({"roles": ["farmer"]}),
    )
    .await)
    .await;
    ok(call_api(
        &app,
        Method::POST,
        "/api/v1/admin/keys/rotate",
        Some(&root.token),
        None,
    )
    .await)
    .await;

    let audit = |query: &str| format!("/api/v1/admin/audit?{query}");
    let events = |body: &Value| -> Vec<String> {
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect()
    };

    // A family, newest first; each change names the administrator.
    let users = ok(get(&app, &audit("event=user"), &root.token).await).await;
    assert_eq!(
        events(&users),
        [
            "user.roles",
            "user.locked",
            "user.unlocked",
            "user.unlocked",
            "user.unlocked"
        ]
    );
    assert!(users.get("next_before").is_none(), "{users}");
    for event in users["events"].as_array().unwrap() {
        assert_eq!(event["actor_id"], root.id);
        assert!(
            event["detail"]
                .as_str()
                .unwrap()
                .starts_with("by administrator root: "),
            "{event}"
        );
        assert_eq!(event["outcome"], "success");
    }
    let ids: Vec<i64> = users["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    // An exact name; a prefix that is not a family matches nothing; wildcards are literal.
    let unlocked = ok(get(&app, &audit("event=user.unlocked"), &root.token).await).await;
    assert_eq!(events(&unlocked).len(), 3);
    let keys = ok(get(&app, &audit("event=keys"), &root.token).await).await;
    assert_eq!(events(&keys), ["keys.rotated"]);
    for nothing in [
        "use",
        "user.",
        "user%25",
        "%25",
        "_ser",
        "user.unlo",
        "user.unlocked.x",
    ] {
        let body = ok(get(&app, &audit(&format!("event={nothing}")), &root.token).await).await;
        assert_eq!(body["events"], json!([]), "event={nothing}");
    }

    // One user.
    let of_a = ok(get(&app, &audit(&format!("user_id={a}")), &root.token).await).await;
    assert_eq!(
        events(&of_a),
        ["user.roles", "user.unlocked", "user.unlocked"]
    );
    assert!(
        of_a["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user_id"] == a.as_str())
    );
    let of_b = ok(get(
        &app,
        &audit(&format!("user_id={b}&event=user.unlocked")),
        &root.token,
    )
    .await)
    .await;
    assert_eq!(events(&of_b), ["user.unlocked"]);
    assert_eq!(of_b["events"][0]["detail"], "by administrator root: Two");

    // Time: since inclusive, until exclusive.
    let early = ok(get(
        &app,
        &audit(&format!("event=user&since={t1}&until={t2}")),
        &root.token,
    )
    .await)
    .await;
    assert_eq!(events(&early), ["user.unlocked"; 3]);
    let late = ok(get(&app, &audit(&format!("event=user&since={t2}")), &root.token).await).await;
    assert_eq!(events(&late), ["user.roles", "user.locked"]);
    let none = ok(get(&app, &audit(&format!("until={start}")), &root.token).await).await;
    assert!(
        none["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].as_i64().unwrap() < start)
    );

    // Pages of two, following next_before to the end: the same events, none twice.
    let mut paged = Vec::new();
    let mut query = "event=user&limit=2".to_string();
    for _ in 0..10 {
        let page = ok(get(&app, &audit(&query), &root.token).await).await;
        let got = page["events"].as_array().unwrap();
        assert!(got.len() <= 2);
        paged.extend(got.iter().map(|e| e["id"].as_i64().unwrap()));
        match page["next_before"].as_i64() {
            Some(before) => {
                assert_eq!(before, got.last().unwrap()["id"].as_i64().unwrap());
                query = format!("event=user&limit=2&before={before}");
            }
            None => break,
        }
    }
    assert_eq!(paged, ids);
    let whole = ok(get(&app, &audit("limit=500"), &root.token).await).await;
    let stored = trail(&app, AuditFilter::default()).await;
    assert_eq!(whole["events"].as_array().unwrap().len(), stored.len());
    assert_eq!(whole["events"][0]["id"], stored[0].id);

    for query in [
        "limit=0",
        "limit=501",
        "limit=-1",
        "limit=ten",
        "since=yesterday",
        "until=1.5",
        "before=x",
        &format!("event={}", "u".repeat(101)),
        &format!("user_id={}", "u".repeat(101)),
        &format!("client_id={}", "c".repeat(101)),
    ] {
        let response = get(&app, &audit(query), &root.token).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}
