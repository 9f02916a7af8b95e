//! An upstream sign-in proves who the person is only as freshly as the provider says (its
//! `auth_time`, decision 159): the provider's old session signs a browser in, but does not
//! stand for the password of an account without one; "Sign in again" asks the provider for
//! a fresh sign-in (`max_age=0`), and that one does.

use farm_auth::accounts::reconfirm::RECENT_SIGN_IN_SECS;

use super::*;

/// `agent` at the downstream signs in with the upstream, where `at_up` is Carol's browser
/// (signed in there already, or signing in now): where `agent` lands.
async fn through(pair: &Pair, agent: &UserAgent, at_up: &UserAgent) -> Landing {
    let there = pair.start(agent, None).await;
    let back = match at_up.navigate(there.as_str()).await {
        Landing::Client(url) => url,
        page => match at_up.log_in(page, CAROL, PASSWORD).await {
            Landing::Client(url) => url,
            page => at_up.consent(page, "allow").await.client(),
        },
    };
    agent.navigate(back.as_str()).await
}

async fn delete_own_account(agent: &UserAgent) -> String {
    let (_, _, page) = agent.navigate("/account").await.page();
    let fields = [("confirm", "delete")];
    let (_, _, after) = agent.submit(&page, "/account/delete", &fields).await.page();
    after
}

#[tokio::test]
async fn a_providers_old_session_signs_in_but_confirms_nothing_until_a_fresh_sign_in() {
    let pair = Pair::with(Setup {
        shared_clock: true,
        ..Setup::default()
    })
    .await;
    pair.sign_up().await;
    let at_up = UserAgent::new(&pair.up);
    assert_signed_in(through(&pair, &UserAgent::new(&pair.down), &at_up).await);

    // Later, another browser at the downstream rides Carol's session at the provider.
    pair.up.clock.advance(RECENT_SIGN_IN_SECS + 60);
    let later = UserAgent::new(&pair.down);
    assert_signed_in(through(&pair, &later, &at_up).await);
    let page = delete_own_account(&later).await;
    assert!(
        page.contains("sign in again, then make the change"),
        "{page}"
    );
    assert!(pair.linked_account().await.is_some(), "nothing was deleted");

    // "Sign in again" asks the provider for a sign-in made now.
    let (_, _, page) = later.navigate("/account").await.page();
    let (path, _, _) = later
        .submit(&page, "/account/sign-in-again", &[])
        .await
        .page();
    assert_eq!(path, "/login");
    let there = pair.start(&later, None).await;
    assert_eq!(Landing::param(&there, "max_age").as_deref(), Some("0"));
    let landing = at_up.navigate(there.as_str()).await;
    let (_, _, login) = landing.page();
    assert!(
        login.contains("autocomplete=\"current-password\""),
        "{login}"
    );
    assert_signed_in(through(&pair, &later, &at_up).await);
    let page = delete_own_account(&later).await;
    assert!(page.contains("Your account is deleted"), "{page}");
}
