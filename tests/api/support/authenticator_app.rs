//! The authenticator app (RFC 6238) as several rule families need it: enrolling one through
//! the account page, the second step of a sign-in, and codes that are right or wrong now.
//! And the authenticator apps of administrators, who need a second factor for the console
//! and the admin API: set up when [`TestApp::person`] makes one, used by
//! [`UserAgent::log_in`] at the second step, so that tests sign administrators in as
//! before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use farm_auth::Clock;
use farm_auth::accounts::audit::Origin;
use farm_auth::accounts::second_factor;
use farm_auth::accounts::totp::code_at;
use farm_auth::store::users::UserRecord;
use reqwest::StatusCode;

use super::app::TestApp;
use super::pages::{SignIn, signed_in};
use super::user_agent::{Landing, PASSWORD, UserAgent};

/// Presses "Set up an authenticator app" on the account page: the enrolment page.
pub async fn start_enrolment(agent: &UserAgent, account: &str) -> String {
    let (path, status, page) = agent
        .submit(account, "/account/totp", &[("password", PASSWORD)])
        .await
        .page();
    assert_eq!(path, "/account/totp", "{page}");
    assert_eq!(status, StatusCode::OK);
    page
}

/// The text of the first `<code class="{class}">` on `page`, unescaped.
pub fn code_element(page: &str, class: &str) -> String {
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
pub fn recovery_codes_on(page: &str) -> Vec<String> {
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
pub fn wrong_code(secret: &str, now: i64) -> String {
    let near: Vec<String> = (-3..=3)
        .map(|step| code_at(secret, now + 30 * step).unwrap())
        .collect();
    (135_791..)
        .map(|n| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .unwrap()
}

/// A person with an authenticator app set up, from the browser that set it up.
pub struct Enrolled {
    pub agent: UserAgent,
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

/// Sets up an authenticator app for `username` through the account page, then moves the
/// clock on by one time step: the code that confirmed the app is used up, sign-ins use the
/// next one.
pub async fn enrol(app: &TestApp, username: &str) -> Enrolled {
    let SignIn {
        agent,
        page: account,
        ..
    } = signed_in(app, username).await;
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
pub async fn password_step(app: &TestApp, username: &str) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, status, page) = agent.log_in(landing, username, PASSWORD).await.page();
    assert_eq!(path, "/login/second-factor", "{page}");
    assert_eq!(status, StatusCode::OK);
    (agent, page)
}

/// Gives a code (`method` `totp` or `recovery`) on the second-step page.
pub async fn give_code(agent: &UserAgent, page: &str, method: &str, code: &str) -> Landing {
    agent
        .submit(
            page,
            "/login/second-factor",
            &[("method", method), ("code", code)],
        )
        .await
}

/// The code the authenticator app with `secret` shows now.
pub fn code_now(app: &TestApp, secret: &str) -> String {
    code_at(secret, app.clock.now()).unwrap()
}

/// Authenticator apps set up for people, by lowercase username: the secret, and the time
/// whose code was used last (a code is accepted once, RFC 6238 §5.2).
#[derive(Clone, Default)]
pub struct Authenticators(Arc<Mutex<HashMap<String, (String, i64)>>>);

impl Authenticators {
    /// Sets up an authenticator app for `user` (whose password is [`PASSWORD`]) the way the
    /// account page does, confirmed with the code of the previous time step, so that the
    /// codes of now and of the next step are left for sign-ins.
    pub async fn set_up(&self, app: &TestApp, user_id: &str) {
        let origin = Origin::default();
        let user: UserRecord = app.store.find_user_by_id(user_id).await.unwrap().unwrap();
        let user = &user;
        let enrolment = second_factor::start_totp(&app.state, &origin, user, PASSWORD)
            .await
            .expect("enrolment starts");
        let confirmed_at = app.clock.now() - 30;
        let code = code_at(&enrolment.secret, confirmed_at).unwrap();
        second_factor::confirm_totp(&app.state, &origin, &user.id, &code)
            .await
            .expect("enrolment confirmed");
        let mut apps = self.0.lock().unwrap();
        apps.insert(
            user.username.to_lowercase(),
            (enrolment.secret, confirmed_at),
        );
    }

    /// A code of `username`'s app not used before, if they have one here: the current
    /// one, or the next step's; the clock moves on by a step when both were used.
    pub fn next_code(&self, username: &str, clock: &Clock) -> Option<String> {
        let mut apps = self.0.lock().unwrap();
        let (secret, last) = apps.get_mut(&username.trim().to_lowercase())?;
        let step = |t: i64| t.div_euclid(30);
        let mut at = clock.now();
        if step(at) <= step(*last) {
            at = (step(*last) + 1) * 30;
        }
        // The server accepts one step either side of now.
        if step(at) > step(clock.now()) + 1 {
            clock.advance(30);
        }
        *last = at;
        code_at(secret, at)
    }
}
