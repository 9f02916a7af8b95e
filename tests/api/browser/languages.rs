//! The login page in each language, as a person's browser shows it: the application asks
//! for the language with `ui_locales`; the page says it in `<html lang>`, labels its fields
//! in it, and keeps the fields' `autocomplete` tokens. One screenshot per language.

use fantoccini::Locator;

use super::driver::Browser;
use crate::support::{Options, TestApp};

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn the_login_page_is_shown_in_each_language_the_application_asks_for() {
    let browser = Browser::launch("languages").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let client = app.web_client("openid profile").await;
    for (lang, username, password) in [
        ("en", "Username", "Password"),
        ("es", "Nombre de usuario", "Contraseña"),
        ("fr", "Nom d’utilisateur", "Mot de passe"),
    ] {
        let url = app.authorize_url(&client, "openid profile", &[("ui_locales", lang)]);
        browser.goto(&url).await;
        browser
            .wait_for(
                Locator::Css(r#"input[autocomplete="current-password"]"#),
                "the login form",
            )
            .await;
        browser.page(&format!("login-{lang}")).await;
        let html = browser.client.find(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some(lang));
        for (field, label) in [("username", username), ("password", password)] {
            let css = format!("label[for=\"{field}\"]");
            let shown = browser.client.find(Locator::Css(&css)).await.unwrap();
            assert_eq!(shown.text().await.unwrap(), label, "{lang}");
        }
    }
    browser.close().await;
}
