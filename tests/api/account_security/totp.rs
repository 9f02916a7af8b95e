//! Authenticator apps (RFC 6238) through the browser: enrolment on the account page, the
//! second step of a sign-in, recovery codes, and removing the app again with the password.

use farm_auth::accounts::totp::{ISSUER, code_at};
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use url::Url;

use crate::helpers::TestApp;
use crate::user_agent::{Landing, PASSWORD, UserAgent, code_from, token_json};

const SCOPE: &str = "openid profile";
const WRONG_CODE: &str = "That code is not right. Check it and try again.";

/// A new browser signed in with the password alone, and the account page it landed on.
pub(super) async fn signed_in(app: &TestApp, username: &str) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, status, page) = agent.log_in(landing, username, PASSWORD).await.page();
    assert_eq!(path, "/account", "{page}");
    assert_eq!(status, StatusCode::OK);
    (agent, page)
}

/// Presses "Set up an authenticator app" on the account page: the enrolment page.
pub(super) async fn start_enrolment(agent: &UserAgent, account: &str) -> String {
    let (path, status, page) = agent
        .submit(account, "/account/totp", &[("password", PASSWORD)])
        .await
        .page();
    assert_eq!(path, "/account/totp", "{page}");
    assert_eq!(status, StatusCode::OK);
    page
}

