//! What farm-auth mails a person: the two links (address verification at sign-up and
//! password reset) and the security notices sent when a sign-in method changes. Each link
//! is a 256-bit token, stored as its SHA-256 hash, used once, short-lived (30 minutes for a
//! reset, a day for a verification).
//!
//! A reset request is answered the same whether or not the address is known; it changes the
//! password only, so an enrolled second factor is still asked at the next sign-in. After a
//! reset every session and refresh token of the account is revoked.

use crate::domain::EmailAddress;
use crate::i18n;
use crate::mail::{self, LinkMail};
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::email_tokens::EmailTokenRecord;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin, Outcome};
use super::password::{self, PasswordError};
use super::throttle::Locked;
use super::users::{self, UserError};
use super::{devices, sessions, throttle};

pub const PASSWORD_RESET: &str = "password_reset";
pub const VERIFY_EMAIL: &str = "verify_email";
/// How long a reset link works.
pub const RESET_TTL_SECS: i64 = 30 * 60;
/// How long a verification link works.
pub const VERIFY_TTL_SECS: i64 = 24 * 3_600;
/// Links of one kind mailed to one account per hour, at most: a stranger cannot flood a
/// mailbox with them.
const MAX_LINKS_PER_HOUR: i64 = 3;

/// The longest token read from a link: longer ones cannot be ours.
const MAX_TOKEN_LEN: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Unknown, used, expired or malformed: the same answer for all four.
    #[error("this link is not valid any more")]
    Invalid,
    #[error("{0}")]
    WeakPassword(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn new_link(
    state: &AppState,
    user: &UserRecord,
    purpose: &'static str,
    ttl: i64,
    path: &str,
) -> Result<Option<String>, StoreError> {
    let link = NewLink {
        purpose,
        ttl,
        path,
        about: &user.email,
        per_hour: MAX_LINKS_PER_HOUR,
        replace: false,
    };
    new_link_about(state, &user.id, link).await
}

/// A link to be minted: what for, how long it works, the page it opens, the address it is
/// about (stored with it), how many of its purpose an account may get an hour, and whether
/// it replaces the account's unused ones of its purpose.
pub(super) struct NewLink<'a> {
    pub purpose: &'static str,
    pub ttl: i64,
    pub path: &'a str,
    pub about: &'a str,
    pub per_hour: i64,
    pub replace: bool,
}

/// Stores a new link of `user_id` and returns its URL; `None` when the hourly limit is
/// reached.
pub(super) async fn new_link_about(
    state: &AppState,
    user_id: &str,
    link: NewLink<'_>,
) -> Result<Option<String>, StoreError> {
    let now = state.clock.now();
    let token = random_token::<32>();
    let record = EmailTokenRecord {
        token_hash: hash_secret(&token),
        purpose: link.purpose.to_string(),
        user_id: user_id.to_string(),
        email: link.about.to_string(),
        created_at: now,
        expires_at: now + link.ttl,
    };
    let since = now - 3_600;
    let store = &state.store;
    let stored = match link.replace {
        true => (store.replace_email_token_limited(&record, since, link.per_hour)).await?,
        false => (store.insert_email_token_limited(&record, since, link.per_hour)).await?,
    };
    if !stored {
        return Ok(None);
    }
    Ok(Some(format!("{}{}?token={token}", state.issuer, link.path)))
}

/// Mails `mail` to `user`; given up unsent after `valid_for` seconds, if given.
async fn send(
    state: &AppState,
    user: &UserRecord,
    mail: LinkMail<'_>,
    valid_for: Option<i64>,
) -> Result<(), StoreError> {
    send_to(state, &user.email, mail, valid_for).await
}

/// Mails `mail` to the address `to`; given up unsent after `valid_for` seconds, if given.
pub(super) async fn send_to(
    state: &AppState,
    to: &str,
    mail: LinkMail<'_>,
    valid_for: Option<i64>,
) -> Result<(), StoreError> {
    let bodies = mail::render_link_mail(&mail)
        .map_err(|e| StoreError::Corrupt(format!("a mail template failed: {e}")))?;
    mail::enqueue(state, to, mail.subject, bodies, valid_for).await?;
    Ok(())
}

/// Mails `user` a link that proves they read their address; false when none went out
/// (three were sent this hour already).
pub async fn send_verification(state: &AppState, user: &UserRecord) -> Result<bool, StoreError> {
    let Some(link) = new_link(state, user, VERIFY_EMAIL, VERIFY_TTL_SECS, "/email/verify").await?
    else {
        return Ok(false);
    };
    let mail = LinkMail {
        subject: "Confirm your email address",
        greeting_name: &user.username,
        intro: "Welcome to Not Far(m) From Home. Please confirm that this is your email address; the link works for 24 hours.",
        link: &link,
        link_text: "Confirm my address",
        closing: "If you did not create an account, ignore this message and nothing will happen.",
    };
    send(state, user, mail, Some(VERIFY_TTL_SECS)).await?;
    Ok(true)
}

