//! Administrators configure and delete providers in the console; the secret is typed once
//! and never shown.

use super::*;
use crate::support::signed_in;

const SECRET: &str = "typed once in the console";

#[tokio::test]
async fn an_administrator_adds_and_deletes_a_provider_in_the_console() {
    let app = TestApp::spawn().await;
    app.person("root", Role::Admin).await;
    let agent = signed_in(&app, "root").await.agent;
    let (_, _, page) = agent.navigate("/admin/upstreams").await.page();
    assert!(page.contains("/login/upstream/callback"), "{page}");
    let fields = [
        ("id", "google"),
        ("label", "Google"),
        ("issuer", "https://accounts.google.com"),
        ("client_id", "farm-auth.apps"),
        ("client_secret", SECRET),
        ("trust_mfa", "yes"),
    ];
    let (path, _, page) = agent
        .submit(&page, "/admin/upstreams", &fields)
        .await
        .page();
    assert_eq!(path, "/admin/upstreams");
    assert!(page.contains("Google is configured"), "{page}");
    assert!(!page.contains(SECRET));
    let stored = app.store.find_upstream("google").await.unwrap().unwrap();
    assert_eq!(
        (stored.client_secret.as_str(), stored.trust_mfa),
        (SECRET, true)
    );
    let action = "/admin/upstreams/google/delete";
    let (_, _, page) = agent
        .submit(&page, action, &[("confirm", "nope")])
        .await
        .page();
    assert!(page.contains("Type the provider"), "{page}");
    assert!(app.store.find_upstream("google").await.unwrap().is_some());
    let (_, _, page) = agent
        .submit(&page, action, &[("confirm", "google")])
        .await
        .page();
    assert!(page.contains("google is deleted"), "{page}");
    assert!(app.store.find_upstream("google").await.unwrap().is_none());
}
