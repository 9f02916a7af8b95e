//! Pages and mail in the person's language: `ui_locales` of the authorization request,
//! then `Accept-Language`, then English; a language we do not have, or a hostile
//! `ui_locales`, falls back and changes nothing else; and no page a person reads in
//! Spanish or French shows an English sentence of the catalogue.

use farm_auth::accounts::users::Role;
use farm_auth::i18n::Lang;
use farm_auth::i18n::catalogue::{SOURCES, message_ids, text_in};
use reqwest::StatusCode;

use crate::support::{PASSWORD, TestApp, UserAgent, browser_with, code_from};

const SCOPE: &str = "openid profile";

/// A browser that sends `accept_language` with every request.
fn browser(app: &TestApp, accept_language: &str) -> UserAgent {
    browser_with(app, "accept-language", accept_language)
}

fn lang_of(page: &str) -> &str {
    let start = page.find("<html lang=\"").expect("an html element") + 12;
    &page[start..start + page[start..].find('"').unwrap()]
}

/// The page with its CSRF tokens (which differ per browser) taken out.
fn without_csrf(page: &str) -> String {
    let mut out = String::new();
    let mut rest = page;
    while let Some(at) = ["value=\"", "data-csrf=\""]
        .iter()
        .filter_map(|mark| rest.find(mark).map(|i| i + mark.len()))
        .min()
    {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        rest = &rest[rest.find('"').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// The page without its tags (whose attribute values, such as `value="staff"`, are for
/// programs), each tag a space.
fn visible_text(page: &str) -> String {
    let mut text = String::new();
    for (i, part) in page.split('<').enumerate() {
        let shown = match i {
            0 => part,
            _ => part.split_once('>').map_or("", |(_, after)| after),
        };
        text.push_str(shown);
        text.push(' ');
    }
    text
}

/// Whether `text` stands in `page` as words of its own (not inside a longer word, as
/// "Confirm" is inside "Confirmar").
fn shows(page: &str, text: &str) -> bool {
    let letter = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    page.match_indices(text).any(|(at, _)| {
        !letter(page[..at].chars().next_back()) && !letter(page[at + text.len()..].chars().next())
    })
}

/// Asks for a reset link from `agent`'s browser; the page that answers.
async fn ask_for_reset_in(agent: &UserAgent, email: &str) -> String {
    let (_, _, page) = agent.navigate("/password/forgot").await.page();
    let (path, _, answer) = agent
        .submit(&page, "/password/forgot", &[("email", email)])
        .await
        .page();
    assert_eq!(path, "/password/forgot");
    answer
}

async fn login_page(agent: &UserAgent) -> String {
    let (_, status, page) = agent.navigate("/login").await.page();
    assert_eq!(status, StatusCode::OK);
    page
}

#[tokio::test]
async fn ui_locales_wins_over_accept_language_on_every_page_of_the_flow() {
    let app = TestApp::spawn().await;
    app.person("amelie", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = browser(&app, "es-ES, es;q=0.9");
    let url = app.authorize_url(&client, SCOPE, &[("ui_locales", "de-CH fr-CA es")]);
    let (path, _, login) = agent.navigate(&url).await.page();
    assert!(path.starts_with("/login"), "{path}");
    assert_eq!(lang_of(&login), "fr");
    assert!(login.contains(">Nom d’utilisateur</label>"), "{login}");
    assert!(login.contains("autocomplete=\"username\""));
    let fields = [("username", "amelie"), ("password", PASSWORD)];
    let (path, _, consent) = agent.submit(&login, "/login", &fields).await.page();
    assert!(path.starts_with("/consent"), "{path}");
    assert_eq!(lang_of(&consent), "fr");
    assert!(consent.contains(">Autoriser</button>") && consent.contains(">Refuser</button>"));
    let back = agent
        .submit(&consent, "/consent", &[("decision", "allow")])
        .await
        .client();
    code_from(&app, &back);
    // Later pages of this browser stay in the language the application asked for.
    assert_eq!(lang_of(&login_page(&agent).await), "fr");
}

#[tokio::test]
async fn accept_language_chooses_by_weight_and_by_primary_language() {
    let app = TestApp::spawn().await;
    let weighed = login_page(&browser(&app, "de, es;q=0.5, fr;q=0.8, en;q=0.1")).await;
    assert_eq!(lang_of(&weighed), "fr");
    assert!(weighed.contains(">Se connecter</button>"));
    let regional = login_page(&browser(&app, "es-MX")).await;
    assert_eq!(lang_of(&regional), "es");
    assert!(regional.contains(">Iniciar sesión</button>"));
    assert!(regional.contains(">Contraseña</label>"));
    let refused = login_page(&browser(&app, "fr;q=0, es;q=0.2")).await;
    assert_eq!(lang_of(&refused), "es");
}

#[tokio::test]
async fn an_unknown_language_falls_back_to_english_unchanged() {
    let app = TestApp::spawn().await;
    let plain = login_page(&UserAgent::new(&app)).await;
    let unknown = login_page(&browser(&app, "de-DE, ja;q=0.9")).await;
    assert_eq!(lang_of(&unknown), "en");
    assert!(unknown.contains(">Username</label>") && unknown.contains(">Sign in</button>"));
    assert_eq!(without_csrf(&unknown), without_csrf(&plain));
}

#[tokio::test]
async fn a_hostile_ui_locales_falls_back_is_never_echoed_and_changes_nothing_else() {
    let app = TestApp::spawn().await;
    let client = app.web_client(SCOPE).await;
    let hostile = [
        format!("{} fr", "de ".repeat(40)),
        "<script>alert(1)</script>".to_string(),
        "* \u{7}es\u{0} \"><b>fr</b>".to_string(),
        "x".repeat(4000),
    ];
    for (n, ui_locales) in hostile.iter().enumerate() {
        let person = format!("hugo{n}");
        app.person(&person, Role::Consumer).await;
        let agent = UserAgent::new(&app);
        let url = app.authorize_url(&client, SCOPE, &[("ui_locales", ui_locales)]);
        let (path, status, login) = agent.navigate(&url).await.page();
        assert!(path.starts_with("/login"), "{path}");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(lang_of(&login), "en", "{ui_locales}");
        assert!(!login.contains("<script>alert") && !login.contains("<b>fr"));
        assert!(!login.contains(&ui_locales[..ui_locales.len().min(60)]));
        let landing = agent
            .log_in(agent.navigate(&url).await, &person, PASSWORD)
            .await;
        // The request goes on as any other: consent, then the code with its state.
        let back = agent.consent(landing, "allow").await.client();
        code_from(&app, &back);
    }
}

#[tokio::test]
async fn a_reset_mail_is_written_in_the_language_of_the_request_that_asked_for_it() {
    let app = TestApp::spawn().await;
    app.person("lucia", Role::Consumer).await;
    let page = ask_for_reset_in(&browser(&app, "es-AR,es;q=0.9"), "lucia@farm.example").await;
    assert_eq!(lang_of(&page), "es");
    let mail = app.wait_for_mail("lucia@farm.example", 1).await;
    assert!(mail.contains("Hola, lucia:"), "{mail}");
    assert!(
        mail.contains("pidió restablecer la contraseña de tu cuenta"),
        "{mail}"
    );
    assert!(mail.contains("<html lang=\"es\">"), "{mail}");
    assert!(!mail.contains("Someone (we hope you)"), "{mail}");
}

/// The English sentences of the catalogue that a translation replaces, longest first.
fn english_that_is_translated(lang: Lang) -> Vec<String> {
    let mut english: Vec<String> = message_ids(SOURCES[0].1)
        .iter()
        .map(|id| (text_in(Lang::En, id, None), text_in(lang, id, None)))
        .filter(|(en, other)| en != other && !en.contains('{') && en.len() > 3)
        .map(|(en, _)| en)
        .collect();
    english.sort_by_key(|e| std::cmp::Reverse(e.len()));
    english
}

/// The pages that answer a stranger's forms: a refused sign-in and sign-up, a reset link and
/// a sign-in code asked for.
async fn refusals(app: &TestApp, header: &str) -> Vec<(String, String)> {
    let stranger = browser(app, header);
    let nobody: &[(&str, &str)] = &[("email", "nobody@farm.example")];
    let forms: [(&str, &[(&str, &str)]); 4] = [
        ("/login", &[("username", "ines"), ("password", "not it")]),
        (
            "/signup",
            &[
                ("username", "ines2"),
                ("email", "i@farm.example"),
                ("password", "short"),
                ("role", "consumer"),
            ],
        ),
        ("/password/forgot", nobody),
        ("/login/email-code", nobody),
    ];
    let mut pages = Vec::new();
    for (path, fields) in forms {
        let page = stranger.navigate(path).await.page().2;
        let answer = stranger.submit(&page, path, fields).await.page().2;
        pages.push((format!("{path} answered"), answer));
    }
    pages
}

#[tokio::test]
async fn the_main_pages_in_spanish_and_french_show_no_english_text_of_the_catalogue() {
    let app = TestApp::spawn().await;
    app.person("ines", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    for (lang, header) in [(Lang::Es, "es"), (Lang::Fr, "fr-FR")] {
        let agent = browser(&app, header);
        let mut pages = Vec::new();
        for path in [
            "/login",
            "/signup",
            "/password/forgot",
            "/login/email-code",
            "/nowhere",
            "/oauth2/authorize?client_id=nobody&response_type=code",
        ] {
            pages.push((path.to_string(), agent.navigate(path).await.page().2));
        }
        let url = app.authorize_url(&client, SCOPE, &[]);
        let login = agent.navigate(&url).await.page().2;
        let fields = [("username", "ines"), ("password", PASSWORD)];
        let consent = agent.submit(&login, "/login", &fields).await.page().2;
        pages.push(("/consent".into(), consent));
        for path in ["/account", "/account/farms", "/device", "/logout"] {
            pages.push((path.to_string(), agent.navigate(path).await.page().2));
        }
        pages.extend(refusals(&app, header).await);
        // A complaint of the domain, composed into a sentence of the page's language.
        let too_short = match lang {
            Lang::Es => "La contraseña debe tener de 8 a 128 caracteres.",
            _ => "Le mot de passe doit compter de 8 à 128 caractères.",
        };
        let signup = pages.iter().find(|(path, _)| path == "/signup answered");
        assert!(signup.unwrap().1.contains(too_short), "{signup:?}");
        assert_translated(lang, &pages);
    }
}

/// Every page is in `lang` and shows no English sentence of the catalogue that `lang`
/// translates.
fn assert_translated(lang: Lang, pages: &[(String, String)]) {
    let english = english_that_is_translated(lang);
    for (path, page) in pages {
        assert_eq!(lang_of(page), lang.code(), "{path}");
        let text = visible_text(page);
        let found: Vec<_> = english.iter().filter(|e| shows(&text, e)).collect();
        assert!(found.is_empty(), "{path} in {}: {found:?}", lang.code());
    }
}

#[tokio::test]
async fn a_farm_owner_s_pages_and_the_authenticator_set_up_are_translated_too() {
    use farm_auth::domain::FarmRole;
    let app = TestApp::spawn().await;
    app.person("margaux", Role::Farmer).await;
    app.person("paul", Role::Consumer).await;
    let farm = app.active_farm("Les Prés", "margaux").await;
    app.add_member(&farm, "paul", FarmRole::Staff).await;
    for (lang, header) in [(Lang::Es, "es"), (Lang::Fr, "fr")] {
        let agent = browser(&app, header);
        let login = login_page(&agent).await;
        let fields = [("username", "margaux"), ("password", PASSWORD)];
        let account = agent.submit(&login, "/login", &fields).await.page().2;
        let mut pages = vec![("/account".to_string(), account.clone())];
        for path in [
            "/account/farms".to_string(),
            format!("/account/farms/{farm}"),
        ] {
            pages.push((path.clone(), agent.navigate(&path).await.page().2));
        }
        let enrol = agent.submit(&account, "/account/totp", &[("password", PASSWORD)]);
        let enrol = enrol.await.page().2;
        assert!(enrol.contains("otpauth://totp/"), "{enrol}");
        let wrong = agent.submit(&enrol, "/account/totp/confirm", &[("code", "000000")]);
        let wrong = wrong.await.page().2;
        pages.push(("/account/totp".into(), enrol));
        pages.push(("a wrong code".into(), wrong));
        assert_translated(lang, &pages);
    }
}

#[tokio::test]
async fn a_signed_in_page_follows_the_browser_and_keeps_its_contract() {
    let app = TestApp::spawn().await;
    app.person("noe", Role::Consumer).await;
    let agent = browser(&app, "fr");
    let login = login_page(&agent).await;
    let fields = [("username", "noe"), ("password", PASSWORD)];
    let (path, _, account) = agent.submit(&login, "/login", &fields).await.page();
    assert_eq!(path, "/account");
    assert_eq!(lang_of(&account), "fr");
    assert!(account.contains(">Votre compte</h1>"));
    for token in ["current-password", "new-password", "email", "username"] {
        assert!(
            account.contains(&format!("autocomplete=\"{token}\"")),
            "{token}"
        );
    }
}
