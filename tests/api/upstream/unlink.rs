//! A person unlinks a provider on `/account/upstream`, unless it is the account's last way in;
//! the download of their data lists the providers linked.

use super::*;
use crate::support::csrf_of;

async fn unlink(agent: &UserAgent) -> String {
    let (_, _, page) = agent.navigate("/account/upstream").await.page();
    assert!(page.contains("Unlink Upstream Farm"), "{page}");
    let token = csrf_of(&page, "/account/upstream/unlink");
    let response = agent
        .post(
            "/account/upstream/unlink",
            &[("csrf_token", &token), ("provider", PROVIDER)],
        )
        .await;
    let (_, _, page) = agent.follow(response).await.page();
    page
}

#[tokio::test]
async fn the_only_way_into_an_account_cannot_be_unlinked() {
    let pair = Pair::new().await;
    let (agent, landing) = pair.sign_up().await;
    assert_signed_in(landing);
    let page = unlink(&agent).await;
    assert!(page.contains("your only way to sign in"), "{page}");
    assert!(pair.linked_account().await.is_some());
}

#[tokio::test]
async fn an_account_with_a_password_unlinks_a_provider() {
    let pair = Pair::new().await;
    let id = pair.down.person(CAROL, Role::Consumer).await;
    pair.link_to(&id).await;
    let (agent, landing) = pair.sign_in().await;
    assert_signed_in(landing);
    let page = unlink(&agent).await;
    assert!(page.contains("The provider is unlinked"), "{page}");
    assert_eq!(pair.linked_account().await, None);
}

#[tokio::test]
async fn unlinking_without_the_forms_token_is_refused() {
    let pair = Pair::new().await;
    let (agent, _) = pair.sign_up().await;
    let response = agent
        .post("/account/upstream/unlink", &[("provider", PROVIDER)])
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(pair.linked_account().await.is_some());
}

#[tokio::test]
async fn the_download_of_ones_data_lists_the_linked_providers() {
    let pair = Pair::new().await;
    let (agent, _) = pair.sign_up().await;
    let (_, _, page) = agent.navigate("/account").await.page();
    let token = csrf_of(&page, "/account/export");
    let answer = agent
        .post("/account/export", &[("csrf_token", &token)])
        .await;
    let data: serde_json::Value = answer.json().await.unwrap();
    let providers = &data["sign_in_providers"];
    assert_eq!(providers[0]["provider"], PROVIDER, "{data}");
    assert_eq!(providers[0]["subject"], pair.carol_sub.as_str());
}
