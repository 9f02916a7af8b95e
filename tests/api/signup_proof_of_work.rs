//! The sign-up form's anti-automation step (DECISIONS §87): a challenge the server signed,
//! solved by the page's script, or, without JavaScript, a few seconds of filling in; a
//! honeypot; each challenge used once. Refused forms come back to the page and create
//! nothing.

use farm_auth::accounts::signup_challenge::{CHALLENGE_TTL_SECS, MIN_FILL_SECS, solve};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION};

use crate::support::{
    TestApp, UserAgent, post_signup, post_signup_form, signup_form, solve_challenge,
};

/// The value of field `name` in `form`.
fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} field"))
}

/// Sets field `name` of `form` to `value`, adding it if the form has none (the honeypot
/// is no hidden field).
fn set(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    form.retain(|(n, _)| n != name);
    form.push((name.to_string(), value.to_string()));
}

async fn exists(app: &TestApp, username: &str) -> bool {
    app.store
        .find_user_by_username(username)
        .await
        .unwrap()
        .is_some()
}

/// Asserts `form` is refused back to the sign-up page, saying to send it again, and that
/// nobody was created.
async fn assert_refused(app: &TestApp, agent: &UserAgent, form: &[(String, String)], what: &str) {
    let response = post_signup_form(agent, form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{what}");
    assert_eq!(response.headers()[LOCATION], "/signup", "{what}");
    let (_, _, page) = agent.follow(response).await.page();
    assert!(
        page.contains("send the form again") || page.contains("send it again"),
        "{what}: {page}"
    );
    // What was typed comes back (never the password).
    assert!(page.contains(field(form, "username")), "{what}");
    assert!(
        !exists(app, field(form, "username")).await,
        "{what}: an account was created"
    );
}

#[tokio::test]
async fn the_page_carries_a_signed_challenge_a_honeypot_and_its_own_script_which_the_csp_allows() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let response = agent.get("/signup").await;
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let page = response.text().await.unwrap();
    assert!(
        page.contains(r#"<script src="/static/signup.js" defer></script>"#),
        "{page}"
    );
    assert!(page.contains(r#"name="website""#), "no honeypot: {page}");
    assert!(page.contains(r#"data-bits="16""#), "{page}");
    let script = agent.get("/static/signup.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script
            .text()
            .await
            .unwrap()
            .contains("crypto.subtle.digest")
    );
}

#[tokio::test]
async fn without_javascript_the_form_is_taken_once_it_has_been_open_a_few_seconds() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let form = signup_form(&agent, "hazel").await;
    assert_refused(&app, &agent, &form, "sent at once, unsolved").await;

    let form = signup_form(&agent, "hazel").await;
    app.clock.advance(MIN_FILL_SECS);
    let response = post_signup_form(&agent, &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/account");
    assert!(exists(&app, "hazel").await);
}

#[tokio::test]
async fn with_the_proof_of_work_solved_the_form_is_taken_at_once() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let response = post_signup(&agent, "rowan").await;
    assert_eq!(response.headers()[LOCATION], "/account");
    assert!(exists(&app, "rowan").await);
}

#[tokio::test]
async fn a_replayed_solution_is_refused() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let mut form = signup_form(&agent, "first").await;
    solve_challenge(&mut form);
    let response = post_signup_form(&agent, &form).await;
    assert_eq!(response.headers()[LOCATION], "/account");

    // The same challenge and solution again, for another person, from another browser that
    // got its own CSRF token: the challenge was used.
    let bot = UserAgent::new(&app);
    let mut again = signup_form(&bot, "second").await;
    set(&mut again, "challenge", field(&form, "challenge"));
    set(&mut again, "solution", field(&form, "solution"));
    assert_refused(&app, &bot, &again, "replayed").await;
    // Even without JavaScript, after the wait.
    app.clock.advance(MIN_FILL_SECS);
    set(&mut again, "solution", "");
    assert_refused(&app, &bot, &again, "replayed without a solution").await;
}

#[tokio::test]
async fn a_forged_changed_wrongly_solved_expired_or_honeypotted_form_is_refused() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let original = signup_form(&agent, "mallory").await;
    let challenge = field(&original, "challenge").to_string();
    let parts: Vec<&str> = challenge.split('.').collect();
    assert_eq!(parts.len(), 4, "{challenge}");

    // An easier puzzle, with the signature of the real one.
    let easier = format!("{}.{}.0.{}", parts[0], parts[1], parts[3]);
    // A puzzle signed with a made-up key.
    let forged = format!("{}.{}.0.{}", parts[0], parts[1], "A".repeat(43));
    // An older timestamp, to skip the wait.
    let older = format!(
        "{}.{}.{}.{}",
        parts[0].parse::<i64>().unwrap() - 60,
        parts[1],
        parts[2],
        parts[3]
    );
    for (what, text) in [
        ("easier", &easier),
        ("forged", &forged),
        ("back-dated", &older),
    ] {
        let mut form = original.clone();
        set(&mut form, "challenge", text);
        set(&mut form, "solution", &solve(text, 0));
        assert_refused(&app, &agent, &form, what).await;
    }

    let mut wrong = original.clone();
    let bad = (0u64..)
        .map(|n| n.to_string())
        .find(|n| farm_auth::accounts::signup_challenge::zero_bits(&challenge, n) < 16)
        .unwrap();
    set(&mut wrong, "solution", &bad);
    assert_refused(&app, &agent, &wrong, "wrongly solved").await;

    let mut honeypot = original.clone();
    solve_challenge(&mut honeypot);
    set(&mut honeypot, "website", "http://cheap-pills.example");
    assert_refused(&app, &agent, &honeypot, "honeypot filled").await;

    let mut expired = original.clone();
    solve_challenge(&mut expired);
    app.clock.advance(CHALLENGE_TTL_SECS);
    assert_refused(&app, &agent, &expired, "expired").await;
}
