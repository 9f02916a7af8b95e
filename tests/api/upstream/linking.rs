//! An account is never linked on its address alone: the provider must vouch for the
//! address, and the person must sign in to the local account (its password) first.

use super::*;
use crate::support::is_signed_in;

/// A local Carol with a password and the same address, confirmed: her account id.
async fn local_carol(pair: &Pair) -> String {
    let id = pair.down.person(CAROL, Role::Consumer).await;
    let now = pair.down.clock.now();
    let confirmed = pair.down.store.set_email_verified(&id, CAROL_EMAIL, now);
    assert!(confirmed.await.unwrap());
    id
}

#[tokio::test]
async fn an_account_with_the_vouched_address_is_linked_only_after_its_password() {
    let pair = Pair::new().await;
    let local = local_carol(&pair).await;
    let (agent, landing) = pair.sign_in().await;
    let (_, status, page) = landing.page();
    assert_eq!(status.as_u16(), 200);
    assert!(page.contains("You already have an account"), "{page}");
    assert!(!is_signed_in(&agent).await);
    assert_eq!(
        pair.linked_account().await,
        None,
        "not linked on the address"
    );
    let login = agent.navigate("/login").await;
    assert_signed_in(agent.log_in(login, CAROL, PASSWORD).await);
    assert_eq!(pair.linked_account().await, Some(local));
    let (_, landing) = pair.sign_in().await;
    assert_signed_in(landing);
    // A link the person did not make would not go unnoticed: a notice to the address.
    let notice = pair.down.wait_for_mail(CAROL_EMAIL, 1).await;
    assert!(notice.contains("Subject: A change to how you sign in"));
    let words = "Sign-in with Upstream Farm was linked to your account";
    assert!(notice.contains(words), "{notice}");
}

#[tokio::test]
async fn a_wrong_password_links_nothing() {
    let pair = Pair::new().await;
    local_carol(&pair).await;
    let (agent, _) = pair.sign_in().await;
    let login = agent.navigate("/login").await;
    let (path, _, _) = agent.log_in(login, CAROL, "not her password").await.page();
    assert!(path.starts_with("/login"), "{path}");
    assert_eq!(pair.linked_account().await, None);
}

#[tokio::test]
async fn an_address_the_provider_does_not_vouch_for_links_nothing_and_makes_no_account() {
    let pair = Pair::with(Setup {
        unconfirmed: true,
        ..Setup::default()
    })
    .await;
    local_carol(&pair).await;
    let (agent, landing) = pair.sign_in().await;
    let (_, status, page) = landing.page();
    assert_eq!(status.as_u16(), 409, "{page}");
    assert!(page.contains("does not vouch for it"), "{page}");
    // Signing in to the local account afterwards links nothing either.
    let login = agent.navigate("/login").await;
    assert_signed_in(agent.log_in(login, CAROL, PASSWORD).await);
    assert_eq!(pair.linked_account().await, None);
}

/// Carol, signed in locally with her password, links the upstream from her account page
/// with `password`: where her browser is sent (the provider, or back to the page).
async fn link_from_account(pair: &Pair, password: &str) -> (UserAgent, Landing) {
    let agent = crate::support::signed_in(&pair.down, CAROL).await.agent;
    let (_, _, page) = agent.navigate("/account/upstream").await.page();
    let fields = [("provider", PROVIDER), ("password", password)];
    let landing = agent.submit(&page, "/account/upstream/link", &fields).await;
    (agent, landing)
}

#[tokio::test]
async fn a_signed_in_person_links_a_provider_after_their_password() {
    let pair = Pair::new().await;
    let local = pair.down.person(CAROL, Role::Consumer).await;
    let (agent, landing) = link_from_account(&pair, PASSWORD).await;
    let back = pair.at_upstream(&landing.client()).await;
    let (path, _, page) = agent.navigate(back.as_str()).await.page();
    assert_eq!(path, "/account/upstream");
    assert!(page.contains("The provider is linked"), "{page}");
    assert_eq!(pair.linked_account().await, Some(local));
}

#[tokio::test]
async fn linking_from_the_account_page_with_a_wrong_password_goes_nowhere() {
    let pair = Pair::new().await;
    pair.down.person(CAROL, Role::Consumer).await;
    let (_, landing) = link_from_account(&pair, "not her password").await;
    let (path, _, page) = landing.page();
    assert_eq!(path, "/account/upstream");
    assert!(
        page.contains("Your current password is not right"),
        "{page}"
    );
    assert_eq!(pair.linked_account().await, None);
}

/// A provider linked in the last seven days is offered for removal after a password reset,
/// like a passkey: whoever had the password may have linked their own (decision 160).
#[tokio::test]
async fn a_reset_offers_to_unlink_a_provider_linked_recently() {
    use crate::support::{ask_for_reset, choose_password, open_reset_form, reset_link};
    let pair = Pair::new().await;
    let local = pair.down.person(CAROL, Role::Consumer).await;
    let (agent, landing) = link_from_account(&pair, PASSWORD).await;
    let back = pair.at_upstream(&landing.client()).await;
    agent.navigate(back.as_str()).await;
    assert_eq!(pair.linked_account().await, Some(local));

    pair.down.clock.advance(86_400);
    ask_for_reset(&pair.down, &format!("{CAROL}@farm.example")).await;
    let link = reset_link(&pair.down, CAROL, 1).await;
    let browser = UserAgent::new(&pair.down);
    let form = open_reset_form(&browser, &link).await;
    let (path, _, page) = choose_password(&browser, &form, "a brand new phrase 77").await;
    assert_eq!(path, "/password/reset/review", "{page}");
    assert!(page.contains("Sign-in with Upstream Farm"), "{page}");
    let key = format!("upstream:{PROVIDER}");
    let fields = [("factor", key.as_str())];
    let (_, _, page) = browser
        .submit(&page, "/password/reset/review", &fields)
        .await
        .page();
    assert!(!page.contains("Sign-in with Upstream Farm"), "{page}");
    assert_eq!(pair.linked_account().await, None);
}
