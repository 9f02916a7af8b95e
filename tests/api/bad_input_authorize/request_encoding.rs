//! How an authorization request arrives and how its errors leave: too many parameters,
//! invalid percent-encoding or UTF-8, requests POSTed as forms, `state` echoed exactly, and
//! errors in `form_post` mode.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use super::{CLIENT_SCOPE, Expect, FORM, authorize, mismatch, query, set, without};
use crate::support::{Landing, REDIRECT_URI, TestApp, assert_page_headers, decoded_hidden_fields};

#[tokio::test]
async fn more_than_sixty_four_parameters_get_an_error_page() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    // The default request has 8 parameters.
    let extra = |n: usize| {
        (0..n)
            .map(|i| set_owned(format!("p{i}"), "x"))
            .collect::<Vec<_>>()
    };
    let at_limit = format!("{}&{}", query(&client.id, &[]), encode_pairs(&extra(56)));
    let over = format!("{}&{}", query(&client.id, &[]), encode_pairs(&extra(57)));
    let way_over = format!("{}&{}", query(&client.id, &[]), encode_pairs(&extra(5000)));
    assert_eq!(
        mismatch(&app, authorize(&app, &at_limit).await, Expect::SignIn).await,
        None
    );
    assert_eq!(
        mismatch(&app, authorize(&app, &over).await, Expect::Page).await,
        None
    );
    assert_eq!(
        mismatch(&app, authorize(&app, &way_over).await, Expect::Page).await,
        None
    );
    // Even when the extra parameters come first and the client_id is past the limit.
    let first = format!("{}&{}", encode_pairs(&extra(70)), query(&client.id, &[]));
    assert_eq!(
        mismatch(&app, authorize(&app, &first).await, Expect::Page).await,
        None
    );
}

fn set_owned(name: String, value: &str) -> (String, String) {
    (name, value.to_string())
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn state_is_echoed_exactly_on_errors() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let states = [
        "a&b=c#d e+f%20",
        "<script>alert(1)</script>",
        "ünïcödé ✓ 🌱",
        "line\nbreak\ttab",
        &"s".repeat(2048),
    ];
    for state in states {
        let q = query(&client.id, &[set("state", state), without("response_type")]);
        let response = authorize(&app, &q).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{state:.30}");
        let location = response.headers()[LOCATION].to_str().unwrap().to_string();
        let url = url::Url::parse(&location).unwrap();
        assert_eq!(Landing::param(&url, "state").as_deref(), Some(state));
        assert_eq!(
            Landing::param(&url, "error").as_deref(),
            Some("invalid_request")
        );
        // Exactly one state, and the location is one line.
        assert_eq!(url.query_pairs().filter(|(k, _)| k == "state").count(), 1);
        assert!(!location.contains(['\n', '\r', ' ', '<']), "{location:.80}");
    }
}

#[tokio::test]
async fn an_error_in_form_post_mode_is_an_escaped_auto_submitted_form() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let state = r#""><script>alert(1)</script>"#;
    let q = query(
        &client.id,
        &[
            set("response_mode", "form_post"),
            set("state", state),
            without("response_type"),
        ],
    );
    let response = authorize(&app, &q).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(LOCATION).is_none());
    assert_page_headers("form post", &response);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self' https://rp.example;"),
        "{csp}"
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(
        body.contains(&format!("action=\"{REDIRECT_URI}\"")),
        "{body}"
    );
    let fields = decoded_hidden_fields(&body, REDIRECT_URI);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("error"), Some("invalid_request"));
    assert_eq!(field("state"), Some(state));
    assert_eq!(field("iss"), Some(app.issuer.as_str()));
}

