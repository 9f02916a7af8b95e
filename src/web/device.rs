//! The device pages (RFC 8628 §3.3): `/device`, where a signed-in person types the user code
//! a TV or chatbot shows, and `/device/confirm`, where they see which application asks for
//! what, compare the code, and allow or deny. Someone not signed in is sent to sign in and
//! brought back, with the code kept. Which request is being decided lives in the
//! server-side session, never in a form field a remote attacker could swap (§5.4).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::account::person;
use super::consent::describe_in;
use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::RequestOrigin;
use super::login;
use super::pages::{self, Csp, DeviceConfirmPage, DevicePage};
use super::session::BrowserSession;
use crate::oauth2::device::{self, CodeCheck, Deciding, UserCode};
use crate::oidc::discovery::paths;
use crate::state::AppState;

const CONFIRM: &str = "/device/confirm";
/// The request being decided, in the browser session.
const DECIDING: &str = "device:deciding";
const FLASH: &str = "flash:device";
/// The one answer for a wrong, expired or decided code (§5.1: a guesser learns nothing).
pub const INVALID_CODE: &str = "That code is not valid or has expired.";
/// The answer when the app needs a stronger sign-in than the person's factors allow.
const NEEDS_SECOND_FACTOR: &str = "This app needs a stronger sign-in than your account can give: \
     set up a second step (an authenticator app or a passkey) on your account page first.";
/// The longest text from the query or a refused form shown again in the field.
const MAX_SHOWN: usize = 32;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::DEVICE, get(get_device).post(post_device))
        .route(CONFIRM, get(get_device_confirm).post(post_device_confirm))
}

/// What the code page shows again after a refused code (Post/Redirect/Get).
#[derive(Default, Serialize, Deserialize)]
struct DeviceView {
    user_code: String,
    error: Option<String>,
}

/// Sends someone not signed in to the login page, to come back to `back` afterwards.
async fn sign_in_first(
    state: &AppState,
    session: &BrowserSession,
    back: &str,
) -> Result<Response, PageError> {
    session.set_return_path(back, state.clock.now()).await?;
    Err(PageError::SignInFirst)
}

async fn get_device(
    State(state): State<AppState>,
    session: BrowserSession,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let typed = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "user_code")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    // verification_uri_complete (§3.3.1): the code is filled in, never submitted for them.
    let code = UserCode::parse(&typed);
    let Some(signed_in) = session.signed_in(&state).await? else {
        let back = match &code {
            Some(code) => format!("{}?user_code={}", paths::DEVICE, code.display()),
            None => paths::DEVICE.to_string(),
        };
        return sign_in_first(&state, &session, &back).await;
    };
    let view = match session.take_flash::<DeviceView>(FLASH).await? {
        Some(refused) => refused,
        None => DeviceView {
            user_code: code.map_or_else(
                || typed.chars().take(MAX_SHOWN).collect(),
                |code| code.display(),
            ),
            error: None,
        },
    };
    let username = username_of(&state, &signed_in.user_id).await?;
    let template = DevicePage {
        csrf_token: session.csrf_token().await?,
        username,
        user_code: view.user_code,
        error: view.error,
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

async fn post_device(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let Some(signed_in) = session.signed_in(&state).await? else {
        return sign_in_first(&state, &session, paths::DEVICE).await;
    };
    let typed = form.get("user_code").unwrap_or_default();
    let refused = match device::check_user_code(&state, &origin, &signed_in, typed).await? {
        CodeCheck::Valid(deciding, _client) => {
            session.put(DECIDING, &deciding).await?;
            return Ok(Redirect::to(CONFIRM).into_response());
        }
        // Decision 126: like the authorization endpoint, a sign-in below the client's
        // minimum signs in again when that can help, and is refused when it cannot.
        CodeCheck::BelowMinimum { reachable: true } => {
            login::ask_to_sign_in_again(&session).await?;
            let back = match UserCode::parse(typed) {
                Some(code) => format!("{}?user_code={}", paths::DEVICE, code.display()),
                None => paths::DEVICE.to_string(),
            };
            return sign_in_first(&state, &session, &back).await;
        }
        CodeCheck::BelowMinimum { reachable: false } => NEEDS_SECOND_FACTOR.to_string(),
        CodeCheck::Invalid => INVALID_CODE.to_string(),
        CodeCheck::Locked(lock) => format!(
            "{} {}",
            crate::i18n::translate("Too many codes that did not work."),
            lock.try_again(state.clock.now())
        ),
    };
    let view = DeviceView {
        user_code: typed.chars().take(MAX_SHOWN).collect(),
        error: Some(refused),
    };
    session.set_flash(FLASH, &view).await?;
    Ok(Redirect::to(paths::DEVICE).into_response())
}

/// The request this person is deciding, if it is theirs and has not run out.
async fn deciding(
    state: &AppState,
    session: &BrowserSession,
    user_id: &str,
) -> Result<Option<Deciding>, PageError> {
    let now = state.clock.now();
    Ok(session
        .read::<Deciding>(DECIDING)
        .await?
        .filter(|d| d.user_id == user_id && d.expires_at > now))
}

/// Back to the code page, saying the code is not (or no longer) valid.
async fn refuse(session: &BrowserSession) -> Result<Response, PageError> {
    let view = DeviceView {
        user_code: String::new(),
        error: Some(INVALID_CODE.into()),
    };
    session.set_flash(FLASH, &view).await?;
    Ok(Redirect::to(paths::DEVICE).into_response())
}

async fn get_device_confirm(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let (signed_in, user) = match person(&state, &session).await {
        Err(PageError::SignInFirst) => return sign_in_first(&state, &session, CONFIRM).await,
        other => other?,
    };
    let Some(deciding) = deciding(&state, &session, &signed_in.user_id).await? else {
        return refuse(&session).await;
    };
    let Some(client) = state.clients.find(&deciding.client_id).await? else {
        return refuse(&session).await;
    };
    let apis = state.apis.current();
    let scopes = deciding
        .scope
        .iter()
        .map(|s| describe_in(&apis, s))
        .collect();
    let template = DeviceConfirmPage {
        csrf_token: session.csrf_token().await?,
        client_name: client.name.clone(),
        username: user.username,
        user_code: deciding.user_code_display(),
        scopes,
        vendor: client.vendor_label(),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

async fn post_device_confirm(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let Some(signed_in) = session.signed_in(&state).await? else {
        return sign_in_first(&state, &session, paths::DEVICE).await;
    };
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return Err(PageError::BadRequest("Choose Allow or Deny.")),
    };
    let Some(deciding) = deciding(&state, &session, &signed_in.user_id).await? else {
        return refuse(&session).await;
    };
    // Taken before deciding: a second submit finds nothing (and the store decides once
    // anyway, whatever the session says).
    session.take_flash::<Deciding>(DECIDING).await?;
    if !device::decide(&state, &origin, &signed_in, &deciding, allow).await? {
        return refuse(&session).await;
    }
    let (title, text) = match allow {
        true => (
            "Your device is connected",
            "You can go back to your device.",
        ),
        false => (
            "Your device was not connected",
            "Nothing was shared. You can go back to your device.",
        ),
    };
    Ok(pages::message(StatusCode::OK, title, text, None))
}

async fn username_of(state: &AppState, user_id: &str) -> Result<String, PageError> {
    Ok(crate::accounts::users::find(state, user_id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default())
}
