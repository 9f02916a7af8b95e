//! Second factors in a real browser: a passkey held by Chromium's virtual authenticator
//! (added through the WebDriver WebAuthn extension), added on the account page and then
//! used after the password and alone; and an authenticator app set up from the account
//! page, its code asked for after the password.

use axum::http::Method;
use fantoccini::Locator;
use fantoccini::wd::WebDriverCompatibleCommand;
use farm_auth::accounts::totp;
use serde_json::{Value, json};

use super::driver::Browser;
use super::{NEW_PASSWORD, PASSWORD, USERNAME_FIELD, button};
use crate::support::{Options, TestApp};

/// A command under `/session/{id}/`: of the WebDriver WebAuthn extension (WebAuthn Level 2,
/// §11), under `webauthn/`, or chromedriver's DevTools bridge (`goog/cdp/execute`):
/// fantoccini has no typed API for them.
#[derive(Debug)]
struct SessionCommand {
    method: Method,
    path: String,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session.expect("a WebDriver session");
        base.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

impl Browser {
    /// Gives the browser a platform authenticator that keeps discoverable credentials and
    /// verifies the person (as a phone's screen lock does) without asking; its id.
    async fn add_virtual_authenticator(&self) -> String {
        let command = SessionCommand {
            method: Method::POST,
            path: "webauthn/authenticator".into(),
            body: Some(json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserVerified": true,
                "isUserConsenting": true,
            })),
        };
        match self.client.issue_cmd(command).await {
            Ok(Value::String(id)) => id,
            other => {
                self.fail(&format!("adding a virtual authenticator: {other:?}"))
                    .await
            }
        }
    }

    /// The credentials the virtual authenticator `id` holds.
    async fn virtual_credentials(&self, id: &str) -> Vec<Value> {
        let command = SessionCommand {
            method: Method::GET,
            path: format!("webauthn/authenticator/{id}/credentials"),
            body: None,
        };
        match self.client.issue_cmd(command).await {
            Ok(Value::Array(credentials)) => credentials,
            other => self.fail(&format!("listing credentials: {other:?}")).await,
        }
    }

    /// From the next page on, the browser says it cannot offer passkeys in a username
    /// field, as browsers without passkey autofill do: Chromium's virtual authenticator
    /// answers a conditional request at once, which would sign in before the password could
    /// be typed.
    async fn without_passkey_autofill(&self) {
        let source = "if (window.PublicKeyCredential) \
            PublicKeyCredential.isConditionalMediationAvailable = async () => false;";
        let command = SessionCommand {
            method: Method::POST,
            path: "goog/cdp/execute".into(),
            body: Some(json!({
                "cmd": "Page.addScriptToEvaluateOnNewDocument",
                "params": { "source": source },
            })),
        };
        if let Err(e) = self.client.issue_cmd(command).await {
            self.fail(&format!("hiding passkey autofill: {e}")).await;
        }
    }

    /// Signs up a new person (a consumer) from the sign-up page, landing on the account page.
    async fn sign_up(&self, app: &TestApp, username: &str) {
        self.goto(&format!("{}/signup", app.issuer)).await;
        let password = self
            .wait_for(NEW_PASSWORD, "the sign-up form's password field")
            .await;
        self.fill(USERNAME_FIELD, username).await;
        self.fill(
            Locator::Css(r#"input[autocomplete="email"]"#),
            &format!("{username}@farm.example"),
        )
        .await;
        password.send_keys(PASSWORD).await.expect("type a password");
        self.click(Locator::Css(
            r#"form:has(input[autocomplete="new-password"]) button[type="submit"]"#,
        ))
        .await;
        self.wait_for_url(&format!("{}/account", app.issuer), "the account page")
            .await;
        self.wait_for_text(username).await;
    }

    /// On the account page: signs out, and waits to be told so.
    async fn sign_out_from_account(&self) {
        let sign_out = self
            .wait_for(SIGN_OUT, "the account page's Sign out button")
            .await;
        if let Err(e) = sign_out.click().await {
            self.fail(&format!("clicking Sign out: {e}")).await;
        }
        self.wait_until_gone(&sign_out, "the account page").await;
        // Not just "signed out": the account page says other sessions will be.
        self.wait_for_text("You are signed out").await;
    }

    /// Reads a JavaScript expression's value on the current page.
    async fn read(&self, expression: &str) -> Value {
        let script = format!("return {expression};");
        match self.client.execute(&script, vec![]).await {
            Ok(value) => value,
            Err(e) => self.fail(&format!("evaluating {expression}: {e}")).await,
        }
    }
}

