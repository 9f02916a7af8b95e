//! A reset request is either taken, and then handled, or answered 429 or 503 with
//! `Retry-After` (DECISIONS §88): never "check your email" for a request that was dropped.

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use tokio::task::JoinSet;

use crate::support::{Options, TestApp, UserAgent, ask_for_reset, browser_at, hidden_fields};

#[tokio::test]
async fn past_ten_reset_requests_from_one_address_the_next_is_answered_429_not_check_your_email() {
    let app = TestApp::spawn().await;
    for n in 0..10 {
        let (status, page) = ask_for_reset(&app, &format!("nobody{n}@farm.example")).await;
        assert_eq!(status, StatusCode::OK, "request {n}");
        assert!(page.contains("Check your email"), "{page}");
    }
    let agent = UserAgent::new(&app);
    let (_, _, page) = agent.navigate("/password/forgot").await.page();
    let mut form = hidden_fields(&page, "/password/forgot");
    form.push(("email".into(), "ada@farm.example".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let refused = agent.post("/password/forgot", &pairs).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = refused.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3_600).contains(&wait), "{wait}");
    let page = refused.text().await.unwrap();
    assert!(!page.contains("Check your email"), "{page}");
    assert!(page.contains("Nothing was done"), "{page}");
}

#[tokio::test]
async fn in_a_flood_of_reset_requests_each_is_handled_or_answered_503_with_retry_after() {
    let app = TestApp::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1/32".into()),
        ..Default::default()
    })
    .await;
    // 150 browsers on as many networks, each on the form, then all sent at once.
    let mut requests = JoinSet::new();
    let mut forms = Vec::new();
    for n in 0..150 {
        let agent = browser_at(&app, &format!("10.1.{}.{}", n / 200, n % 200 + 1));
        let (_, _, page) = agent.navigate("/password/forgot").await.page();
        let mut form = hidden_fields(&page, "/password/forgot");
        form.push(("email".into(), format!("nobody{n}@farm.example")));
        forms.push((agent.http.clone(), form));
    }
    for (http, form) in forms {
        let url = app.url("/password/forgot");
        requests.spawn(async move { http.post(url).form(&form).send().await.unwrap() });
    }
    let mut taken = 0;
    while let Some(answer) = requests.join_next().await {
        let answer = answer.unwrap();
        match answer.status() {
            StatusCode::OK => {
                assert!(answer.text().await.unwrap().contains("Check your email"));
                taken += 1;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(answer.headers().contains_key(RETRY_AFTER));
            }
            other => panic!("{other}"),
        }
    }
    // Every request told "check your email" was handled: each left its audit row.
    let mut handled = 0;
    for _ in 0..200 {
        handled = app
            .store
            .list_audit_events(None, 500)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.event == "password.reset_requested")
            .count();
        if handled >= taken {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(handled, taken, "requests answered as taken were dropped");
}
