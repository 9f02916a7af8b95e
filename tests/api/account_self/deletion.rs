//! Deleting one's own account: the password (or an authenticator code) again; then every
//! session ends, every token is revoked, the account and what hangs off it are removed, and
//! the trail keeps its events under a pseudonym with `account.deleted`. The last owner of a
//! farm is refused until they hand it over; a refusal changes nothing.

use farm_auth::accounts::users::Role;
use farm_auth::domain::{FarmRole, FarmStatus};
use farm_auth::store::audit::AuditFilter;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    PASSWORD, api_person, assert_api_error, assert_no_content, call_api, is_signed_in, member,
    password_works, send_json, set_farm_status, signed_in,
};

async fn delete_by_api(app: &TestApp, token: &str, body: &Value) -> Response {
    send_json(app, Method::POST, "/api/v1/me/deletion", Some(token), body).await
}

async fn delete_on_page(agent: &UserAgent, password: &str) -> String {
    let fields = [("password", password), ("confirm", "delete")];
    on_account_page(agent, "/account/delete", &fields).await
}

#[tokio::test]
async fn deleting_on_the_page_signs_out_revokes_tokens_and_keeps_the_trail_under_a_pseudonym() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let id = ada.id.clone();
    let other_browser = signed_in(&app, "ada").await;
    let page = delete_on_page(&ada.agent, PASSWORD).await;
    assert!(page.contains("Your account is deleted"), "{page}");

    assert!(account(&app, "ada").await.is_none());
    assert!(!is_signed_in(&ada.agent).await);
    assert!(!is_signed_in(&other_browser.agent).await);
    let me = call_api(&app, Method::GET, "/api/v1/me", Some(&ada.token), None).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let refresh = app.refresh(&ada.client, ada.refresh.as_deref().unwrap_or("none"), None);
    assert_eq!(refresh.await.status(), StatusCode::BAD_REQUEST);
    assert!(!password_works(&app, "ada", PASSWORD).await);

    let mine = AuditFilter {
        user_id: Some(&id),
        ..AuditFilter::default()
    };
    assert!(
        app.store
            .search_audit_events(&mine, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let deleted = app.trail("account.deleted").await;
    assert_eq!(deleted.len(), 1);
    let pseudonym = deleted[0].user_id.clone().unwrap();
    assert!(
        pseudonym.starts_with("deleted-") && !pseudonym.contains(&id),
        "{pseudonym}"
    );
    let kept = AuditFilter {
        user_id: Some(&pseudonym),
        ..AuditFilter::default()
    };
    let kept = app.store.search_audit_events(&kept, 100).await.unwrap();
    assert!(kept.iter().any(|e| e.event == "login.password"), "{kept:?}");
    let text = format!("{kept:?}");
    assert!(
        !text.contains("ada@farm.example") && !text.contains("\"ada\""),
        "{text}"
    );
    assert!(kept.iter().all(|e| e.username.is_none()), "{kept:?}");
}

#[tokio::test]
async fn deleting_through_the_api_removes_the_account() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let body = json!({"password": PASSWORD});
    let answer = delete_by_api(&app, &ada.token, &body).await;
    assert_no_content(answer).await;
    assert!(account(&app, "ada").await.is_none());
    let again = delete_by_api(&app, &ada.token, &body).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_password_a_missing_box_or_a_missing_csrf_token_deletes_nothing() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let page = delete_on_page(&ada.agent, "not the password").await;
    assert!(
        page.contains("Your current password is not right."),
        "{page}"
    );
    let page = on_account_page(&ada.agent, "/account/delete", &[("password", PASSWORD)]).await;
    assert!(page.contains("Tick the box"), "{page}");
    let answer = ada
        .agent
        .post(
            "/account/delete",
            &[("password", PASSWORD), ("confirm", "delete")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    for body in [
        json!({"password": "wrong password"}),
        json!({}),
        json!({"code": "000000"}),
    ] {
        let answer = delete_by_api(&app, &ada.token, &body).await;
        assert!(answer.status().is_client_error());
    }
    assert!(account(&app, "ada").await.is_some());
    assert!(is_signed_in(&ada.agent).await);
}

#[tokio::test]
async fn the_last_owner_of_a_farm_is_told_to_hand_it_over_first() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Farmer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let farm = app.active_farm("Sunny Acres", "ada").await;
    app.person("bob", Role::Farmer).await;
    app.add_member(&farm, "bob", FarmRole::Manager).await;

    let page = delete_on_page(&ada.agent, PASSWORD).await;
    assert!(
        page.contains("You are the last owner of Sunny Acres"),
        "{page}"
    );
    let body = json!({"password": PASSWORD});
    let answer = delete_by_api(&app, &ada.token, &body).await;
    assert_api_error(answer, StatusCode::CONFLICT, "last_owner").await;
    assert!(account(&app, "ada").await.is_some());
    assert!(is_signed_in(&ada.agent).await);
    let me = call_api(&app, Method::GET, "/api/v1/me", Some(&ada.token), None).await;
    assert_eq!(me.status(), StatusCode::OK, "a refusal revokes nothing");
}

#[tokio::test]
async fn an_owner_with_a_co_owner_is_deleted_and_the_farm_stays_with_the_other() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Farmer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let farm = app.active_farm("Sunny Acres", "ada").await;
    app.person("bob", Role::Farmer).await;
    app.add_member(&farm, "bob", FarmRole::Owner).await;
    let body = json!({"password": PASSWORD});
    let answer = delete_by_api(&app, &ada.token, &body).await;
    assert_no_content(answer).await;
    let bob = account(&app, "bob").await.unwrap();
    assert_eq!(
        app.member_rows(&farm).await,
        vec![(bob.id, "owner".to_string())]
    );
}

