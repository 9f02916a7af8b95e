//! The `/device` page where a person types the user code: typing is forgiving, guessing is
//! throttled, a decision cannot be replayed or forged without the CSRF token, someone not
//! signed in comes back with the code, and the confirmation names a vendor's app.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

use super::*;
use crate::support::{
    Landing, PASSWORD, TestApp, TestClient, UserAgent, assert_oauth_error, token_json,
};

#[tokio::test]
async fn a_code_typed_in_lowercase_with_spaces_is_found() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let typed = user_code(&started).to_lowercase().replace('-', " ");
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &format!("  {typed} ")).await;
    let (_, _, body) = confirm.page_at("/device/confirm");
    assert!(body.contains(&user_code(&started)), "{body}");
}

#[tokio::test]
async fn guessing_user_codes_is_throttled_and_the_real_code_waits_for_the_lock_to_end() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let real = user_code(&started);
    // Wrong codes of the right shape: the real one with its last letter changed.
    let wrong = |i: usize| {
        let last = ["B", "C", "D", "F", "G", "H"]
            .into_iter()
            .filter(|l| !real.ends_with(l))
            .nth(i)
            .unwrap();
        format!("{}{last}", &real[..8])
    };
    let agent = signed_in_at_device(&app, "ada").await;
    for i in 0..5 {
        let (_, _, body) = enter_code(&agent, &wrong(i)).await.page_at("/device");
        assert!(body.contains(INVALID_CODE), "guess {i}: {body}");
    }
    // The fifth failure earned a lock: even the real code is refused, unchecked.
    let (_, _, body) = enter_code(&agent, &real).await.page_at("/device");
    assert!(body.contains("Too many codes that did not work."), "{body}");
    assert!(!body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
    assert_eq!(app.grants_of(&tv).await, 0);
    let rejected = app.events(&sub, "device.code_rejected").await;
    let outcomes: Vec<&str> = rejected.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "failure").count(), 5);
    assert_eq!(outcomes.iter().filter(|o| **o == "locked").count(), 1);

    // After the lock (30 s), the real code works, and still forgives nothing: the next
    // wrong guess locks again at once.
    app.clock.advance(31);
    enter_code(&agent, &real).await.page_at("/device/confirm");
    app.clock.advance(1);
    enter_code(&agent, &wrong(0)).await.page_at("/device");
    let (_, _, body) = enter_code(&agent, &real).await.page_at("/device");
    assert!(body.contains("Too many codes that did not work."), "{body}");
}

