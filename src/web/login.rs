//! The sign-in and sign-up pages. Every POST is answered with a 303 (Post/Redirect/Get, so
//! a reload never sends a password again): on success, with a new session id, to where the
//! pending authorization request goes next (or the account page); when refused, back to
//! the form, which shows why and what was typed (never the password).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use serde::{Deserialize, Serialize};

use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::PendingId;
use super::pages::{self, Flow, LoginPage, SignupPage};
use super::session::{BrowserSession, Pending};
use super::sign_in::{self as web_sign_in, SIGN_IN_AGAIN, StepFrom};
use crate::accounts::sign_in::{self, Refusal, Step};
use crate::accounts::signup::{self, Applicant, SignUp, SignUpError};
use crate::accounts::signup_challenge::{self, ChallengeAnswer};
use crate::accounts::users::UserError;
use crate::metrics::SignInMethod;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(get_login).post(post_login))
        .route("/signup", get(get_signup).post(post_signup))
}

const SIGN_IN_AGAIN_MESSAGE: &str =
    "To go on, sign in again with your password and your second step.";
/// The same, to a person whose account has no password.
const SIGN_IN_AGAIN_NO_PASSWORD: &str =
    "To go on, sign in again: with a passkey, a code by e-mail or a provider.";

/// Asks the signed-in person to sign in again (decision 73); the next sign-in clears it.
pub async fn ask_to_sign_in_again(session: &BrowserSession) -> Result<(), PageError> {
    session.put(SIGN_IN_AGAIN, &true).await
}

/// The pending request a page belongs to, if it is still there.
pub async fn pending(
    session: &BrowserSession,
    id: Option<&str>,
) -> Result<Option<Pending>, PageError> {
    match id {
        Some(id) if id.len() <= 64 => session.pending(id).await,
        _ => Ok(None),
    }
}

/// The request-related part of the sign-in and sign-up pages.
async fn flow(
    state: &AppState,
    session: &BrowserSession,
    pending: Option<&Pending>,
) -> Result<Flow, PageError> {
    let client = match pending {
        Some(p) => state.clients.find(&p.request.client_id).await?,
        None => None,
    };
    Ok(Flow {
        csrf_token: session.csrf_token().await?,
        request: pending.map(|p| p.id.clone()),
        client_name: client.as_ref().map(|c| c.name.clone()),
        vendor: client.and_then(|c| c.vendor_label()),
        redirect_uri: pending.map(|p| p.request.redirect_uri.clone()),
        upstreams: super::upstream::buttons(state).await?,
    })
}

pub fn with_request(path: &str, pending: Option<&Pending>) -> String {
    match pending {
        Some(p) => format!("{path}?request={}", p.id),
        None => path.to_string(),
    }
}

/// What the login page shows besides the flow; kept across the 303 after a refused
/// attempt (never the password).
#[derive(Default, Serialize, Deserialize)]
struct LoginView {
    username: String,
    error: Option<String>,
}

const LOGIN_FLASH: &str = "flash:login";
const SIGNUP_FLASH: &str = "flash:signup";

async fn render_login(
    state: &AppState,
    session: &BrowserSession,
    pending: Option<&Pending>,
    view: LoginView,
) -> Result<Response, PageError> {
    let flow = flow(state, session, pending).await?;
    let passkeys = state.passkeys.is_some();
    let csp = match passkeys {
        true => flow.csp().with_own_scripts(),
        false => flow.csp(),
    };
    let template = LoginPage {
        flow,
        passkeys,
        username: view.username,
        error: view.error,
        signup_href: with_request("/signup", pending),
        email_code_href: with_request("/login/email-code", pending),
    };
    Ok(pages::page(StatusCode::OK, &template, csp))
}

async fn get_login(
    State(state): State<AppState>,
    session: BrowserSession,
    PendingId(request): PendingId,
) -> Result<Response, PageError> {
    let pending = pending(&session, request.as_deref()).await?;
    let signed_in = session.signed_in(&state).await?;
    let again = match &signed_in {
        Some(person) if session.read::<bool>(SIGN_IN_AGAIN).await?.is_some() => {
            crate::accounts::users::find(&state, &person.user_id).await?
        }
        _ => None,
    };
    if pending.is_none() && signed_in.is_some() && again.is_none() {
        return Ok(Redirect::to("/account").into_response());
    }
    let view = match session.take_flash::<LoginView>(LOGIN_FLASH).await? {
        Some(refused) => refused,
        None => match again {
            Some(user) => LoginView {
                error: Some(match user.password_hash {
                    Some(_) => SIGN_IN_AGAIN_MESSAGE.into(),
                    None => SIGN_IN_AGAIN_NO_PASSWORD.into(),
                }),
                username: user.username,
            },
            None => LoginView {
                username: pending
                    .as_ref()
                    .and_then(|p| p.request.login_hint.clone())
                    .unwrap_or_default(),
                error: None,
            },
        },
    };
    render_login(&state, &session, pending.as_ref(), view).await
}

async fn post_login(
    State(state): State<AppState>,
    from: StepFrom,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let pending = pending(&session, form.get("request")).await?;
    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let browser = from.browser();
    let step = sign_in::password::password(&state, browser, username, password).await?;
    let refused = match step.counted(SignInMethod::password) {
        Step::SecondFactor(partial) => {
            session.set_partial_login(&partial).await?;
            let next = with_request("/login/second-factor", pending.as_ref());
            return Ok(Redirect::to(&next).into_response());
        }
        Step::SignedIn(done) => {
            return web_sign_in::finish(&state, &session, &done, pending.as_ref()).await;
        }
        Step::Refused(Refusal::FactorUnavailable) => return Ok(factor_unavailable()),
        Step::Refused(Refusal::Throttled(lock)) => format!(
            "{} {}",
            crate::i18n::translate(
                "Too many failed sign-ins for this account or from this network."
            ),
            lock.try_again(state.clock.now())
        ),
        Step::Refused(why) => web_sign_in::refusal_text(&state, &why),
    };
    // Post/Redirect/Get here too: reloading the page must not send the password again.
    let view = LoginView {
        username: username.chars().take(64).collect(),
        error: Some(refused),
    };
    session.set_flash(LOGIN_FLASH, &view).await?;
    let again = with_request("/login", pending.as_ref());
    Ok(Redirect::to(&again).into_response())
}

