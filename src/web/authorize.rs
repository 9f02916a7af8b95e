//! The authorization endpoint and its return path: `GET|POST /oauth2/authorize` takes a
//! request and sends the person to sign in or consent when needed, keeping the request in
//! the browser session. The login and consent forms carry it on in the same request
//! ([`resume`]); `/oauth2/authorize/resume?request=…` does the same for a browser that
//! comes back to a kept request by itself.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::extract::{PendingId, RawForm};
use super::pages::{self, Csp, FORM_POST_SCRIPT, FormPostPage, ReturnToAppPage};
use super::session::BrowserSession;
use crate::accounts::login::SignedIn;
use crate::oauth2::authorize::{
    self, AuthorizationRequest, AuthorizationResponse, AuthorizeError, HeldResponse, NextStep,
    PENDING_TTL_SECS, Progress, ResponseMode,
};
use crate::oidc::discovery::paths;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::AUTHORIZE, get(get_authorize).post(post_authorize))
        .route(paths::AUTHORIZE_RESUME, get(get_authorize_resume))
}

async fn get_authorize(
    State(state): State<AppState>,
    session: BrowserSession,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthorizeError> {
    // Who is signed in decides where a vendor's app's errors may go (RFC 9700 §4.11.2).
    let person = session.signed_in(&state).await?;
    let raw = query.unwrap_or_default();
    let (request, _client) =
        authorize::parse_request(&state, raw.as_bytes(), person.is_some()).await?;
    // OpenID Connect Core §3.1.2.1: the pages of this flow are in the language asked for.
    if let Some(lang) = request.ui_lang {
        session.choose_lang(lang).await?;
    }
    let kept = Kept {
        person,
        ..Kept::default()
    };
    proceed_with(&state, &session, request, kept).await
}

/// OpenID Connect Core §3.1.2.1: the request may come as a form POST. A cross-site POST
/// carries no `SameSite=Lax` cookie, so the browser is sent to the same request as a GET,
/// where its session is visible again (RFC 9700 §4.12: 303, never 307).
async fn post_authorize(form: RawForm) -> Response {
    Redirect::to(&format!("{}?{}", paths::AUTHORIZE, form.to_query())).into_response()
}

async fn get_authorize_resume(
    State(state): State<AppState>,
    session: BrowserSession,
    PendingId(id): PendingId,
) -> Result<Response, AuthorizeError> {
    let Some(id) = id else {
        return Ok(expired_request());
    };
    resume(&state, &session, &id, None).await
}

/// Carries a kept request on from where the person left it: signed in (`person`, when the
/// caller has just signed them in) or consented. The login and consent forms call this
/// directly, so that their answer is already the next step (often the code), one redirect
/// fewer than going through `/oauth2/authorize/resume`.
pub async fn resume(
    state: &AppState,
    session: &BrowserSession,
    id: &str,
    person: Option<SignedIn>,
) -> Result<Response, AuthorizeError> {
    let pending = session.pending(id).await?;
    let now = state.clock.now();
    let Some(pending) = pending.filter(|p| p.request.received_at + PENDING_TTL_SECS > now) else {
        session.remove_pending(id).await?;
        return Ok(expired_request());
    };
    if !authorize::client_still_allows(state, &pending.request).await? {
        session.remove_pending(id).await?;
        return Ok(expired_request());
    }
    let kept = Kept {
        id: Some(pending.id),
        progress: pending.progress,
        person,
    };
    proceed_with(state, session, pending.request, kept).await
}

/// What is known of a request beyond its parameters.
#[derive(Default)]
struct Kept {
    /// Its id in the session, once it has been kept there.
    id: Option<String>,
    progress: Progress,
    /// Who the caller has just signed in, or found signed in (no need to look them up
    /// again).
    person: Option<SignedIn>,
}

/// The page shown when a request kept in the session is gone or too old.
pub fn expired_request() -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        "This sign-in request has expired",
        "It was completed already, or it waited too long. Go back to the application and start again.",
        None,
    )
}