/// The text of the first `<code class="{class}">` on `page`, unescaped.
pub(super) fn code_element(page: &str, class: &str) -> String {
    let open = format!("<code class=\"{class}\">");
    let start = page
        .find(&open)
        .unwrap_or_else(|| panic!("no {open} on:\n{page}"))
        + open.len();
    let end = start + page[start..].find("</code>").expect("</code>");
    page[start..end]
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The codes listed on the recovery codes page.
pub(super) fn recovery_codes_on(page: &str) -> Vec<String> {
    let start = page
        .find("<ol class=\"codes\">")
        .unwrap_or_else(|| panic!("no list of codes on:\n{page}"));
    let end = start + page[start..].find("</ol>").expect("</ol>");
    page[start..end]
        .split("<code>")
        .skip(1)
        .map(|item| item[..item.find("</code>").expect("</code>")].to_string())
        .collect()
}

/// Six digits that are the code of no time step near `now`.
pub(super) fn wrong_code(secret: &str, now: i64) -> String {
    let near: Vec<String> = (-3..=3)
        .map(|step| code_at(secret, now + 30 * step).unwrap())
        .collect();
    (135_791..)
        .map(|n| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .unwrap()
}

/// A person with an authenticator app set up, from the browser that set it up.
pub(super) struct Enrolled {
    pub agent: UserAgent,
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

/// Sets up an authenticator app for `username` through the account page, then moves the
/// clock on by one time step: the code that confirmed the app is used up, sign-ins use the
/// next one.
pub(super) async fn enrol(app: &TestApp, username: &str) -> Enrolled {
    let (agent, account) = signed_in(app, username).await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");
    let code = code_at(&secret, app.clock.now()).unwrap();
    let (path, status, page) = agent
        .submit(&page, "/account/totp/confirm", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/account/recovery-codes", "{page}");
    assert_eq!(status, StatusCode::OK);
    let recovery_codes = recovery_codes_on(&page);
    assert_eq!(recovery_codes.len(), 10, "{page}");
    app.clock.advance(30);
    Enrolled {
        agent,
        secret,
        recovery_codes,
    }
}

/// A new browser gives `username`'s password and lands on the second step: that page.
pub(super) async fn password_step(app: &TestApp, username: &str) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, status, page) = agent.log_in(landing, username, PASSWORD).await.page();
    assert_eq!(path, "/login/second-factor", "{page}");
    assert_eq!(status, StatusCode::OK);
    (agent, page)
}

/// Gives a code (`method` `totp` or `recovery`) on the second-step page.
pub(super) async fn give_code(agent: &UserAgent, page: &str, method: &str, code: &str) -> Landing {
    agent
        .submit(
            page,
            "/login/second-factor",
            &[("method", method), ("code", code)],
        )
        .await
}

/// Asserts that the browser is not signed in: the account page sends it to sign in.
pub(super) async fn assert_signed_out(agent: &UserAgent) {
    let (path, status, page) = agent.navigate("/account").await.page();
    assert_eq!(path, "/login", "{page}");
    assert_eq!(status, StatusCode::OK);
}

/// Asserts a refused code: the second step again, saying `message`.
#[track_caller]
fn assert_refused(landing: Landing, message: &str) -> String {
    let (path, status, page) = landing.page();
    assert_eq!(path, "/login/second-factor", "{page}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(message), "{message:?} not on:\n{page}");
    page
}

#[tokio::test]
async fn the_enrolment_page_shows_a_qr_code_the_secret_and_the_otpauth_uri() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let (agent, account) = signed_in(&app, "marigold").await;
    assert!(account.contains("Set up an authenticator app"), "{account}");
    let page = start_enrolment(&agent, &account).await;
    // The page holds the secret: never cached.
    let response = agent.get("/account/totp").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");

    // The QR code is drawn inline by the server, not fetched from anywhere.
    let figure_start = page.find("<figure class=\"qr\"").expect("a QR figure");
    let figure =
        &page[figure_start..figure_start + page[figure_start..].find("</figure>").unwrap()];
    assert!(
        figure.contains("<svg") && figure.contains("</svg>"),
        "{figure}"
    );
    assert!(
        !figure.contains("<img") && !figure.contains("src="),
        "{figure}"
    );

    let secret = code_element(&page, "secret");
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    let uri = code_element(&page, "uri");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let parsed = Url::parse(&uri).expect("a URI");
    let param = |name: &str| Landing::param(&parsed, name);
    assert_eq!(param("secret").as_deref(), Some(secret.as_str()));
    assert_eq!(param("issuer").as_deref(), Some(ISSUER), "{uri}");
    assert!(parsed.path().ends_with(":marigold"), "{uri}");

    // Still only an enrolment, of the secret shown: the password alone signs in.
    let factor = app.store.find_totp(&id).await.unwrap().unwrap();
    assert_eq!(factor.confirmed_at, None);
    assert_eq!(factor.secret, secret);
    signed_in(&app, "marigold").await;

    // Starting again replaces the secret of an unconfirmed enrolment.
    let (_, _, account) = agent.navigate("/account").await.page();
    let again = start_enrolment(&agent, &account).await;
    assert_ne!(code_element(&again, "secret"), secret);
}

#[tokio::test]
async fn a_wrong_code_does_not_turn_the_app_on() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let (agent, account) = signed_in(&app, "marigold").await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");

    let wrong = wrong_code(&secret, app.clock.now());
    for code in [wrong.as_str(), "", "abcdef", "12345"] {
        let (path, status, page) = agent
            .submit(&page, "/account/totp/confirm", &[("code", code)])
            .await
            .page();
        assert_eq!(path, "/account/totp", "{code:?}: {page}");
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(WRONG_CODE), "{code:?}: {page}");
        // The same enrolment, to try again.
        assert_eq!(code_element(&page, "secret"), secret);
    }
    let factor = app.store.find_totp(&id).await.unwrap().unwrap();
    assert_eq!(factor.confirmed_at, None);
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 0);
    let (_, _, account) = agent.navigate("/account").await.page();
    assert!(account.contains("Set up an authenticator app"), "{account}");
    assert!(!account.contains("An authenticator app is set up"));
    // The password alone still signs in.
    signed_in(&app, "marigold").await;
}