#[tokio::test]
async fn a_decision_cannot_be_replayed() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let (_, _, confirm) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device/confirm");
    let allowed = agent
        .submit(&confirm, "/device/confirm", &[("decision", "allow")])
        .await;
    allowed.page();

    // The same form again, allowing or denying: refused, nothing changes.
    for decision in ["allow", "deny"] {
        let again = agent
            .submit(&confirm, "/device/confirm", &[("decision", decision)])
            .await;
        let (_, _, body) = again.page_at("/device");
        assert!(body.contains(INVALID_CODE), "{body}");
    }
    // Nor can the code be entered again.
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device");
    assert!(body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "approved");
    assert_eq!(app.grants_of(&tv).await, 1);
    assert_eq!(app.events(&sub, "device.approved").await.len(), 1);
    assert!(app.events(&sub, "device.denied").await.is_empty());
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;

    let code = user_code(&started);
    let forged = agent.post("/device", &[("user_code", code.as_str())]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let forged = agent
        .post(
            "/device",
            &[("user_code", code.as_str()), ("csrf_token", "guess")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Found honestly, then a forged decision.
    enter_code(&agent, &code).await.page_at("/device/confirm");
    let forged = agent
        .post("/device/confirm", &[("decision", "allow")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
    assert_eq!(app.grants_of(&tv).await, 0);
    let still = app.poll(&tv, &device_code(&started)).await;
    assert_oauth_error(still, StatusCode::BAD_REQUEST, "authorization_pending").await;
}

#[tokio::test]
async fn someone_not_signed_in_is_sent_to_sign_in_and_brought_back_with_the_code() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let code = user_code(&started);
    let agent = UserAgent::new(&app);

    // verification_uri_complete, as a phone's camera would open it.
    let complete = started["verification_uri_complete"].as_str().unwrap();
    let response = agent.get(complete).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
    let landing = agent.follow(response).await;
    let response = {
        let (path, _, body) = landing.page();
        assert_eq!(path, "/login");
        let fields = crate::support::hidden_fields(&body, "/login");
        let mut form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        form.extend([("username", "ada"), ("password", PASSWORD)]);
        agent.post("/login", &form).await
    };
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = format!("/device?user_code={code}");
    assert_eq!(response.headers()["location"], back.as_str());
    let (_, _, body) = agent.follow(response).await.page_at("/device");
    assert!(
        body.contains(&format!("value=\"{code}\"")),
        "prefilled: {body}"
    );
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");

    // The return path was used up: signing in again, over this sign-in, goes to the account.
    let fields = crate::support::hidden_fields(&body, "/device");
    let csrf = &fields.iter().find(|(n, _)| n == "csrf_token").unwrap().1;
    let form = [
        ("csrf_token", csrf.as_str()),
        ("username", "ada"),
        ("password", PASSWORD),
    ];
    let response = agent.post("/login", &form).await;
    assert_eq!(response.headers()["location"], "/account");

    // A return path kept longer than a quarter of an hour is forgotten.
    let late = UserAgent::new(&app);
    let landing = late.navigate("/device").await;
    app.clock.advance(15 * 60 + 1);
    let (path, _, _) = late.log_in(landing, "ada", PASSWORD).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn the_confirmation_page_says_a_vendors_app_is_made_by_the_vendor() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = vendor_device_client(&app, "Acme Screen", Some("Acme Screens Ltd")).await;

    let (agent, started, body) = confirmation_page(&app, &tv, "ada").await;
    assert!(body.contains("Acme Screen"), "{body}");
    assert!(body.contains("class=\"vendor-note\""), "{body}");
    assert!(
        body.contains(
            "<strong>Acme Screen</strong> is made by <strong>Acme Screens Ltd</strong>, an outside vendor, not by Not Far(m) From Home."
        ),
        "{body}"
    );
    assert!(!body.contains("an outside developer"), "{body}");
    // The code to compare is still there, and the vendor's app works like any other.
    assert!(body.contains(&user_code(&started)), "{body}");
    let confirm = Landing::Page {
        path: "/device/confirm".into(),
        status: StatusCode::OK,
        body,
    };
    decide(&agent, confirm, "allow").await.page();
    let tokens = token_json(app.poll(&tv, &device_code(&started)).await).await;
    assert_eq!(tokens["scope"], "openid profile");
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        app.verify_id_token(&tv, id_token).await["sub"],
        sub.as_str()
    );
}

#[tokio::test]
async fn an_unnamed_vendor_is_an_outside_developer_and_a_name_is_shown_escaped() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let unnamed = vendor_device_client(&app, "Garage Box", None).await;
    let (_, _, body) = confirmation_page(&app, &unnamed, "ada").await;
    assert!(
        body.contains("<strong>Garage Box</strong> is made by an outside developer"),
        "{body}"
    );
    assert!(!body.contains("an outside vendor"), "{body}");

    let odd = vendor_device_client(&app, "Odd Box", Some("<b>Evil</b> & Co")).await;
    let (_, _, body) = confirmation_page(&app, &odd, "ada").await;
    assert!(body.contains("an outside vendor"), "{body}");
    assert!(!body.contains("<b>Evil</b>"), "unescaped: {body}");
    assert!(
        body.contains("&#60;b&#62;Evil&#60;/b&#62; &#38; Co")
            || body.contains("&lt;b&gt;Evil&lt;/b&gt; &amp; Co"),
        "{body}"
    );
}

#[tokio::test]
async fn the_platforms_own_device_apps_carry_no_vendor_note() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    for public in [false, true] {
        let tv = app.device_client(public).await;
        let (_, _, body) = confirmation_page(&app, &tv, "ada").await;
        assert!(body.contains(TV), "{body}");
        assert!(!body.contains("vendor-note"), "{body}");
        assert!(!body.contains("is made by"), "{body}");
        assert!(!body.contains("outside"), "{body}");
    }
}

/// A device app registered by a vendor through RFC 7591, with an initial access token
/// issued (as the command line issues it) for `vendor`: a public client.
async fn vendor_device_client(app: &TestApp, name: &str, vendor: Option<&str>) -> TestClient {
    use farm_auth::accounts::admin::Actor;
    use farm_auth::oauth2::initial_access::{self, Request};

    let issued = initial_access::issue(
        &app.state,
        Actor::CommandLine,
        Request {
            ttl_secs: None,
            uses: Some(1),
            vendor: vendor.map(str::to_string),
            farm: None,
            as_member: false,
        },
    )
    .await
    .expect("token issued");
    let response = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .bearer_auth(&issued.token)
        .json(&serde_json::json!({
            "client_name": name,
            "grant_types": [DEVICE_GRANT],
            "token_endpoint_auth_method": "none",
            "scope": "openid profile",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let info: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{info}");
    assert!(info.get("client_secret").is_none(), "{info}");
    TestClient {
        id: info["client_id"].as_str().unwrap().into(),
        secret: String::new(),
    }
}

/// The confirmation page `username` sees for a fresh device request of `client`, and the
/// browser on it.
async fn confirmation_page(
    app: &TestApp,
    client: &TestClient,
    username: &str,
) -> (UserAgent, Value, String) {
    let started = app.start_device(client, Some("openid profile")).await;
    let agent = signed_in_at_device(app, username).await;
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device/confirm");
    (agent, started, body)
}
