//! Markup typed into the sign-up, login and logout requests is shown back HTML-escaped.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use super::{SCOPE, page};
use crate::support::{
    POST_LOGOUT_URI, TestApp, UserAgent, assert_page_headers, decoded_hidden_fields, encode,
    shows_escaped,
};

#[tokio::test]
async fn markup_in_signup_and_login_input_is_escaped_when_the_page_is_shown_again() {
    let app = TestApp::spawn().await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let signup = page(&agent, "/signup").await;
    let script = r#"<script>alert("pwned")</script>"#;
    let attribute = r#""><img src=x onerror=alert(1)>"#;
    #[rustfmt::skip]
    let cases = [
        ("a script as the username", script, "mallory@farm.example"),
        ("an attribute breakout as the username", attribute, "mallory@farm.example"),
        ("an attribute breakout as the email", "mallory", attribute),
        ("a script as the email", "mallory", script),
    ];
    for (what, username, email) in cases {
        let landing = agent
            .submit(
                &signup,
                "/signup",
                &[
                    ("username", username),
                    ("email", email),
                    ("password", "a crop of turnips 9"),
                    ("role", "consumer"),
                ],
            )
            .await;
        let (path, status, body) = landing.page();
        assert_eq!(
            (path.as_str(), status),
            ("/signup", StatusCode::OK),
            "{what}"
        );
        // The page's own script (the sign-up proof of work) is no injected one.
        assert!(
            !body.contains("<script>"),
            "{what}: a raw <script> on the page"
        );
        assert!(!body.contains("<img"), "{what}: a raw <img> on the page");
        let shown = match username.starts_with(['<', '"']) {
            true => username,
            false => email,
        };
        assert!(
            shows_escaped(&body, shown),
            "{what}: the value is not shown escaped"
        );
    }
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );

    // The username echoed on a failed login, and a login_hint from the client.
    let login = page(&agent, "/login").await;
    for username in [script, attribute] {
        let landing = agent
            .submit(
                &login,
                "/login",
                &[("username", username), ("password", "x")],
            )
            .await;
        let (_, status, body) = landing.page();
        assert_eq!(status, StatusCode::OK);
        assert!(
            !body.contains("<script") && !body.contains("<img"),
            "{body}"
        );
        assert!(shows_escaped(&body, username), "{body}");
    }
    for hint in [script, attribute] {
        let url = app.authorize_url(&client, SCOPE, &[("login_hint", hint)]);
        let (path, status, body) = agent.navigate(&url).await.page();
        assert!(path.starts_with("/login?request="), "{path}");
        assert_eq!(status, StatusCode::OK);
        assert!(
            !body.contains("<script") && !body.contains("<img"),
            "{body}"
        );
        assert!(shows_escaped(&body, hint), "the hint is not shown: {body}");
    }
}

#[tokio::test]
async fn markup_in_a_logout_state_is_escaped_on_the_confirmation_page() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    let state = r#""><script>alert(1)</script>"#;
    let query = encode(&[
        ("client_id", &client.id),
        ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ("state", state),
    ]);
    let response = agent.get(&format!("/logout?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_page_headers("logout confirmation", &response);
    let body = response.text().await.unwrap();
    assert!(!body.contains("<script"), "{body}");
    let fields = decoded_hidden_fields(&body, "/logout");
    assert!(
        fields.contains(&("state".to_string(), state.to_string())),
        "{fields:?}"
    );
}