#[tokio::test]
async fn the_first_right_code_turns_the_app_on_and_shows_ten_recovery_codes_once() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let (agent, account) = signed_in(&app, "marigold").await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");
    let code = code_at(&secret, app.clock.now()).unwrap();
    // People type the code in groups.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let mut form = crate::user_agent::hidden_fields(&page, "/account/totp/confirm");
    form.push(("code".into(), spaced));
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = agent.post("/account/totp/confirm", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account/recovery-codes");
    // The codes are shown on a page that is never cached.
    let response = agent.get("/account/recovery-codes").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (path, status, page) = agent.follow(response).await.page();
    assert_eq!(path, "/account/recovery-codes", "{page}");
    assert_eq!(status, StatusCode::OK);
    let codes = recovery_codes_on(&page);
    assert_eq!(codes.len(), 10, "{page}");
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 10);
    for code in &codes {
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3, "{code}");
    }
    assert!(page.contains("This is the only time we show them."));
    assert!(
        app.store
            .find_totp(&id)
            .await
            .unwrap()
            .unwrap()
            .confirmed_at
            .is_some()
    );
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 10);

    // Shown once: the page is gone on the next visit, and no code is on the account page.
    let (path, _, account) = agent.navigate("/account/recovery-codes").await.page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("An authenticator app is set up. You have 10 unused recovery codes."),
        "{account}"
    );
    for code in &codes {
        assert!(!account.contains(code.as_str()));
    }
    assert!(!account.contains(&secret));
    // No enrolment waits any more, and a new one cannot replace the app that is set up.
    let (path, _, _) = agent.navigate("/account/totp").await.page();
    assert_eq!(path, "/account");
    let mut form = csrf_of(&account);
    form.push(("password", PASSWORD));
    let response = agent.post("/account/totp", &form).await;
    let (path, _, account) = agent.follow(response).await.page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("An authenticator app is already set up."),
        "{account}"
    );
    let factor = app.store.find_totp(&id).await.unwrap().unwrap();
    assert_eq!(factor.secret, secret);
    assert!(factor.confirmed_at.is_some());
}

/// The CSRF field of a page, as a form.
fn csrf_of(page: &str) -> Vec<(&'static str, &str)> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a CSRF field") + marker.len();
    let end = start + page[start..].find('"').unwrap();
    vec![("csrf_token", &page[start..end])]
}

#[tokio::test]
async fn the_password_alone_does_not_sign_in_a_person_with_an_authenticator_app() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    enrol(&app, "marigold").await;

    let (agent, page) = password_step(&app, "marigold").await;
    assert!(page.contains("Code from your authenticator app"), "{page}");
    assert!(page.contains("Use recovery code"), "{page}");
    assert_signed_out(&agent).await;
    // Nor does a pending authorization request go on with it.
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (path, _, _) = landing.page();
    assert!(path.starts_with("/login?request="), "{path}");
}

#[tokio::test]
async fn the_right_code_signs_in_and_the_id_token_says_pwd_otp_and_mfa() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    let enrolled = enrol(&app, "marigold").await;

    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (path, _, page) = agent.log_in(landing, "marigold", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor?request="), "{path}");
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let landing = give_code(&agent, &page, "totp", &code).await;
    let back = agent.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(&app, &back)).await).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["preferred_username"], "marigold");

    // Signed in at the provider too.
    let (path, _, _) = agent.navigate("/account").await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn a_code_signs_in_once_only_even_within_its_thirty_seconds() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();

    let (first, page) = password_step(&app, "marigold").await;
    let (path, _, _) = give_code(&first, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");

    // RFC 6238 §5.2: the same code again, in the same time step, is refused.
    let (second, page) = password_step(&app, "marigold").await;
    assert_refused(give_code(&second, &page, "totp", &code).await, WRONG_CODE);
    assert_signed_out(&second).await;

    // The next step's code works.
    app.clock.advance(30);
    let (third, page) = password_step(&app, "marigold").await;
    let next = code_at(&enrolled.secret, app.clock.now()).unwrap();
    assert_ne!(next, code);
    let (path, _, _) = give_code(&third, &page, "totp", &next).await.page();
    assert_eq!(path, "/account");
    // And an older one, though within the accepted skew, is not taken after it.
    let (fourth, page) = password_step(&app, "marigold").await;
    assert_refused(give_code(&fourth, &page, "totp", &code).await, WRONG_CODE);
}

