//! Signing in with an upstream OpenID provider ([`crate::accounts::upstream`]).
//! `GET /login/upstream/{id}` keeps ONE outgoing sign-in in the browser session (provider,
//! `state`, `nonce`, PKCE verifier, expiry, and what it is for) and sends the browser to the
//! provider; `GET /login/upstream/callback`, the one callback URI of every provider, takes
//! it out (single use) before anything else, checks `state` in constant time, and hands the
//! verified identity to the sign-in step ([`crate::accounts::sign_in::upstream`]). Then
//! the person is signed in, asked for the local second factor, asked to prove the local
//! account that has the address (the link is written after that sign-in, [`link_proved`]),
//! or offered a new account ([`super::upstream_signup`]).

use std::net::IpAddr;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::error::PageError;
use super::extract::PendingId;
use super::login::{pending, refuse_stopped, with_request};
use super::pages::{self, Csp, UpstreamButton, UpstreamProvePage};
use super::session::{BrowserSession, Pending};
use super::sign_in::{self as web_sign_in, SIGN_IN_AGAIN, StepFrom};
use super::upstream_signup;
use crate::accounts::audit::Origin;
use crate::accounts::sign_in::Step;
use crate::accounts::sign_in::upstream::{
    self as sign_in_upstream, Arrival, CallbackRefused, upstream as upstream_step,
};
use crate::accounts::upstream::links::{self, Linked};
use crate::accounts::upstream::relying_party::{self, Identity, RelyingPartyError, Started};
use crate::accounts::upstream::{self, CALLBACK_PATH};
use crate::i18n;
use crate::metrics::SignInMethod;
use crate::secrets::constant_time_eq;
use crate::state::AppState;
use crate::store::upstreams::UpstreamRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(CALLBACK_PATH, get(get_callback))
        .route(
            "/login/upstream/signup",
            get(upstream_signup::get_signup).post(upstream_signup::post_signup),
        )
        .route("/login/upstream/{id}", get(get_start))
        .merge(super::account_upstream::router())
}

/// The outgoing sign-in; one per browser, a new one replaces it.
const OUTGOING: &str = "upstream:outgoing";
/// An identity offered a new account.
pub(super) const ARRIVED: &str = "upstream:arrived";
/// An identity waiting for its person to sign in to the local account with its address.
const PROOF: &str = "upstream:proof";
/// How long the provider may take to send the person back, and how long an arrived
/// identity waits for its sign-up or its proof.
const TTL_SECS: i64 = 600;

