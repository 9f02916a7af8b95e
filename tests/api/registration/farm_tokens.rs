//! A farm's apps: owners and managers of an *active* farm issue registration tokens for it,
//! within the farm's quota of apps; staff, consumers, other farms' managers, and pending or
//! suspended farms cannot (each refusal audited, nothing stored). The apps belong to the
//! farm: their tokens carry `farm_id`, and the login and consent pages show the farm's name.

use farm_auth::accounts::admin::{self, Actor};
use farm_auth::domain::{FarmRole, FarmStatus};
use farm_auth::secrets::hash_secret;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{
    PASSWORD, TestApp, UserAgent, assert_api_error, farm_owned_by, initial_access_token_rows,
    insert_member_row, json_answer, send_json, set_farm_status,
};

/// `token` (a person's, with `account`) asks `/api/v1/me/initial-access-tokens` for a token
/// for `farm`.
async fn ask(app: &TestApp, token: &str, body: serde_json::Value) -> reqwest::Response {
    send_json(app, Method::POST, MY_TOKENS, Some(token), &body).await
}

/// The refusals of `initial_access_token.created` in the trail.
async fn refusals(app: &TestApp) -> usize {
    app.store
        .list_audit_events(None, 500)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event == "initial_access_token.created" && e.outcome == "failure")
        .count()
}

#[tokio::test]
async fn owners_and_managers_of_an_active_farm_issue_tokens_whose_apps_belong_to_the_farm() {
    let app = TestApp::spawn().await;
    let (owner_id, owner) = person_token(&app, "marigold", Role::Consumer, "openid account").await;
    let (manager_id, manager) = person_token(&app, "basil", Role::Consumer, "openid account").await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm Co", FarmStatus::Active).await;
    insert_member_row(&app, &farm, &manager_id, FarmRole::Manager).await;

    for (who, token) in [(&owner_id, &owner), (&manager_id, &manager)] {
        let issued = json_answer(
            ask(
                &app,
                token,
                json!({"farm_id": farm, "uses": 2, "ttl": 600, "vendor": "Else"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(issued["farm_id"], farm.as_str());
        assert_eq!(issued["uses"], 2);
        assert_eq!(issued["expires_at"], app.clock.now() + 600);
        // A farm's apps carry the farm, never a vendor name sent along.
        assert_eq!(issued["vendor"], serde_json::Value::Null);
        let secret = issued["token"].as_str().unwrap();
        let row = initial_access_token_rows(&app.database.url)
            .await
            .into_iter()
            .find(|r| r.token_hash == hash_secret(secret))
            .expect("stored hashed");
        assert_eq!(row.farm_id.as_deref(), Some(farm.as_str()));
        assert_eq!(row.issued_by.as_deref(), Some(who.as_str()));
    }

    // An app registered with it belongs to the farm.
    let issued = json_answer(
        ask(&app, &owner, json!({"farm_id": farm})).await,
        StatusCode::CREATED,
    )
    .await;
    let info = registered(
        &app,
        issued["token"].as_str().unwrap(),
        &web_app("Marigold Box"),
    )
    .await;
    let client = test_client(&info);
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.farm_id.as_deref(), Some(farm.as_str()));
    assert_eq!(
        stored.farm.as_ref().unwrap().name.as_str(),
        "Marigold Farm Co"
    );

    // Its login page and its consent page name the farm beside the app.
    app.person("shopper", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let (_, _, login) = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await
        .page();
    assert!(
        login.contains("<strong>Marigold Box</strong>, made by <strong>Marigold Farm Co</strong>"),
        "{login}"
    );
    let (agent, page) = consent_page(&app, &client, "shopper", "openid").await;
    assert!(page.contains("<strong>Marigold Farm Co</strong>"), "{page}");

    // Its access tokens carry the farm's id.
    let redirect = allow(&agent, page).await;
    let code = redirect
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let tokens = json_answer(app.exchange_code(&client, &code).await, StatusCode::OK).await;
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["farm_id"], farm.as_str(), "{claims}");
}

#[tokio::test]
async fn staff_consumers_and_other_farms_managers_cannot_and_each_refusal_is_audited() {
    let app = TestApp::spawn().await;
    let (owner_id, _) = person_token(&app, "marigold", Role::Consumer, "openid account").await;
    let (staff_id, staff) = person_token(&app, "thyme", Role::Consumer, "openid account").await;
    let (other_id, other_manager) =
        person_token(&app, "sage", Role::Farmer, "openid account").await;
    let (_, consumer) = person_token(&app, "shopper", Role::Consumer, "openid account").await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm", FarmStatus::Active).await;
    insert_member_row(&app, &farm, &staff_id, FarmRole::Staff).await;
    farm_owned_by(&app, &other_id, "Sage Acres", FarmStatus::Active).await;
    let before = snapshot(&app).await;

    let response = ask(&app, &staff, json!({"farm_id": farm})).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    // Another farm's owner, naming this farm by id: as if there were no such farm.
    let response = ask(&app, &other_manager, json!({"farm_id": farm})).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = ask(&app, &consumer, json!({"farm_id": farm})).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    // Without a farm, a person who is not an administrator gets nothing.
    let response = ask(&app, &consumer, json!({})).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    // Hostile ids name no farm.
    for id in ["", "\u{0}", "../x", &"a".repeat(10_000)] {
        let response = ask(&app, &consumer, json!({"farm_id": id})).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(snapshot(&app).await, before, "nothing stored");
    assert_eq!(refusals(&app).await, 8);
}

#[tokio::test]
async fn a_pending_or_suspended_farm_issues_no_tokens_and_its_open_tokens_stop() {
    let app = TestApp::spawn().await;
    let (owner_id, owner) = person_token(&app, "marigold", Role::Consumer, "openid account").await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm", FarmStatus::Pending).await;
    let before = snapshot(&app).await;
    let response = ask(&app, &owner, json!({"farm_id": farm})).await;
    assert_api_error(response, StatusCode::CONFLICT, "farm_not_active").await;
    assert_eq!(snapshot(&app).await, before);

    set_farm_status(&app, &farm, FarmStatus::Active).await;
    let issued = json_answer(
        ask(&app, &owner, json!({"farm_id": farm, "uses": 3})).await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap().to_string();
    registered(&app, &token, &web_app("First")).await;

    set_farm_status(&app, &farm, FarmStatus::Suspended).await;
    let response = ask(&app, &owner, json!({"farm_id": farm})).await;
    assert_api_error(response, StatusCode::CONFLICT, "farm_not_active").await;
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&token), &web_app("Second")).await).await;
    assert_eq!(snapshot(&app).await, before, "nothing stored, no use spent");
    assert_eq!(uses_left(&app, &token).await, Some(2));
}

#[tokio::test]
async fn a_farm_token_stops_when_its_issuer_stops_managing_the_farm_or_is_locked() {
    let app = TestApp::spawn().await;
    let (owner_id, _) = person_token(&app, "marigold", Role::Consumer, "openid account").await;
    let (manager_id, manager) = person_token(&app, "basil", Role::Consumer, "openid account").await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm", FarmStatus::Active).await;
    insert_member_row(&app, &farm, &manager_id, FarmRole::Manager).await;
    let issued = json_answer(
        ask(&app, &manager, json!({"farm_id": farm, "uses": 3})).await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap().to_string();

    // Demoted to staff: the token no longer vouches.
    sqlx_exec(
        &app,
        "UPDATE farm_members SET role = 'staff' WHERE user_id = $1",
        &manager_id,
    )
    .await;
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&token), &web_app("Demoted")).await).await;
    assert_eq!(snapshot(&app).await, before);
    sqlx_exec(
        &app,
        "UPDATE farm_members SET role = 'manager' WHERE user_id = $1",
        &manager_id,
    )
    .await;
    registered(&app, &token, &web_app("Restored")).await;

    let basil = app
        .store
        .find_user_by_id(&manager_id)
        .await
        .unwrap()
        .unwrap();
    admin::lock(&app.state, &basil, "fraud", Actor::CommandLine)
        .await
        .unwrap();
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&token), &web_app("Locked")).await).await;
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(uses_left(&app, &token).await, Some(2));
}

