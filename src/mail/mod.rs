//! Outgoing mail: the third adapter beside `web/` and `store/`, the only module that knows
//! lettre. Mail is written to the `mail_outbox` table first and sent by a background worker,
//! so a mail server that is down delays a message and loses none: failed sends are retried
//! with back-off and, after the last attempt, reported in the log and the audit trail.
//!
//! With `FARM_AUTH_SMTP_URL` mail goes over SMTP (lettre's URL syntax: `smtp://host:port`,
//! `smtps://user:pass@host`); without it, each message is an `.eml` file in
//! `FARM_AUTH_MAIL_DIR`. Bodies are plain text and HTML, rendered from `templates/mail/`,
//! sent unencoded (8bit) so that a link reads whole in the raw message.

mod templates;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::accounts::audit::{self, Event, Origin, Outcome};
use crate::accounts::throttle;
use crate::config::Config;
use crate::secrets::random_token;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::outbox::OutgoingMail;

pub use templates::{CodeMail, LinkMail, render_code_mail, render_link_mail};

/// Sends after the first failure wait 30 s, then twice as long each time, at most an hour;
/// after this many attempts (about eight hours) the message is given up.
const MAX_ATTEMPTS: i64 = 15;
/// How long one send attempt holds its claim on a message.
const LEASE_SECS: i64 = 120;
/// How often the worker looks for due mail when nobody wakes it.
const POLL_INTERVAL: Duration = Duration::from_secs(15);

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf, AsyncFileTransport<Tokio1Executor>),
}

/// The configured way out, and the bell that wakes the outbox worker.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    wake: Notify,
}

impl Mailer {
    pub fn from_config(config: &Config, issuer: &str) -> anyhow::Result<Mailer> {
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("FARM_AUTH_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => Transport::Files(
                config.mail_dir.clone(),
                AsyncFileTransport::new(&config.mail_dir),
            ),
        };
        let from = match &config.mail_from {
            Some(from) => from
                .parse()
                .map_err(|e| anyhow::anyhow!("FARM_AUTH_MAIL_FROM: {e}"))?,
            None => default_from(issuer)?,
        };
        Ok(Mailer {
            transport,
            from,
            wake: Notify::new(),
        })
    }

    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient: {e}")))?;
        let part = |content_type: ContentType, text: &str| {
            // Sent as 8bit, unencoded, whenever the lines allow (RFC 5322 §2.1.1: at most
            // 998 octets), so that a link reads whole in the raw message; quoted-printable
            // would cut it into 76-character pieces.
            let text = text.replace("\r\n", "\n");
            let fits = text.lines().all(|line| line.len() <= 998) && !text.contains('\0');
            let body = match fits {
                true => Body::dangerous_pre_encoded(
                    text.replace('\n', "\r\n").into_bytes(),
                    ContentTransferEncoding::EightBit,
                ),
                false => Body::new(text),
            };
            SinglePart::builder().header(content_type).body(body)
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(part(ContentType::TEXT_PLAIN, &mail.text_body))
                    .singlepart(part(ContentType::TEXT_HTML, &mail.html_body)),
            )
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                // 5xx: the server refuses this message for good.
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Transient(e.to_string())),
            },
            Transport::Files(dir, files) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| SendError::Transient(format!("{}: {e}", dir.display())))?;
                files
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError::Transient(e.to_string()))
            }
        }
    }
}

fn default_from(issuer: &str) -> anyhow::Result<Mailbox> {
    let host = url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "localhost".into());
    // A bare IP is no mail domain; an address literal is what RFC 5321 §4.1.3 offers.
    let domain = match host.parse::<std::net::IpAddr>() {
        Ok(_) => "localhost".to_string(),
        Err(_) => host.trim_matches(['[', ']']).to_string(),
    };
    let address = lettre::Address::new("no-reply", domain)
        .map_err(|e| anyhow::anyhow!("no mail sender can be made from the issuer: {e}"))?;
    Ok(Mailbox::new(Some("Not Far(m) From Home".into()), address))
}

enum SendError {
    /// Worth trying again later (the server is down, a timeout, a 4xx).
    Transient(String),
    /// Never going to work (a malformed address, a 5xx).
    Permanent(String),
}

