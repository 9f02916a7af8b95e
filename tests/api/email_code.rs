//! Signing in with a code mailed to a confirmed address: the same answer for known and
//! unknown addresses, a code that works once, in the browser that asked, for ten minutes,
//! guesses throttled like passwords, and the second factor still asked after it.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use crate::support::user_agent::{Landing, UserAgent};
use crate::support::{TestApp, code_from};

const SCOPE: &str = "openid profile";

/// A person whose address is confirmed (a code goes only to a confirmed address).
pub async fn confirmed(app: &TestApp, username: &str) -> (String, String) {
    let id = app.person(username, Role::Consumer).await;
    let email = format!("{username}@farm.example");
    let now = app.clock.now();
    app.store
        .set_email_verified(&id, &email, now)
        .await
        .unwrap();
    (id, email)
}

/// Asks for a code for `email` from the login page of `landing`; the code page.
async fn ask(agent: &UserAgent, landing: Landing, email: &str) -> String {
    let (_, _, login) = landing.page();
    let href = between(&login, "<a href=\"", "\">Email me a sign-in code instead");
    let (path, status, page) = agent.navigate(&href.replace("&amp;", "&")).await.page();
    assert!(path.starts_with("/login/email-code"), "{path}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("autocomplete=\"email\""), "{page}");
    let (path, status, page) = agent
        .submit(&page, "/login/email-code", &[("email", email)])
        .await
        .page();
    assert!(path.starts_with("/login/email-code/verify"), "{path}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("autocomplete=\"one-time-code\""), "{page}");
    page
}

/// The last `href` before `end` on `page` that starts with `start`.
fn between(page: &str, start: &str, end: &str) -> String {
    let stop = page
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?} on:\n{page}"));
    let from = page[..stop].rfind(start).expect("start") + start.len();
    page[from..stop].to_string()
}

