//! The `mail_outbox` table: mail waiting to be sent, claimed by one sender at a time and
//! retried until it goes or is given up. The bodies carry sign-in, verification and reset
//! links, so they are sealed at rest ([`super::sealed`]) and dropped once the mail is sent
//! or given up.

use sqlx::FromRow;

use super::sealed::context;
use super::{Result, Store, Sweep};

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct OutgoingMail {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    /// Not worth sending after this (the link it carries has expired).
    pub give_up_at: Option<i64>,
}

/// How far one message got.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct MailState {
    pub attempts: i64,
    pub sent_at: Option<i64>,
    /// When it was given up.
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Store {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_mail(&self, mail: &OutgoingMail) -> Result<()> {
        let text_body = self.seal_text(
            &context("mail_outbox", "text_body", &mail.id),
            &mail.text_body,
        )?;
        let html_body = self.seal_text(
            &context("mail_outbox", "html_body", &mail.id),
            &mail.html_body,
        )?;
        sqlx::query(
            "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, created_at, \
             attempts, next_attempt_at, give_up_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&mail.id)
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(text_body)
        .bind(html_body)
        .bind(mail.created_at)
        .bind(mail.attempts)
        .bind(mail.next_attempt_at)
        .bind(mail.give_up_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Mail neither sent nor given up: the backlog (a metric).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_pending_mail(&self) -> Result<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(count)
    }

    /// Mail due at `now`, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_due_mail(&self, now: i64, limit: i64) -> Result<Vec<OutgoingMail>> {
        let rows: Vec<OutgoingMail> = sqlx::query_as(
            "SELECT id, recipient, subject, text_body, html_body, created_at, attempts, \
             next_attempt_at, give_up_at FROM mail_outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|mut mail| {
                let text = context("mail_outbox", "text_body", &mail.id);
                mail.text_body = self.open_text(&text, mail.text_body)?;
                let html = context("mail_outbox", "html_body", &mail.id);
                mail.html_body = self.open_text(&html, mail.html_body)?;
                Ok(mail)
            })
            .collect()
    }

    /// Claims a due mail for one send attempt, so that two replicas never send it at once:
    /// true if this caller won it. The claim lasts until `lease_until`; a sender that dies
    /// mid-send leaves the mail to be tried again then.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn claim_mail(&self, mail: &OutgoingMail, lease_until: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE mail_outbox SET next_attempt_at = $3, attempts = attempts + 1 \
             WHERE id = $1 AND next_attempt_at = $2 AND sent_at IS NULL AND failed_at IS NULL",
        )
        .bind(&mail.id)
        .bind(mail.next_attempt_at)
        .bind(lease_until)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a delivery; the bodies (which may carry a link) are dropped.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn mark_mail_sent(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE mail_outbox SET sent_at = $2, text_body = '', html_body = '', \
             last_error = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt: tried again at `retry_at`, or given up when `None` (the
    /// bodies are dropped then too).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn mark_mail_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let query = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE mail_outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(at),
            None => sqlx::query(
                "UPDATE mail_outbox SET last_error = $2, failed_at = $3, text_body = '', \
                 html_body = '' WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(now),
        };
        query.execute(self.pool()).await?;
        Ok(())
    }

    /// The delivery state of one mail, for tests and operators.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_mail_state(&self, id: &str) -> Result<Option<MailState>> {
        let row = sqlx::query_as(
            "SELECT attempts, sent_at, failed_at, last_error FROM mail_outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    /// Drops mail sent or given up before `before`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_finished_mail(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "mail_outbox",
            key: "id",
            condition: "sent_at < $1 OR failed_at < $1",
        };
        self.sweep(&sweep, &[before]).await
    }
}