/// Puts a message in the outbox and wakes the worker; returns its id. The caller's request
/// is answered whether or not the mail server is up. A message that is worth nothing after
/// `valid_for` seconds (its link expires) is given up then, sent or not.
///
/// At most [`throttle::MAIL_TO_RECIPIENT`] messages go to one address an hour, whatever
/// asked for them (DECISIONS §89): beyond that the message is not queued (`None`). The
/// limits of each kind of mail (links per account, invitations per address, notices per
/// person) are lower, so this holds back only what gets around them.
pub async fn enqueue(
    state: &AppState,
    recipient: &str,
    subject: &str,
    (text_body, html_body): (String, String),
    valid_for: Option<i64>,
) -> Result<Option<String>, StoreError> {
    // The subject in the language of the request that caused the mail, like its body.
    let subject = &crate::i18n::translate(subject);
    let to = throttle::limit(throttle::MAIL_TO_RECIPIENT, &recipient.to_lowercase());
    if throttle::count(state, &[to]).await?.is_err() {
        tracing::warn!(%subject, "too much mail to one address this hour; a message was not queued");
        return Ok(None);
    }
    let now = state.clock.now();
    let mail = OutgoingMail {
        id: random_token::<16>(),
        recipient: recipient.to_string(),
        subject: subject.to_string(),
        text_body,
        html_body,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        give_up_at: valid_for.map(|secs| now + secs),
    };
    state.store.insert_mail(&mail).await?;
    state.mailer.wake.notify_one();
    Ok(Some(mail.id))
}

/// The outbox worker: sends what is due whenever woken, and every few seconds anyway.
pub async fn run_outbox(state: AppState) {
    loop {
        if let Err(error) = deliver_due(&state).await {
            tracing::warn!(%error, "the mail outbox could not be read; trying again shortly");
        }
        tokio::select! {
            _ = state.mailer.wake.notified() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// Sends every message due now; returns how many went.
pub async fn deliver_due(state: &AppState) -> Result<usize, StoreError> {
    let mut sent = 0;
    loop {
        let now = state.clock.now();
        let due = state.store.list_due_mail(now, 20).await?;
        if due.is_empty() {
            return Ok(sent);
        }
        let mut claimed_any = false;
        for mail in due {
            if !state.store.claim_mail(&mail, now + LEASE_SECS).await? {
                continue; // another replica has it
            }
            claimed_any = true;
            if deliver_one(state, &mail).await? {
                sent += 1;
            }
        }
        if !claimed_any {
            return Ok(sent);
        }
    }
}

async fn deliver_one(state: &AppState, mail: &OutgoingMail) -> Result<bool, StoreError> {
    let attempt = mail.attempts + 1;
    let now = state.clock.now();
    let expired = mail.give_up_at.is_some_and(|at| at <= now);
    let sent = match expired {
        true => Err(SendError::Permanent(
            "its link expired before it could be sent".into(),
        )),
        false => state.mailer.send(mail).await,
    };
    let (error, permanent) = match sent {
        Ok(()) => {
            state.store.mark_mail_sent(&mail.id, now).await?;
            tracing::info!(mail = %mail.id, subject = %mail.subject, "mail sent");
            return Ok(true);
        }
        Err(SendError::Transient(error)) => (error, false),
        Err(SendError::Permanent(error)) => (error, true),
    };
    if permanent || attempt >= MAX_ATTEMPTS {
        state
            .store
            .mark_mail_failed(&mail.id, &error, None, now)
            .await?;
        tracing::error!(mail = %mail.id, subject = %mail.subject, attempts = attempt, %error, "mail given up");
        let event = Event::new("mail.failed")
            .outcome(Outcome::Failure)
            .detail(format!("{}: {error}", mail.subject));
        audit::record(state, &Origin::default(), event).await?;
    } else {
        let wait = 30i64.saturating_mul(1 << (attempt - 1).min(10)).min(3_600);
        state
            .store
            .mark_mail_failed(&mail.id, &error, Some(now + wait), now)
            .await?;
        tracing::warn!(mail = %mail.id, attempts = attempt, retry_in_secs = wait, %error, "mail not sent; will retry");
    }
    Ok(false)
}