/// A button by its visible text, whatever its type.
fn any_button(text: &str) -> String {
    format!(r#"//button[normalize-space()="{text}"]"#)
}

const PASSKEY_NAME: &str = "Farm phone";

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_adds_a_passkey_then_signs_in_with_it_from_the_username_field_after_the_password_and_alone()
 {
    let browser = Browser::launch("passkeys").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let authenticator = browser.add_virtual_authenticator().await;
    let username = "farmer_bea";
    browser.sign_up(&app, username).await;

    // The script shows the button only where the browser can make passkeys.
    let add = browser
        .wait_for(
            Locator::XPath(&format!(r#"{}[not(@hidden)]"#, any_button("Add a passkey"))),
            "the Add a passkey button",
        )
        .await;
    browser.page("account").await;
    let name = browser
        .wait_for(Locator::Css("#passkey-name"), "the passkey name field")
        .await;
    name.clear().await.expect("clear the passkey name");
    name.send_keys(PASSKEY_NAME).await.expect("type a name");
    let password = browser
        .wait_for(Locator::Css("#passkey-password"), "the password field")
        .await;
    password
        .send_keys(PASSWORD)
        .await
        .expect("type the password");
    add.click().await.expect("click Add a passkey");
    browser.wait_for_text("Your passkey is added").await;
    browser
        .wait_for(
            Locator::XPath(&button(&format!("Remove {PASSKEY_NAME}"))),
            "the new passkey in the list",
        )
        .await;
    browser.page("account-passkey-added").await;
    let user = app
        .store
        .find_user_by_username(username)
        .await
        .unwrap()
        .expect("signed up");
    let stored = app.store.list_passkeys(&user.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name, PASSKEY_NAME);
    let held = browser.virtual_credentials(&authenticator).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["isResidentCredential"], true, "{held:?}");
    assert_eq!(
        held[0]["credentialId"]
            .as_str()
            .map(|id| id.trim_end_matches('=')),
        Some(stored[0].credential_id.as_str()),
        "{held:?}"
    );

    // Where the browser offers passkeys in the username field, the login page says so,
    // and picking the passkey there signs in (the virtual authenticator picks at once).
    browser.sign_out_from_account().await;
    browser.goto(&format!("{}/login", app.issuer)).await;
    browser
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    browser.wait_for_text(PASSKEY_NAME).await;
    browser.page("account-after-autofill").await;

    // Without autofill, the field reads as the server wrote it, and the password is
    // followed by the passkey.
    browser.without_passkey_autofill().await;
    browser.sign_out_from_account().await;
    browser.goto(&format!("{}/login", app.issuer)).await;
    let autocomplete = browser
        .read("document.getElementById('username').getAttribute('autocomplete')")
        .await;
    assert_eq!(autocomplete, json!("username"));
    browser.log_in(username, PASSWORD).await;
    let use_passkey = browser
        .wait_for(
            Locator::XPath(&format!(r#"{}[not(@hidden)]"#, any_button("Use a passkey"))),
            "the second-factor page's Use a passkey button",
        )
        .await;
    browser.page("second-factor-passkey").await;
    use_passkey.click().await.expect("click Use a passkey");
    browser
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    browser.wait_for_text(PASSKEY_NAME).await;

    // And alone, without a username.
    browser.sign_out_from_account().await;
    browser.goto(&format!("{}/login", app.issuer)).await;
    let sign_in = browser
        .wait_for(
            Locator::XPath(&format!(
                r#"{}[not(@hidden)]"#,
                any_button("Sign in with a passkey")
            )),
            "the Sign in with a passkey button",
        )
        .await;
    browser.page("login-passkey").await;
    sign_in.click().await.expect("click Sign in with a passkey");
    browser
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    browser.wait_for_text(username).await;
    browser.wait_for_text(PASSKEY_NAME).await;

    let events = app
        .store
        .list_audit_events(Some(&user.id), 100)
        .await
        .unwrap();
    let passkey_sign_ins = events
        .iter()
        .filter(|e| e.event == "login.passkey" && e.outcome == "success")
        .count();
    assert_eq!(passkey_sign_ins, 3, "{events:?}");
    browser.close().await;
}

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn right_after_sign_up_a_person_adds_the_offered_passkey_without_the_password_again() {
    let browser = Browser::launch("passkey-offer").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let authenticator = browser.add_virtual_authenticator().await;
    browser.sign_up(&app, "farmer_dot").await;
    let yes = browser
        .wait_for(
            Locator::XPath(&format!(
                r#"{}[not(@hidden)]"#,
                any_button("Yes, add a passkey")
            )),
            "the offer's button",
        )
        .await;
    browser.wait_for_text("Add a passkey now?").await;
    browser.page("account-passkey-offer").await;
    yes.click().await.expect("click Yes, add a passkey");
    browser.wait_for_text("Your passkey is added").await;
    browser
        .wait_for(
            Locator::XPath(&button("Remove My passkey")),
            "the new passkey in the list",
        )
        .await;
    let held = browser.virtual_credentials(&authenticator).await;
    assert_eq!(held.len(), 1, "{held:?}");
    let offer = browser
        .read("document.querySelectorAll('section.offer').length")
        .await;
    assert_eq!(offer, json!(0), "the offer served once");
    browser.close().await;
}

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_sets_up_an_authenticator_app_and_signs_in_with_its_code() {
    let browser = Browser::launch("totp").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let username = "farmer_cal";
    browser.sign_up(&app, username).await;

    let password = browser
        .wait_for(Locator::Css("#totp-password"), "the password field")
        .await;
    password
        .send_keys(PASSWORD)
        .await
        .expect("type the password");
    browser
        .click(Locator::XPath(&button("Set up an authenticator app")))
        .await;
    let code = browser
        .wait_for(Locator::Css("#code"), "the enrolment's code field")
        .await;
    browser
        .assert_url_starts_with(&format!("{}/account/totp", app.issuer))
        .await;
    browser.page("totp-enrol").await;
    // The key as text, for people who cannot scan the QR code (inside a closed <details>).
    let secret = browser
        .read("document.querySelector('code.secret').textContent.trim()")
        .await;
    let secret = secret.as_str().expect("the secret as text").to_string();
    assert!(secret.len() >= 16, "{secret}");
    let now_code = totp::code_at(&secret, app.clock.now()).expect("a code");
    code.send_keys(&now_code).await.expect("type the code");
    browser
        .click(Locator::XPath(&button("Turn on two-step sign-in")))
        .await;
    browser.wait_for_text("Your recovery codes").await;
    browser
        .assert_url_starts_with(&format!("{}/account/recovery-codes", app.issuer))
        .await;
    let codes = browser
        .read("document.querySelectorAll('ol.codes li').length")
        .await;
    assert_eq!(codes, json!(10));
    browser.page("recovery-codes").await;
    browser
        .click(Locator::XPath(
            r#"//a[normalize-space()="I have saved them"]"#,
        ))
        .await;
    browser
        .wait_for_text("An authenticator app is set up")
        .await;
    browser.page("account-totp").await;

    browser.sign_out_from_account().await;
    browser.goto(&format!("{}/login", app.issuer)).await;
    browser.log_in(username, PASSWORD).await;
    let code = browser
        .wait_for(Locator::Css("#code"), "the second-factor page's code field")
        .await;
    browser
        .assert_url_starts_with(&format!("{}/login/second-factor", app.issuer))
        .await;
    browser.page("second-factor").await;
    // A code of the next step: the one typed at enrolment is spent.
    app.clock.advance(30);
    let next_code = totp::code_at(&secret, app.clock.now()).expect("a code");
    code.send_keys(&next_code).await.expect("type the code");
    browser.click(Locator::XPath(&button("Confirm"))).await;
    browser
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    browser.wait_for_text(username).await;
    browser
        .wait_for(SIGN_OUT, "the account page's Sign out button")
        .await;
    browser.close().await;
}

/// The account page's own sign-out button (so, signed in).
const SIGN_OUT: Locator<'static> =
    Locator::XPath(r#"//form[@action="/logout"]//button[normalize-space()="Sign out"]"#);