#[tokio::test]
async fn a_farm_gets_no_more_apps_than_its_quota_counting_open_tokens() {
    let app = TestApp::spawn().await;
    let (owner_id, owner) = person_token(&app, "marigold", Role::Consumer, "openid account").await;
    let (_, admin_token) = person_token(&app, "root", Role::Admin, "openid admin").await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm", FarmStatus::Active).await;
    // The default quota is 10: 4 open uses and 6 more fill it.
    let first = json_answer(
        ask(&app, &owner, json!({"farm_id": farm, "uses": 4})).await,
        StatusCode::CREATED,
    )
    .await;
    json_answer(
        ask(&app, &owner, json!({"farm_id": farm, "uses": 6})).await,
        StatusCode::CREATED,
    )
    .await;
    let before = snapshot(&app).await;
    let response = ask(&app, &owner, json!({"farm_id": farm, "uses": 1})).await;
    assert_api_error(response, StatusCode::CONFLICT, "quota_exceeded").await;
    assert_eq!(snapshot(&app).await, before);

    // Registering spends a use and adds an app: still full.
    registered(&app, first["token"].as_str().unwrap(), &web_app("Till")).await;
    let response = ask(&app, &owner, json!({"farm_id": farm, "uses": 1})).await;
    assert_api_error(response, StatusCode::CONFLICT, "quota_exceeded").await;

    // An administrator is not held to a farm's quota.
    let issued = json_answer(
        send_json(
            &app,
            Method::POST,
            ADMIN_TOKENS,
            Some(&admin_token),
            &json!({"farm_id": farm}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["farm_id"], farm.as_str());
}

#[tokio::test]
async fn concurrent_requests_never_take_a_farm_past_its_quota() {
    let app = TestApp::spawn().await;
    let (owner_id, owner) = person_token(&app, "marigold", Role::Consumer, "openid account").await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm", FarmStatus::Active).await;
    let mut tasks = tokio::task::JoinSet::new();
    let url = format!("{}{MY_TOKENS}", app.issuer);
    for _ in 0..8 {
        let (http, url, owner) = (app.http.clone(), url.clone(), owner.clone());
        let body = json!({"farm_id": farm, "uses": 3});
        tasks.spawn(async move {
            let response = http.post(url).bearer_auth(owner).json(&body).send().await;
            response.unwrap().status()
        });
    }
    let mut created = 0;
    while let Some(status) = tasks.join_next().await {
        let status = status.unwrap();
        assert!(
            [StatusCode::CREATED, StatusCode::CONFLICT].contains(&status),
            "{status}"
        );
        created += usize::from(status == StatusCode::CREATED);
    }
    assert_eq!(created, 3, "3 × 3 uses fit in 10, a fourth would not");
    let open: i64 = initial_access_token_rows(&app.database.url)
        .await
        .iter()
        .map(|r| r.uses_left)
        .sum();
    assert_eq!(open, 9);
}

#[tokio::test]
async fn the_farm_page_gives_owners_and_managers_a_token_for_an_active_farm() {
    let app = TestApp::spawn().await;
    let owner_id = app.person("marigold", Role::Consumer).await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm", FarmStatus::Active).await;
    let pending = farm_owned_by(&app, &owner_id, "Pending Patch", FarmStatus::Pending).await;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, _) = agent.log_in(landing, "marigold", PASSWORD).await.page();
    assert_eq!(path, "/account");
    let (_, _, waiting) = agent
        .navigate(&format!("/account/farms/{pending}"))
        .await
        .page();
    assert!(!waiting.contains("Get a registration token"), "{waiting}");
    let (_, _, page) = agent
        .navigate(&format!("/account/farms/{farm}"))
        .await
        .page();
    assert!(
        page.contains("Get a registration token for Marigold Farm"),
        "{page}"
    );
    let action = format!("/account/farms/{farm}/registration-token");
    let (path, status, page) = agent.submit(&page, &action, &[]).await.page();
    assert_eq!(
        (path.as_str(), status),
        (action.as_str(), StatusCode::OK),
        "{page}"
    );
    assert!(
        page.contains("<h1>Registration token for Marigold Farm</h1>"),
        "{page}"
    );
    let row = &initial_access_token_rows(&app.database.url).await[0];
    assert_eq!(row.farm_id.as_deref(), Some(farm.as_str()));
    assert_eq!(row.issued_by.as_deref(), Some(owner_id.as_str()));

    // The app it registers is listed on the farm's page.
    let secret = page.split("<code class=\"secret\">").nth(1).unwrap();
    let secret = &secret[..secret.find("</code>").unwrap()];
    registered(&app, secret, &web_app("Marigold Box")).await;
    let (_, _, page) = agent
        .navigate(&format!("/account/farms/{farm}"))
        .await
        .page();
    assert!(page.contains("<li>Marigold Box</li>"), "{page}");
}

/// Runs one statement binding `id` against the test database.
async fn sqlx_exec(app: &TestApp, sql: &str, id: &str) {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.database.url)
        .await
        .unwrap();
    sqlx::query(sql)
        .bind(id)
        .execute(&mut connection)
        .await
        .unwrap();
    let _ = sqlx::Connection::close(connection).await;
}

#[tokio::test]
async fn an_administrator_under_the_account_api_is_only_a_member() {
    let app = TestApp::spawn().await;
    let (owner_id, _) = person_token(&app, "marigold", Role::Consumer, "openid account").await;
    let (_, root) = person_token(&app, "root", Role::Admin, "openid account").await;
    let (_, admin_token) = person_token(&app, "root2", Role::Admin, "openid admin").await;
    let farm = farm_owned_by(&app, &owner_id, "Marigold Farm", FarmStatus::Active).await;
    let before = snapshot(&app).await;
    // An app holding an administrator's `account` scope gets no administrator's powers.
    let response = ask(&app, &root, json!({})).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = ask(&app, &root, json!({"farm_id": farm})).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(snapshot(&app).await, before);
    // The admin API names any farm, but not a farm and a vendor at once.
    let body = json!({"farm_id": farm, "vendor": "Someone"});
    let response = send_json(&app, Method::POST, ADMIN_TOKENS, Some(&admin_token), &body).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(snapshot(&app).await, before);
}
