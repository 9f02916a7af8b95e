//! An upstream sign-in is one factor (`fed`): the local second factor still follows, unless
//! the administrator trusts the provider's and its ID token shows one (decision 134).

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