/// The code in the `n`-th code mail to `email` (other mails, such as security notices,
/// are skipped).
pub async fn mailed_code(app: &TestApp, email: &str, n: usize) -> String {
    for _ in 0..200 {
        let codes: Vec<String> = app
            .mails()
            .into_iter()
            .filter(|m| m.contains(&format!("To: {email}")) && m.contains("</html>"))
            .filter_map(|mail| {
                let at = mail.find("Your code: ")? + "Your code: ".len();
                assert!(!mail.contains("http"), "a code mail holds no link: {mail}");
                Some(mail[at..at + 6].to_string())
            })
            .collect();
        if codes.len() >= n {
            return codes[n - 1].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no code mail number {n} to {email}");
}

#[tokio::test]
async fn a_mailed_code_signs_in_once_and_the_flow_goes_on_to_the_app() {
    let app = TestApp::spawn().await;
    let (id, email) = confirmed(&app, "ines").await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let page = ask(&agent, landing, &email).await;
    let code = mailed_code(&app, &email, 1).await;
    let landing = agent
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await;
    let landing = agent.consent(landing, "allow").await;
    let back = landing.client();
    let tokens = app.exchange_code(&client, &code_from(&app, &back)).await;
    let tokens: serde_json::Value = tokens.json().await.unwrap();
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["amr"], serde_json::json!(["otp"]));

    // The same code again, in another browser that asked for the same address: refused.
    let other = UserAgent::new(&app);
    let page = ask(&other, other.navigate("/login").await, &email).await;
    let (path, _, page) = other
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await
        .page();
    assert!(path.starts_with("/login/email-code/verify"), "{path}");
    assert!(page.contains("That code is not right"), "{page}");
}

#[tokio::test]
async fn a_known_and_an_unknown_address_get_the_same_page_and_only_the_known_one_gets_mail() {
    let app = TestApp::spawn().await;
    let (_, email) = confirmed(&app, "ines").await;
    let agent = UserAgent::new(&app);
    let known = ask(&agent, agent.navigate("/login").await, &email).await;
    let stranger = UserAgent::new(&app);
    let unknown = ask(
        &stranger,
        stranger.navigate("/login").await,
        "nobody@farm.example",
    )
    .await;
    let strip = |page: &str, address: &str| {
        page.replace(address, "ADDRESS")
            .split("name=\"csrf_token\" value=\"")
            .map(|part| {
                part.split_once('"')
                    .map_or(part, |(_, rest)| rest)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("")
    };
    assert_eq!(
        strip(&known, &email),
        strip(&unknown, "nobody@farm.example")
    );
    mailed_code(&app, &email, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !app.mails()
            .iter()
            .any(|m| m.contains("nobody@farm.example")),
        "no mail to an unknown address"
    );
    // A wrong code for the unknown address is the same refusal as for a known one.
    let (_, _, page) = stranger
        .submit(&unknown, "/login/email-code/verify", &[("code", "123456")])
        .await
        .page();
    assert!(page.contains("That code is not right"), "{page}");
}

#[tokio::test]
async fn an_unconfirmed_address_gets_no_code() {
    let app = TestApp::spawn().await;
    app.person("ines", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    ask(&agent, agent.navigate("/login").await, "ines@farm.example").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !app.mails().iter().any(|m| m.contains("Your code")),
        "an unconfirmed address may be someone else's"
    );
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let app = TestApp::spawn().await;
    let (_, email) = confirmed(&app, "ines").await;
    let agent = UserAgent::new(&app);
    let page = ask(&agent, agent.navigate("/login").await, &email).await;
    let code = mailed_code(&app, &email, 1).await;
    app.clock.advance(601);
    let (path, _, page) = agent
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/login/email-code", "{page}");
    assert!(page.contains("expired"), "{page}");
}

#[tokio::test]
async fn guessing_is_throttled_and_the_right_code_waits_for_the_lock() {
    let app = TestApp::spawn().await;
    let (_, email) = confirmed(&app, "ines").await;
    let agent = UserAgent::new(&app);
    let page = ask(&agent, agent.navigate("/login").await, &email).await;
    let code = mailed_code(&app, &email, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (_, _, after) = agent
            .submit(&page, "/login/email-code/verify", &[("code", wrong)])
            .await
            .page();
        assert!(after.contains("That code is not right"), "{after}");
    }
    let (_, _, after) = agent
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await
        .page();
    assert!(after.contains("Too many failed attempts"), "{after}");
    app.clock.advance(31);
    let (path, _, _) = agent
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/account", "the lock ended, the code still works");
}

#[tokio::test]
async fn an_account_with_an_authenticator_app_still_gives_its_code_after_the_mailed_one() {
    let app = TestApp::spawn().await;
    let (id, email) = confirmed(&app, "ines").await;
    app.authenticators.set_up(&app, &id).await;
    let agent = UserAgent::new(&app);
    let page = ask(&agent, agent.navigate("/login").await, &email).await;
    let code = mailed_code(&app, &email, 1).await;
    let (path, _, page) = agent
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await
        .page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    assert!(page.contains("Your code was right"), "{page}");
    let totp = app.authenticators.next_code("ines", &app.clock).unwrap();
    let (path, _, _) = agent
        .submit(
            &page,
            "/login/second-factor",
            &[("method", "totp"), ("code", &totp)],
        )
        .await
        .page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn hostile_and_malformed_input_gets_a_page_never_a_server_error() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let page = ask(&agent, agent.navigate("/login").await, &"a".repeat(5000)).await;
    for code in [
        "",
        "12",
        "abcdef",
        "1234567",
        &"9".repeat(3000),
        "12\u{0}456",
    ] {
        let (_, status, after) = agent
            .submit(&page, "/login/email-code/verify", &[("code", code)])
            .await
            .page();
        assert_eq!(status, StatusCode::OK, "{code:?}");
        // Refused as wrong, or, after five, held back by the throttle.
        let refused =
            after.contains("That code is not right") || after.contains("Too many failed attempts");
        assert!(refused, "{code:?}: {after}");
    }
    // Without the form's CSRF token: 403, nothing asked.
    let response = agent
        .post("/login/email-code", &[("email", "ines@farm.example")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The code page without having asked goes back to asking.
    let fresh = UserAgent::new(&app);
    let (path, _, _) = fresh.navigate("/login/email-code/verify").await.page();
    assert_eq!(path, "/login/email-code");
}

#[tokio::test]
async fn a_code_mailed_before_the_address_changed_signs_in_no_one() {
    let app = TestApp::spawn().await;
    let (id, email) = confirmed(&app, "ines").await;
    let agent = UserAgent::new(&app);
    let page = ask(&agent, agent.navigate("/login").await, &email).await;
    let code = mailed_code(&app, &email, 1).await;
    // The account moves to another address (as a confirmed change of address does).
    let now = app.clock.now();
    let moved = app
        .store
        .set_confirmed_email(&id, "ines.new@farm.example", now)
        .await
        .unwrap();
    assert!(moved);
    let (path, _, page) = agent
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await
        .page();
    assert!(path.starts_with("/login/email-code/verify"), "{path}");
    assert!(page.contains("That code is not right"), "{page}");
}

#[tokio::test]
async fn a_strangers_guesses_from_another_network_do_not_lock_the_owner_out() {
    let app = TestApp::spawn_with(crate::support::Options {
        trusted_proxies: Some("127.0.0.1/32".into()),
        ..Default::default()
    })
    .await;
    let (_, email) = confirmed(&app, "ines").await;
    let stranger = crate::support::user_agent::browser_at(&app, "198.51.100.7");
    let page = ask(&stranger, stranger.navigate("/login").await, &email).await;
    for _ in 0..6 {
        stranger
            .submit(&page, "/login/email-code/verify", &[("code", "000000")])
            .await;
    }
    let owner = crate::support::user_agent::browser_at(&app, "203.0.113.9");
    let page = ask(&owner, owner.navigate("/login").await, &email).await;
    let code = mailed_code(&app, &email, 2).await;
    let (path, _, page) = owner
        .submit(&page, "/login/email-code/verify", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/account", "{page}");
}
