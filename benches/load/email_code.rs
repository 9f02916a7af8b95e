//! The e-mail-code sign-in row: a fresh browser signs in to the web client with a code
//! mailed to the account's confirmed address (decision 111). One flow: authorize → the
//! ask page → the address posted → the code read from the mail directory (the server
//! writes the `.eml` after its answer, so it is polled for) → the code page → the code
//! posted, answered with the web client's code (consent remembered) → the token request.
//!
//! The server's throttles stay as they are; the row fits inside them (decision 157):
//! - at most 6 codes an hour per account: enough accounts are seeded by SQL (confirmed
//!   addresses, the web client allowed), each used in turn, for `(warm-up + measured
//!   seconds) x` [`FLOWS_PER_SECOND`] flows with room to spare;
//! - 20 asks an hour per network: the main server trusts loopback as its proxy
//!   (`FARM_AUTH_TRUSTED_PROXIES`), and each flow posts from its own address in
//!   `X-Forwarded-For`;
//! - 600 asks a minute in all: the flows are paced to [`FLOWS_PER_SECOND`] (480 a minute),
//!   the pause taken before a flow's clock starts.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use tokio::sync::Mutex;

use crate::browser::{CookieJar, at, page, redirect};
use crate::endpoints::setup_http_client;
use crate::flow::{Flow, WEB_CLIENT_SCOPE, code_of, ensure_tokens};
use crate::http::Connection;
use crate::seeded::seed::SeedDatabase;

/// Under the server's 600 asks a minute in all.
pub(crate) const FLOWS_PER_SECOND: u64 = 8;
/// What the main server is told to trust as a proxy, so that `X-Forwarded-For` counts.
pub(crate) const TRUSTED_PROXY: (&str, &str) = ("FARM_AUTH_TRUSTED_PROXIES", "127.0.0.1/32");
/// The server's limit of codes mailed to one account an hour.
const CODES_PER_ACCOUNT: u64 = 6;
/// How long the mail may take to appear after the answer.
const MAIL_TIMEOUT: Duration = Duration::from_secs(5);
const MAIL_POLL: Duration = Duration::from_millis(2);

/// What the row's workers share; see the module comment.
pub(crate) struct EmailCodeSignIn {
    main: Flow,
    mail_dir: PathBuf,
    accounts: u64,
    /// Flows started so far: the next flow's account and address.
    started: AtomicU64,
    /// When the next flow may start.
    next_start: Mutex<Instant>,
}

/// The address of seeded account `i`.
fn address(i: u64) -> String {
    format!("code{i}@bench.example")
}

/// Seeds the accounts for a row of `seconds` measured seconds (plus the warm-up), on the
/// server running in `dir` whose web client is `main`'s. `None` when the server has no
/// e-mail-code sign-in (a baseline from before it).
pub(crate) async fn set_up(
    database: &SeedDatabase,
    dir: &Path,
    main: Flow,
    client_id: &str,
    seconds: u64,
) -> Result<Option<EmailCodeSignIn>> {
    let ask = format!("http://{}/login/email-code", main.target.address);
    let answer = setup_http_client()?.get(&ask).send().await?;
    if answer.status() != reqwest::StatusCode::OK {
        eprintln!("{ask} answers {}; no e-mail-code row", answer.status());
        return Ok(None);
    }
    let flows = FLOWS_PER_SECOND * (seconds + 2);
    let accounts = flows.div_ceil(CODES_PER_ACCOUNT - 1) + 10;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let user = format!(
        "'code' || i, 'code' || i, 'code' || i, 'code' || i || '@bench.example', \
         'code' || i || '@bench.example', 1, '[\"consumer\"]', {now}, {now}"
    );
    let consent = format!("'code' || i, '{client_id}', '{WEB_CLIENT_SCOPE}', {now}");
    let series = (0, accounts as i64 - 1);
    database
        .insert(&[
            (
                "users",
                "id, username, username_normalized, email, email_normalized, email_verified, \
                 roles, created_at, updated_at",
                user,
                series,
            ),
            (
                "consents",
                "user_id, client_id, scope, granted_at",
                consent,
                series,
            ),
        ])
        .await?;
    Ok(Some(EmailCodeSignIn {
        main,
        mail_dir: dir.join("mail"),
        accounts,
        started: AtomicU64::new(0),
        next_start: Mutex::new(Instant::now()),
    }))
}

