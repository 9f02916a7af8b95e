//! What the person does in the browser: go to a page, wait for an element, a URL or some
//! text, type, click, log in and read the page.

use std::time::Instant;

use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::Value;
use url::Url;

use super::driver::Browser;
use super::{CURRENT_PASSWORD, PAGE_TIMEOUT, POLL, USERNAME_FIELD};

impl Browser {
    pub(super) async fn goto(&self, url: &str) {
        if let Err(e) = self.client.goto(url).await {
            self.fail(&format!("navigating to {url}: {e}")).await;
        }
    }

    /// Polls for an element until it appears or `PAGE_TIMEOUT` passes.
    pub(super) async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .every(POLL)
            .for_element(locator)
            .await
        {
            Ok(element) => element,
            Err(e) => self.fail(&format!("waiting for {what} ({e})")).await,
        }
    }

    /// Waits until `element`'s page has been replaced by the next one.
    pub(super) async fn wait_until_gone(&self, element: &Element, what: &str) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        while element.tag_name().await.is_ok() {
            if Instant::now() > deadline {
                self.fail(&format!("waiting to leave {what}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the browser to be at a URL that starts with `prefix`, and returns it.
    pub(super) async fn wait_for_url(&self, prefix: &str, what: &str) -> Url {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            if let Ok(url) = self.client.current_url().await
                && url.as_str().starts_with(prefix)
            {
                return url;
            }
            if Instant::now() > deadline {
                self.fail(&format!("waiting for {what} at {prefix}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the page's visible text to contain `needle`, ignoring case.
    pub(super) async fn wait_for_text(&self, needle: &str) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        while !self
            .body_text()
            .await
            .to_lowercase()
            .contains(&needle.to_lowercase())
        {
            if Instant::now() > deadline {
                self.fail(&format!("waiting for the text '{needle}'")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub(super) async fn assert_url_starts_with(&self, prefix: &str) {
        let url = self.client.current_url().await.expect("current URL");
        if !url.as_str().starts_with(prefix) {
            self.fail(&format!("expected to be at {prefix}")).await;
        }
    }

    pub(super) async fn fill(&self, locator: Locator<'_>, text: &str) {
        let field = self.wait_for(locator, &format!("{locator:?}")).await;
        if let Err(e) = field.send_keys(text).await {
            self.fail(&format!("typing into {locator:?}: {e}")).await;
        }
    }

    pub(super) async fn click(&self, locator: Locator<'_>) {
        let element = self.wait_for(locator, &format!("{locator:?}")).await;
        if let Err(e) = element.click().await {
            self.fail(&format!("clicking {locator:?}: {e}")).await;
        }
    }

    /// On the login page: types a username and password and submits them.
    pub(super) async fn log_in(&self, username: &str, password: &str) {
        self.wait_for(CURRENT_PASSWORD, "the login page's password field")
            .await;
        self.fill(USERNAME_FIELD, username).await;
        self.fill(CURRENT_PASSWORD, password).await;
        self.click(Locator::Css(
            r#"form:has(input[autocomplete="current-password"]) button[type="submit"]"#,
        ))
        .await;
    }

    /// Signs in as an administrator made by `TestApp::person`: the password, then the
    /// code of their authenticator app at the second step, as the console asks for.
    pub(super) async fn log_in_as_admin(&self, app: &crate::support::TestApp, username: &str) {
        self.log_in(username, crate::support::PASSWORD).await;
        let code_field = Locator::Css(r#"input[autocomplete="one-time-code"]"#);
        self.wait_for(code_field, "the second step's code field")
            .await;
        let code = app
            .authenticators
            .next_code(username, &app.clock)
            .expect("an administrator made by TestApp::person");
        self.fill(code_field, &code).await;
        self.click(Locator::Css(
            r#"form:has(input[name="method"][value="totp"]) button[type="submit"]"#,
        ))
        .await;
    }

    pub(super) async fn body_text(&self) -> String {
        self.try_body_text()
            .await
            .unwrap_or_else(|e| panic!("reading the page's text: {e}"))
    }

    pub(super) async fn try_body_text(&self) -> Result<String, String> {
        let script = "return document.body ? document.body.innerText : '';";
        match self.client.execute(script, vec![]).await {
            Ok(Value::String(text)) => Ok(text),
            other => Err(format!("{other:?}")),
        }
    }
}
