//! The farm pages: a person's farms and one farm's page (members, invitations, forms that
//! follow the farm role), the console's farms (pending first; approve, refuse, suspend,
//! reactivate; members). Another farm's page is a 404, as is any hostile id; forms need
//! the session's CSRF token; nothing changes after a refusal.

use farm_auth::accounts::signup::{self, Applicant, SignUp};
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use super::green_acres;
use crate::support::{PASSWORD, TEST_ORIGIN, TestApp, UserAgent, signed_in};

/// Opens `path` in `agent`, asserting a 200 there: the page.
async fn open(agent: &UserAgent, path: &str) -> String {
    let (landed, status, page) = agent.navigate(path).await.page();
    assert_eq!((landed.as_str(), status), (path, StatusCode::OK), "{page}");
    page
}

#[tokio::test]
async fn a_person_sees_their_farms_and_a_farms_members_with_the_forms_their_role_allows() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = signed_in(&app, "olive").await.agent;
    let account = open(&olive, "/account").await;
    assert!(account.contains("href=\"/account/farms\""), "{account}");
    let list = open(&olive, "/account/farms").await;
    assert!(list.contains("Green Acres") && list.contains("owner") && list.contains("active"));
    let page = open(&olive, &format!("/account/farms/{farm}")).await;
    for text in [
        "mia",
        "sam",
        "Invite someone",
        "Apps",
        "Leave Green Acres",
        "Make sam owner",
    ] {
        assert!(page.contains(text), "{text} missing:\n{page}");
    }
    assert!(
        page.contains("<label for=\"invite-email\">") && page.contains("autocomplete=\"email\"")
    );
    // Staff see the members but no forms to manage them.
    let sam = signed_in(&app, "sam").await.agent;
    let page = open(&sam, &format!("/account/farms/{farm}")).await;
    assert!(page.contains("olive") && page.contains("mia"));
    assert!(!page.contains("Invite someone") && !page.contains("Change role"));
}

#[tokio::test]
async fn a_manager_changes_a_role_on_the_page_but_cannot_promote_above_themselves() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let sam = app.user("sam").await;
    let mia = signed_in(&app, "mia").await.agent;
    let path = format!("/account/farms/{farm}");
    let page = open(&mia, &path).await;
    assert!(
        !page.contains("value=\"owner\""),
        "a manager is not offered owner"
    );
    let action = format!("/account/farms/{farm}/members/{}/role", sam.id);
    let (landed, _, page) = mia
        .submit(&page, &action, &[("role", "manager")])
        .await
        .page();
    assert_eq!(landed, path);
    assert!(page.contains("The role is changed."), "{page}");
    let before = app.member_rows(&farm).await;
    let (_, _, page) = mia
        .submit(&page, &action, &[("role", "owner")])
        .await
        .page();
    assert!(page.contains("role=\"alert\""), "{page}");
    assert_eq!(app.member_rows(&farm).await, before);
    // The same form without the session's CSRF token is refused.
    let response = mia.post(&action, &[("role", "staff")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.member_rows(&farm).await, before);
}

#[tokio::test]
async fn another_farms_page_and_hostile_ids_are_not_found_and_change_nothing() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    app.person("bert", Role::Consumer).await;
    let other = app.active_farm("Blue Hills", "bert").await;
    let bert = app.user("bert").await;
    let mia = signed_in(&app, "mia").await.agent;
    let (_, status, page) = mia
        .navigate(&format!("/account/farms/{other}"))
        .await
        .page();
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("Blue Hills"));
    let csrf = crate::support::csrf_of(
        &open(&mia, &format!("/account/farms/{farm}")).await,
        &format!("/account/farms/{farm}/leave"),
    );
    let before = app.member_rows(&other).await;
    let action = format!("/account/farms/{other}/members/{}/remove", bert.id);
    let response = mia.post(&action, &[("csrf_token", &csrf)]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.member_rows(&other).await, before);
    assert_eq!(app.trail("farm.action_refused").await.len(), 1);
    for id in ["%00", "%E2%80%AE", &"a".repeat(4096), "..", "x%20y"] {
        let (_, status, _) = mia.navigate(&format!("/account/farms/{id}")).await.page();
        assert_eq!(status, StatusCode::NOT_FOUND, "{id:.20}");
        let action = format!("/account/farms/{farm}/members/{id}/remove");
        let response = mia.post(&action, &[("csrf_token", &csrf)]).await;
        assert!(response.status().is_redirection() || response.status().is_client_error());
        // A form refused for its fields does not send the browser to a farm that is no id
        // (a line break in `Location` was a 500).
        for id in [id, "%0A", "a%0D%0Ab"] {
            let action = format!("/account/farms/{id}/invitations");
            let form = [
                ("csrf_token", csrf.as_str()),
                ("email", "x@y.example"),
                ("role", "x"),
            ];
            let response = mia.post(&action, &form).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id:.20}");
        }
    }
    assert_eq!(app.member_rows(&farm).await.len(), 3);
}

