//! The security headers on every page, and hostile session cookies that must start a fresh
//! session rather than fail.

use farm_auth::accounts::users::Role;
use reqwest::header::COOKIE;
use reqwest::{Response, StatusCode};

use super::SCOPE;
use crate::support::{PASSWORD, TestApp, UserAgent, assert_page_headers, csrf_of, post_raw};

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let mut checked = Vec::new();
    let mut check = |what: &str, response: &Response, status: StatusCode| {
        assert_eq!(response.status(), status, "{what}");
        assert_page_headers(what, response);
        checked.push(what.to_string());
    };

    let response = agent.get("/login").await;
    check("login", &response, StatusCode::OK);
    let login = response.text().await.unwrap();
    check("signup", &agent.get("/signup").await, StatusCode::OK);
    let response = agent
        .post(
            "/login",
            &[
                ("csrf_token", "forged"),
                ("username", "ada"),
                ("password", "x"),
            ],
        )
        .await;
    check("CSRF error", &response, StatusCode::FORBIDDEN);
    let response = agent
        .post(
            "/login",
            &[
                ("csrf_token", &csrf_of(&login, "/login")),
                ("username", "ada"),
                ("password", "x"),
            ],
        )
        .await;
    // A refused login is a 303 back to the form, which then shows why.
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    check(
        "login shown again",
        &agent.get("/login").await,
        StatusCode::OK,
    );
    let response = agent.get("/oauth2/authorize?client_id=nope").await;
    check("authorization error", &response, StatusCode::BAD_REQUEST);
    let response = agent.get("/consent?request=nope").await;
    check("expired request", &response, StatusCode::BAD_REQUEST);
    let response = agent.get("/logout?client_id=nope").await;
    check("logout error", &response, StatusCode::BAD_REQUEST);
    let response = agent.get("/no/such/page").await;
    check("not found", &response, StatusCode::NOT_FOUND);
    let response = post_raw(agent.http.post(app.url("/login")), Some("text/plain"), "x").await;
    check("bad form", &response, StatusCode::BAD_REQUEST);

    let url = app.authorize_url(&client, SCOPE, &[]);
    let landing = agent.navigate(&url).await;
    let (consent_path, _, _) = agent.log_in(landing, "ada", PASSWORD).await.page();
    check("consent", &agent.get(&consent_path).await, StatusCode::OK);
    check("account", &agent.get("/account").await, StatusCode::OK);
    let response = agent.get("/logout").await;
    check("logout confirmation", &response, StatusCode::OK);
    let confirm = response.text().await.unwrap();
    let response = agent
        .post(
            "/logout",
            &[
                ("csrf_token", &csrf_of(&confirm, "/logout")),
                ("confirm", "yes"),
            ],
        )
        .await;
    check("signed out", &response, StatusCode::OK);
    assert_eq!(checked.len(), 13);
}

#[tokio::test]
async fn hostile_session_cookies_are_a_fresh_session_not_a_server_error() {
    let app = TestApp::spawn().await;
    let long = format!("farm_auth_session={}", "A".repeat(4000));
    let cookies = [
        "farm_auth_session=",
        "farm_auth_session=not-a-session-id",
        "farm_auth_session=%00%ff",
        "farm_auth_session=AAAAAAAAAAAAAAAAAAAAAA",
        "farm_auth_session=\"quoted\"",
        "farm_auth_session=a; farm_auth_session=b",
        long.as_str(),
    ];
    for cookie in cookies {
        for path in ["/login", "/signup"] {
            let response = app
                .http
                .get(app.url(path))
                .header(COOKIE, cookie)
                .send()
                .await
                .unwrap();
            let what = format!("{path} with cookie {cookie:.40}");
            assert_ne!(
                response.status(),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{what}"
            );
            assert_eq!(response.status(), StatusCode::OK, "{what}");
            assert_page_headers(&what, &response);
        }
        let response = app
            .http
            .post(app.url("/login"))
            .header(COOKIE, cookie)
            .form(&[("csrf_token", "x"), ("username", "ada"), ("password", "y")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "POST with cookie {cookie:.40}"
        );
    }
}
