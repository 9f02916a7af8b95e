//! What the pages and scripts do with a sign-in step ([`crate::accounts::sign_in`]): the
//! words of a refusal, and, once signed in, the browser session and the way on.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::authorize;
use super::error::PageError;
use super::extract::{DeviceToken, RequestOrigin, device_cookie};
use super::session::{BrowserSession, Pending};
use crate::accounts::audit::Origin;
use crate::accounts::login::SignedIn;
use crate::accounts::sign_in::{Browser, Done, Refusal};
use crate::i18n::translate;
use crate::state::AppState;

/// Where a sign-in step comes from, as a handler takes it: the browser's address, its
/// device cookie, and who is signed in in it now.
pub struct StepFrom {
    origin: Origin,
    device: Option<String>,
    replacing: Option<SignedIn>,
}

impl StepFrom {
    pub fn browser(&self) -> Browser<'_> {
        Browser {
            origin: &self.origin,
            device: self.device.as_deref(),
            replacing: self.replacing.as_ref(),
        }
    }
}

impl FromRequestParts<AppState> for StepFrom {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(parts, state).await;
        let Ok(DeviceToken(device)) = DeviceToken::from_request_parts(parts, state).await;
        let session = BrowserSession::from_request_parts(parts, state).await?;
        let replacing = session.signed_in(state).await?;
        Ok(StepFrom {
            origin,
            device,
            replacing,
        })
    }
}

/// What a person whose account an administrator locked is told, once they proved who
/// they are.
pub const ACCOUNT_LOCKED: &str = "This account is locked. If you think this is a mistake, contact Not Far(m) From Home's support.";

pub const PASSWORD_RESET_REQUIRED: &str = "You need to choose a new password before you sign in: we emailed you a link. If it has expired, use “Forgot your password?” below.";

/// The session's mark that a page (the console) asked the signed-in person to prove who
/// they are again: the login page then shows its form instead of sending them on.
pub const SIGN_IN_AGAIN: &str = "sign_in_again";

/// The words for a refused step.
pub fn refusal_text(state: &AppState, why: &Refusal) -> String {
    let now = state.clock.now();
    match why {
        Refusal::WrongCredentials => "The username or password is wrong.".into(),
        Refusal::AccountLocked => ACCOUNT_LOCKED.into(),
        Refusal::PasswordResetRequired => PASSWORD_RESET_REQUIRED.into(),
        Refusal::FactorUnavailable => {
            "Your second step cannot be used at this address of the service.".into()
        }
        Refusal::WrongCode => "That code is not right. Check it and try again.".into(),
        Refusal::NotEnrolled => "Use another way to confirm it is you.".into(),
        Refusal::StartAgain => "Sign in again.".into(),
        Refusal::Throttled(lock) => too_many_attempts(lock, now),
    }
}

/// "Too many failed attempts. Try again in …", in the page's language.
pub fn too_many_attempts(lock: &crate::accounts::throttle::Locked, now: i64) -> String {
    format!(
        "{} {}",
        translate("Too many failed attempts."),
        lock.try_again(now)
    )
}

/// Whether a refusal ends the sign-in (back to the login page), rather than letting the
/// person try the same step again.
pub fn ends_the_sign_in(why: &Refusal) -> bool {
    matches!(
        why,
        Refusal::AccountLocked | Refusal::PasswordResetRequired | Refusal::StartAgain
    )
}

/// Completes a sign-in: the session records the person, the browser gets its device
/// cookie, and the pending request goes on (or the page that sent the person here, or
/// their account).
pub async fn finish(
    state: &AppState,
    session: &BrowserSession,
    done: &Done,
    pending: Option<&Pending>,
) -> Result<Response, PageError> {
    let cookie = record(state, session, done, pending).await?;
    let mut response = match pending {
        None => {
            let back = session.take_return_path(state.clock.now()).await?;
            Redirect::to(back.as_deref().unwrap_or("/account")).into_response()
        }
        // The request goes on from here: the consent page, or straight back to the client.
        Some(pending) => authorize::resume(state, session, &pending.id, Some(done.person.clone()))
            .await
            .into_response(),
    };
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// Records a sign-in in the browser session (and in the pending request, if any); returns
/// the device cookie to set, when the browser was not known for this person yet.
pub async fn record(
    state: &AppState,
    session: &BrowserSession,
    done: &Done,
    pending: Option<&Pending>,
) -> Result<Option<HeaderValue>, PageError> {
    session.sign_in(&done.person).await?;
    session.take_flash::<bool>(SIGN_IN_AGAIN).await?;
    super::upstream::link_proved(state, session, &done.person.user_id).await?;
    if let Some(pending) = pending {
        session
            .record_progress(&pending.id, |p| p.signed_in = true)
            .await?;
    }
    Ok(done
        .device_token
        .as_deref()
        .and_then(|token| device_cookie(state, token)))
}
