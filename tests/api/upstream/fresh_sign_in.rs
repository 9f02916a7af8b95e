//! A sign-in that must be fresh (OpenID Connect Core §3.1.2.1 `prompt=login`, `max_age`;
//! the console's step-up) is asked of the provider as one, and the provider's `auth_time`
//! must show it: its older session does not stand in for a sign-in asked to happen now.

use super::*;
use crate::support::hidden_fields;

/// Starts a sign-in at the downstream for a request with `extra` parameters, and follows it
/// to the upstream: where the browser is sent.
async fn started_with(pair: &Pair, agent: &UserAgent, extra: &[(&str, &str)]) -> Url {
    let client = pair.down.web_client("openid").await;
    let login = agent
        .navigate(&pair.down.authorize_url(&client, "openid", extra))
        .await;
    let (_, _, page) = login.page();
    let fields = hidden_fields(&page, "/login");
    let request = fields.iter().find(|(n, _)| n == "request").map(|(_, v)| v);
    pair.start(agent, request.map(String::as_str)).await
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn prompt_login_is_passed_on_and_a_fresh_upstream_sign_in_counts() {
    let pair = Pair::new().await;
    let agent = UserAgent::new(&pair.down);
    let there = started_with(&pair, &agent, &[("prompt", "login")]).await;
    assert_eq!(param(&there, "prompt").as_deref(), Some("login"), "{there}");
    assert_eq!(param(&there, "max_age").as_deref(), Some("0"), "{there}");
    let back = pair.at_upstream(&there).await;
    let (path, _, page) = agent.navigate(back.as_str()).await.page();
    assert!(path.starts_with("/login/upstream/signup"), "{path}: {page}");
}

#[tokio::test]
async fn max_age_is_passed_on_and_an_ordinary_request_asks_for_nothing() {
    let pair = Pair::new().await;
    let agent = UserAgent::new(&pair.down);
    let there = started_with(&pair, &agent, &[("max_age", "300")]).await;
    assert_eq!(param(&there, "max_age").as_deref(), Some("300"), "{there}");
    assert_eq!(param(&there, "prompt"), None, "{there}");
    let plain = started_with(&pair, &UserAgent::new(&pair.down), &[]).await;
    assert_eq!(param(&plain, "max_age"), None, "{plain}");
    assert_eq!(param(&plain, "prompt"), None, "{plain}");
}

#[tokio::test]
async fn an_upstream_sign_in_older_than_the_request_allows_is_refused() {
    let pair = Pair::new().await;
    let agent = UserAgent::new(&pair.down);
    // The downstream's clock runs an hour ahead of the upstream's: the upstream's sign-in
    // happens now by its own clock, which the downstream reads as an hour old, against a
    // request for one at most five minutes old (as a provider that ignored max_age and
    // answered from an old session would look).
    pair.down.clock.advance(3600);
    let there = started_with(&pair, &agent, &[("max_age", "300")]).await;
    let back = pair.at_upstream(&there).await;
    let (_, status, page) = agent.navigate(back.as_str()).await.page();
    assert_eq!(status.as_u16(), 400, "{page}");
    assert!(page.contains("needs one made now"), "{page}");
    pair.assert_nobody_signed_in(&agent).await;
}
