//! The person's own account: profile, password, second factors, passkeys, sessions and
//! connected apps, on one page (`/account`) whose forms post to the paths below it. Every
//! change answers 303 back to the page, with what happened said at the top.

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::{DeviceToken, RequestOrigin};
use super::pages::{self, AccountPage, AppView, Csp, PasskeyView, SessionView};
use super::session::BrowserSession;
use crate::accounts::audit::Origin;
use crate::accounts::login::SignedIn;
use crate::accounts::password_change::{self, ChangeError, PasswordChange};
use crate::accounts::password_removal::{self, RemovalError};
use crate::accounts::reconfirm::Proof;
use crate::accounts::second_factor::{self, FactorError};
use crate::accounts::users::Role;
use crate::accounts::{email_links, passkeys, sessions};
use crate::oauth2::params::Params;
use crate::state::AppState;
use crate::store::users::UserRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(get_account))
        .route("/account/password", post(post_password))
        .route("/account/password/remove", post(post_remove_password))
        .route("/account/email/verify", post(post_resend_verification))
        .route("/account/sign-in-again", post(post_sign_in_again))
        .merge(super::account_factors::router())
        .merge(super::account_profile::router())
        .merge(super::account_sessions::router())
        .merge(super::account_vendor::router())
}

pub const NOTICE: &str = "flash:account";

/// What an account without a password is told when its sign-in is too old to confirm a
/// change ([`crate::accounts::reconfirm`]).
pub const SIGN_IN_AGAIN_FIRST: &str =
    "To confirm it is you, sign in again, then make the change within five minutes.";
/// What an account without a password is told while a new password is required of it.
pub const RESET_FIRST: &str = "Choose a password first: we emailed you a link. If it has expired, use “Forgot your password?” on the sign-in page.";

/// What the last change on the account page came to, shown once at the top.
#[derive(Default, Serialize, Deserialize)]
pub struct Notice {
    pub done: Option<String>,
    pub error: Option<String>,
}

/// The signed-in person and their account; [`PageError::SignInFirst`] for anyone else.
pub async fn person(
    state: &AppState,
    session: &BrowserSession,
) -> Result<(SignedIn, UserRecord), PageError> {
    let Some(signed_in) = session.signed_in(state).await? else {
        return Err(PageError::SignInFirst);
    };
    match crate::accounts::users::find(state, &signed_in.user_id).await? {
        // A lock ends the account's sessions; one that began as the lock was set is refused.
        Some(user) if user.locked.is_some() => {
            Err(PageError::Forbidden(super::sign_in::ACCOUNT_LOCKED))
        }
        Some(user) => Ok((signed_in, user)),
        None => {
            session.sign_out().await?;
            Err(PageError::SignInFirst)
        }
    }
}

/// A form of the account page, sent by the signed-in person: its CSRF token checked, who
/// they are looked up ([`PageError::SignInFirst`] for anyone else). Who may call a handler
/// is in its signature.
pub struct AccountPost {
    pub session: BrowserSession,
    pub origin: Origin,
    pub me: SignedIn,
    pub user: UserRecord,
    pub form: Params,
}

impl FromRequest<AppState> for AccountPost {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(&mut parts, state).await;
        let CsrfForm { session, form } =
            CsrfForm::from_request(Request::from_parts(parts, body), state).await?;
        let (me, user) = person(state, &session).await?;
        Ok(AccountPost {
            session,
            origin,
            me,
            user,
            form,
        })
    }
}

/// Back to the account page, saying how the change went.
pub async fn back(session: &BrowserSession, notice: Notice) -> Result<Response, PageError> {
    session.set_flash(NOTICE, &notice).await?;
    Ok(Redirect::to("/account").into_response())
}

pub fn done(text: &str) -> Notice {
    Notice {
        done: Some(text.to_string()),
        error: None,
    }
}

pub fn refused(text: impl Into<String>) -> Notice {
    Notice {
        done: None,
        error: Some(text.into()),
    }
}

/// What a form of the account page gives to prove it is the person (for a change that asks
/// it again, [`crate::accounts::reconfirm`]): the authenticator code or the password it
/// carries, else when the session last proved who the person is.
pub fn proof_in<'a>(form: &'a Params, me: &SignedIn) -> Proof<'a> {
    Proof::of(form.get("password"), form.get("code"), Some(me.proved_at()))
}

/// The words for a refused password or code; internal failures stay errors.
pub fn factor_refusal(state: &AppState, error: FactorError) -> Result<Notice, PageError> {
    let now = state.clock.now();
    Ok(refused(match error {
        FactorError::WrongPassword => "Your current password is not right.".to_string(),
        FactorError::WrongCode => "That code is not right. Check it and try again.".to_string(),
        FactorError::Locked(lock) => super::sign_in::too_many_attempts(&lock, now),
        FactorError::NotEnrolled => "No authenticator app is set up.".to_string(),
        FactorError::AlreadyEnabled => "An authenticator app is already set up.".to_string(),
        FactorError::SignInAgain => SIGN_IN_AGAIN_FIRST.to_string(),
        FactorError::ResetRequired => RESET_FIRST.to_string(),
        FactorError::Password(error) => return Err(error.into()),
        FactorError::Store(error) => return Err(error.into()),
    }))
}

