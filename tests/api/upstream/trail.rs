//! Upstream sign-ins, links and unlinks go to the audit trail, naming the provider.

use super::*;

#[tokio::test]
async fn sign_up_sign_in_and_link_by_upstream_are_in_the_trail() {
    let pair = Pair::new().await;
    pair.sign_up().await;
    pair.sign_in().await;
    let user = pair.linked_account().await.expect("linked");
    let linked = pair.down.trail("upstream.linked").await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].user_id.as_deref(), Some(user.as_str()));
    assert_eq!(linked[0].detail.as_deref(), Some("provider up"));
    let signups = pair.down.trail("signup").await;
    assert_eq!(signups[0].detail.as_deref(), Some("from provider up"));
    // The sign-in after the sign-up, and the one after that.
    let sign_ins = pair.down.trail("login.upstream").await;
    assert_eq!(sign_ins.len(), 2);
    assert!(sign_ins.iter().all(|e| e.outcome == "success"));
}
