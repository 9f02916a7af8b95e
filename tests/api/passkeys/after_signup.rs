//! A passkey offered right after sign-up: on the account page, or on the consent page when
//! the sign-up serves an authorization request, added without typing the password again
//! while the offer stands (ten minutes, once). A session that did not sign up is asked for
//! the password as before (`ceremonies::adding_a_passkey_needs_the_password`).

use reqwest::StatusCode;
use serde_json::json;

use super::{
    REGISTER_FINISH, REGISTER_START, account_page, assert_refused, data_csrf, data_request,
    passkey_app, post_json,
};
use crate::support::{
    PASSWORD, SoftAuthenticator, TestApp, UserAgent, hidden_fields, post_signup, post_signup_form,
    solve_challenge,
};
use farm_auth::accounts::users::Role;

/// The block the offer is shown in (hidden until the script finds WebAuthn).
const OFFER: &str = r#"<section class="passkey offer""#;

/// Adds a passkey from the offer on `page` without the password; the reply's `next`.
async fn take_offer(
    app: &TestApp,
    agent: &UserAgent,
    page: &str,
    authenticator: &mut SoftAuthenticator,
) -> String {
    let offer = &page[page
        .find(OFFER)
        .unwrap_or_else(|| panic!("no offer:\n{page}"))..];
    let csrf = data_csrf(offer);
    let (status, options) = post_json(app, agent, REGISTER_START, &csrf, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let credential = authenticator.register(&options, &app.issuer).unwrap();
    let body = json!({ "name": "My passkey", "credential": credential });
    let (status, reply) = post_json(app, agent, REGISTER_FINISH, &csrf, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    reply["next"].as_str().expect("next").to_string()
}

#[tokio::test]
async fn after_sign_up_the_account_page_offers_a_passkey_once_without_the_password() {
    let app = passkey_app().await;
    let agent = UserAgent::new(&app);
    let landing = agent.follow(post_signup(&agent, "olga").await).await;
    let (path, _, page) = landing.page();
    assert_eq!(path, "/account");
    assert!(page.contains(OFFER), "{page}");
    assert!(page.contains("Add a passkey now?"), "{page}");

    let mut authenticator = SoftAuthenticator::default();
    let next = take_offer(&app, &agent, &page, &mut authenticator).await;
    assert_eq!(next, "/account");
    let page = account_page(&agent).await;
    assert!(page.contains("<strong>My passkey</strong>"), "{page}");
    assert!(!page.contains(OFFER), "the offer served once:\n{page}");

    // A second passkey asks for the password again.
    let csrf = data_csrf(&page);
    let reply = post_json(&app, &agent, REGISTER_START, &csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_offer_runs_out_after_ten_minutes() {
    let app = passkey_app().await;
    let agent = UserAgent::new(&app);
    agent.follow(post_signup(&agent, "pia").await).await;
    app.clock.advance(601);
    let page = account_page(&agent).await;
    assert!(!page.contains(OFFER), "{page}");
    let csrf = data_csrf(&page);
    let reply = post_json(&app, &agent, REGISTER_START, &csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_sign_up_for_an_application_offers_the_passkey_on_the_consent_page_and_goes_on() {
    let app = passkey_app().await;
    let client = app.web_client("openid profile").await;
    let agent = UserAgent::new(&app);
    let (_, _, login) = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await
        .page();
    let request = data_request(&login);
    let page = agent
        .get(&format!("/signup?request={request}"))
        .await
        .text()
        .await
        .unwrap();
    let mut form = hidden_fields(&page, "/signup");
    for (name, value) in [
        ("username", "rosa"),
        ("email", "rosa@farm.example"),
        ("password", "a crop of turnips 9"),
        ("role", "consumer"),
    ] {
        form.push((name.into(), value.into()));
    }
    solve_challenge(&mut form);
    let landing = agent.follow(post_signup_form(&agent, &form).await).await;
    let (path, _, page) = landing.page();
    assert!(path.starts_with("/consent"), "{path}:\n{page}");
    assert!(page.contains(OFFER), "{page}");
    let next = format!("/consent?request={request}");
    assert!(page.contains(&format!(r#"data-next="{next}""#)), "{page}");

    let mut authenticator = SoftAuthenticator::default();
    take_offer(&app, &agent, &page, &mut authenticator).await;
    // The script goes back to the consent page: no offer now, and the request goes on.
    let landing = agent.navigate(&next).await;
    let (_, status, page) = landing.page();
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(OFFER), "{page}");
    let back = agent
        .consent(agent.navigate(&next).await, "allow")
        .await
        .client();
    assert!(back.query().unwrap_or_default().contains("code="), "{back}");
    let user = app
        .store
        .find_user_by_username("rosa")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.store.list_passkeys(&user.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_registration_started_by_one_account_is_not_finished_by_the_next_one_signed_in_here() {
    // Someone signs up a throwaway account, starts adding a passkey without the password
    // (the offer), then signs in here as someone else: the passkey must not become theirs.
    let app = passkey_app().await;
    let victim = app.person("vera", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let landing = agent.follow(post_signup(&agent, "mallory").await).await;
    let (_, _, page) = landing.page();
    let offer = &page[page.find(OFFER).expect("the offer")..];
    let csrf = data_csrf(offer);
    let (status, options) = post_json(&app, &agent, REGISTER_START, &csrf, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let credential = SoftAuthenticator::default()
        .register(&options, &app.issuer)
        .unwrap();

    // An application asks for a fresh sign-in, and the person signs in as the victim.
    let client = app.web_client("openid").await;
    let url = app.authorize_url(&client, "openid", &[("prompt", "login")]);
    let login = agent.navigate(&url).await;
    agent.log_in(login, "vera", PASSWORD).await;
    let page = account_page(&agent).await;
    assert!(
        !page.contains(OFFER),
        "the offer was the other account's:\n{page}"
    );
    let csrf = data_csrf(&page);
    let body = json!({ "name": "Planted", "credential": credential });
    let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(app.store.list_passkeys(&victim).await.unwrap().is_empty());
}
