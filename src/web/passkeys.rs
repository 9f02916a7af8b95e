//! The passkey ceremonies, spoken as JSON with `static/passkeys.js`: registering a passkey
//! from the account page here, and signing in with one (after the password, or alone) in
//! [`super::passkey_login`]. Each
//! request carries the page's CSRF token in `X-CSRF-Token` ([`CsrfScript`]); each
//! ceremony's state is taken out of the browser session before the answer is checked, so a
//! challenge answers once.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};

use super::account::{AccountPost, NOTICE, back, done, factor_refusal, person, refused};
use super::csrf::CsrfScript;
use super::error::{PageError, ScriptError};
use super::extract::RequestOrigin;
use super::passkey_offer;
use super::session::BrowserSession;
use crate::accounts::login::SignedIn;
use crate::accounts::passkeys::{self, AddProof, PasskeyError};
use crate::accounts::reconfirm::Proof;
use crate::state::AppState;
use crate::store::users::UserRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/account/passkeys/register/start",
            post(post_register_start),
        )
        .route(
            "/account/passkeys/register/finish",
            post(post_register_finish),
        )
        .route("/account/passkeys/delete", post(post_delete))
        .merge(super::passkey_login::router())
}

pub(super) const REGISTRATION: &str = "webauthn:registration";
/// The largest ceremony body read: credentials are a few kilobytes at most.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a ceremony's challenge may be answered: WebAuthn's own default timeout is five
/// minutes, and webauthn-rs does not enforce one on the server.
const CEREMONY_TTL_SECS: i64 = 300;

/// A ceremony's state as kept in the session, with the time its challenge runs out.
#[derive(Serialize, Deserialize)]
pub(super) struct Kept<T> {
    state: T,
    expires_at: i64,
}

impl<T> Kept<T> {
    pub(super) fn new(state: T, now: i64) -> Self {
        Kept {
            state,
            expires_at: now + CEREMONY_TTL_SECS,
        }
    }

    /// The state, if its challenge has not run out.
    pub(super) fn live(self, now: i64) -> Option<T> {
        (self.expires_at > now).then_some(self.state)
    }
}

pub(super) fn ok_json(value: serde_json::Value) -> Response {
    let mut response = axum::Json(value).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// A JSON body, or the refusal to send back.
pub(super) fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ScriptError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ScriptError::refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "That request is too large.",
        ));
    }
    serde_json::from_slice(body).map_err(|_| {
        ScriptError::refused(
            StatusCode::BAD_REQUEST,
            "That passkey response is malformed.",
        )
    })
}

/// What every ceremony request needs besides its CSRF token ([`CsrfScript`]): a relying
/// party (else a 404 refusal the script shows).
pub(super) fn ceremony(state: &AppState) -> Result<&Webauthn, ScriptError> {
    state.passkeys.as_deref().ok_or(ScriptError::refused(
        StatusCode::NOT_FOUND,
        "Passkeys are not available on this server.",
    ))
}

/// [`ceremony`] for the signed-in person's own passkeys: also who they are (else a 401
/// refusal).
async fn person_ceremony<'a>(
    state: &'a AppState,
    session: &BrowserSession,
) -> Result<(&'a Webauthn, SignedIn, UserRecord), ScriptError> {
    let webauthn = ceremony(state)?;
    match person(state, session).await {
        Ok((me, user)) => Ok((webauthn, me, user)),
        Err(PageError::SignInFirst) => Err(ScriptError::refused(
            StatusCode::UNAUTHORIZED,
            "Sign in first.",
        )),
        Err(error) => Err(error.into()),
    }
}

/// The refusal of a challenge that was never given, or has run out.
pub(super) fn expired() -> ScriptError {
    ScriptError::refused(
        StatusCode::BAD_REQUEST,
        "Start again: that request expired.",
    )
}

#[derive(Deserialize)]
struct RegisterStart {
    /// The current password: a passkey signs in alone, so adding one asks for it; empty
    /// while the offer after sign-up stands ([`passkey_offer`]).
    #[serde(default)]
    password: String,
}

async fn post_register_start(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfScript { session, body }: CsrfScript,
) -> Result<Response, ScriptError> {
    let (webauthn, me, user) = person_ceremony(&state, &session).await?;
    let start: RegisterStart = parse_body(&body)?;
    let signed_in_at = Some(me.proved_at());
    let new_account =
        start.password.is_empty() && passkey_offer::stands(&state, &session, &user.id).await?;
    let proof = match new_account {
        true => AddProof::NewAccount,
        false => AddProof::Confirm(Proof::of(Some(&start.password), None, signed_in_at)),
    };
    let (options, registration) =
        passkeys::start_registration(&state, &origin, webauthn, &user, proof).await?;
    // Kept with whose it is: only the same person may finish it.
    let kept = Kept::new((user.id.clone(), registration), state.clock.now());
    session.put(REGISTRATION, &kept).await?;
    Ok(ok_json(json!(options)))
}

#[derive(Deserialize)]
struct RegisterFinish {
    name: String,
    credential: RegisterPublicKeyCredential,
}

async fn post_register_finish(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfScript { session, body }: CsrfScript,
) -> Result<Response, ScriptError> {
    let (webauthn, _, user) = person_ceremony(&state, &session).await?;
    // Taken first: whatever the answer, this challenge is spent.
    let kept = session
        .take_flash::<Kept<(String, PasskeyRegistration)>>(REGISTRATION)
        .await?;
    let live = kept.and_then(|k| k.live(state.clock.now()));
    let Some((_, registration)) = live.filter(|(owner, _)| *owner == user.id) else {
        return Err(expired());
    };
    let finish: RegisterFinish = parse_body(&body)?;
    passkeys::finish_registration(
        &state,
        &origin,
        webauthn,
        &user,
        &finish.name,
        &finish.credential,
        &registration,
    )
    .await?;
    passkey_offer::end(&session).await?;
    session
        .set_flash(NOTICE, &done("Your passkey is added."))
        .await?;
    Ok(ok_json(json!({ "next": "/account" })))
}

async fn post_delete(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        me,
        user,
        form,
    }: AccountPost,
) -> Result<Response, PageError> {
    let id = form.get("credential_id").unwrap_or_default();
    let proof = super::account::proof_in(&form, &me);
    let notice = match passkeys::remove(&state, &origin, &user, id, proof).await {
        Ok(true) => done("The passkey is removed."),
        Ok(false) => refused("That passkey was already gone."),
        Err(PasskeyError::Confirm(error)) => factor_refusal(&state, error)?,
        Err(PasskeyError::Store(error)) => return Err(error.into()),
        Err(other) => refused(crate::i18n::translate(&other.to_string())),
    };
    back(&session, notice).await
}