#[tokio::test]
async fn query_strings_that_are_not_valid_percent_encoding_or_utf8_are_not_server_errors() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let base = query(&client.id, &[]);
    #[rustfmt::skip]
    let cases: Vec<(String, Expect)> = vec![
        (String::new(), Expect::Page),
        ("%".into(), Expect::Page),
        ("&&&===".into(), Expect::Page),
        ("client_id=%ZZ".into(), Expect::Page),
        ("client_id=%FF%FE".into(), Expect::Page),
        ("client_id=%00".into(), Expect::Page),
        ("client_id".into(), Expect::Page),
        (format!("{base}&state=%FF%FE"), Expect::ErrorWithoutState("invalid_request")),
        (base.replace("state=xyz", "state=%FF%FE"), Expect::SignIn),
        (base.replace("state=xyz", "state=%"), Expect::SignIn),
        (base.replace("scope=openid+profile", "scope=openid%FFprofile"),
            Expect::Error("invalid_scope")),
        (base.replace("response_type=code", "response_type=%63ode"), Expect::SignIn),
        (base.replace("response_type=code", "response_type"), Expect::Error("invalid_request")),
        (base.replace("response_type=code", "%72esponse_type=code"), Expect::SignIn),
    ];
    let mut failures = Vec::new();
    for (q, expect) in cases {
        let response = authorize(&app, &q).await;
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{q:.80}"
        );
        if let Some(problem) = mismatch(&app, response, expect).await {
            failures.push(format!("{q:.80}: expected {expect:?}, got {problem}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Queries past what the HTTP server reads: refused before any handler, never a 500.
    for n in [70_000, 1_000_000] {
        let request = format!(
            "GET /oauth2/authorize?client_id={}&state={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            client.id,
            "s".repeat(n)
        );
        let response = crate::support::raw_http(&app.address, request.as_bytes()).await;
        assert!(
            response.starts_with("HTTP/1.1 414") || response.starts_with("HTTP/1.1 431"),
            "a query of {n} bytes: {response:.80}"
        );
    }
    // Bytes no URL may hold, sent raw.
    for target in [
        &b"/oauth2/authorize?client_id=\xff\xfe"[..],
        b"/oauth2/authorize?\x00",
        b"/oauth2/authorize?a=\x7f",
    ] {
        let request = [
            b"GET ",
            target,
            b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]
        .concat();
        let response = crate::support::raw_http(&app.address, &request).await;
        assert!(
            response.starts_with("HTTP/1.1 400"),
            "{:?}: {response:.80}",
            String::from_utf8_lossy(target)
        );
    }
}

#[tokio::test]
async fn an_authorization_request_posted_as_a_form_goes_to_the_same_request_as_a_get() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let body = query(&client.id, &[without("response_type")]);
    let response = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header(CONTENT_TYPE, FORM)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(location, format!("/oauth2/authorize?{body}"));
    let response = app.http.get(app.url(&location)).send().await.unwrap();
    assert_eq!(
        mismatch(&app, response, Expect::Error("invalid_request")).await,
        None
    );
}

#[tokio::test]
async fn a_posted_authorization_request_with_raw_control_bytes_is_re_encoded_not_a_server_error() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let base = query(&client.id, &[without("state")]);
    // (what, body, the state the GET it leads to must carry)
    #[rustfmt::skip]
    let bodies: [(&str, Vec<u8>, &str); 5] = [
        ("a raw line feed", format!("{base}&state=a\nb").into_bytes(), "a\nb"),
        ("a raw carriage return and header",
            format!("{base}&state=a\r\nSet-Cookie: x=y").into_bytes(), "a\r\nSet-Cookie: x=y"),
        ("a raw NUL byte", format!("{base}&state=a\0b").into_bytes(), "a\0b"),
        ("a raw DEL byte", format!("{base}&state=a\x7fb").into_bytes(), "a\x7fb"),
        ("bytes that are not UTF-8",
            [base.as_bytes(), b"&state=\xff\xfe"].concat(), "\u{fffd}\u{fffd}"),
    ];
    for (what, body, state) in bodies {
        let response = app
            .http
            .post(app.url("/oauth2/authorize"))
            .header(CONTENT_TYPE, FORM)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}"
        );
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{what}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{what}: a header was injected"
        );
        let location = response.headers()[LOCATION].to_str().unwrap().to_string();
        assert!(
            location.starts_with("/oauth2/authorize?"),
            "{what}: {location}"
        );
        assert!(
            !location.contains(|c: char| c.is_control() || c == ' '),
            "{what}: {location}"
        );
        // The GET it leads to reads the same parameters: with an error, the exact state.
        let url = url::Url::parse(&format!(
            "{}{location}&response_mode=query&prompt=bogus",
            app.address
        ))
        .unwrap();
        assert_eq!(
            Landing::param(&url, "state").as_deref(),
            Some(state),
            "{what}"
        );
        let response = app.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{what}");
        let back = url::Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
        assert_eq!(
            Landing::param(&back, "error").as_deref(),
            Some("invalid_request"),
            "{what}"
        );
        assert_eq!(
            Landing::param(&back, "state").as_deref(),
            Some(state),
            "{what}"
        );
    }
}