#[tokio::test]
async fn the_code_that_confirmed_the_app_does_not_sign_in() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let (agent, account) = signed_in(&app, "marigold").await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");
    let code = code_at(&secret, app.clock.now()).unwrap();
    let (path, _, _) = agent
        .submit(&page, "/account/totp/confirm", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/account/recovery-codes");

    let (other, page) = password_step(&app, "marigold").await;
    assert_refused(give_code(&other, &page, "totp", &code).await, WRONG_CODE);
    assert_signed_out(&other).await;
}

#[tokio::test]
async fn wrong_and_malformed_codes_give_the_form_back_with_an_error() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, mut page) = password_step(&app, "marigold").await;

    let wrong = wrong_code(&enrolled.secret, app.clock.now());
    let long = "9".repeat(10 * 1024);
    // Five failures earn a lock, so the sixth comes after it.
    for code in [wrong.as_str(), "", "abcdef", "1234567", long.as_str()] {
        page = assert_refused(give_code(&agent, &page, "totp", code).await, WRONG_CODE);
        assert!(page.contains("role=\"alert\""));
        // Nothing typed is echoed back.
        assert!(!page.contains("99999999"));
    }
    app.clock.advance(31);
    let nul = format!("123{}456", '\0');
    page = assert_refused(give_code(&agent, &page, "totp", &nul).await, WRONG_CODE);
    assert_signed_out(&agent).await;

    // The partial sign-in is still there: after the lock, the right code signs in.
    app.clock.advance(61);
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn malformed_recovery_codes_give_the_form_back_with_an_error() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, mut page) = password_step(&app, "marigold").await;
    let long = "A".repeat(10 * 1024);
    let nul = format!("{}{}", &enrolled.recovery_codes[0][..18], '\0');
    for code in [
        "",
        "ABCD",
        long.as_str(),
        nul.as_str(),
        "ABCD-EFGH-JKMN-PQRS",
    ] {
        page = assert_refused(give_code(&agent, &page, "recovery", code).await, WRONG_CODE);
    }
    assert_signed_out(&agent).await;
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 10);
}

#[tokio::test]
async fn a_sign_in_left_half_done_for_five_minutes_starts_again() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, page) = password_step(&app, "marigold").await;

    app.clock.advance(301);
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, status, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/login");
    assert_eq!(status, StatusCode::OK);
    assert_signed_out(&agent).await;
    let (path, _, _) = agent.navigate("/login/second-factor").await.page();
    assert_eq!(path, "/login");
    // The code was not spent: the next sign-in may use it.
    let (again, page) = password_step(&app, "marigold").await;
    let (path, _, _) = give_code(&again, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_however_it_is_typed() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    let enrolled = enrol(&app, "marigold").await;
    let codes = &enrolled.recovery_codes;

    let (agent, page) = password_step(&app, "marigold").await;
    let (path, _, account) = give_code(&agent, &page, "recovery", &codes[0]).await.page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("You have 9 unused recovery codes."),
        "{account}"
    );
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 9);

    // Used once.
    let (again, page) = password_step(&app, "marigold").await;
    assert_refused(
        give_code(&again, &page, "recovery", &codes[0]).await,
        WRONG_CODE,
    );
    assert_signed_out(&again).await;

    // Lower case, with spaces for the hyphens, through an authorization request.
    let typed = codes[1].to_lowercase().replace('-', " ");
    let landing = again
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (_, _, page) = again.log_in(landing, "marigold", PASSWORD).await.page();
    let landing = give_code(&again, &page, "recovery", &typed).await;
    let back = again.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(&app, &back)).await).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    let (_, _, account) = again.navigate("/account").await.page();
    assert!(
        account.contains("You have 8 unused recovery codes."),
        "{account}"
    );
}

