//! Forged or missing CSRF tokens on the login, sign-up, consent and logout forms: each is
//! refused with a 403 page, and nobody is signed in or out and nothing is recorded.

use farm_auth::accounts::users::Role;
use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode};

use super::{SCOPE, at_consent, page};
use crate::support::{
    Landing, PASSWORD, TestApp, UserAgent, assert_not_logged, assert_page_headers, csrf_of,
    hidden_fields, is_signed_in, signup_proof,
};

/// Forged values for a CSRF token, given the real one and another browser's real one.
fn forgeries(real: &str, other_browsers: &str) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("missing", None),
        ("empty", Some(String::new())),
        ("random", Some("A".repeat(43))),
        ("another browser's token", Some(other_browsers.to_string())),
        ("truncated", Some(real[..real.len() - 1].to_string())),
        ("extended", Some(format!("{real}A"))),
        ("with a NUL byte", Some(format!("{real}\0"))),
    ]
}

/// `fields` plus `csrf_token` when given.
fn with_csrf<'a>(fields: &[(&'a str, &'a str)], csrf: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut form = fields.to_vec();
    if let Some(token) = csrf {
        form.push(("csrf_token", token));
    }
    form
}

/// Asserts a 403 CSRF page.
async fn assert_csrf_refused(what: &str, response: Response) {
    let status = response.status();
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
    assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
    assert!(response.headers().get(LOCATION).is_none(), "{what}");
    assert_page_headers(what, &response);
    let body = response.text().await.unwrap();
    assert!(body.contains("This form has expired"), "{what}: {body}");
}

#[tokio::test]
async fn a_login_without_the_sessions_csrf_token_is_refused_and_signs_nobody_in() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let attacker = UserAgent::new(&app);
    let real = csrf_of(&page(&agent, "/login").await, "/login");
    let others = csrf_of(&page(&attacker, "/login").await, "/login");
    assert_ne!(real, others, "each browser has its own token");

    let credentials = [("username", "ada"), ("password", PASSWORD)];
    for (what, token) in forgeries(&real, &others) {
        let form = with_csrf(&credentials, token.as_deref());
        let response = agent.post("/login", &form).await;
        assert_csrf_refused(&format!("login, CSRF token {what}"), response).await;
        assert!(!is_signed_in(&agent).await, "signed in with a {what} token");
    }
    // The right token from a browser without the session (no cookie) is refused too.
    let stranger = UserAgent::new(&app);
    let response = stranger
        .post("/login", &with_csrf(&credentials, Some(&real)))
        .await;
    assert_csrf_refused("login, a token without its session", response).await;
    assert!(!is_signed_in(&stranger).await);

    // The same form with the real token works: the refusals above were about the token.
    let response = agent
        .post("/login", &with_csrf(&credentials, Some(&real)))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/account");
    assert!(is_signed_in(&agent).await);
    assert_not_logged(&[&real, &others, PASSWORD]);
}

#[tokio::test]
async fn a_signup_without_the_sessions_csrf_token_is_refused_and_creates_no_account() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let attacker = UserAgent::new(&app);
    let signup_page = page(&agent, "/signup").await;
    let real = csrf_of(&signup_page, "/signup");
    let others = csrf_of(&page(&attacker, "/signup").await, "/signup");
    let proof = signup_proof(&signup_page);
    let fields = [
        ("username", "mallory"),
        ("email", "mallory@farm.example"),
        ("password", "a crop of turnips 9"),
        ("role", "farmer"),
        ("farm_name", "Mallory Fields"),
        (&proof[0].0, &proof[0].1),
        (&proof[1].0, &proof[1].1),
    ];
    for (what, token) in forgeries(&real, &others) {
        let response = agent
            .post("/signup", &with_csrf(&fields, token.as_deref()))
            .await;
        assert_csrf_refused(&format!("signup, CSRF token {what}"), response).await;
        assert!(
            app.store
                .find_user_by_username("mallory")
                .await
                .unwrap()
                .is_none(),
            "an account was created with a {what} token"
        );
    }
    let response = agent
        .post("/signup", &with_csrf(&fields, Some(&real)))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let user = app.store.find_user_by_username("mallory").await.unwrap();
    // A farmer's farm waits for approval; until then they are a consumer.
    assert_eq!(
        user.map(|u| u.roles.names()),
        Some(vec!["consumer".to_string()])
    );
    assert_not_logged(&[&real, &others, "a crop of turnips 9"]);
}