#[tokio::test]
async fn a_code_from_the_authenticator_app_proves_the_person_instead_of_the_password() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let enrolled = crate::support::enrol(&app, "ada").await;
    let code = crate::support::code_now(&app, &enrolled.secret);
    let fields = [("code", code.as_str()), ("confirm", "delete")];
    let page = on_account_page(&enrolled.agent, "/account/delete", &fields).await;
    assert!(page.contains("Your account is deleted"), "{page}");
    assert!(account(&app, "ada").await.is_none());
}

#[tokio::test]
async fn a_suspended_farm_still_needs_another_owner_and_a_pending_one_goes_with_its_owner() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Farmer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let farm = app.active_farm("Sunny Acres", "ada").await;
    let body = json!({"password": PASSWORD});
    set_farm_status(&app, &farm, FarmStatus::Suspended).await;
    let answer = delete_by_api(&app, &ada.token, &body).await;
    assert_api_error(answer, StatusCode::CONFLICT, "last_owner").await;

    set_farm_status(&app, &farm, FarmStatus::Pending).await;
    let answer = delete_by_api(&app, &ada.token, &body).await;
    assert_no_content(answer).await;
    assert_eq!(
        app.farm_status(&farm).await,
        None,
        "the pending farm went too"
    );
}

#[tokio::test]
async fn the_second_factor_and_its_codes_go_with_the_account() {
    let app = TestApp::spawn().await;
    let id = app.person("ada", Role::Consumer).await;
    let enrolled = crate::support::enrol(&app, "ada").await;
    let fields = [("password", PASSWORD), ("confirm", "delete")];
    let page = on_account_page(&enrolled.agent, "/account/delete", &fields).await;
    assert!(page.contains("Your account is deleted"), "{page}");
    assert!(app.store.find_totp(&id).await.unwrap().is_none());
    assert_eq!(app.store.count_factors(&id).await.unwrap(), (0, 0, 0));
    assert!(app.store.list_passkeys(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn what_the_person_did_for_a_farm_stays_in_the_trail_under_the_pseudonym() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Farmer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let farm = app.active_farm("Sunny Acres", "ada").await;
    for (name, role) in [("carol", FarmRole::Owner), ("bob", FarmRole::Staff)] {
        app.person(name, Role::Farmer).await;
        app.add_member(&farm, name, role).await;
    }
    let (ada_record, bob) = (app.user("ada").await, app.user("bob").await);
    farm_auth::accounts::farms::remove_member(&app.state, member(&ada_record), &farm, &bob.id)
        .await
        .unwrap();
    let answer = delete_by_api(&app, &ada.token, &json!({"password": PASSWORD})).await;
    assert_no_content(answer).await;

    let pseudonym = app.trail("account.deleted").await[0]
        .user_id
        .clone()
        .unwrap();
    let removed = app.trail("farm.member_removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0].actor_id.as_deref(), Some(pseudonym.as_str()));
    assert_eq!(removed[0].user_id.as_deref(), Some(bob.id.as_str()));
    let detail = removed[0].detail.clone().unwrap();
    assert!(detail.contains(&format!("by {pseudonym}")), "{detail}");
    assert!(
        detail.contains("bob"),
        "the other person is still named: {detail}"
    );
}
