//! An upstream sign-in is one factor (`fed`) of the state machine: the local second factor
//! still follows, unless the administrator trusts the provider's and its ID token shows one
//! (decision 134); an administrator's lock stops it like every way in.

use super::*;

/// A local Carol with a password and an authenticator app, linked to the upstream Carol.
async fn linked_carol_with_app(pair: &Pair) {
    let id = pair.down.person(CAROL, Role::Consumer).await;
    pair.down.authenticators.set_up(&pair.down, &id).await;
    pair.link_to(&id).await;
}

fn assert_second_step(landing: Landing) {
    let (path, _, page) = landing.page();
    assert!(path.starts_with("/login/second-factor"), "{path}\n{page}");
}

#[tokio::test]
async fn the_local_second_factor_follows_an_upstream_sign_in() {
    let pair = Pair::new().await;
    linked_carol_with_app(&pair).await;
    let (_, landing) = pair.sign_in().await;
    assert_second_step(landing);
}

#[tokio::test]
async fn the_upstreams_second_factor_counts_only_when_trusted() {
    let pair = Pair::new().await;
    linked_carol_with_app(&pair).await;
    pair.up
        .authenticators
        .set_up(&pair.up, &pair.carol_sub)
        .await;
    let (_, landing) = pair.sign_in().await;
    assert_second_step(landing);
}

#[tokio::test]
async fn a_trusted_provider_that_did_two_factors_skips_the_local_one() {
    let pair = Pair::with(Setup {
        trust_mfa: true,
        ..Setup::default()
    })
    .await;
    linked_carol_with_app(&pair).await;
    // Without the upstream's own second factor, trust changes nothing.
    let (_, landing) = pair.sign_in().await;
    assert_second_step(landing);
    pair.up
        .authenticators
        .set_up(&pair.up, &pair.carol_sub)
        .await;
    let (_, landing) = pair.sign_in().await;
    assert_signed_in(landing);
}

#[tokio::test]
async fn a_locked_account_is_not_signed_in_by_its_provider() {
    let pair = Pair::new().await;
    let id = pair.down.person(CAROL, Role::Consumer).await;
    pair.link_to(&id).await;
    let now = pair.down.clock.now();
    let locked = pair.down.store.set_user_lock(&id, Some((now, "test")), now);
    assert!(locked.await.unwrap());
    let (agent, landing) = pair.sign_in().await;
    let (path, _, page) = landing.page();
    assert!(path.starts_with("/login"), "{path}");
    assert!(page.contains("This account is locked"), "{page}");
    assert!(!crate::support::is_signed_in(&agent).await);
}
