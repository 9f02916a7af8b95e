//! The consent page: the person sees which application asks for what, in plain words, and
//! allows or denies. The decision is remembered per person, client and scopes.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::authorize::expired_request;
use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::PendingId;
use super::pages::{self, ConsentPage, Csp};
use super::session::BrowserSession;
use crate::oauth2::apis::ApiSet;
use crate::oauth2::authorize;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/consent", get(get_consent).post(post_consent))
}

/// What each scope lets an application do, as a person would say it: an API's scope in its
/// administrator's words, after the API's name.
pub fn describe_in(apis: &ApiSet, scope: &str) -> String {
    match apis
        .of_scope(scope)
        .and_then(|api| Some((api, api.scope(scope)?)))
    {
        Some((api, defined)) => format!("{}: {}", api.name, defined.description),
        None => describe(scope),
    }
}

/// What each of farm-auth's scopes lets an application do, as a person would say it.
pub fn describe(scope: &str) -> String {
    match scope {
        "openid" => "Know who you are when you sign in".into(),
        "profile" => "See your username".into(),
        "email" => "See your email address and whether it is confirmed".into(),
        "roles" => "See whether you are a consumer, a farmer or an administrator".into(),
        "farms" => "See the farms you work for and your role in each".into(),
        "account" => "Manage how you sign in: your password, two-step sign-in and sessions".into(),
        "admin" => {
            "Administer the platform as you: people, apps and keys (administrators only)".into()
        }
        "offline_access" => {
            "Keep access when you are not using it, until you sign it out from your account".into()
        }
        other => crate::i18n::t1("consent-use-permission", "scope", &other),
    }
}

async fn get_consent(
    State(state): State<AppState>,
    session: BrowserSession,
    PendingId(id): PendingId,
) -> Result<Response, PageError> {
    let id = id.unwrap_or_default();
    let Some(pending) = session.pending(&id).await? else {
        return Ok(expired_request());
    };
    let Some(person) = session.signed_in(&state).await? else {
        return Ok(Redirect::to(&format!("/login?request={}", pending.id)).into_response());
    };
    let client = state.clients.find(&pending.request.client_id).await?;
    let Some(client) = client else {
        return Ok(expired_request());
    };
    let username = crate::accounts::users::find(&state, &person.user_id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    let apis = state.apis.current();
    let scopes = pending
        .request
        .scope
        .iter()
        .map(|s| describe_in(&apis, s))
        .collect();
    let passkey_offer = super::passkey_offer::stands(&state, &session, &person.user_id).await?;
    let template = ConsentPage {
        passkey_offer,
        csrf_token: session.csrf_token().await?,
        request: pending.id.clone(),
        client_name: client.name.clone(),
        username,
        scopes,
        vendor: client.vendor_label(),
    };
    let mut csp = Csp::returning_to(Some(&pending.request.redirect_uri));
    if passkey_offer {
        csp = csp.with_own_scripts();
    }
    Ok(pages::page(StatusCode::OK, &template, csp))
}

async fn post_consent(
    State(state): State<AppState>,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let id = form.get("request").unwrap_or_default();
    let Some(pending) = session.pending(id).await? else {
        return Ok(expired_request());
    };
    if !authorize::client_still_allows(&state, &pending.request).await? {
        session.remove_pending(&pending.id).await?;
        return Ok(expired_request());
    }
    let Some(person) = session.signed_in(&state).await? else {
        return Ok(Redirect::to(&format!("/login?request={}", pending.id)).into_response());
    };
    match form.get("decision") {
        Some("allow") => {
            authorize::record_consent(&state, &pending.request, &person).await?;
            session
                .record_progress(&pending.id, |p| p.consented = true)
                .await?;
            // Straight back to the client with the code.
            Ok(
                super::authorize::resume(&state, &session, &pending.id, Some(person))
                    .await
                    .into_response(),
            )
        }
        Some("deny") => {
            session.remove_pending(&pending.id).await?;
            let denied = authorize::request_error(
                &state,
                &pending.request,
                "access_denied",
                "the person denied the request",
            );
            Ok(denied.into_response())
        }
        _ => Err(PageError::BadRequest("Choose Allow or Deny.")),
    }
}