/// Uses a verification link: the user whose address it confirmed.
pub async fn verify_email(
    state: &AppState,
    origin: &Origin,
    token: &str,
) -> Result<UserRecord, LinkError> {
    let taken = take_link(state, token, VERIFY_EMAIL).await?;
    let now = state.clock.now();
    // The address may have changed since the link was sent; only the one it went to counts.
    if !state
        .store
        .set_email_verified(&taken.user_id, &taken.email, now)
        .await?
    {
        return Err(LinkError::Invalid);
    }
    audit::record(
        state,
        origin,
        Event::of_user("email.verified", &taken.user_id),
    )
    .await?;
    state
        .store
        .find_user_by_id(&taken.user_id)
        .await?
        .ok_or(LinkError::Invalid)
}

/// Who asks for a reset link, for the limit on asking.
#[derive(Clone, Debug)]
pub enum Asker {
    /// A browser, counted by its address.
    Browser,
    /// One of the platform's apps through the account API, counted by its client id.
    App(String),
}

/// Why a reset request was not taken. Said to the asker, with when to try again: these
/// depend on the asker and the load, never on the address asked about.
#[derive(Debug)]
pub enum ResetRefused {
    /// Too many requests from this address (or app): 429.
    Throttled(Locked),
    /// Too many requests from everyone, or too many being handled at once: 503.
    Overloaded(Locked),
}

/// Takes "I forgot my password" for `email`, or refuses it (DECISIONS §88). The limits on
/// asking (per address or app, and overall) and the room to handle it are settled before
/// the answer, so a request that is taken is handled, and one that is not is told so:
/// never "we sent you a mail" for a request that was dropped. The lookup and the mail
/// happen after the answer, so that neither its words nor its timing say whether an
/// account has the address.
pub async fn request_reset_after_answer(
    state: &AppState,
    origin: Origin,
    asker: Asker,
    email: String,
) -> Result<Result<(), ResetRefused>, StoreError> {
    let now = state.clock.now();
    // Room first: it costs nothing to look at, and a full house counts nothing.
    let Ok(permit) = state.after_answer.clone().try_acquire_owned() else {
        tracing::warn!("too many password reset requests at once; one was refused");
        return Ok(Err(ResetRefused::Overloaded(Locked { until: now + 5 })));
    };
    let keys = match &asker {
        Asker::Browser => throttle::key(throttle::RESET_REQUEST, &throttle::address_of(&origin)),
        Asker::App(client_id) => throttle::key(throttle::RESET_REQUEST_BY_APP, client_id),
    };
    // Every request counts against the asker, found or not: the limit is on asking.
    if let Err(lock) = throttle::begin(state, &keys).await? {
        return Ok(Err(ResetRefused::Throttled(lock)));
    }
    if let Err(lock) = throttle::count(state, &[throttle::limit(throttle::RESET_ALL, "")]).await? {
        return Ok(Err(ResetRefused::Overloaded(lock)));
    }
    let state = state.clone();
    // The mail is written in the language of the request that asked for it.
    tokio::spawn(i18n::carried(async move {
        if let Err(error) = request_reset(&state, &origin, &email).await {
            tracing::error!(%error, "a password reset request failed");
        }
        drop(permit);
    }));
    Ok(Ok(()))
}

/// Handles a reset request that was let through: mails a reset link if an account has
/// that address.
async fn request_reset(state: &AppState, origin: &Origin, email: &str) -> Result<(), StoreError> {
    let email = email.trim();
    // Text that is no address names no account, answered as any unknown address.
    let user = match EmailAddress::parse(email) {
        Ok(email) => state.store.find_user_by_email(email.as_str()).await?,
        Err(_) => None,
    };
    let Some(user) = user else {
        let event = Event::new("password.reset_requested")
            .outcome(Outcome::Failure)
            .detail("no account has that address");
        return audit::record(state, origin, event).await;
    };
    let intro = "Someone (we hope you) asked to reset the password of your account. The link works once, for 30 minutes.";
    let closing = "If you did not ask for this, ignore this message: your password stays as it is.";
    let outcome = match mail_reset_link(state, &user, intro, closing).await? {
        true => Outcome::Success,
        false => Outcome::Locked,
    };
    let mut event = Event::of_user("password.reset_requested", &user.id).outcome(outcome);
    if outcome == Outcome::Locked {
        event = event.detail("too many links this hour");
    }
    audit::record(state, origin, event).await
}

