//! Signing up and signing in: a sign-up cannot choose the admin role or take a name,
//! over-long credentials are wrong credentials, login answers alike for an unknown user and
//! a wrong password, and unknown, expired, missing or repeated request ids get a page.

use std::time::{Duration, Instant};

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use super::{SCOPE, at_consent, page};
use crate::support::{
    PASSWORD, TestApp, UserAgent, assert_not_logged, assert_page_headers, csrf_of, is_signed_in,
    page_header_problems,
};

#[tokio::test]
async fn a_signup_cannot_choose_the_admin_role_or_take_a_name_and_writes_nothing_when_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let signup = page(&agent, "/signup").await;
    let long_password = "p".repeat(129);
    // (what, username, email, password, role)
    #[rustfmt::skip]
    let cases: [(&str, &str, &str, &str, &str); 11] = [
        ("the admin role", "mallory", "mallory@farm.example", "a crop of turnips 9", "admin"),
        ("the Admin role", "mallory", "mallory@farm.example", "a crop of turnips 9", "Admin"),
        ("two roles in one",
            "mallory", "mallory@farm.example", "a crop of turnips 9", "farmer,admin"),
        ("no role", "mallory", "mallory@farm.example", "a crop of turnips 9", ""),
        ("a taken username in another case",
            "ADA", "mallory@farm.example", "a crop of turnips 9", "consumer"),
        ("a taken email in another case",
            "mallory", "ADA@farm.example", "a crop of turnips 9", "consumer"),
        ("a username of 65 characters",
            &"m".repeat(65), "mallory@farm.example", "a crop of turnips 9", "consumer"),
        ("a username of 2 characters",
            "ma", "mallory@farm.example", "a crop of turnips 9", "consumer"),
        ("a password of 129 characters",
            "mallory", "mallory@farm.example", &long_password, "consumer"),
        ("a password of 7 characters", "mallory", "mallory@farm.example", "turnips", "consumer"),
        ("a common password", "mallory", "mallory@farm.example", "password123", "consumer"),
    ];
    for (what, username, email, password, role) in cases {
        let landing = agent
            .submit(
                &signup,
                "/signup",
                &[
                    ("username", username),
                    ("email", email),
                    ("password", password),
                    ("role", role),
                ],
            )
            .await;
        let (path, status, body) = landing.page();
        assert_eq!(
            (path.as_str(), status),
            ("/signup", StatusCode::OK),
            "{what}"
        );
        assert!(body.contains("role=\"alert\""), "{what}: no error shown");
        assert!(
            !body.contains(password),
            "{what}: the password is shown back"
        );
        for name in ["mallory", &"m".repeat(65), "ma"] {
            let user = app.store.find_user_by_username(name).await.unwrap();
            assert!(user.is_none(), "{what}: an account was created");
        }
    }
    let ada = app
        .store
        .find_user_by_username("ada")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.roles, vec!["consumer".to_string()], "ada is unchanged");
    assert!(!is_signed_in(&agent).await);
    assert_not_logged(&[&long_password, "a crop of turnips 9"]);
}

#[tokio::test]
async fn over_long_usernames_and_passwords_at_login_are_wrong_credentials() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let login = page(&agent, "/login").await;
    let long_name = "a".repeat(1025);
    let huge_name = "b".repeat(12_000);
    let long_password = format!("{PASSWORD}{}", "x".repeat(1025));
    #[rustfmt::skip]
    let cases: [(&str, &str, &str); 5] = [
        ("a 1025-byte username", &long_name, PASSWORD),
        ("a 12000-byte username", &huge_name, PASSWORD),
        ("a 1025-byte password for a real user", "ada", &long_password),
        ("a 1025-byte username and password", &long_name, &long_password),
        ("a 513-character multibyte username", &"é".repeat(513), PASSWORD),
    ];
    for (what, username, password) in cases {
        let landing = agent
            .submit(
                &login,
                "/login",
                &[("username", username), ("password", password)],
            )
            .await;
        let (path, status, body) = landing.page();
        assert_eq!(
            (path.as_str(), status),
            ("/login", StatusCode::OK),
            "{what}"
        );
        assert!(
            body.contains("The username or password is wrong."),
            "{what}"
        );
        // The name is shown back cut to what the field holds, not megabytes of it.
        let echoed: String = username.chars().take(64).collect();
        assert!(body.contains(&format!("value=\"{echoed}\"")), "{what}");
        if username.chars().count() > 64 {
            let longer: String = username.chars().take(65).collect();
            assert!(!body.contains(&longer), "{what}");
        }
    }
    assert!(!is_signed_in(&agent).await);
    assert_not_logged(&[&long_password]);
}

