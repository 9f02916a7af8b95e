//! Signing up as a farmer: the person and a pending farm they own, atomically; no farmer
//! powers until an administrator approves; a refusal is mailed with its reason and deletes
//! the farm; suspension and reactivation.

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::farms::{self, FarmError};
use farm_auth::accounts::signup::{self, Applicant, SignUp, SignUpError};
use farm_auth::accounts::users::Role;
use farm_auth::domain::FarmStatus;
use reqwest::StatusCode;

use crate::support::{PASSWORD, TEST_ORIGIN, TestApp, UserAgent};

fn farmer(username: &str, farm_name: &str) -> SignUp {
    SignUp {
        username: username.into(),
        email: format!("{username}@farm.example"),
        password: Some(PASSWORD.into()),
        role: "farmer".into(),
        farm_name: farm_name.into(),
    }
}

/// `username` signed up as a farmer of `farm_name`: the pending farm's id.
async fn signed_up(app: &TestApp, username: &str, farm_name: &str) -> String {
    signup::sign_up(
        &app.state,
        &TEST_ORIGIN,
        &Applicant::App("tests".into()),
        farmer(username, farm_name),
    )
    .await
    .expect("signed up")
    .farm_id
    .expect("a farm")
}

#[tokio::test]
async fn a_farmer_signs_up_with_a_pending_farm_and_stays_a_consumer_until_approval() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let (_, _, page) = agent.navigate("/signup").await.page();
    assert!(page.contains("name=\"farm_name\""), "{page}");
    assert!(page.contains("<label for=\"farm_name\""), "{page}");
    let landing = agent
        .submit(
            &page,
            "/signup",
            &[
                ("username", "fern"),
                ("email", "fern@farm.example"),
                ("password", PASSWORD),
                ("role", "farmer"),
                ("farm_name", "  Fern Hollow  "),
            ],
        )
        .await;
    assert_eq!(landing.page().0, "/account");
    let fern = app.user("fern").await;
    assert_eq!(fern.roles, vec!["consumer"]);
    let farms = app.store.memberships_of(&fern.id).await.unwrap();
    assert_eq!(farms.len(), 1);
    assert_eq!(farms[0].farm.name.as_str(), "Fern Hollow");
    assert_eq!(farms[0].farm.status, FarmStatus::Pending);
    assert_eq!(farms[0].role, farm_auth::domain::FarmRole::Owner);
    assert_eq!(app.trail("farm.created").await.len(), 1);

    farms::approve(&app.state, &farms[0].farm.id, Actor::CommandLine)
        .await
        .unwrap();
    assert_eq!(app.user("fern").await.roles, vec!["farmer"]);
    assert_eq!(
        app.farm_status(&farms[0].farm.id).await.as_deref(),
        Some("active")
    );
    let mail = app.wait_for_mail("fern@farm.example", 2).await;
    assert!(mail.contains("approved"), "{mail}");
    assert_eq!(app.trail("farm.approved").await.len(), 1);
}

