//! "Forgot your password?": the same answer for every address, a mailed link that works
//! once and for 30 minutes, and a reset that ends every session and token of the account
//! without getting around a second factor.

use crate::support::{
    NEW_PASSWORD, PASSWORD, SignIn, TestApp, UserAgent, ask_for_reset, assert_oauth_error,
    choose_password, hidden_fields, is_signed_in, open_reset_form, password_works, reset_link,
    reset_with, sign_in, token_of,
};
use farm_auth::accounts::totp;
use farm_auth::accounts::users::Role;
use farm_auth::store::audit::AuditRecord;
use reqwest::StatusCode;

const SCOPE: &str = "openid profile email offline_access";

/// The page with every CSRF token value replaced by the same placeholder.
fn without_csrf(page: &str) -> String {
    const MARK: &str = "name=\"csrf_token\" value=\"";
    let mut out = String::new();
    let mut rest = page;
    while let Some(at) = rest.find(MARK) {
        let start = at + MARK.len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push_str("CSRF");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Waits (up to 10 s) until `n` reset requests are in the audit trail (of `user_id`, or
/// of anyone) and returns them, newest first. The request is handled after the answer.
async fn wait_for_reset_requests(
    app: &TestApp,
    user_id: Option<&str>,
    n: usize,
) -> Vec<AuditRecord> {
    for _ in 0..200 {
        let found: Vec<AuditRecord> = app
            .store
            .list_audit_events(user_id, 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "password.reset_requested")
            .collect();
        // Refusals are counted on one row each hour (docs/DECISIONS.md §81).
        if found.iter().map(|e| e.repeats as usize).sum::<usize>() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} reset requests were recorded");
}

/// Mails to `address` so far, after giving a mail that should not come time to arrive.
async fn mails_to(app: &TestApp, address: &str) -> usize {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.mails()
        .iter()
        .filter(|m| m.contains(&format!("To: {address}")))
        .count()
}

#[tokio::test]
async fn a_reset_request_gets_the_same_answer_for_a_known_and_an_unknown_address_and_only_the_known_one_gets_mail()
 {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;

    let (known_status, known) = ask_for_reset(&app, "ada@farm.example").await;
    let (unknown_status, unknown) = ask_for_reset(&app, "nobody@farm.example").await;
    assert_eq!(known_status, StatusCode::OK);
    assert_eq!(unknown_status, StatusCode::OK);
    assert!(known.contains("Check your email"), "{known}");
    assert_eq!(without_csrf(&known), without_csrf(&unknown));

    let mail = app.wait_for_mail("ada@farm.example", 1).await;
    assert!(mail.contains("Subject: Reset your password"), "{mail}");
    // Both requests were handled: the unknown address is in the audit trail as a failure.
    let requests = wait_for_reset_requests(&app, None, 2).await;
    assert!(
        requests
            .iter()
            .any(|e| e.outcome == "failure" && e.user_id.is_none()),
        "{requests:?}"
    );
    assert_eq!(mails_to(&app, "nobody@farm.example").await, 0);
    assert_eq!(app.mails().len(), 1, "{:?}", app.mails());
}

#[tokio::test]
async fn a_reset_request_finds_the_account_whatever_the_case_of_the_address_and_the_spaces_around_it()
 {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let (status, _) = ask_for_reset(&app, "  ADA@Farm.Example ").await;
    assert_eq!(status, StatusCode::OK);
    let link = reset_link(&app, "ada", 1).await;
    reset_with(&app, &link, NEW_PASSWORD).await;
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session_and_token_of_the_account() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let app_browser = UserAgent::new(&app);
    let tokens = app
        .sign_in_for_tokens(&app_browser, &client, "ada", SCOPE)
        .await;
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
    let access_token = tokens["access_token"].as_str().unwrap();
    let SignIn {
        agent: laptop,
        path,
        ..
    } = sign_in(&app, "ada", PASSWORD).await;
    assert_eq!(path, "/account");
    assert!(is_signed_in(&app_browser).await);
    assert!(is_signed_in(&laptop).await);
    assert_eq!(app.userinfo(access_token).await.status(), StatusCode::OK);

    let (status, _) = ask_for_reset(&app, "ada@farm.example").await;
    assert_eq!(status, StatusCode::OK);
    let link = reset_link(&app, "ada", 1).await;
    let phone = UserAgent::new(&app);
    let form = open_reset_form(&phone, &link).await;
    let (_, status, page) = choose_password(&phone, &form, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Your password is changed"), "{page}");

    assert!(!is_signed_in(&app_browser).await);
    assert!(!is_signed_in(&laptop).await);
    assert!(!is_signed_in(&phone).await, "a reset does not sign in");
    let refreshed = app.refresh(&client, refresh_token, None).await;
    assert_oauth_error(refreshed, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(
        app.userinfo(access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    assert!(!password_works(&app, "ada", PASSWORD).await);
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_used_reset_link_does_not_work_a_second_time() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let link = reset_link(&app, "ada", 1).await;
    let agent = UserAgent::new(&app);
    let form = open_reset_form(&agent, &link).await;
    // Another browser (the link forwarded, or a second tab) opened it too.
    let other = UserAgent::new(&app);
    let other_form = open_reset_form(&other, &link).await;
    let (_, status, _) = choose_password(&agent, &form, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);

    let (_, status, page) = agent.navigate(&link).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("does not work any more"), "{page}");
    // The form opened before is refused too, and changes nothing.
    let (_, status, page) = choose_password(&other, &other_form, "a second new password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("does not work any more"), "{page}");
    assert!(!password_works(&app, "ada", "a second new password").await);
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_reset_link_stops_working_thirty_minutes_after_it_was_sent() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let link = reset_link(&app, "ada", 1).await;
    let agent = UserAgent::new(&app);

    app.clock.advance(30 * 60 - 1);
    let form = open_reset_form(&agent, &link).await;
    app.clock.advance(2);
    let (_, status, page) = agent.navigate(&link).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("does not work any more"), "{page}");
    let (_, status, page) = choose_password(&agent, &form, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("does not work any more"), "{page}");
    assert!(password_works(&app, "ada", PASSWORD).await);
    assert!(!password_works(&app, "ada", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_weak_new_password_is_refused_without_using_up_the_link() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let link = reset_link(&app, "ada", 1).await;
    let agent = UserAgent::new(&app);
    let mut form = open_reset_form(&agent, &link).await;

    for weak in ["password", "abc"] {
        let (path, status, page) = choose_password(&agent, &form, weak).await;
        // Back to the form of the same link, saying why.
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(path.starts_with("/password/reset?"), "{path}");
        assert!(page.contains("This password cannot be used"), "{page}");
        let fields = hidden_fields(&page, "/password/reset");
        assert!(
            fields
                .iter()
                .any(|(n, v)| n == "token" && v == token_of(&link)),
            "{fields:?}"
        );
        assert!(password_works(&app, "ada", PASSWORD).await);
        form = page;
    }

    let (_, status, page) = choose_password(&agent, &form, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Your password is changed"), "{page}");
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_newer_reset_link_makes_the_older_one_useless_once_it_is_used() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let older = reset_link(&app, "ada", 1).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let newer = reset_link(&app, "ada", 2).await;
    assert_ne!(older, newer);

    // Until one is used, both work.
    let agent = UserAgent::new(&app);
    let older_form = open_reset_form(&agent, &older).await;
    open_reset_form(&agent, &newer).await;
    reset_with(&app, &newer, NEW_PASSWORD).await;

    let (_, status, page) = agent.navigate(&older).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("does not work any more"), "{page}");
    let (_, status, page) = choose_password(&agent, &older_form, "the older link's password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
}

#[tokio::test]
async fn no_more_than_three_reset_mails_go_to_one_account_in_an_hour() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    for n in 1..=3 {
        let (status, _) = ask_for_reset(&app, "ada@farm.example").await;
        assert_eq!(status, StatusCode::OK);
        reset_link(&app, "ada", n).await;
    }

    let (status, _) = ask_for_reset(&app, "ada@farm.example").await;
    assert_eq!(status, StatusCode::OK, "the answer stays the same");
    let requests = wait_for_reset_requests(&app, Some(&ada), 4).await;
    assert_eq!(requests[0].outcome, "locked", "{requests:?}");
    assert_eq!(mails_to(&app, "ada@farm.example").await, 3);

    // An hour later, mail goes again.
    app.clock.advance(3_601);
    ask_for_reset(&app, "ada@farm.example").await;
    let link = reset_link(&app, "ada", 4).await;
    reset_with(&app, &link, NEW_PASSWORD).await;
}

#[tokio::test]
async fn malformed_reset_tokens_get_the_invalid_link_page_and_never_a_server_error() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let (_, _, page) = agent.navigate("/password/forgot").await.page();
    let csrf = hidden_fields(&page, "/password/forgot")
        .into_iter()
        .find(|(name, _)| name == "csrf_token")
        .expect("a CSRF token")
        .1;
    let long = "A".repeat(10 * 1024);
    // Percent-encoded, as they go into a query string or a form body.
    let tokens: [(&str, &str); 7] = [
        ("missing", ""),
        ("empty", "token="),
        ("10 KB", &format!("token={long}")),
        ("NUL", "token=%00"),
        ("NUL inside", "token=abc%00def"),
        ("not UTF-8", "token=%FF%FE%C3%28"),
        ("control characters", "token=%0D%0A%1B%7F"),
    ];
    for (what, query) in tokens {
        let response = agent.get(&format!("/password/reset?{query}")).await;
        let status = response.status();
        let page = response.text().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET, {what}:\n{page}");
        assert!(
            page.contains("does not work any more"),
            "GET, {what}:\n{page}"
        );

        let body = format!(
            "csrf_token={csrf}&new_password=rhubarb+under+a+bucket{}{query}",
            if query.is_empty() { "" } else { "&" }
        );
        let response = agent
            .http
            .post(app.url("/password/reset"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let page = response.text().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "POST, {what}:\n{page}");
        assert!(
            page.contains("does not work any more"),
            "POST, {what}:\n{page}"
        );
    }
    assert!(password_works(&app, "ada", PASSWORD).await);
}

#[tokio::test]
async fn reset_forms_sent_without_their_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    agent.navigate("/password/forgot").await;
    let response = agent
        .post("/password/forgot", &[("email", "ada@farm.example")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(mails_to(&app, "ada@farm.example").await, 0);

    ask_for_reset(&app, "ada@farm.example").await;
    let link = reset_link(&app, "ada", 1).await;
    open_reset_form(&agent, &link).await;
    let response = agent
        .post(
            "/password/reset",
            &[("token", token_of(&link)), ("new_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(password_works(&app, "ada", PASSWORD).await);
    // The link was not used up.
    reset_with(&app, &link, NEW_PASSWORD).await;
}

/// Sets up an authenticator app for `user_id` as a finished enrolment would; its secret.
async fn enrol_totp(app: &TestApp, user_id: &str) -> String {
    let secret = totp::new_secret();
    let now = app.clock.now();
    app.store
        .upsert_pending_totp(user_id, &secret, now)
        .await
        .unwrap();
    let code = totp::code_at(&secret, now).unwrap();
    let step = totp::matching_step(&secret, &code, now).unwrap();
    assert!(
        app.store
            .take_totp_step(user_id, step, true, now)
            .await
            .unwrap()
    );
    secret
}

#[tokio::test]
async fn a_reset_does_not_sign_in_and_the_next_sign_in_still_asks_for_the_authenticator_code() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let secret = enrol_totp(&app, &ada).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let link = reset_link(&app, "ada", 1).await;

    let agent = UserAgent::new(&app);
    let form = open_reset_form(&agent, &link).await;
    let (_, status, page) = choose_password(&agent, &form, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!is_signed_in(&agent).await);

    let landing = agent.navigate("/login").await;
    let (_, _, login) = landing.page();
    let response = agent
        .post(
            "/login",
            &hidden_fields(&login, "/login")
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .chain([("username", "ada"), ("password", NEW_PASSWORD)])
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/login/second-factor"), "{location}");
    assert!(
        !is_signed_in(&agent).await,
        "the password alone is not enough"
    );

    // The code finishes the sign-in (a new time step: each code works once).
    let (_, status, page) = agent.follow(response).await.page();
    assert_eq!(status, StatusCode::OK, "{page}");
    app.clock.advance(30);
    let code = totp::code_at(&secret, app.clock.now()).unwrap();
    let (path, _, _) = agent
        .submit(&page, "/login/second-factor", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn reset_requests_sent_all_at_once_still_mail_no_more_than_three_links() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let ask = || ask_for_reset(&app, "ada@farm.example");
    let answers = tokio::join!(ask(), ask(), ask(), ask(), ask(), ask(), ask(), ask());
    let statuses = [
        answers.0.0,
        answers.1.0,
        answers.2.0,
        answers.3.0,
        answers.4.0,
        answers.5.0,
        answers.6.0,
        answers.7.0,
    ];
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let requests = wait_for_reset_requests(&app, Some(&ada), 8).await;
    let mailed = requests.iter().filter(|r| r.outcome == "success").count();
    assert_eq!(mailed, 3, "{requests:?}");
    assert_eq!(mails_to(&app, "ada@farm.example").await, 3);
}

/// Resets `username`'s password with a mailed link in a new browser: the browser and the
/// page the reset ended on.
async fn reset_in_browser(app: &TestApp, username: &str) -> (UserAgent, String, String) {
    ask_for_reset(app, &format!("{username}@farm.example")).await;
    let link = reset_link(app, username, 1).await;
    let agent = UserAgent::new(app);
    let form = open_reset_form(&agent, &link).await;
    let (path, status, page) = choose_password(&agent, &form, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    (agent, path, page)
}

#[tokio::test]
async fn a_reset_lists_the_factors_added_in_the_last_seven_days_and_removes_the_one_chosen() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    // An intruder with the old password set up their own app (and its recovery codes).
    enrol_totp(&app, &ada).await;
    app.store
        .replace_recovery_codes(&ada, &["intruder-code-hash".into()], app.clock.now())
        .await
        .unwrap();
    app.clock.advance(3 * 86_400);

    let (agent, path, page) = reset_in_browser(&app, "ada").await;
    assert_eq!(path, "/password/reset/review", "{page}");
    assert!(page.contains("Your password is changed"), "{page}");
    assert!(page.contains("An authenticator app"), "{page}");
    assert!(page.contains("New recovery codes"), "{page}");
    assert!(!is_signed_in(&agent).await);

    let (path, _, page) = agent
        .submit(&page, "/password/reset/review", &[("factor", "totp")])
        .await
        .page();
    assert_eq!(path, "/password/reset/review");
    assert!(page.contains("Removed."), "{page}");
    assert!(!page.contains("An authenticator app"), "{page}");
    assert!(app.store.find_totp(&ada).await.unwrap().is_none());
    // The new password alone signs in now: the intruder's app is gone.
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
    let trail = app.store.list_audit_events(Some(&ada), 50).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e: &AuditRecord| e.event == "totp.disabled"
                && e.detail.as_deref() == Some("in the review after a password reset")),
        "{trail:?}"
    );
}

/// `username`, with the address confirmed: their id.
async fn confirmed_person(app: &TestApp, username: &str) -> String {
    let id = app.person(username, Role::Consumer).await;
    let address = format!("{username}@farm.example");
    let now = app.clock.now();
    assert!(
        app.store
            .set_email_verified(&id, &address, now)
            .await
            .unwrap()
    );
    id
}

#[tokio::test]
async fn a_reset_does_not_offer_factors_older_than_seven_days() {
    let app = TestApp::spawn().await;
    let ada = confirmed_person(&app, "ada").await;
    enrol_totp(&app, &ada).await;
    app.clock.advance(8 * 86_400);

    let (_, path, page) = reset_in_browser(&app, "ada").await;
    assert_eq!(path, "/password/reset", "{page}");
    assert!(page.contains("Your password is changed"), "{page}");
    assert!(app.store.find_totp(&ada).await.unwrap().is_some());
}

#[tokio::test]
async fn the_review_removes_nothing_for_another_browser_nor_a_factor_older_than_seven_days() {
    let app = TestApp::spawn().await;
    let ada = confirmed_person(&app, "ada").await;
    enrol_totp(&app, &ada).await;
    app.clock.advance(8 * 86_400);
    app.store
        .replace_recovery_codes(&ada, &["new-code-hash".into()], app.clock.now())
        .await
        .unwrap();

    let (agent, path, page) = reset_in_browser(&app, "ada").await;
    assert_eq!(path, "/password/reset/review", "{page}");
    assert!(!page.contains("An authenticator app"), "{page}");
    // The old app is not on the list, and naming it removes nothing.
    let (_, _, page) = agent
        .submit(&page, "/password/reset/review", &[("factor", "totp")])
        .await
        .page();
    assert!(page.contains("is not there any more"), "{page}");
    assert!(app.store.find_totp(&ada).await.unwrap().is_some());

    // Another browser has no review open: the page only says the password changed.
    let stranger = UserAgent::new(&app);
    let (_, _, page) = stranger.navigate("/password/reset/review").await.page();
    assert!(!page.contains("New recovery codes"), "{page}");
    assert_eq!(app.store.count_recovery_codes(&ada).await.unwrap(), 1);
}

/// An account whose address was never confirmed may be someone else's sign-up with the
/// owner's address: its reset reviews every factor since it was made (decision 161).
#[tokio::test]
async fn a_reset_of_a_never_confirmed_account_offers_every_factor_since_it_was_made() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    enrol_totp(&app, &ada).await;
    app.clock.advance(30 * 86_400);
    let (_, path, page) = reset_in_browser(&app, "ada").await;
    assert_eq!(path, "/password/reset/review", "{page}");
    assert!(page.contains("An authenticator app"), "{page}");
    assert!(page.contains("30 days"), "{page}");
}