async fn get_account(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let (me, user) = person(&state, &session).await?;
    let notice = session
        .take_flash::<Notice>(NOTICE)
        .await?
        .unwrap_or_default();
    let factors = second_factor::factors_of(&state, &user.id).await?;
    let sessions = sessions::live_sessions(&state, &user.id)
        .await?
        .into_iter()
        .map(|s| SessionView::new(&s, &me.sid))
        .collect();
    let mut apps = Vec::new();
    for app in sessions::connected_apps(&state, &user.id).await? {
        let name = match state.clients.find_any(&app.client_id).await? {
            Some(client) => client.name.clone(),
            None => continue,
        };
        apps.push(AppView::new(&app, name));
    }
    let passkeys = passkeys::list(&state, &user)
        .await?
        .iter()
        .map(PasskeyView::new)
        .collect();
    let other_way_in = password_removal::other_way_in(&state, &user).await?;
    let template = AccountPage {
        admin: user.roles.contains(Role::Admin),
        csrf_token: session.csrf_token().await?,
        display_name: user.display_name.unwrap_or_default(),
        username: user.username,
        email: user.email,
        email_verified: user.email_verified,
        roles: user
            .roles
            .iter()
            .map(|role| crate::i18n::t1("role-name", "role", &role))
            .collect::<Vec<_>>()
            .join(", "),
        notice,
        totp: factors.totp,
        recovery_codes_left: factors.recovery_codes_left,
        passkeys,
        passkeys_available: state.passkeys.is_some(),
        passkey_offer: super::passkey_offer::stands(&state, &session, &user.id).await?,
        has_password: user.password_hash.is_some(),
        other_way_in,
        sessions,
        apps,
    };
    Ok(pages::page(
        StatusCode::OK,
        &template,
        Csp::default().with_own_scripts(),
    ))
}

async fn post_password(
    State(state): State<AppState>,
    DeviceToken(device): DeviceToken,
    AccountPost {
        session,
        origin,
        me,
        user,
        form,
    }: AccountPost,
) -> Result<Response, PageError> {
    let current = form.get("current_password").unwrap_or_default();
    let new_password = form.get("new_password").unwrap_or_default();
    let change = PasswordChange {
        current,
        new_password,
        keep_session: Some(&me.sid),
        keep_device: device.as_deref(),
        // A checkbox, ticked on the page: a browser sends it unless the person unticks it.
        end_account_grants: form.get("end_account_grants").is_some(),
        calling_jti: None,
    };
    let changed = password_change::change_password(&state, &origin, &user, change).await;
    let notice = match changed {
        Ok(()) => done("Your password is changed. Your other sessions were signed out."),
        Err(ChangeError::Weak(why)) => refused(crate::i18n::t1(
            "page-new-password-unusable",
            "why",
            &crate::i18n::translate(&why),
        )),
        Err(ChangeError::Confirm(error)) => factor_refusal(&state, error)?,
    };
    back(&session, notice).await
}

async fn post_resend_verification(
    State(state): State<AppState>,
    AccountPost { session, user, .. }: AccountPost,
) -> Result<Response, PageError> {
    if user.email_verified {
        return back(&session, done("Your email address is already confirmed.")).await;
    }
    let notice = match email_links::send_verification(&state, &user).await? {
        true => done("We sent a new confirmation link. It works for 24 hours."),
        false => refused(
            "We sent three links this hour already. Please use one of those, or try again later.",
        ),
    };
    back(&session, notice).await
}

async fn post_remove_password(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        me,
        user,
        form,
    }: AccountPost,
) -> Result<Response, PageError> {
    let proof = proof_in(&form, &me);
    let notice = match password_removal::remove_password(&state, &origin, &user, proof).await {
        Ok(()) => done("Your password is removed. Sign in with a passkey or a code by e-mail."),
        Err(RemovalError::Confirm(error)) => factor_refusal(&state, error)?,
        Err(other) => refused(crate::i18n::translate(&other.to_string())),
    };
    back(&session, notice).await
}

/// "Sign in again" on the account page of an account without a password: the login page
/// asks for a fresh sign-in (any way in; a provider is asked for one with `max_age=0`),
/// then sends the person back here, where it stands as their proof for
/// [`crate::accounts::reconfirm::RECENT_SIGN_IN_SECS`].
async fn post_sign_in_again(
    State(state): State<AppState>,
    AccountPost { session, .. }: AccountPost,
) -> Result<Response, PageError> {
    // Back to the account page, where a sign-in with no page to return to goes: a page
    // kept from an abandoned sign-in must not take its place.
    session.take_return_path(state.clock.now()).await?;
    super::login::ask_to_sign_in_again(&session).await?;
    Ok(Redirect::to("/login").into_response())
}
