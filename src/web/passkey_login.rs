//! Signing in with a passkey, spoken as JSON with `static/passkeys.js`: after the password,
//! alone from the button, or alone from the username field's autofill (decision 149). Each
//! ceremony's state is taken out of the browser session before the answer is checked.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::json;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyAuthentication, PublicKeyCredential,
};

use super::csrf::CsrfScript;
use super::error::ScriptError;
use super::login::pending;
use super::passkeys::{Kept, ceremony, expired, ok_json, parse_body};
use super::session::BrowserSession;
use super::sign_in::{self as web_sign_in, StepFrom};
use crate::accounts::passkeys::{self, PasskeyError};
use crate::accounts::sign_in::{Refusal, Step, passkey};
use crate::metrics::SignInMethod;
use crate::oidc::discovery::paths;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/passkey/start", post(post_login_start))
        .route("/login/passkey/finish", post(post_login_finish))
}

pub(super) const LOGIN: &str = "webauthn:login";
/// The passkey autofill's own ceremony (conditional mediation, started when the login page
/// loads): kept apart from [`LOGIN`] so that the button, which aborts the autofill's
/// request in the browser, never finds its challenge replaced by a late autofill start.
pub(super) const AUTOFILL: &str = "webauthn:autofill";

/// A sign-in ceremony in progress.
#[derive(Serialize, Deserialize)]
enum LoginCeremony {
    /// After the password, for this user.
    SecondFactor {
        user_id: String,
        state: PasskeyAuthentication,
    },
    /// A passkey alone.
    Passwordless(DiscoverableAuthentication),
}

fn password_first() -> ScriptError {
    ScriptError::refused(StatusCode::BAD_REQUEST, "Sign in with your password first.")
}

#[derive(Deserialize)]
struct LoginStart {
    /// `second-factor` (after the password), `passwordless` (the button) or `autofill`
    /// (a passkey alone, offered in the username field).
    mode: String,
}

/// The session key of a sign-in ceremony: the autofill's, or the others'.
fn login_key(autofill: bool) -> &'static str {
    if autofill { AUTOFILL } else { LOGIN }
}

async fn post_login_start(
    State(state): State<AppState>,
    CsrfScript { session, body }: CsrfScript,
) -> Result<Response, ScriptError> {
    let webauthn = ceremony(&state)?;
    let start: LoginStart = parse_body(&body)?;
    let (options, ceremony) = match start.mode.as_str() {
        "second-factor" => {
            let Some(partial) = session.partial_login(state.clock.now()).await? else {
                return Err(password_first());
            };
            let (options, auth) =
                passkeys::start_second_factor(&state, webauthn, &partial.user_id).await?;
            let ceremony = LoginCeremony::SecondFactor {
                user_id: partial.user_id,
                state: auth,
            };
            (options, ceremony)
        }
        "passwordless" | "autofill" => {
            let (options, auth) = passkeys::start_passwordless(webauthn)?;
            (options, LoginCeremony::Passwordless(auth))
        }
        _ => {
            return Err(ScriptError::refused(
                StatusCode::BAD_REQUEST,
                "Unknown sign-in mode.",
            ));
        }
    };
    let key = login_key(start.mode == "autofill");
    session
        .put(key, &Kept::new(ceremony, state.clock.now()))
        .await?;
    Ok(ok_json(json!(options)))
}

/// The live sign-in ceremony `finish` answers, taken first: whatever the answer, this
/// challenge is spent. A malformed answer, which says neither, spends both.
async fn take_login(
    state: &AppState,
    session: &BrowserSession,
    finish: Option<&LoginFinish>,
) -> Result<Option<LoginCeremony>, ScriptError> {
    let keys = match finish {
        Some(finish) => vec![login_key(finish.autofill)],
        None => vec![LOGIN, AUTOFILL],
    };
    let mut live = None;
    for key in keys {
        let kept = session.take_flash::<Kept<LoginCeremony>>(key).await?;
        live = live.or(kept.and_then(|k| k.live(state.clock.now())));
    }
    Ok(live)
}

#[derive(Deserialize)]
struct LoginFinish {
    credential: PublicKeyCredential,
    /// The pending authorization request, when the sign-in serves one.
    request: Option<String>,
    /// Whether this answers the autofill's ceremony rather than the button's.
    #[serde(default)]
    autofill: bool,
}

async fn post_login_finish(
    State(state): State<AppState>,
    from: StepFrom,
    CsrfScript { session, body }: CsrfScript,
) -> Result<Response, ScriptError> {
    let webauthn = ceremony(&state)?;
    let finish = parse_body::<LoginFinish>(&body);
    let Some(ceremony) = take_login(&state, &session, finish.as_ref().ok()).await? else {
        return Err(expired());
    };
    let finish = finish?;
    let browser = from.browser();
    let step = match ceremony {
        LoginCeremony::SecondFactor {
            user_id,
            state: auth,
        } => {
            // The password step must still be in force, for the same person.
            let partial = session.partial_login(state.clock.now()).await?;
            let Some(partial) = partial.filter(|p| p.user_id == user_id) else {
                return Err(password_first());
            };
            let credential = &finish.credential;
            passkey::after_password(&state, browser, &partial, webauthn, credential, &auth).await?
        }
        LoginCeremony::Passwordless(auth) => {
            passkey::alone(&state, browser, webauthn, &finish.credential, auth).await?
        }
    };
    let done = match step.counted(SignInMethod::passkey) {
        Step::SignedIn(done) => done,
        Step::Refused(why @ (Refusal::AccountLocked | Refusal::PasswordResetRequired)) => {
            session.clear_partial_login().await?;
            let text = web_sign_in::refusal_text(&state, &why);
            return Err(ScriptError::refused(StatusCode::FORBIDDEN, text));
        }
        Step::Refused(Refusal::StartAgain) | Step::SecondFactor(_) => {
            return Err(ScriptError::refused(
                StatusCode::BAD_REQUEST,
                "Sign in again.",
            ));
        }
        Step::Refused(_) => return Err(PasskeyError::Rejected.into()),
    };
    let pending = pending(&session, finish.request.as_deref()).await?;
    let cookie = web_sign_in::record(&state, &session, &done, pending.as_ref()).await?;
    let next = match &pending {
        Some(p) => format!("{}?request={}", paths::AUTHORIZE_RESUME, p.id),
        None => session
            .take_return_path(state.clock.now())
            .await?
            .unwrap_or_else(|| "/account".to_string()),
    };
    let mut response = ok_json(json!({ "next": next }));
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
