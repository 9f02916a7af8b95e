//! Recovery codes: each signs in once however it is typed (and once only when two browsers
//! give it at once), malformed ones give the form back, and new ones need the password and
//! replace the old ones.

use farm_auth::accounts::users::Role;

use super::*;
use crate::support::{
    PASSWORD, TestApp, code_from, enrol, give_code, password_step, recovery_codes_on, token_json,
};

#[tokio::test]
async fn malformed_recovery_codes_give_the_form_back_with_an_error() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, mut page) = password_step(&app, "marigold").await;
    let long = "A".repeat(10 * 1024);
    let nul = format!("{}{}", &enrolled.recovery_codes[0][..18], '\0');
    for code in [
        "",
        "ABCD",
        long.as_str(),
        nul.as_str(),
        "ABCD-EFGH-JKMN-PQRS",
    ] {
        page = assert_refused(give_code(&agent, &page, "recovery", code).await, WRONG_CODE);
    }
    assert_signed_out(&agent).await;
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 10);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_however_it_is_typed() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    let enrolled = enrol(&app, "marigold").await;
    let codes = &enrolled.recovery_codes;

    let (agent, page) = password_step(&app, "marigold").await;
    let (path, _, account) = give_code(&agent, &page, "recovery", &codes[0]).await.page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("You have 9 unused recovery codes."),
        "{account}"
    );
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 9);

    // Used once.
    let (again, page) = password_step(&app, "marigold").await;
    assert_refused(
        give_code(&again, &page, "recovery", &codes[0]).await,
        WRONG_CODE,
    );
    assert_signed_out(&again).await;

    // Lower case, with spaces for the hyphens, through an authorization request.
    let typed = codes[1].to_lowercase().replace('-', " ");
    let landing = again
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (_, _, page) = again.log_in(landing, "marigold", PASSWORD).await.page();
    let landing = give_code(&again, &page, "recovery", &typed).await;
    let back = again.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(&app, &back)).await).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    let (_, _, account) = again.navigate("/account").await.page();
    assert!(
        account.contains("You have 8 unused recovery codes."),
        "{account}"
    );
}

#[tokio::test]
async fn new_recovery_codes_need_the_password_and_replace_the_old_ones() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let old = enrolled.recovery_codes;
    let agent = enrolled.agent;

    let (_, _, account) = agent.navigate("/account").await.page();
    let (path, _, account) = agent
        .submit(
            &account,
            "/account/recovery-codes",
            &[("password", "not my password")],
        )
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("Your current password is not right."),
        "{account}"
    );
    assert!(account.contains("You have 10 unused recovery codes."));

    let (path, _, page) = agent
        .submit(
            &account,
            "/account/recovery-codes",
            &[("password", PASSWORD)],
        )
        .await
        .page();
    assert_eq!(path, "/account/recovery-codes", "{page}");
    let new = recovery_codes_on(&page);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)));
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 10);
    let (path, _, _) = agent.navigate("/account/recovery-codes").await.page();
    assert_eq!(path, "/account");

    // The old codes stop working; the new ones work.
    let (other, page) = password_step(&app, "marigold").await;
    let page = assert_refused(
        give_code(&other, &page, "recovery", &old[3]).await,
        WRONG_CODE,
    );
    let (path, _, _) = give_code(&other, &page, "recovery", &new[3]).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn the_same_recovery_code_given_by_two_browsers_at_once_signs_in_only_one() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let code = &enrolled.recovery_codes[7];
    let (first, first_page) = password_step(&app, "marigold").await;
    let (second, second_page) = password_step(&app, "marigold").await;

    let (a, b) = tokio::join!(
        give_code(&first, &first_page, "recovery", code),
        give_code(&second, &second_page, "recovery", code),
    );
    let mut paths = [a.page().0, b.page().0];
    paths.sort();
    assert_eq!(paths, ["/account", "/login/second-factor"]);
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 9);
}