#[tokio::test]
async fn the_console_lists_pending_farms_first_and_approves_refuses_and_suspends_them() {
    let app = TestApp::spawn().await;
    let green = green_acres(&app).await;
    let pending = signup::sign_up(
        &app.state,
        &TEST_ORIGIN,
        &Applicant::App("tests".into()),
        SignUp {
            username: "fern".into(),
            email: "fern@farm.example".into(),
            password: Some(PASSWORD.into()),
            role: "farmer".into(),
            farm_name: "Zucchini Hill".into(),
        },
    )
    .await
    .unwrap()
    .farm_id
    .unwrap();
    app.person("olga", Role::Admin).await;
    let olga = signed_in(&app, "olga").await.agent;
    let page = open(&olga, "/admin/farms").await;
    assert!(
        page.contains("href=\"/admin/farms\""),
        "linked from the console navigation"
    );
    let zucchini = page.find("Zucchini Hill").unwrap();
    assert!(
        zucchini < page.find("Green Acres").unwrap(),
        "pending first"
    );
    // A refusal needs a reason.
    let action = format!("/admin/farms/{pending}/refuse");
    let (_, _, page) = olga
        .submit(&page, &action, &[("reason", "  ")])
        .await
        .page();
    assert!(page.contains("reason is required"), "{page}");
    assert_eq!(app.farm_status(&pending).await.as_deref(), Some("pending"));
    let action = format!("/admin/farms/{pending}/approve");
    let (_, _, page) = olga.submit(&page, &action, &[]).await.page();
    assert!(page.contains("The farm is approved"), "{page}");
    assert_eq!(app.user("fern").await.roles, vec!["farmer"]);
    let action = format!("/admin/farms/{green}/suspend");
    let (_, _, page) = olga
        .submit(&page, &action, &[("reason", "Unpaid fees")])
        .await
        .page();
    assert!(page.contains("The farm is suspended"), "{page}");
    assert!(page.contains("Unpaid fees"));
    let action = format!("/admin/farms/{green}/reactivate");
    olga.submit(&page, &action, &[]).await.page();
    assert_eq!(app.farm_status(&green).await.as_deref(), Some("active"));
    let approved = &app.trail("farm.approved").await[0];
    assert!(
        approved
            .detail
            .as_deref()
            .unwrap()
            .contains("by administrator olga")
    );
}

#[tokio::test]
async fn an_administrator_manages_a_farms_members_and_the_last_owner_stays() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    app.person("olga", Role::Admin).await;
    let olga = signed_in(&app, "olga").await.agent;
    let path = format!("/admin/farms/{farm}");
    let page = open(&olga, &path).await;
    assert!(page.contains("olive") && page.contains("mia") && page.contains("sam"));
    let action = format!("/admin/farms/{farm}/members");
    let (_, _, page) = olga
        .submit(
            &page,
            &action,
            &[("username", "xavier"), ("role", "manager")],
        )
        .await
        .page();
    assert!(page.contains("The member is added."), "{page}");
    let (_, _, page) = olga
        .submit(&page, &action, &[("username", "nobody"), ("role", "staff")])
        .await
        .page();
    assert!(page.contains("No user named"), "{page}");
    let olive = app.user("olive").await;
    let before = app.member_rows(&farm).await;
    let action = format!("/admin/farms/{farm}/members/{}/remove", olive.id);
    let (_, _, page) = olga.submit(&page, &action, &[]).await.page();
    assert!(page.contains("at least one owner"), "{page}");
    assert_eq!(app.member_rows(&farm).await, before);
    // Someone without the admin role is kept out.
    let mia = signed_in(&app, "mia").await.agent;
    let (_, status, _) = mia.navigate("/admin/farms").await.page();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, status, _) = olga.navigate("/admin/farms/no-such-farm").await.page();
    assert_eq!(status, StatusCode::NOT_FOUND);
}