/// A login page with its CSRF token and echoed username replaced by placeholders.
fn normalised(body: &str, csrf: &str, username: &str) -> String {
    body.replace(csrf, "CSRF")
        .replace(&format!("value=\"{username}\""), "value=\"USERNAME\"")
}

#[tokio::test]
async fn login_answers_the_same_for_an_unknown_user_and_a_wrong_password() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let login = page(&agent, "/login").await;
    let csrf = csrf_of(&login, "/login");

    let attempt = async |username: &str, password: &str| {
        // A fresh form each time: a visitor's session lasts 30 minutes, and the clock moves
        // on by hours below.
        let csrf = csrf_of(&page(&agent, "/login").await, "/login");
        let form = [
            ("csrf_token", csrf.as_str()),
            ("username", username),
            ("password", password),
        ];
        let started = Instant::now();
        let posted = agent.post("/login", &form).await;
        let elapsed = started.elapsed();
        // Post/Redirect/Get: the refusal is a 303 back to the form, which shows why.
        let status = posted.status();
        assert_eq!(posted.headers()["location"], "/login");
        let response = agent.get("/login").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_page_headers("failed login", &response);
        let body = normalised(&response.text().await.unwrap(), &csrf, username);
        (status, body, elapsed)
    };
    let (wrong_status, wrong_body, _) = attempt("ada", "wrong password 1").await;
    let (unknown_status, unknown_body, _) = attempt("nobody", "wrong password 1").await;
    let (case_status, case_body, _) = attempt("ADA", "wrong password 1").await;
    let (empty_status, empty_body, _) = attempt("ada", "").await;
    for status in [wrong_status, unknown_status, case_status, empty_status] {
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    assert_eq!(wrong_body, unknown_body);
    assert_eq!(wrong_body, case_body);
    assert_eq!(wrong_body, empty_body);

    // Timing: an unknown user costs a password verification too. The fastest of several
    // interleaved tries each (the least disturbed by other tests sharing the CPU); an answer
    // that skipped hashing would be one or two orders of magnitude faster.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..7 {
        // Past the back-off that repeated failures earn (a locked account answers at once,
        // and would measure the lock, not the password check).
        app.clock.advance(3_601);
        known.push(attempt("ada", &format!("wrong password {i}")).await.2);
        unknown.push(attempt(&format!("nobody{i}"), "wrong password").await.2);
    }
    let known = known.into_iter().min().unwrap();
    let unknown = unknown.into_iter().min().unwrap();
    eprintln!("fastest wrong password {known:?}, fastest unknown user {unknown:?}");
    assert!(
        unknown * 3 >= known && known * 3 >= unknown,
        "fastest wrong password {known:?}, fastest unknown user {unknown:?}"
    );
    assert!(known > Duration::from_millis(1), "a password was verified");
    assert_not_logged(&[&csrf, "wrong password 1"]);
}

#[tokio::test]
async fn unknown_missing_or_expired_request_ids_get_the_expired_page() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let (consent_path, _) = at_consent(&app, &agent, &client, "ada").await;
    let id = consent_path
        .trim_start_matches("/consent?request=")
        .to_string();
    let stranger = UserAgent::new(&app);

    let expired = async |who: &UserAgent, path: &str| {
        let response = who.get(path).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(response.headers().get(LOCATION).is_none(), "{path}");
        assert_page_headers(path, &response);
        let body = response.text().await.unwrap();
        assert!(
            body.contains("This sign-in request has expired"),
            "{path}: {body}"
        );
    };
    let long = "r".repeat(5000);
    for path in [
        "/consent?request=unknown",
        &format!("/consent?request={long}"),
        "/oauth2/authorize/resume?request=unknown",
        &format!("/oauth2/authorize/resume?request={long}"),
    ] {
        expired(&agent, path).await;
    }
    // Another browser cannot use this browser's request id.
    expired(&stranger, &consent_path).await;
    expired(&stranger, &format!("/oauth2/authorize/resume?request={id}")).await;
    // A request id that waited more than 15 minutes.
    app.clock.advance(15 * 60 + 1);
    expired(&agent, &format!("/oauth2/authorize/resume?request={id}")).await;
    expired(&agent, &format!("/consent?request={id}")).await;
}

#[tokio::test]
async fn a_missing_or_repeated_request_id_gets_a_400_page_not_a_framework_error() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let mut failures = Vec::new();
    for path in [
        "/consent",
        "/consent?request=",
        "/consent?request=a&request=b",
        "/oauth2/authorize/resume",
        "/oauth2/authorize/resume?request=a&request=b",
    ] {
        let response = agent.get(path).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        if status != StatusCode::BAD_REQUEST {
            failures.push(format!("{path}: {status}"));
        }
        let problems = page_header_problems(response.headers());
        if !problems.is_empty() {
            let body = response.text().await.unwrap();
            failures.push(format!("{path}: {problems:?}, body {body:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