#[tokio::test]
async fn a_farmer_without_a_farm_name_is_refused_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    for name in ["", "   ", "a\0b", "Farm\u{202e}moc", &"x".repeat(101)] {
        let refused = signup::sign_up(
            &app.state,
            &TEST_ORIGIN,
            &Applicant::App("tests".into()),
            farmer("fern", name),
        )
        .await;
        assert!(matches!(refused, Err(SignUpError::FarmName(_))), "{name:?}");
    }
    assert!(
        app.store
            .find_user_by_username("fern")
            .await
            .unwrap()
            .is_none()
    );
    assert!(farms::list(&app.state, None).await.unwrap().is_empty());
    // The account API says so with a 400, never a 500.
    let client = app.machine_client("account").await;
    let token = app.access_token(&client, Some("account")).await;
    let body = serde_json::json!({"username": "fern", "email": "fern@farm.example",
        "password": PASSWORD, "role": "farmer", "farm_name": "\u{0}"});
    let response = crate::support::send_json(
        &app,
        reqwest::Method::POST,
        "/api/v1/users",
        Some(&token),
        &body,
    )
    .await;
    crate::support::assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_farm_name").await;
    assert!(
        app.store
            .find_user_by_username("fern")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_taken_username_leaves_no_farm_behind() {
    let app = TestApp::spawn().await;
    app.person("fern", Role::Consumer).await;
    let refused = signup::sign_up(
        &app.state,
        &TEST_ORIGIN,
        &Applicant::App("tests".into()),
        farmer("fern", "Fern Hollow"),
    )
    .await;
    assert!(refused.is_err());
    assert!(farms::list(&app.state, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_farm_is_deleted_its_owner_told_why_and_kept_as_a_consumer() {
    let app = TestApp::spawn().await;
    let farm = signed_up(&app, "fern", "Fern Hollow").await;
    let refused = farms::reject(&app.state, &farm, " \u{0} ", Actor::CommandLine).await;
    assert!(
        matches!(refused, Err(FarmError::Invalid(_))),
        "a reason is required"
    );
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("pending"));
    farms::reject(
        &app.state,
        &farm,
        "We could not find the farm's address.",
        Actor::CommandLine,
    )
    .await
    .unwrap();
    assert_eq!(app.farm_status(&farm).await, None);
    let fern = app.user("fern").await;
    assert_eq!(fern.roles, vec!["consumer"]);
    let mail = app.wait_for_mail("fern@farm.example", 2).await;
    assert!(mail.contains("could not find the farm"), "{mail}");
    assert_eq!(app.trail("farm.rejected").await.len(), 1);
}

#[tokio::test]
async fn only_a_pending_farm_is_approved_or_refused_and_only_an_active_one_suspended() {
    let app = TestApp::spawn().await;
    let farm = signed_up(&app, "fern", "Fern Hollow").await;
    let cli = Actor::CommandLine;
    let suspended = farms::suspend(&app.state, &farm, "fraud", cli).await;
    assert!(matches!(suspended, Err(FarmError::WrongStatus(_))));
    assert!(matches!(
        farms::reactivate(&app.state, &farm, cli).await,
        Err(FarmError::WrongStatus(_))
    ));
    farms::approve(&app.state, &farm, cli).await.unwrap();
    assert!(matches!(
        farms::approve(&app.state, &farm, cli).await,
        Err(FarmError::WrongStatus(_))
    ));
    let refused = farms::reject(&app.state, &farm, "late", cli).await;
    assert!(matches!(refused, Err(FarmError::WrongStatus(_))));
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("active"));
    farms::suspend(&app.state, &farm, "Unpaid invoices", cli)
        .await
        .unwrap();
    let stored = app.store.find_farm(&farm).await.unwrap().unwrap();
    assert_eq!(stored.status, FarmStatus::Suspended);
    assert_eq!(stored.status_reason.as_deref(), Some("Unpaid invoices"));
    // The members keep their accounts.
    assert!(
        app.store
            .find_user_by_username("fern")
            .await
            .unwrap()
            .is_some()
    );
    farms::reactivate(&app.state, &farm, cli).await.unwrap();
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("active"));
    for event in ["farm.suspended", "farm.reactivated"] {
        assert_eq!(app.trail(event).await.len(), 1, "{event}");
    }
    assert!(matches!(
        farms::approve(&app.state, "\0", cli).await,
        Err(FarmError::NoSuchFarm)
    ));
}

#[tokio::test]
async fn pending_farms_are_listed_first() {
    let app = TestApp::spawn().await;
    app.person("olive", Role::Consumer).await;
    let active = app.active_farm("Alpha", "olive").await;
    app.clock.advance(5);
    let pending = signed_up(&app, "fern", "Zeta").await;
    let listed: Vec<String> = farms::list(&app.state, None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(listed, vec![pending.clone(), active]);
    let only = farms::list(&app.state, Some(FarmStatus::Pending))
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
}
