//! The closing writes of one sign-in step, in one transaction: the proof used up, the
//! throttle settled, the audit events, the session it replaces ended, the new login session,
//! the browser remembered. Either all of it is on record or none of it: a crash or a full
//! disk between two of them can no longer leave a used code without its session, or a
//! session without its audit event. One commit instead of five is also most of what a
//! sign-in costs the database (on SQLite, each commit is an fsync and a hand-off to its
//! worker thread).

use super::audit::{AuditRecord, insert_audit_event};
use super::devices::{insert_known_device, touch_known_device};
use super::email_tokens::{SIGN_IN_CODE, take_email_token};
use super::factors::{take_recovery_code, take_totp_step, update_passkey_use};
use super::sessions::{LoginSessionRecord, end_login_session, insert_login_session};
use super::throttles::{AttemptStart, settle_throttled_attempt};
use super::{Result, Store};

/// What a step used up, taken first: if it was taken already (a code replayed while this
/// step ran), nothing else is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof<'a> {
    /// Nothing single-use: a password, or the first step of a sign-in.
    Nothing,
    /// The time step of an authenticator app's code, taken only if later than the last one
    /// used (RFC 6238 §5.2: a code is accepted once).
    TotpStep(i64),
    /// A recovery code, by its hash, used up.
    RecoveryCode(&'a str),
    /// A mailed code, by the hash its row is found by, for `user_id`; every other code of
    /// the account is used up with it.
    EmailCode(&'a str),
    /// A passkey's stored credential after this use (its signature counter moved on).
    Passkey {
        credential_id: &'a str,
        credential: &'a str,
    },
}

/// How the browser is remembered as the person's ([`crate::accounts::devices`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownDevice<'a> {
    /// It was known for this person: its last use moves on.
    Touch(&'a str),
    /// A new device token, by its hash.
    Insert(&'a str),
}

/// What [`Store::write_sign_in`] came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The proof had been used up already: nothing was written.
    ProofUsed,
    /// The account was locked, or a new password required while the step ran (the step
    /// checked the row it had read before): nothing was written.
    AccountStopped,
}

/// Everything one sign-in step writes.
pub struct SignInWrite<'a> {
    pub user_id: &'a str,
    /// `Some(used_password)`: write only if the account is not locked, nor (when the
    /// password was one of the factors) waiting for a new password, in this transaction.
    /// It also orders the sign-in with an administrator's lock on the same row.
    pub guard: Option<bool>,
    pub proof: Proof<'a>,
    /// Throttle keys whose failures are forgotten, and those that only take the attempt back.
    pub clear: &'a [&'a AttemptStart],
    pub undo: &'a [&'a AttemptStart],
    /// Audit events, each with the key equal refusals share (`None` for the others).
    pub events: &'a [(AuditRecord, Option<String>)],
    /// The login session this sign-in replaces in the same browser.
    pub replaces: Option<&'a str>,
    pub session: Option<&'a LoginSessionRecord>,
    pub device: Option<KnownDevice<'a>>,
}

impl Store {
    /// Writes a sign-in step in one transaction, or nothing ([`Written`]).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn write_sign_in(&self, write: &SignInWrite<'_>, now: i64) -> Result<Written> {
        let mut tx = self.begin().await?;
        let user_id = write.user_id;
        if let Some(used_password) = write.guard {
            let open = sqlx::query(
                "UPDATE users SET updated_at = updated_at WHERE id = $1 AND locked_at IS NULL \
                 AND (password_reset_required = 0 OR $2 = 0)",
            )
            .bind(user_id)
            .bind(i64::from(used_password))
            .execute(&mut *tx)
            .await?;
            if open.rows_affected() != 1 {
                return Ok(Written::AccountStopped);
            }
        }
        let taken = match write.proof {
            Proof::Nothing => true,
            Proof::TotpStep(step) => take_totp_step(&mut tx, user_id, step, false, now).await?,
            Proof::RecoveryCode(hash) => take_recovery_code(&mut tx, user_id, hash, now).await?,
            Proof::EmailCode(hash) => take_email_token(&mut tx, hash, SIGN_IN_CODE, now, false)
                .await?
                .is_some_and(|token| token.user_id == user_id),
            Proof::Passkey {
                credential_id,
                credential,
            } => {
                update_passkey_use(&mut tx, credential_id, credential, now).await?;
                true
            }
        };
        if !taken {
            // Dropped: rolled back.
            return Ok(Written::ProofUsed);
        }
        settle_throttled_attempt(&mut tx, write.clear, write.undo).await?;
        for (event, aggregate) in write.events {
            insert_audit_event(&mut tx, event, aggregate.as_deref()).await?;
        }
        if let Some(sid) = write.replaces {
            end_login_session(&mut tx, sid, now).await?;
        }
        if let Some(session) = write.session {
            insert_login_session(&mut tx, session).await?;
        }
        match write.device {
            Some(KnownDevice::Touch(hash)) => touch_known_device(&mut tx, hash, now).await?,
            Some(KnownDevice::Insert(hash)) => {
                insert_known_device(&mut tx, hash, user_id, now).await?;
            }
            None => {}
        }
        tx.commit().await?;
        Ok(Written::Done)
    }
}