#[tokio::test]
async fn new_recovery_codes_need_the_password_and_replace_the_old_ones() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let old = enrolled.recovery_codes;
    let agent = enrolled.agent;

    let (_, _, account) = agent.navigate("/account").await.page();
    let (path, _, account) = agent
        .submit(
            &account,
            "/account/recovery-codes",
            &[("password", "not my password")],
        )
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("Your current password is not right."),
        "{account}"
    );
    assert!(account.contains("You have 10 unused recovery codes."));

    let (path, _, page) = agent
        .submit(
            &account,
            "/account/recovery-codes",
            &[("password", PASSWORD)],
        )
        .await
        .page();
    assert_eq!(path, "/account/recovery-codes", "{page}");
    let new = recovery_codes_on(&page);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)));
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 10);
    let (path, _, _) = agent.navigate("/account/recovery-codes").await.page();
    assert_eq!(path, "/account");

    // The old codes stop working; the new ones work.
    let (other, page) = password_step(&app, "marigold").await;
    let page = assert_refused(
        give_code(&other, &page, "recovery", &old[3]).await,
        WRONG_CODE,
    );
    let (path, _, _) = give_code(&other, &page, "recovery", &new[3]).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn removing_the_app_needs_the_password_and_then_the_password_alone_signs_in() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    let enrolled = enrol(&app, "marigold").await;
    let agent = enrolled.agent;

    let (_, _, account) = agent.navigate("/account").await.page();
    let (path, _, account) = agent
        .submit(
            &account,
            "/account/totp/disable",
            &[("password", "not my password")],
        )
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("Your current password is not right."),
        "{account}"
    );
    assert!(account.contains("An authenticator app is set up."));
    password_step(&app, "marigold").await;

    let (path, _, account) = agent
        .submit(&account, "/account/totp/disable", &[("password", PASSWORD)])
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("The authenticator app and its recovery codes are removed."),
        "{account}"
    );
    assert!(account.contains("Set up an authenticator app"));
    assert_eq!(app.store.find_totp(&id).await.unwrap(), None);
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 0);

    // The password alone signs in again; the ID token says so.
    let other = UserAgent::new(&app);
    let tokens = app
        .sign_in_for_tokens(&other, &client, "marigold", SCOPE)
        .await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    // And at the provider: straight to the account page.
    signed_in(&app, "marigold").await;
}

#[tokio::test]
async fn the_same_code_given_by_two_browsers_at_once_signs_in_only_one() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (first, first_page) = password_step(&app, "marigold").await;
    let (second, second_page) = password_step(&app, "marigold").await;

    let (a, b) = tokio::join!(
        give_code(&first, &first_page, "totp", &code),
        give_code(&second, &second_page, "totp", &code),
    );
    let mut paths = [a.page().0, b.page().0];
    paths.sort();
    assert_eq!(paths, ["/account", "/login/second-factor"]);
}

#[tokio::test]
async fn the_same_recovery_code_given_by_two_browsers_at_once_signs_in_only_one() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let code = &enrolled.recovery_codes[7];
    let (first, first_page) = password_step(&app, "marigold").await;
    let (second, second_page) = password_step(&app, "marigold").await;

    let (a, b) = tokio::join!(
        give_code(&first, &first_page, "recovery", code),
        give_code(&second, &second_page, "recovery", code),
    );
    let mut paths = [a.page().0, b.page().0];
    paths.sort();
    assert_eq!(paths, ["/account", "/login/second-factor"]);
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 9);
}

