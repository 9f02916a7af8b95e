//! Changing one's e-mail address (decisions 117 and 118). The person proves it is them
//! again ([`reconfirm`]), then a link goes to the NEW address; the address changes only
//! when it is followed, and is confirmed then. One change waits per account: a newer
//! request replaces an older one. When the change is made, the OLD address (if it was
//! confirmed) gets a notice with a link that undoes it for [`UNDO_TTL_SECS`]: the old
//! address comes back, every session and grant of the account ends, and the password must
//! be chosen anew through a link mailed to the old address.
//!
//! An address another account has is answered like any other ("we sent a link"), so the
//! answer does not say whose it is; the mail to that address says it is in use instead of
//! carrying a link. Links are 256-bit tokens stored as SHA-256 hashes, used once.

use crate::domain::EmailAddress;
use crate::mail::LinkMail;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::email_links::{self, LinkError, NewLink};
use super::reconfirm::{self, Proof};
use super::second_factor::FactorError;
use super::{devices, factor_review, sessions};

pub const EMAIL_CHANGE: &str = "email_change";
pub const EMAIL_CHANGE_UNDO: &str = "email_change_undo";
/// How long the link to the new address works: an hour, as mail takes minutes.
pub const CONFIRM_TTL_SECS: i64 = 3_600;
/// How long the old address can undo a change: a week, long enough to notice a mail.
pub const UNDO_TTL_SECS: i64 = 7 * 86_400;
/// Change requests per account an hour, at most: a stolen session cannot flood a mailbox.
const MAX_REQUESTS_PER_HOUR: i64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum EmailChangeError {
    #[error("{0}")]
    Invalid(&'static str),
    #[error("too many changes of address asked for this hour")]
    TooMany,
    #[error(transparent)]
    Confirm(#[from] FactorError),
}

impl From<StoreError> for EmailChangeError {
    fn from(error: StoreError) -> Self {
        EmailChangeError::Confirm(error.into())
    }
}

/// Why a link of a change did not work.
#[derive(Debug, thiserror::Error)]
pub enum ChangeLinkError {
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Another account took the address since the link was mailed.
    #[error("that address belongs to another account now")]
    InUse,
}

impl From<StoreError> for ChangeLinkError {
    fn from(error: StoreError) -> Self {
        ChangeLinkError::Link(error.into())
    }
}

/// Asks to change `user`'s address to `new_email`, after `proof`; mails the new address.
pub async fn request_change(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    proof: Proof<'_>,
    new_email: &str,
) -> Result<(), EmailChangeError> {
    let new_email = EmailAddress::parse(new_email.trim())
        .map_err(|_| EmailChangeError::Invalid("that is not an email address"))?;
    // The store compares addresses lowercased (any letter, not only ASCII): a change of case
    // alone is the same address.
    if new_email.as_str().to_lowercase() == user.email.to_lowercase() {
        return Err(EmailChangeError::Invalid("that is your address already"));
    }
    reconfirm::confirm(state, origin, user, proof).await?;
    let in_use = (state.store.find_user_by_email(new_email.as_str()).await?).is_some();
    // Minted for an address in use too, and never mailed: the request counts and replaces
    // the waiting one alike, so nothing the requester sees differs.
    let link = NewLink {
        purpose: EMAIL_CHANGE,
        ttl: CONFIRM_TTL_SECS,
        path: "/account/email/confirm",
        about: new_email.as_str(),
        per_hour: MAX_REQUESTS_PER_HOUR,
        replace: true,
    };
    let Some(link) = email_links::new_link_about(state, &user.id, link).await? else {
        return Err(EmailChangeError::TooMany);
    };
    let there = crate::i18n::translate("there");
    let mail = match in_use {
        false => LinkMail {
            subject: "Confirm your new email address",
            greeting_name: &user.username,
            intro: "You asked to use this address for your account at Not Far(m) From Home. Follow the link to make the change; it works once, for one hour.",
            link: &link,
            link_text: "Use this address",
            closing: "If you did not ask for this, ignore this message: nothing changes.",
        },
        true => LinkMail {
            subject: "This email address already has an account",
            greeting_name: &there,
            intro: "Someone asked to move an account at Not Far(m) From Home to this address, but this address already belongs to an account, so nothing was changed. If that was you, sign in to the account this address belongs to instead.",
            link: &format!("{}/login", state.issuer),
            link_text: "Sign in",
            closing: "If you did not ask for this, ignore this message.",
        },
    };
    email_links::send_to(state, new_email.as_str(), mail, Some(CONFIRM_TTL_SECS)).await?;
    audit::record(
        state,
        origin,
        Event::of_user("email.change_requested", &user.id),
    )
    .await?;
    Ok(())
}

/// Follows the link mailed to the new address: the address changes and is confirmed; the
/// old one, if it was confirmed, gets a link that undoes the change.
pub async fn confirm_change(
    state: &AppState,
    origin: &Origin,
    token: &str,
) -> Result<UserRecord, ChangeLinkError> {
    let taken = email_links::take_link(state, token, EMAIL_CHANGE).await?;
    let before = state
        .store
        .find_user_by_id(&taken.user_id)
        .await?
        .ok_or(LinkError::Invalid)?;
    set_address(state, &before.id, &taken.email).await?;
    let user = state
        .store
        .find_user_by_id(&before.id)
        .await?
        .ok_or(LinkError::Invalid)?;
    audit::record(state, origin, Event::of_user("email.changed", &user.id)).await?;
    // An address never confirmed may be someone else's: it gets no power over the account.
    if before.email_verified {
        mail_undo_link(state, &before).await?;
    }
    Ok(user)
}

/// The address of `user_id` becomes `email`, confirmed; the links mailed to the address
/// it had (reset, verification) stop working.
async fn set_address(state: &AppState, user_id: &str, email: &str) -> Result<(), ChangeLinkError> {
    let now = state.clock.now();
    match state.store.set_confirmed_email(user_id, email, now).await {
        Ok(true) => {}
        Ok(false) => return Err(LinkError::Invalid.into()),
        Err(StoreError::Conflict) => return Err(ChangeLinkError::InUse),
        Err(error) => return Err(error.into()),
    }
    // Codes to sign in with, too: one mailed to the address before must not sign in.
    for purpose in [
        email_links::PASSWORD_RESET,
        email_links::VERIFY_EMAIL,
        crate::store::email_tokens::SIGN_IN_CODE,
    ] {
        state
            .store
            .retire_email_tokens(user_id, purpose, now)
            .await?;
    }
    Ok(())
}

async fn mail_undo_link(state: &AppState, before: &UserRecord) -> Result<(), StoreError> {
    let link = NewLink {
        purpose: EMAIL_CHANGE_UNDO,
        ttl: UNDO_TTL_SECS,
        path: "/account/email/undo",
        about: &before.email,
        // Bounded by the change requests that lead here.
        per_hour: i64::MAX,
        replace: false,
    };
    let Some(link) = email_links::new_link_about(state, &before.id, link).await? else {
        return Ok(());
    };
    let mail = LinkMail {
        subject: "The email address of your account was changed",
        greeting_name: &before.username,
        intro: "The email address of your account at Not Far(m) From Home was changed, and mail now goes to the new address. If this was you, there is nothing to do. If it was not, follow the link within 7 days: it puts this address back, signs out every session and app, and asks for a new password.",
        link: &link,
        link_text: "Undo the change and secure my account",
        closing: "We send this message to your previous address whenever the address of your account changes.",
    };
    email_links::send_to(state, &before.email, mail, Some(UNDO_TTL_SECS)).await
}

/// Follows an undo link: the old address comes back (confirmed), every session and grant
/// ends, known devices are forgotten, the password must be chosen anew, and a link to do
/// so goes to the old address. The account's pending change and the undo links of later
/// changes stop working.
pub async fn undo_change(
    state: &AppState,
    origin: &Origin,
    token: &str,
) -> Result<UserRecord, ChangeLinkError> {
    if !email_links::plausible_token(token) {
        return Err(LinkError::Invalid.into());
    }
    let now = state.clock.now();
    let hash = crate::secrets::hash_secret(token);
    let taken = state
        .store
        .take_email_token_and_later(&hash, EMAIL_CHANGE_UNDO, now)
        .await?
        .ok_or(LinkError::Invalid)?;
    set_address(state, &taken.user_id, &taken.email).await?;
    state
        .store
        .retire_email_tokens(&taken.user_id, EMAIL_CHANGE, now)
        .await?;
    // The reset first, so that a sign-in finishing while everyone is signed out is stopped
    // by it (the sign-in checks it in its own transaction).
    state
        .store
        .require_password_reset(&taken.user_id, now)
        .await?;
    let user = state
        .store
        .find_user_by_id(&taken.user_id)
        .await?
        .ok_or(LinkError::Invalid)?;
    // Whoever changed the address may have added a way in of their own since (a passkey, an
    // authenticator app): what was added after the change goes with it.
    for factor in factor_review::recently_added(state, &user).await? {
        if factor.added_at() >= taken.created_at {
            factor_review::remove_recent(state, origin, &user, &factor.key()).await?;
        }
    }
    sessions::sign_out_everywhere(state, origin, &taken.user_id, None, true).await?;
    devices::forget_all(state, &taken.user_id, None).await?;
    audit::record(
        state,
        origin,
        Event::of_user("email.change_undone", &user.id),
    )
    .await?;
    let intro = "The change of your email address was undone and everyone was signed out. Choose a new password now: whoever changed the address may know the old one. The link works once, for 30 minutes.";
    let closing =
        "If the link runs out, ask for a new one with “Forgot your password?” on the sign-in page.";
    email_links::mail_reset_link(state, &user, intro, closing).await?;
    Ok(user)
}