#[derive(Serialize, Deserialize)]
struct Outgoing {
    started: Started,
    expires_at: i64,
    /// The pending authorization request, when the person came from one.
    request: Option<String>,
    /// Linking to this signed-in account (from `/account/upstream`), not signing in.
    link_for: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Arrived {
    pub(super) identity: Identity,
    expires_at: i64,
    pub(super) request: Option<String>,
    /// Where the callback came from, for the trail of the link written later.
    ip: Option<IpAddr>,
}

/// The providers offered on the sign-in and sign-up pages.
pub async fn buttons(state: &AppState) -> Result<Vec<UpstreamButton>, PageError> {
    let all = upstream::buttons(state).await?;
    Ok(all
        .into_iter()
        .map(|(id, label)| UpstreamButton { id, label })
        .collect())
}

/// Sends the browser to `provider`, keeping what the callback needs.
pub async fn go(
    state: &AppState,
    session: &BrowserSession,
    provider: &UpstreamRecord,
    request: Option<String>,
    link_for: Option<String>,
    max_age: Option<i64>,
) -> Result<Response, PageError> {
    let (url, started) = match relying_party::start(state, provider, max_age).await {
        Ok(started) => started,
        Err(error) => return Ok(unreachable(provider, &error)),
    };
    let outgoing = Outgoing {
        started,
        expires_at: state.clock.now() + TTL_SECS,
        request,
        link_for,
    };
    session.put(OUTGOING, &outgoing).await?;
    Ok(Redirect::to(&url).into_response())
}

async fn get_start(
    State(state): State<AppState>,
    session: BrowserSession,
    Path(id): Path<String>,
    PendingId(request): PendingId,
) -> Result<Response, PageError> {
    let Some(provider) = upstream::find(&state, &id).await? else {
        return Err(PageError::NotFound);
    };
    let pending = pending(&session, request.as_deref()).await?;
    let max_age = fresh_sign_in(&session, pending.as_ref()).await?;
    go(
        &state,
        &session,
        &provider,
        pending.map(|p| p.id),
        None,
        max_age,
    )
    .await
}

/// How recent a sign-in the provider must report, when this one must be fresh: the
/// request's `prompt=login` or `max_age` (OpenID Connect Core §3.1.2.1), or a page that
/// asked the person to sign in again (the console's step-up). The provider is asked for it
/// and its `auth_time` is checked, so its older session cannot stand in for a sign-in that
/// was asked to happen now.
async fn fresh_sign_in(
    session: &BrowserSession,
    pending: Option<&Pending>,
) -> Result<Option<i64>, PageError> {
    let again = session.read::<bool>(SIGN_IN_AGAIN).await?.is_some();
    let request = pending.map(|p| &p.request);
    let login = again || request.is_some_and(|r| r.prompt.login);
    let asked = request.and_then(|r| r.max_age);
    Ok(match login {
        true => Some(0),
        false => asked,
    })
}

/// A provider that is down, slow or not speaking OpenID Connect: a clear page, never a 500.
fn unreachable(provider: &UpstreamRecord, error: &RelyingPartyError) -> Response {
    tracing::warn!(provider = %provider.id, %error, "upstream provider unusable");
    let (status, text) = match error {
        RelyingPartyError::Unreachable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            i18n::t1("upstream-unreachable", "provider", &provider.label),
        ),
        RelyingPartyError::Refused(_) => (
            StatusCode::BAD_REQUEST,
            i18n::t1("upstream-refused", "provider", &provider.label),
        ),
        RelyingPartyError::Stale => (
            StatusCode::BAD_REQUEST,
            i18n::t1("upstream-stale", "provider", &provider.label),
        ),
    };
    pages::message(
        status,
        "Sign-in did not work",
        &text,
        Some(("/login", "Back to sign in")),
    )
}

pub(super) fn start_again(text: &str) -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        "Sign-in did not work",
        text,
        Some(("/login", "Back to sign in")),
    )
}

#[derive(Deserialize)]
struct CallbackParams {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

async fn get_callback(
    State(state): State<AppState>,
    from: StepFrom,
    session: BrowserSession,
    Query(params): Query<CallbackParams>,
) -> Result<Response, PageError> {
    // Taken out first: a callback is used once, whatever it brings.
    let outgoing = session.take_flash::<Outgoing>(OUTGOING).await?;
    let now = state.clock.now();
    let Some(out) = outgoing.filter(|o| o.expires_at > now) else {
        return Ok(start_again(
            "This sign-in has expired or was used already. Start again.",
        ));
    };
    let given = params.state.unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), out.started.state.as_bytes()) {
        return Ok(start_again(
            "This sign-in did not start in this browser. Start again.",
        ));
    }
    let Some(provider) = upstream::find(&state, &out.started.provider_id).await? else {
        return Ok(start_again("This sign-in provider is no longer offered."));
    };
    if params.error.is_some() {
        let text = format!(
            "{} did not sign you in. Try again, or sign in another way.",
            provider.label
        );
        return Ok(start_again(&text));
    }
    let code = params.code.unwrap_or_default();
    let origin = from.browser().origin;
    let answer = sign_in_upstream::callback(&state, origin, &provider, &out.started, &code);
    let identity = match answer.await? {
        Ok(identity) => identity,
        Err(CallbackRefused::Throttled(lock)) => {
            return Err(PageError::TooMany(lock.retry_after(now)));
        }
        Err(CallbackRefused::Provider(error)) => return Ok(unreachable(&provider, &error)),
    };
    let pending = pending(&session, out.request.as_deref()).await?;
    if let Some(user_id) = out.link_for {
        return super::account_upstream::linked(&state, &from, &session, &user_id, &identity).await;
    }
    let arrival = upstream_step(&state, from.browser(), &provider, &identity).await?;
    let arrived = Arrived {
        identity,
        expires_at: now + TTL_SECS,
        request: pending.as_ref().map(|p| p.id.clone()),
        ip: from.browser().origin.ip,
    };
    arrive(
        &state,
        &session,
        &provider,
        pending.as_ref(),
        arrival,
        arrived,
    )
    .await
}