impl EmailCodeSignIn {
    /// Waits for this flow's turn, so that the flows keep to [`FLOWS_PER_SECOND`].
    pub(crate) async fn pace(&self) {
        let at = {
            let mut next = self.next_start.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + Duration::from_secs(1) / FLOWS_PER_SECOND as u32;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }

    /// One measured flow, for the next account from the next address.
    pub(crate) async fn run(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
    ) -> Result<(), String> {
        let n = self.started.fetch_add(1, Ordering::Relaxed);
        let email = address(n % self.accounts);
        let from = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
        let (mut jar, _login, request_id) = self.main.authorize(connection, steps).await?;
        let step = "GET /login/email-code";
        let ask = format!("/login/email-code?request={request_id}");
        let response = self.main.get(connection, steps, &ask, &jar).await;
        let csrf = page(response, &mut jar, "csrf_token").map_err(|e| at(step, e))?;
        let step = "POST /login/email-code";
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &csrf)
            .append_pair("request", &request_id)
            .append_pair("email", &email)
            .finish();
        let path = "/login/email-code";
        let response = self
            .main
            .post_from(connection, steps, (path, &jar), &form, Some(&from))
            .await;
        let verify =
            redirect(response, &mut jar, "/login/email-code/verify").map_err(|e| at(step, e))?;
        let code = self.mailed_code(&email).await.map_err(|e| at(step, e))?;
        self.verify(
            connection,
            steps,
            &mut jar,
            (&verify, &request_id),
            &code,
            &from,
        )
        .await
    }

    /// The code page, the code posted from `from`, and the web client's code redeemed.
    async fn verify(
        &self,
        connection: &mut Option<Connection>,
        steps: &mut Vec<u64>,
        jar: &mut CookieJar,
        (verify, request_id): (&str, &str),
        code: &str,
        from: &str,
    ) -> Result<(), String> {
        let step = "GET /login/email-code/verify";
        let response = self.main.get(connection, steps, verify, jar).await;
        let csrf = page(response, jar, "csrf_token").map_err(|e| at(step, e))?;
        let step = "POST /login/email-code/verify";
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &csrf)
            .append_pair("request", request_id)
            .append_pair("code", code)
            .finish();
        let path = "/login/email-code/verify";
        let response = self
            .main
            .post_from(connection, steps, (path, jar), &form, Some(from))
            .await;
        let back = redirect(response, jar, "").map_err(|e| at(step, e))?;
        let code = code_of(&back).map_err(|e| at(step, e))?;
        let step = "POST /oauth2/token (code)";
        let response = self.main.redeem(connection, steps, code.as_str()).await;
        ensure_tokens(&response.map_err(|e| at(step, e))?).map_err(|e| at(step, e))
    }

    /// The code in the mail to `email`, once the server has written it; the file is removed
    /// (each account has one flow at a time, so the mail found is this flow's).
    async fn mailed_code(&self, email: &str) -> Result<String, String> {
        let deadline = Instant::now() + MAIL_TIMEOUT;
        loop {
            if let Some((path, code)) = self.find_mail(email) {
                let _ = std::fs::remove_file(path);
                return Ok(code);
            }
            if Instant::now() >= deadline {
                return Err(format!("no mail to {email} within {MAIL_TIMEOUT:?}"));
            }
            tokio::time::sleep(MAIL_POLL).await;
        }
    }

    /// A mail in the directory to `email`, and its code.
    fn find_mail(&self, email: &str) -> Option<(PathBuf, String)> {
        const BEFORE_CODE: &str = "Your code: ";
        for entry in std::fs::read_dir(&self.mail_dir).ok()?.flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let to_line = |line: &&str| line.starts_with("To:") && line.contains(email);
            if !text.lines().any(|line| to_line(&line)) {
                continue;
            }
            // A mail still being written has no code yet: looked at again next time.
            let Some(after) = text
                .find(BEFORE_CODE)
                .map(|at| &text[at + BEFORE_CODE.len()..])
            else {
                continue;
            };
            let code: String = after.chars().take_while(char::is_ascii_digit).collect();
            if code.len() == 6 {
                return Some((entry.path(), code));
            }
        }
        None
    }
}
