//! Sign-up is limited before anything costly is done (DECISIONS §86): per address (fewer
//! without the proof of work), per app on the account API, and overall. Over a limit the
//! answer is 429 (this network) or 503 (everyone) with `Retry-After`, and nothing is
//! created, hashed or mailed.

use farm_auth::accounts::signup_challenge::MIN_FILL_SECS;
use reqwest::header::{LOCATION, RETRY_AFTER};
use reqwest::{Response, StatusCode};

use crate::support::{
    Options, TestApp, UserAgent, browser_at, post_signup, post_signup_form, signup_form,
};

fn behind_proxy() -> Options {
    Options {
        trusted_proxies: Some("127.0.0.1/32".into()),
        ..Default::default()
    }
}

/// Seconds of `Retry-After`, asserting there is one.
fn retry_after(response: &Response) -> i64 {
    response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds")
}

fn signed_up(response: &Response) -> bool {
    response.status() == StatusCode::SEE_OTHER && response.headers()[LOCATION] == "/account"
}

async fn exists(app: &TestApp, username: &str) -> bool {
    app.store
        .find_user_by_username(username)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn past_twenty_sign_ups_an_hour_from_one_address_the_next_is_answered_429_and_creates_nothing()
 {
    let app = TestApp::spawn_with(behind_proxy()).await;
    let household = browser_at(&app, "198.51.100.7");
    for n in 0..20 {
        let response = post_signup(&household, &format!("person{n}")).await;
        assert!(signed_up(&response), "sign-up {n}: {}", response.status());
    }
    let refused = post_signup(&household, "one_too_many").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&refused);
    assert!((1..=3_600).contains(&wait), "{wait}");
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Too many requests from your network"),
        "{page}"
    );
    assert!(!exists(&app, "one_too_many").await);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !app.mails().iter().any(|m| m.contains("one_too_many@")),
        "a refused sign-up was mailed"
    );

    // Another network is not held back; this one is let in again when its hour is over.
    let neighbour = browser_at(&app, "203.0.113.50");
    assert!(signed_up(&post_signup(&neighbour, "neighbour").await));
    app.clock.advance(wait);
    assert!(signed_up(&post_signup(&household, "next_hour").await));
}

#[tokio::test]
async fn sign_ups_without_the_proof_of_work_get_five_an_hour_from_one_address() {
    let app = TestApp::spawn_with(behind_proxy()).await;
    let no_script = browser_at(&app, "198.51.100.8");
    for n in 0..5 {
        let response = post_signup_after_wait(&app, &no_script, &format!("slow{n}")).await;
        assert!(signed_up(&response), "sign-up {n}: {}", response.status());
    }
    let refused = post_signup_after_wait(&app, &no_script, "slow5").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&refused) >= 1);
    assert!(!exists(&app, "slow5").await);
    // With the proof of work the address still has room.
    assert!(signed_up(&post_signup(&no_script, "quick").await));
}

/// A sign-up without the proof of work, sent once the page has been open long enough.
async fn post_signup_after_wait(app: &TestApp, agent: &UserAgent, username: &str) -> Response {
    let form = signup_form(agent, username).await;
    app.clock.advance(MIN_FILL_SECS);
    post_signup_form(agent, &form).await
}

#[tokio::test]
async fn past_the_overall_limit_a_minute_sign_ups_from_anywhere_are_answered_503_with_retry_after()
{
    let app = TestApp::spawn_with(Options {
        signup_rate_limit: Some(2),
        ..behind_proxy()
    })
    .await;
    for (n, address) in ["198.51.100.1", "198.51.100.2"].iter().enumerate() {
        let response = post_signup(&browser_at(&app, address), &format!("early{n}")).await;
        assert!(signed_up(&response), "{}", response.status());
    }
    let late = browser_at(&app, "198.51.100.3");
    let refused = post_signup(&late, "late").await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let wait = retry_after(&refused);
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(!exists(&app, "late").await);
    app.clock.advance(wait);
    assert!(signed_up(&post_signup(&late, "late").await));
}