#[tokio::test]
async fn a_consent_without_the_sessions_csrf_token_is_refused_and_records_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    // The token before signing in: sign-in rotates it, so it no longer counts.
    let before_sign_in = csrf_of(&page(&agent, "/login").await, "/login");
    let (_, consent) = at_consent(&app, &agent, &client, "ada").await;
    let real = csrf_of(&consent, "/consent");
    assert_ne!(real, before_sign_in, "signing in rotates the CSRF token");
    let attacker = UserAgent::new(&app);
    let others = csrf_of(&page(&attacker, "/login").await, "/login");
    let request = hidden_fields(&consent, "/consent")
        .into_iter()
        .find(|(n, _)| n == "request")
        .unwrap()
        .1;

    let mut cases = forgeries(&real, &others);
    cases.push(("from before sign-in", Some(before_sign_in.clone())));
    for (what, token) in cases {
        let fields = [("request", request.as_str()), ("decision", "allow")];
        let response = agent
            .post("/consent", &with_csrf(&fields, token.as_deref()))
            .await;
        assert_csrf_refused(&format!("consent, CSRF token {what}"), response).await;
        let consent = app.store.find_consent(&ada, &client.id).await.unwrap();
        assert_eq!(consent, None, "consent recorded with a {what} token");
    }
    // A forged "deny" does not end the request either: it can still be allowed.
    let fields = [("request", request.as_str()), ("decision", "deny")];
    let response = agent.post("/consent", &with_csrf(&fields, None)).await;
    assert_csrf_refused("a deny without a token", response).await;
    let back = agent
        .submit(&consent, "/consent", &[("decision", "allow")])
        .await
        .client();
    assert!(Landing::param(&back, "code").is_some(), "{back}");
    let allowed = app.store.find_consent(&ada, &client.id).await.unwrap();
    assert_eq!(
        allowed.map(|s| s.to_string()).as_deref(),
        Some("openid profile email")
    );
    assert_not_logged(&[&real, &others, &before_sign_in]);
}

#[tokio::test]
async fn a_confirmed_logout_without_the_sessions_csrf_token_is_refused_and_signs_nobody_out() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let landing = agent.log_in(landing, "ada", PASSWORD).await;
    let (path, _, account) = landing.page();
    assert_eq!(path, "/account");
    let real = csrf_of(&account, "/logout");
    let attacker = UserAgent::new(&app);
    let others = csrf_of(&page(&attacker, "/login").await, "/login");

    for (what, token) in forgeries(&real, &others) {
        let form = with_csrf(&[("confirm", "yes")], token.as_deref());
        let response = agent.post("/logout", &form).await;
        assert_csrf_refused(&format!("logout, CSRF token {what}"), response).await;
        assert!(is_signed_in(&agent).await, "signed out with a {what} token");
    }
    // Without confirm=yes a POST is a logout request: sent back as a GET (303), which only
    // asks: the confirmation page, still signed in.
    let posted = agent.post("/logout", &[]).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert_eq!(posted.headers()[LOCATION], "/logout?");
    let response = agent.get("/logout?").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_page_headers("logout confirmation", &response);
    assert!(response.text().await.unwrap().contains("Sign out?"));
    assert!(is_signed_in(&agent).await);

    let response = agent
        .post("/logout", &[("confirm", "yes"), ("csrf_token", &real)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!is_signed_in(&agent).await);
    assert_not_logged(&[&real, &others]);
}