#[tokio::test]
async fn a_code_from_more_than_one_step_ago_or_ahead_is_refused() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let now = app.clock.now();
    // RFC 6238 §5.2: one step of network delay either way is allowed, no more.
    for stale in [
        code_at(&enrolled.secret, now - 60).unwrap(),
        code_at(&enrolled.secret, now + 60).unwrap(),
    ] {
        if stale == code_at(&enrolled.secret, now).unwrap() {
            continue; // a one-in-a-million coincidence of codes
        }
        let (agent, page) = password_step(&app, "marigold").await;
        assert_refused(give_code(&agent, &page, "totp", &stale).await, WRONG_CODE);
        assert_signed_out(&agent).await;
    }
    // The code of the next step works (a phone a little ahead). The step before is the
    // one that confirmed the app, used up already.
    let (agent, page) = password_step(&app, "marigold").await;
    let ahead = code_at(&enrolled.secret, now + 30).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &ahead).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn setting_up_an_app_needs_the_password_and_the_person_is_told_by_mail() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let (agent, account) = signed_in(&app, "marigold").await;
    // Whoever holds a signed-in browser must not tie the account to their own phone.
    let (path, _, page) = agent
        .submit(
            &account,
            "/account/totp",
            &[("password", "not the password")],
        )
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        page.contains("Your current password is not right."),
        "{page}"
    );
    assert!(
        app.store
            .find_totp(&user_id(&app, "marigold").await)
            .await
            .unwrap()
            .is_none()
    );

    // An address nobody confirmed may be someone else's: it is told nothing.
    app.person("clover", Role::Consumer).await;
    enrol(&app, "clover").await;

    let id = user_id(&app, "marigold").await;
    let now = app.clock.now();
    assert!(
        app.store
            .set_email_verified(&id, "marigold@farm.example", now)
            .await
            .unwrap()
    );
    enrol(&app, "marigold").await;
    let notice = app.wait_for_mail("marigold@farm.example", 1).await;
    assert!(
        notice.contains("Subject: A change to how you sign in"),
        "{notice}"
    );
    assert!(
        notice.contains("An authenticator app was set up"),
        "{notice}"
    );
    assert!(
        notice.contains(&format!("{}/account", app.issuer)),
        "{notice}"
    );
}

/// What an administrator does between someone's password and their second step.
#[derive(Clone, Copy, Debug)]
enum Between {
    RequireNewPassword,
    Lock,
}

const CHOOSE_A_NEW_PASSWORD: &str = "You need to choose a new password before you sign in";
const ACCOUNT_LOCKED: &str = "This account is locked.";