/// The page that refuses a sign-in whose second factor cannot be checked here: the
/// password was right, but the account's only second factor (a passkey) cannot be used at
/// this address, and the password alone must not sign it in.
fn factor_unavailable() -> Response {
    pages::message(
        StatusCode::FORBIDDEN,
        "Your second step cannot be used here",
        "Your account asks for a passkey after the password, and passkeys cannot be used at this address of the service. You are not signed in. Sign in where passkeys work, or set up an authenticator app there to use here too.",
        Some(("/login", "Back to sign in")),
    )
}

/// Back to the login page, saying why the sign-in ended (it is dropped).
pub async fn refuse_stopped(
    state: &AppState,
    session: &BrowserSession,
    pending: Option<&Pending>,
    why: &Refusal,
) -> Result<Response, PageError> {
    session.clear_partial_login().await?;
    let view = LoginView {
        username: String::new(),
        error: Some(web_sign_in::refusal_text(state, why)),
    };
    session.set_flash(LOGIN_FLASH, &view).await?;
    Ok(Redirect::to(&with_request("/login", pending)).into_response())
}

/// What the sign-up page shows besides the flow; kept across the 303 after a refused
/// attempt (never the password).
#[derive(Serialize, Deserialize)]
struct SignupView {
    username: String,
    email: String,
    role: String,
    #[serde(default)]
    farm_name: String,
    error: Option<String>,
}

async fn render_signup(
    state: &AppState,
    session: &BrowserSession,
    pending: Option<&Pending>,
    view: SignupView,
) -> Result<Response, PageError> {
    let flow = flow(state, session, pending).await?;
    let csp = flow.csp().with_own_scripts();
    let challenge = signup_challenge::issue(state).await?;
    let template = SignupPage {
        challenge: challenge.text,
        challenge_bits: challenge.bits,
        flow,
        username: view.username,
        email: view.email,
        role: view.role,
        farm_name: view.farm_name,
        error: view.error,
        login_href: with_request("/login", pending),
    };
    Ok(pages::page(StatusCode::OK, &template, csp))
}

async fn get_signup(
    State(state): State<AppState>,
    session: BrowserSession,
    PendingId(request): PendingId,
) -> Result<Response, PageError> {
    let pending = pending(&session, request.as_deref()).await?;
    let view = match session.take_flash::<SignupView>(SIGNUP_FLASH).await? {
        Some(refused) => refused,
        None => SignupView {
            username: String::new(),
            email: String::new(),
            role: "consumer".into(),
            farm_name: String::new(),
            error: None,
        },
    };
    render_signup(&state, &session, pending.as_ref(), view).await
}

async fn post_signup(
    State(state): State<AppState>,
    from: StepFrom,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let pending = pending(&session, form.get("request")).await?;
    let text = |name: &str| {
        form.get(name)
            .unwrap_or_default()
            .chars()
            .take(254)
            .collect::<String>()
    };
    let (username, email, role) = (text("username"), text("email"), text("role"));
    let farm_name = text("farm_name");
    let applicant = Applicant::Browser(ChallengeAnswer {
        challenge: text(signup_challenge::CHALLENGE_FIELD),
        solution: text(signup_challenge::SOLUTION_FIELD),
        honeypot: text(signup_challenge::HONEYPOT_FIELD),
    });
    // The second button, "Create account without a password" (decision 161): a password
    // typed anyway is not kept. Otherwise the password is required, as it always was.
    let with_password = form.get("without_password") != Some("1");
    let form = SignUp {
        username: username.clone(),
        email: email.clone(),
        password: with_password.then(|| form.get("password").unwrap_or_default().to_string()),
        role: role.clone(),
        farm_name: farm_name.clone(),
    };
    let now = state.clock.now();
    let user = match signup::sign_up(&state, from.browser().origin, &applicant, form).await {
        Ok(done) => done.user,
        Err(SignUpError::User(UserError::Store(error))) => return Err(error.into()),
        Err(SignUpError::User(UserError::Password(error))) => return Err(error.into()),
        // Nothing was done: said so, with when to try again (never "signed up").
        Err(SignUpError::Throttled(lock)) => {
            return Err(PageError::TooMany(lock.retry_after(now)));
        }
        Err(SignUpError::Overloaded(lock)) => {
            return Err(PageError::Overloaded(lock.retry_after(now)));
        }
        // Post/Redirect/Get: the form comes back with the reason and what was typed
        // (never the password).
        Err(error) => {
            let view = SignupView {
                username,
                email,
                role,
                farm_name,
                error: Some(crate::i18n::sentence(&error.to_string())),
            };
            session.set_flash(SIGNUP_FLASH, &view).await?;
            let again = with_request("/signup", pending.as_ref());
            return Ok(Redirect::to(&again).into_response());
        }
    };
    let browser = from.browser();
    let done = sign_in::after_sign_up(&state, browser, &user, with_password).await?;
    let next = web_sign_in::finish(&state, &session, &done, pending.as_ref()).await?;
    super::passkey_offer::make(&state, &session, &user.id).await?;
    Ok(next)
}
