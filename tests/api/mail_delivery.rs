//! Mail goes through an outbox: a mail server that is down delays a message and loses none,
//! one that refuses it for good gets it given up (and said so in the audit trail). What
//! arrives carries the link whole, in a text and an HTML part, and no link reaches the log.

use crate::support::{
    FakeSmtp, NEW_PASSWORD, Options, TestApp, UserAgent, ask_for_reset, captured_logs,
    choose_password, link_in, open_reset_form, reset_link, reset_with, token_of,
};
use farm_auth::accounts::users::Role;
use farm_auth::store::outbox::{MailState, OutgoingMail};
use reqwest::StatusCode;

const YEAR: i64 = 365 * 86_400;

/// A port nothing listens on (bound, then let go).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().unwrap().port()
}

async fn app_mailing_to(port: u16) -> TestApp {
    TestApp::spawn_with(Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Default::default()
    })
    .await
}

/// Waits (up to 10 s) for the only mail in the outbox to have failed an attempt: the mail
/// as stored, and how far it got.
async fn wait_for_failed_attempt(app: &TestApp) -> (OutgoingMail, MailState) {
    for _ in 0..200 {
        let waiting = app
            .store
            .list_due_mail(app.clock.now() + YEAR, 10)
            .await
            .unwrap();
        if let [mail] = waiting.as_slice() {
            let state = app.store.find_mail_state(&mail.id).await.unwrap().unwrap();
            if state.last_error.is_some() {
                return (mail.clone(), state);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no failed attempt to send a mail was recorded");
}

/// The ids of the mail due now.
async fn due_now(app: &TestApp) -> Vec<String> {
    let due = app.store.list_due_mail(app.clock.now(), 10).await.unwrap();
    due.into_iter().map(|m| m.id).collect()
}

/// Waits (up to 10 s) until the mail `id` is sent or given up; its state then.
async fn wait_until_finished(app: &TestApp, id: &str) -> MailState {
    for _ in 0..200 {
        let state = app.store.find_mail_state(id).await.unwrap().unwrap();
        if state.sent_at.is_some() || state.failed_at.is_some() {
            return state;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("mail {id} was neither sent nor given up");
}

#[tokio::test]
async fn with_the_mail_server_down_a_reset_request_is_answered_and_its_mail_waits_in_the_outbox_until_the_server_is_back()
 {
    let port = closed_port();
    let app = app_mailing_to(port).await;
    app.person("ada", Role::Consumer).await;

    let (status, page) = ask_for_reset(&app, "ada@farm.example").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Check your email"), "{page}");

    let (mail, state) = wait_for_failed_attempt(&app).await;
    assert_eq!(mail.recipient, "ada@farm.example");
    assert_eq!(mail.subject, "Reset your password");
    let prefix = format!("{}/password/reset?token=", app.issuer);
    let link = link_in(&mail.text_body, &prefix);
    assert!(mail.html_body.contains(&link), "{}", mail.html_body);
    assert_eq!(state.attempts, 1, "{state:?}");
    assert_eq!(state.sent_at, None);
    assert_eq!(
        state.failed_at, None,
        "a server that is down is no reason to give up"
    );
    assert!(!state.last_error.unwrap_or_default().is_empty());

    // Tried again 30 seconds later.
    app.clock.advance(29);
    assert!(due_now(&app).await.is_empty());
    app.clock.advance(1);
    assert_eq!(due_now(&app).await, vec![mail.id.clone()]);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free again");
    let server = FakeSmtp::start(listener, false);
    let sent = farm_auth::mail::deliver_due(&app.state).await.unwrap();
    let state = wait_until_finished(&app, &mail.id).await;
    assert!(sent <= 1);
    assert!(state.sent_at.is_some(), "{state:?}");
    assert_eq!(state.failed_at, None);
    assert_eq!(state.last_error, None);
    assert_eq!(state.attempts, 2);
    assert!(due_now(&app).await.is_empty());

    let messages = server.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert!(message.contains("To: ada@farm.example"), "{message}");
    assert!(
        message.contains("Subject: Reset your password"),
        "{message}"
    );
    assert!(message.contains("Content-Type: text/plain"), "{message}");
    assert!(message.contains("Content-Type: text/html"), "{message}");
    // The link whole, in the text body and twice in the HTML one.
    assert_eq!(message.matches(&link).count(), 3, "{message}");
    assert_eq!(link_in(message, &prefix), link);
    let commands = server.commands();
    assert!(
        commands.iter().any(|c| c == "RCPT TO:<ada@farm.example>"),
        "{commands:?}"
    );

    // And the link delivered works.
    reset_with(&app, &link, NEW_PASSWORD).await;
}

#[tokio::test]
async fn a_mail_the_server_refuses_for_good_is_given_up_and_recorded_in_the_audit_trail() {
    let port = closed_port();
    let app = app_mailing_to(port).await;
    app.person("ada", Role::Consumer).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let (mail, _) = wait_for_failed_attempt(&app).await;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free again");
    let server = FakeSmtp::start(listener, true);
    app.clock.advance(30);
    let sent = farm_auth::mail::deliver_due(&app.state).await.unwrap();
    assert_eq!(sent, 0);
    let state = wait_until_finished(&app, &mail.id).await;
    assert!(state.failed_at.is_some(), "{state:?}");
    assert_eq!(state.sent_at, None);
    assert_eq!(state.attempts, 2);
    let error = state.last_error.unwrap_or_default();
    assert!(error.contains("550"), "{error}");
    let commands = server.commands();
    assert!(
        commands.iter().any(|c| c.starts_with("RCPT TO:")),
        "{commands:?}"
    );
    assert!(server.messages().is_empty());

    // Not tried again, however long one waits.
    app.clock.advance(YEAR);
    assert!(due_now(&app).await.is_empty());
    assert_eq!(farm_auth::mail::deliver_due(&app.state).await.unwrap(), 0);
    assert_eq!(server.commands().len(), commands.len());

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let failed: Vec<_> = events.iter().filter(|e| e.event == "mail.failed").collect();
    assert_eq!(failed.len(), 1, "{events:?}");
    assert_eq!(failed[0].outcome, "failure");
    let detail = failed[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("Reset your password"), "{detail}");
}

#[tokio::test]
async fn a_mail_written_to_a_file_has_a_text_and_an_html_part_with_the_link_whole_and_no_link_reaches_the_log()
 {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let mail = app.wait_for_mail("ada@farm.example", 1).await;
    assert!(mail.contains("Content-Type: text/plain"), "{mail}");
    assert!(mail.contains("Content-Type: text/html"), "{mail}");
    assert!(!mail.contains("quoted-printable"), "{mail}");
    let link = reset_link(&app, "ada", 1).await;
    assert_eq!(mail.matches(&link).count(), 3, "{mail}");
    let token = token_of(&link);
    assert_eq!(token.len(), 43, "256 bits, base64url: {link}");

    // The token goes through every path that carries one: the page, a refusal that sends
    // the browser back to the form, the reset itself, and a second use.
    let agent = UserAgent::new(&app);
    let form = open_reset_form(&agent, &link).await;
    let (_, _, form) = choose_password(&agent, &form, "password").await;
    let (_, status, _) = choose_password(&agent, &form, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let (_, status, _) = agent.navigate(&link).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let logs = captured_logs();
    assert!(logs.contains("mail sent"), "the log is captured");
    assert!(!logs.contains(token), "a reset token is in the log");
}

#[tokio::test]
async fn a_reset_mail_still_unsent_when_its_link_expires_is_given_up() {
    let port = closed_port();
    let app = app_mailing_to(port).await;
    app.person("ada", Role::Consumer).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let (mail, _) = wait_for_failed_attempt(&app).await;
    // The server stays down past the link's 30 minutes: sending it later would only send
    // a dead link.
    app.clock.advance(30 * 60);
    farm_auth::mail::deliver_due(&app.state).await.unwrap();
    let state = wait_until_finished(&app, &mail.id).await;
    assert!(state.failed_at.is_some(), "{state:?}");
    assert!(
        state.last_error.unwrap_or_default().contains("expired"),
        "the reason is given"
    );
    assert_eq!(state.sent_at, None);
}