/// Takes the request one step further: to the login page, the consent page, or back to
/// the client with a code.
async fn proceed_with(
    state: &AppState,
    session: &BrowserSession,
    request: AuthorizationRequest,
    kept: Kept,
) -> Result<Response, AuthorizeError> {
    let Kept {
        id: pending_id,
        progress,
        person,
    } = kept;
    let signed_in = match person {
        Some(person) => Some(person),
        None => session.signed_in(state).await?,
    };
    let step = authorize::next_step(state, &request, signed_in.as_ref(), progress).await;
    let forget = async |id: &Option<String>| match id {
        Some(id) => session
            .remove_pending(id)
            .await
            .map_err(AuthorizeError::from),
        None => Ok(()),
    };
    let step = match step {
        Ok(step) => step,
        Err(error) => {
            forget(&pending_id).await?;
            return Err(error);
        }
    };
    let page = match (step, signed_in) {
        (NextStep::IssueCode, Some(person)) => {
            forget(&pending_id).await?;
            let response = authorize::issue_code(state, &request, &person).await?;
            return Ok(deliver(&response));
        }
        (NextStep::Consent, Some(_)) => "/consent",
        _ => "/login",
    };
    let id = match pending_id {
        Some(id) => id,
        None => session.add_pending(request).await?,
    };
    Ok(Redirect::to(&format!("{page}?request={id}")).into_response())
}

/// Sends an authorization response to the client: a 303 redirect with the parameters in
/// the query, or the form post page (OAuth 2.0 Form Post Response Mode).
pub fn deliver(response: &AuthorizationResponse) -> Response {
    match response.mode {
        ResponseMode::Query => {
            // A serialized URL is always a valid header value; should that ever fail, the
            // person sees a page rather than a redirect to nowhere.
            let Ok(location) = HeaderValue::from_str(&response.location()) else {
                tracing::error!("an authorization response could not be made a Location header");
                return pages::message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "Please go back to the application and try again.",
                    None,
                );
            };
            let mut redirect = StatusCode::SEE_OTHER.into_response();
            redirect.headers_mut().insert(header::LOCATION, location);
            // RFC 6749 §10.12 / RFC 9700 §4.2.4: the code must not leak through caches.
            redirect
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            redirect
        }
        ResponseMode::FormPost => {
            let page = FormPostPage {
                action: response.redirect_uri.clone(),
                params: response.params.clone(),
                script: FORM_POST_SCRIPT,
            };
            let csp = Csp {
                form_targets: pages::source_of(&response.redirect_uri)
                    .into_iter()
                    .collect(),
                script: Some(FORM_POST_SCRIPT),
                own_scripts: false,
            };
            pages::page(StatusCode::OK, &page, csp)
        }
    }
}

/// A vendor's app's error met before anyone signed in (RFC 9700 §4.11.2): a page at the
/// provider saying what went wrong, whose button delivers the same error response to the
/// app if the person chooses to go back.
pub fn held_error(held: &HeldResponse) -> Response {
    let response = &held.response;
    let why = response
        .params
        .iter()
        .find(|(name, _)| *name == "error_description")
        .map_or("", |(_, text)| text.as_str());
    let page = ReturnToAppPage {
        title: "We cannot sign you in to this application",
        message: crate::i18n::t1("page-request-cannot-complete", "why", &why),
        app: held.app.clone(),
        destination: destination(&response.redirect_uri),
        action: match response.mode {
            ResponseMode::Query => response.location(),
            ResponseMode::FormPost => response.redirect_uri.clone(),
        },
        post: response.mode == ResponseMode::FormPost,
        params: response.params.clone(),
    };
    let csp = Csp::returning_to(Some(&response.redirect_uri));
    pages::page(StatusCode::BAD_REQUEST, &page, csp)
}

/// What a person is shown of where a link back to an app leads: its origin (or scheme).
pub fn destination(uri: &str) -> String {
    pages::source_of(uri).unwrap_or_else(|| uri.to_string())
}
