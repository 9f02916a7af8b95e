//! A first upstream sign-in makes an account (no password, linked); later ones use the link;
//! the downstream's own ID tokens say `amr` `fed`.

use super::*;
use crate::support::{code_from, hidden_fields, token_json};

#[tokio::test]
async fn a_first_sign_in_makes_a_linked_account_without_a_password() {
    let pair = Pair::new().await;
    let (_, landing) = pair.sign_up().await;
    assert_signed_in(landing);
    let user = pair.down.store.find_user_by_username(CAROL).await.unwrap();
    let user = user.expect("an account named after the upstream's preferred username");
    assert_eq!(user.password_hash, None);
    assert_eq!(user.email, CAROL_EMAIL);
    assert!(user.email_verified, "the upstream vouched for the address");
    assert_eq!(pair.linked_account().await, Some(user.id));
}

#[tokio::test]
async fn a_second_sign_in_uses_the_link_and_makes_no_other_account() {
    let pair = Pair::new().await;
    pair.sign_up().await;
    let first = pair.linked_account().await;
    let (_, landing) = pair.sign_in().await;
    assert_signed_in(landing);
    assert_eq!(pair.linked_account().await, first);
    let named = pair
        .down
        .store
        .find_user_by_username("carol1")
        .await
        .unwrap();
    assert!(named.is_none());
}

#[tokio::test]
async fn an_address_the_provider_does_not_vouch_for_makes_no_account() {
    // Anyone could otherwise make an account in someone else's name in advance, at a
    // provider that vouches for nothing, and keep its link after the owner's reset.
    let pair = Pair::with(Setup {
        unconfirmed: true,
        ..Setup::default()
    })
    .await;
    let (_, landing) = pair.sign_in().await;
    let (path, status, page) = landing.page();
    assert_eq!(status.as_u16(), 409, "{path}: {page}");
    assert!(page.contains("does not vouch for it"), "{page}");
    let user = pair.down.store.find_user_by_username(CAROL).await.unwrap();
    assert!(user.is_none(), "no account was made");
    assert_eq!(pair.linked_account().await, None);
}

#[tokio::test]
async fn the_authorization_request_goes_on_and_its_id_token_says_fed() {
    let pair = Pair::new().await;
    let client = pair.down.web_client("openid").await;
    let agent = UserAgent::new(&pair.down);
    let login = agent
        .navigate(&pair.down.authorize_url(&client, "openid", &[]))
        .await;
    let (_, _, page) = login.page();
    assert!(page.contains("Continue with Upstream Farm"), "{page}");
    let fields = hidden_fields(&page, "/login");
    let request = fields.iter().find(|(n, _)| n == "request").map(|(_, v)| v);
    let there = pair.start(&agent, request.map(String::as_str)).await;
    let back = pair.at_upstream(&there).await;
    let (path, _, page) = agent.navigate(back.as_str()).await.page();
    assert!(path.starts_with("/login/upstream/signup"), "{path}");
    let landing = take_offered_username(&agent, &page).await;
    let back = agent.consent(landing, "allow").await.client();
    let code = code_from(&pair.down, &back);
    let tokens = token_json(pair.down.exchange_code(&client, &code).await).await;
    let id_token = tokens["id_token"].as_str().expect("an ID token");
    let claims = pair.down.verify_id_token(&client, id_token).await;
    assert_eq!(claims["amr"], serde_json::json!(["fed"]));
}