/// An app's sign-in through the password step for `marigold`, who has an authenticator
/// app; then an administrator steps in (`between`), and the right code (or recovery code)
/// is given: the landing, and what the trail holds for marigold from then on.
async fn second_step_after(
    app: &TestApp,
    enrolled: &Enrolled,
    between: Between,
    method: &str,
) -> (
    UserAgent,
    Landing,
    Vec<farm_auth::store::audit::AuditRecord>,
) {
    use farm_auth::accounts::admin::{self, Actor};

    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (path, _, page) = agent.log_in(landing, "marigold", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor?request="), "{path}");

    let user = app
        .store
        .find_user_by_username("marigold")
        .await
        .unwrap()
        .expect("marigold");
    match between {
        Between::RequireNewPassword => {
            admin::require_password_reset(&app.state, &user, Actor::CommandLine)
                .await
                .expect("a new password required");
        }
        Between::Lock => admin::lock(&app.state, &user, "fraud", Actor::CommandLine)
            .await
            .expect("locked"),
    }
    let seen = app
        .store
        .list_audit_events(Some(&user.id), 500)
        .await
        .unwrap()
        .len();

    let code = match method {
        "recovery" => enrolled.recovery_codes[0].clone(),
        _ => code_at(&enrolled.secret, app.clock.now()).unwrap(),
    };
    let landing = give_code(&agent, &page, method, &code).await;
    let mut events = app
        .store
        .list_audit_events(Some(&user.id), 500)
        .await
        .unwrap();
    // Newest first: what came after the administrator stepped in.
    events.truncate(events.len() - seen);
    (agent, landing, events)
}

#[tokio::test]
async fn a_new_password_required_between_the_password_and_the_code_stops_the_sign_in() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;

    for method in ["totp", "recovery"] {
        let (agent, landing, events) =
            second_step_after(&app, &enrolled, Between::RequireNewPassword, method).await;
        // Back to the login page (the app's request kept), told to choose a new password.
        let (path, status, page) = landing.page();
        assert!(path.starts_with("/login?request="), "{method}: {path}");
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(CHOOSE_A_NEW_PASSWORD), "{method}: {page}");
        assert!(!page.contains(ACCOUNT_LOCKED), "{method}: {page}");

        // No session, at the provider or for the app; the half-done sign-in is dropped.
        assert_signed_out(&agent).await;
        let live = app
            .store
            .list_live_login_sessions(&id, app.clock.now())
            .await
            .unwrap();
        assert!(live.is_empty(), "{method}: {live:?}");
        let (path, _, _) = agent.navigate("/login/second-factor").await.page();
        assert!(path.starts_with("/login"), "{method}: {path}");
        assert!(
            !path.starts_with("/login/second-factor"),
            "{method}: {path}"
        );

        // The trail says why.
        let event = match method {
            "recovery" => "login.recovery_code",
            _ => "login.totp",
        };
        let stopped: Vec<_> = events
            .iter()
            .filter(|e| e.event == event && e.outcome == "failure")
            .collect();
        assert_eq!(stopped.len(), 1, "{method}: {events:#?}");
        assert_eq!(
            stopped[0].detail.as_deref(),
            Some("an administrator required a new password")
        );
        assert_eq!(stopped[0].user_id.as_deref(), Some(id.as_str()));
        assert!(
            !events.iter().any(|e| e.outcome == "locked"),
            "{method}: {events:#?}"
        );

        // Setting a new password (what the mailed link leads to) clears the way.
        clear_password_reset(&app, &id).await;
        app.clock.advance(30);
    }
    // Then the password and the code sign in again.
    let (agent, page) = password_step(&app, "marigold").await;
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
}

/// Lifts the requirement of a new password, as setting one through the mailed link does
/// (the password hash written again, so the password stays [`PASSWORD`]).
async fn clear_password_reset(app: &TestApp, id: &str) {
    let user = app.store.find_user_by_id(id).await.unwrap().unwrap();
    assert!(user.password_reset_required, "not required");
    let hash = user.password_hash.expect("a password");
    app.store
        .update_password_hash(id, &hash, app.clock.now())
        .await
        .unwrap();
    let user = app.store.find_user_by_id(id).await.unwrap().unwrap();
    assert!(!user.password_reset_required, "still required");
}

#[tokio::test]
async fn a_lock_between_the_password_and_the_code_stops_the_sign_in() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;

    let (agent, landing, events) = second_step_after(&app, &enrolled, Between::Lock, "totp").await;
    let (path, status, page) = landing.page();
    assert!(path.starts_with("/login?request="), "{path}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(ACCOUNT_LOCKED), "{page}");
    assert!(!page.contains(CHOOSE_A_NEW_PASSWORD), "{page}");
    assert_signed_out(&agent).await;
    let live = app
        .store
        .list_live_login_sessions(&id, app.clock.now())
        .await
        .unwrap();
    assert!(live.is_empty(), "{live:?}");
    let stopped: Vec<_> = events
        .iter()
        .filter(|e| e.event == "login.totp" && e.outcome == "locked")
        .collect();
    assert_eq!(stopped.len(), 1, "{events:#?}");
    assert_eq!(
        stopped[0].detail.as_deref(),
        Some("locked by an administrator")
    );
}

async fn user_id(app: &TestApp, username: &str) -> String {
    app.store
        .find_user_by_username(username)
        .await
        .unwrap()
        .expect("the user")
        .id
}