/// Mails `user` a reset link between `intro` and `closing`; false when none went out
/// (three were sent this hour already).
pub async fn mail_reset_link(
    state: &AppState,
    user: &UserRecord,
    intro: &str,
    closing: &str,
) -> Result<bool, StoreError> {
    let Some(link) = new_link(
        state,
        user,
        PASSWORD_RESET,
        RESET_TTL_SECS,
        "/password/reset",
    )
    .await?
    else {
        return Ok(false);
    };
    let mail = LinkMail {
        subject: "Reset your password",
        greeting_name: &user.username,
        intro,
        link: &link,
        link_text: "Choose a new password",
        closing,
    };
    send(state, user, mail, Some(RESET_TTL_SECS)).await?;
    Ok(true)
}

/// Whether a reset link still works (the page that asks for the new password).
pub async fn check_reset_link(state: &AppState, token: &str) -> Result<bool, StoreError> {
    if !plausible_token(token) {
        return Ok(false);
    }
    let found = state
        .store
        .find_email_token(&hash_secret(token), PASSWORD_RESET, state.clock.now())
        .await?;
    Ok(found.is_some())
}

/// Sets a new password with a reset link, then ends every session and revokes every token
/// of the account. A weak password is refused before the link is used up.
pub async fn reset_password(
    state: &AppState,
    origin: &Origin,
    token: &str,
    new_password: &str,
) -> Result<UserRecord, LinkError> {
    if let Err(error) = users::check_password(new_password) {
        return Err(match error {
            UserError::Invalid(why) => LinkError::WeakPassword(why),
            other => LinkError::WeakPassword(other.to_string()),
        });
    }
    if !check_reset_link(state, token).await? {
        return Err(LinkError::Invalid);
    }
    let hash = password::hash(new_password.to_string()).await?;
    let taken = take_link(state, token, PASSWORD_RESET).await?;
    let now = state.clock.now();
    state
        .store
        .update_password_hash(&taken.user_id, &hash, now)
        .await?;
    sessions::sign_out_everywhere(state, origin, &taken.user_id, None, true).await?;
    devices::forget_all(state, &taken.user_id, None).await?;
    let user = state
        .store
        .find_user_by_id(&taken.user_id)
        .await?
        .ok_or(LinkError::Invalid)?;
    // A reset is a fresh start for the account's own lock; the address locks stay.
    let name = user.username.to_lowercase();
    throttle::clear(state, &throttle::key(throttle::LOGIN_ACCOUNT, &name)).await?;
    audit::record(state, origin, Event::of_user("password.reset", &user.id)).await?;
    let what = "The password of your account was reset with a link we mailed, and every session and app was signed out.";
    security_notice(state, &user, what).await;
    Ok(user)
}

/// Uses up the link `token` of `purpose`.
pub(super) async fn take_link(
    state: &AppState,
    token: &str,
    purpose: &str,
) -> Result<EmailTokenRecord, LinkError> {
    if !plausible_token(token) {
        return Err(LinkError::Invalid);
    }
    state
        .store
        .take_email_token(&hash_secret(token), purpose, state.clock.now())
        .await?
        .ok_or(LinkError::Invalid)
}

/// Whether `token` could be one of ours: not empty, not longer than any we mint.
pub fn plausible_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= MAX_TOKEN_LEN
}

/// Tells `user` by mail that something changed in how their account is protected, so that
/// a change they did not make does not go unnoticed. Only to a confirmed address (an
/// unconfirmed one may belong to someone else), at most ten an hour, and best effort: the
/// change is made whether or not the notice can be queued.
pub async fn security_notice(state: &AppState, user: &UserRecord, what: &str) {
    if !user.email_verified {
        return;
    }
    if let Err(error) = queue_notice(state, user, what).await {
        tracing::error!(%error, user = %user.id, "a security notice could not be queued");
    }
}

async fn queue_notice(state: &AppState, user: &UserRecord, what: &str) -> Result<(), StoreError> {
    let keys = throttle::key(throttle::SECURITY_NOTICE, &user.id);
    if throttle::begin(state, &keys).await?.is_err() {
        return Ok(());
    }
    let intro = format!(
        "{} {}",
        i18n::translate(what),
        i18n::translate(
            "If this was you, there is nothing to do. If it was not, change your password now and check the sessions and sign-in methods on your account page."
        )
    );
    let link = format!("{}/account", state.issuer);
    let mail = LinkMail {
        subject: "A change to how you sign in",
        greeting_name: &user.username,
        intro: &intro,
        link: &link,
        link_text: "Open my account",
        closing: "We send this message whenever a sign-in method or the password of your account changes.",
    };
    send(state, user, mail, None).await
}
