//! The callback believes nothing it did not start: a wrong `state`, a callback used twice,
//! an ID token for another `nonce`, and a provider's refusal sign no one in.

use super::*;
use crate::support::is_signed_in;

fn assert_refused(landing: Landing, says: &str) {
    let (path, status, page) = landing.page();
    assert!(path.starts_with("/login/upstream/callback"), "{path}");
    assert_eq!(status.as_u16(), 400, "{page}");
    assert!(page.contains(says), "{page}");
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused_and_ends_the_attempt() {
    let pair = Pair::new().await;
    let agent = UserAgent::new(&pair.down);
    let there = pair.start(&agent, None).await;
    let back = pair.at_upstream(&there).await;
    let forged = with_param(&back, "state", "guessed-state");
    assert_refused(
        agent.navigate(forged.as_str()).await,
        "did not start in this browser",
    );
    // The attempt was taken out before the check: the real callback is no use now either.
    assert_refused(agent.navigate(back.as_str()).await, "expired or was used");
    pair.assert_nobody_signed_in(&agent).await;
}

#[tokio::test]
async fn a_callback_replayed_after_a_sign_in_is_refused() {
    let pair = Pair::new().await;
    pair.sign_up().await;
    let agent = UserAgent::new(&pair.down);
    let there = pair.start(&agent, None).await;
    let back = pair.at_upstream(&there).await;
    assert_signed_in(agent.navigate(back.as_str()).await);
    let other = UserAgent::new(&pair.down);
    let (path, status, _) = other.navigate(back.as_str()).await.page();
    assert_eq!(
        (
            path.starts_with("/login/upstream/callback"),
            status.as_u16()
        ),
        (true, 400)
    );
    assert_refused(agent.navigate(back.as_str()).await, "expired or was used");
    assert!(!is_signed_in(&other).await);
}

#[tokio::test]
async fn an_id_token_for_another_nonce_is_refused() {
    let pair = Pair::new().await;
    let agent = UserAgent::new(&pair.down);
    let there = pair.start(&agent, None).await;
    let tampered = with_param(&there, "nonce", "a-nonce-the-downstream-never-made");
    let back = pair.at_upstream(&tampered).await;
    assert_refused(agent.navigate(back.as_str()).await, "could not be checked");
    pair.assert_nobody_signed_in(&agent).await;
}

#[tokio::test]
async fn a_refusal_from_the_provider_signs_no_one_in() {
    let pair = Pair::new().await;
    let agent = UserAgent::new(&pair.down);
    let there = pair.start(&agent, None).await;
    let state = Landing::param(&there, "state").expect("a state");
    let back = format!("/login/upstream/callback?error=access_denied&state={state}");
    assert_refused(agent.navigate(&back).await, "did not sign you in");
    assert!(!is_signed_in(&agent).await);
}
