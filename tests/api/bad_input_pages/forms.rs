//! Form bodies the pages must refuse: repeated fields, bodies too large or not URL-encoded,
//! NUL and non-UTF-8 bytes, and consent decisions other than allow or deny.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use super::{FORM, SCOPE, at_consent, page};
use crate::support::{
    Landing, PASSWORD, REDIRECT_URI, TestApp, UserAgent, assert_not_logged, assert_page_headers,
    csrf_of, encode, hidden_fields, is_signed_in, page_header_problems, post_raw, raw_http,
    signup_proof,
};

#[tokio::test]
async fn a_repeated_form_field_is_a_400_page_even_with_the_right_csrf_token() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let token = csrf_of(&page(&agent, "/login").await, "/login");
    let t = token.as_str();
    #[rustfmt::skip]
    let cases: [(&str, Vec<(&str, &str)>); 6] = [
        (
            "/login",
            vec![
                ("csrf_token", t),
                ("username", "ada"),
                ("username", "bob"),
                ("password", PASSWORD),
            ],
        ),
        (
            "/login",
            vec![
                ("csrf_token", t),
                ("csrf_token", t),
                ("username", "ada"),
                ("password", PASSWORD),
            ],
        ),
        (
            "/login",
            vec![
                ("csrf_token", t),
                ("username", "ada"),
                ("password", "x"),
                ("password", PASSWORD),
            ],
        ),
        (
            "/signup",
            vec![
                ("csrf_token", t),
                ("username", "mallory"),
                ("email", "m@farm.example"),
                ("email", "n@farm.example"),
                ("password", "a crop of turnips 9"),
                ("role", "farmer"),
                ("farm_name", "Mallory Fields"),
            ],
        ),
        ("/consent",
            vec![("csrf_token", t), ("request", "x"), ("decision", "allow"), ("decision", "deny")]),
        ("/logout", vec![("csrf_token", t), ("confirm", "yes"), ("confirm", "yes")]),
    ];
    for (path, fields) in cases {
        let response = post_raw(agent.http.post(app.url(path)), Some(FORM), encode(&fields)).await;
        let what = format!("{path} with a repeated field");
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}"
        );
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert!(response.headers().get(LOCATION).is_none(), "{what}");
        assert_page_headers(&what, &response);
    }
    assert!(!is_signed_in(&agent).await);
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn page_forms_too_large_or_not_url_encoded_get_a_400_page_and_write_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let signup_page = page(&agent, "/signup").await;
    let token = csrf_of(&signup_page, "/signup");
    let proof = signup_proof(&signup_page);
    let signup = encode(&[
        ("csrf_token", &token),
        ("username", "mallory"),
        ("email", "mallory@farm.example"),
        ("password", "a crop of turnips 9"),
        ("role", "consumer"),
        (&proof[0].0, &proof[0].1),
        (&proof[1].0, &proof[1].1),
    ]);
    let login = encode(&[
        ("csrf_token", &token),
        ("username", "ada"),
        ("password", PASSWORD),
    ]);
    let padding = format!("&padding={}", "a".repeat(1024 * 1024));
    let just_over = format!("&padding={}", "a".repeat(16 * 1024));
    let json = format!(r#"{{"csrf_token":"{token}","username":"ada","password":"{PASSWORD}"}}"#);
    let multipart = format!(
        "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--b--\r\n"
    );
    #[rustfmt::skip]
    let bodies: [(&str, Option<&str>, String); 7] = [
        ("a 1 MB form", Some(FORM), format!("{login}{padding}")),
        ("a form just over 16 KiB", Some(FORM), format!("{login}{just_over}")),
        ("JSON", Some("application/json"), json),
        ("text/plain", Some("text/plain"), login.clone()),
        ("multipart", Some("multipart/form-data; boundary=b"), multipart),
        ("no content type", None, login.clone()),
        ("a form type with junk", Some("application/x-www-form-urlencodedx"), login.clone()),
    ];
    for path in [
        "/login",
        "/signup",
        "/consent",
        "/logout",
        "/oauth2/authorize",
    ] {
        for (what, content_type, body) in &bodies {
            let body = match path {
                "/signup" if *what != "JSON" && *what != "multipart" => {
                    body.replace(&login, &signup)
                }
                _ => body.clone(),
            };
            let response = post_raw(agent.http.post(app.url(path)), *content_type, body).await;
            let what = format!("{path} with {what}");
            assert_ne!(
                response.status(),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{what}"
            );
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
            assert!(response.headers().get(LOCATION).is_none(), "{what}");
            assert_page_headers(&what, &response);
        }
        // Without a Content-Length (chunked), the 16 KiB limit holds while reading.
        let chunk = "a".repeat(8192);
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        for _ in 0..128 {
            request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        request.push_str("0\r\n\r\n");
        let response = raw_http(&app.address, request.as_bytes()).await;
        assert!(
            response.starts_with("HTTP/1.1 400"),
            "{path}, 1 MB chunked: {response:.80}"
        );
    }
    assert!(
        !is_signed_in(&agent).await,
        "a refused form signed someone in"
    );
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
    // A form of exactly 16 KiB is read: a wrong password (303 back to the form), not a
    // refused form.
    let wrong = encode(&[
        ("csrf_token", &token),
        ("username", "ada"),
        ("password", "wrong"),
    ]);
    let exact = format!(
        "{wrong}&padding={}",
        "a".repeat(16 * 1024 - wrong.len() - 9)
    );
    assert_eq!(exact.len(), 16 * 1024);
    let response = post_raw(agent.http.post(app.url("/login")), Some(FORM), exact).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // A form type with parameters is still a form: the refusals were about the body.
    let response = post_raw(
        agent.http.post(app.url("/signup")),
        Some("Application/X-WWW-Form-URLEncoded; charset=UTF-8"),
        signup,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn nul_and_non_utf8_bytes_in_page_forms_are_refused_cleanly() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let token = csrf_of(&page(&agent, "/login").await, "/login");
    let t = token.as_str();
    let percent = |pairs: &[(&str, &str)]| encode(pairs).into_bytes();
    let raw = |text: &[u8]| [format!("csrf_token={t}&").as_bytes(), text].concat();
    // (what, path, body, status)
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        (
            "NUL inside a login username",
            "/login",
            percent(&[("csrf_token", t), ("username", "a\0da"), ("password", PASSWORD)]),
            StatusCode::SEE_OTHER,
        ),
        (
            "NUL after a real username",
            "/login",
            percent(&[("csrf_token", t), ("username", "ada\0"), ("password", PASSWORD)]),
            StatusCode::SEE_OTHER,
        ),
        (
            "NUL in a login password",
            "/login",
            percent(&[("csrf_token", t), ("username", "ada"), ("password", "a field\0of sunflowers")]),
            StatusCode::SEE_OTHER,
        ),
        ("percent-encoded non-UTF-8 login username",
            "/login", raw(b"username=%FF%FEada&password=x"), StatusCode::SEE_OTHER),
        ("raw non-UTF-8 login username",
            "/login", raw(b"username=ad\xffa&password=\xc3\x28"), StatusCode::SEE_OTHER),
        (
            "NUL in a signup username",
            "/signup",
            percent(&[
                ("csrf_token", t),
                ("username", "mal\0lory"),
                ("email", "mallory@farm.example"),
                ("password", "a crop of turnips 9"),
                ("role", "consumer"),
            ]),
            StatusCode::SEE_OTHER,
        ),
        (
            "NUL in a signup email",
            "/signup",
            percent(&[
                ("csrf_token", t),
                ("username", "mallory"),
                ("email", "mallory@farm\0.example"),
                ("password", "a crop of turnips 9"),
                ("role", "consumer"),
            ]),
            StatusCode::SEE_OTHER,
        ),
        (
            "raw non-UTF-8 signup username",
            "/signup",
            raw(b"username=mal\xfe\xfflory&email=mallory%40farm.example&password=a+crop+of+turnips+9&role=consumer"),
            StatusCode::SEE_OTHER,
        ),
        (
            "NUL in a consent request id",
            "/consent",
            percent(&[("csrf_token", t), ("request", "\0"), ("decision", "allow")]),
            StatusCode::BAD_REQUEST,
        ),
        ("non-UTF-8 consent request id",
            "/consent", raw(b"request=%ff%fe&decision=allow"), StatusCode::BAD_REQUEST),
        (
            "NUL in a logout client_id",
            "/logout",
            percent(&[("csrf_token", t), ("client_id", "a\0b"), ("confirm", "yes")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "NUL in a login request id",
            "/login",
            percent(&[("csrf_token", t), ("request", "a\0"), ("username", "ada"), ("password", "wrong password")]),
            StatusCode::SEE_OTHER,
        ),
    ];
    let mut failures = Vec::new();
    for (what, path, body, status) in cases {
        let response = post_raw(agent.http.post(app.url(path)), Some(FORM), body).await;
        let got = response.status();
        if got == StatusCode::INTERNAL_SERVER_ERROR || got != status {
            failures.push(format!("{what}: {got}, expected {status}"));
            continue;
        }
        // A refused login is a 303 back to the form (Post/Redirect/Get): no page to check.
        if got.is_redirection() {
            continue;
        }
        let problems = page_header_problems(response.headers());
        if !problems.is_empty() {
            failures.push(format!("{what}: {problems:?}"));
        }
    }
    #[rustfmt::skip]
    let gets: [(&str, &str, StatusCode); 7] = [
        ("NUL login request id", "/login?request=%00", StatusCode::OK),
        ("non-UTF-8 login request id", "/login?request=%FF", StatusCode::OK),
        ("NUL consent request id", "/consent?request=%00", StatusCode::BAD_REQUEST),
        ("non-UTF-8 consent request id", "/consent?request=%C3%28", StatusCode::BAD_REQUEST),
        ("NUL resume request id",
            "/oauth2/authorize/resume?request=a%00b", StatusCode::BAD_REQUEST),
        ("NUL logout client_id", "/logout?client_id=a%00b", StatusCode::BAD_REQUEST),
        ("non-UTF-8 logout client_id", "/logout?client_id=%FF%FE", StatusCode::BAD_REQUEST),
    ];
    for (what, path, status) in gets {
        let response = agent.get(path).await;
        let got = response.status();
        if got == StatusCode::INTERNAL_SERVER_ERROR || got != status {
            failures.push(format!("{what}: {got}, expected {status}"));
            continue;
        }
        let problems = page_header_problems(response.headers());
        if !problems.is_empty() {
            failures.push(format!("{what}: {problems:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(!is_signed_in(&agent).await);
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
    assert_not_logged(&[t, PASSWORD]);
}

#[tokio::test]
async fn the_consent_form_refuses_decisions_other_than_allow_or_deny() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let (_, consent) = at_consent(&app, &agent, &client, "ada").await;
    let long = "allow".repeat(1000);
    for decision in ["", "Allow", "yes", "allow\0", long.as_str()] {
        let mut form: Vec<(String, String)> = hidden_fields(&consent, "/consent");
        form.push(("decision".into(), decision.into()));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let response = agent.post("/consent", &pairs).await;
        let what = format!("decision {decision:.20?}");
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}"
        );
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert!(response.headers().get(LOCATION).is_none(), "{what}");
        assert_page_headers(&what, &response);
        assert_eq!(
            app.store.find_consent(&ada, &client.id).await.unwrap(),
            None,
            "{what}"
        );
    }
    // The request is still there to be answered.
    let back = agent
        .submit(&consent, "/consent", &[("decision", "deny")])
        .await
        .client();
    assert!(back.as_str().starts_with(REDIRECT_URI));
    assert_eq!(
        Landing::param(&back, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        app.store.find_consent(&ada, &client.id).await.unwrap(),
        None
    );
}