/// Where an upstream sign-in goes on ([`Arrival`]).
async fn arrive(
    state: &AppState,
    session: &BrowserSession,
    provider: &UpstreamRecord,
    pending: Option<&Pending>,
    arrival: Arrival,
    arrived: Arrived,
) -> Result<Response, PageError> {
    let label = &provider.label;
    match arrival {
        Arrival::Step(step) => render_step(state, session, pending, step).await,
        Arrival::ProveAccount => {
            let page = UpstreamProvePage {
                provider: label.clone(),
                email: arrived.identity.email.clone().unwrap_or_default(),
                login_href: with_request("/login", pending),
            };
            session.put(PROOF, &arrived).await?;
            Ok(pages::page(StatusCode::OK, &page, Csp::default()))
        }
        Arrival::SignUp => {
            session.put(ARRIVED, &arrived).await?;
            let next = with_request("/login/upstream/signup", pending);
            Ok(Redirect::to(&next).into_response())
        }
        Arrival::AddressTaken => Ok(pages::message(
            StatusCode::CONFLICT,
            "This address belongs to an account",
            &i18n::t1("upstream-address-unconfirmed", "provider", &label),
            Some(("/login", "Sign in")),
        )),
        Arrival::Unvouched => Ok(pages::message(
            StatusCode::CONFLICT,
            "Sign-in did not work",
            &i18n::t1("upstream-unvouched", "provider", &label),
            Some(("/login", "Sign in")),
        )),
        Arrival::NoAddress => Ok(start_again(&i18n::t1(
            "upstream-no-address",
            "provider",
            &label,
        ))),
    }
}

/// Renders a sign-in step as the other ways in do.
pub(super) async fn render_step(
    state: &AppState,
    session: &BrowserSession,
    pending: Option<&Pending>,
    step: Step,
) -> Result<Response, PageError> {
    match step.counted(SignInMethod::upstream) {
        Step::SignedIn(done) => web_sign_in::finish(state, session, &done, pending).await,
        Step::SecondFactor(partial) => {
            session.set_partial_login(&partial).await?;
            let next = with_request("/login/second-factor", pending);
            Ok(Redirect::to(&next).into_response())
        }
        Step::Refused(why) => refuse_stopped(state, session, pending, &why).await,
    }
}

/// The identity waiting under `key`, if it has not run out.
pub(super) async fn kept(
    state: &AppState,
    session: &BrowserSession,
    key: &str,
) -> Result<Option<Arrived>, PageError> {
    let now = state.clock.now();
    Ok(session
        .read::<Arrived>(key)
        .await?
        .filter(|a| a.expires_at > now))
}

/// After any sign-in in this browser: the link the person was asked to prove the account
/// for is written, if the account signed in to is the one with the address the provider
/// vouched for (decision 136).
pub async fn link_proved(
    state: &AppState,
    session: &BrowserSession,
    user_id: &str,
) -> Result<(), PageError> {
    let Some(arrived) = kept(state, session, PROOF).await? else {
        return Ok(());
    };
    session.take_flash::<Arrived>(PROOF).await?;
    let Some(user) = state.store.find_user_by_id(user_id).await? else {
        return Ok(());
    };
    let address = arrived.identity.email.as_deref().unwrap_or_default();
    if !user.email_verified || !user.email.eq_ignore_ascii_case(address) {
        return Ok(());
    }
    let origin = Origin {
        ip: arrived.ip,
        user_agent: None,
    };
    if links::link(state, &origin, user_id, &arrived.identity).await? == Linked::Taken {
        tracing::info!(
            user_id,
            "an upstream link was proved but was taken meanwhile"
        );
    }
    Ok(())
}
