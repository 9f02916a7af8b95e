//! The account's sign-in providers (`/account/upstream`): the linked ones, each with a
//! button to unlink it (refused when it is the account's last way in), and the others,
//! each with a button to link it (the same flow as a sign-in, for the signed-in person).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::account::{AccountPost, Notice, done, factor_refusal, person, refused};
use super::error::PageError;
use super::pages::{self, AccountUpstreamPage, Csp, LinkView, UpstreamButton, when};
use super::session::BrowserSession;
use super::sign_in::StepFrom;
use crate::accounts::reconfirm;
use crate::accounts::upstream::links::{self, Linked, Unlinked};
use crate::accounts::upstream::relying_party::Identity;
use crate::accounts::upstream::{self};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/upstream", get(get_providers))
        .route("/account/upstream/link", post(post_link))
        .route("/account/upstream/unlink", post(post_unlink))
}

const NOTICE: &str = "flash:account-upstream";
const PAGE: &str = "/account/upstream";

async fn back(session: &BrowserSession, notice: Notice) -> Result<Response, PageError> {
    session.set_flash(NOTICE, &notice).await?;
    Ok(Redirect::to(PAGE).into_response())
}

async fn get_providers(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let (_, user) = person(&state, &session).await?;
    let all = upstream::list(&state).await?;
    let links = links::of_user(&state, &user.id).await?;
    let label = |id: &str| all.iter().find(|p| p.id == id).map(|p| p.label.clone());
    let linked = links
        .iter()
        .map(|l| LinkView {
            id: l.provider_id.clone(),
            label: label(&l.provider_id).unwrap_or_else(|| l.provider_id.clone()),
            since: when(l.created_at),
        })
        .collect();
    let available = all
        .iter()
        .filter(|p| p.enabled && !links.iter().any(|l| l.provider_id == p.id))
        .map(|p| UpstreamButton {
            id: p.id.clone(),
            label: p.label.clone(),
        })
        .collect();
    // The link buttons' answer redirects to the provider: `form-action` must allow it.
    let form_targets = all
        .iter()
        .filter_map(|p| pages::source_of(&p.issuer))
        .collect();
    let notice = session
        .take_flash::<Notice>(NOTICE)
        .await?
        .unwrap_or_default();
    let page = AccountUpstreamPage {
        csrf_token: session.csrf_token().await?,
        has_password: user.password_hash.is_some(),
        done: notice.done,
        error: notice.error,
        linked,
        available,
    };
    let csp = Csp {
        form_targets,
        ..Csp::default()
    };
    Ok(pages::page(StatusCode::OK, &page, csp))
}

async fn post_link(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        me,
        user,
        form,
    }: AccountPost,
) -> Result<Response, PageError> {
    let id = form.get("provider").unwrap_or_default();
    let Some(provider) = upstream::find(&state, id).await? else {
        return back(&session, refused("That provider is not offered.")).await;
    };
    // Decision 140: a link hands the account to whoever holds the provider's account, so
    // the person proves it is them again first (an account without a password by a fresh
    // sign-in, decision 159).
    let proof = super::account::proof_in(&form, &me);
    if let Err(error) = reconfirm::confirm(&state, &origin, &user, proof).await {
        return back(&session, factor_refusal(&state, error)?).await;
    }
    super::upstream::go(&state, &session, &provider, None, Some(user.id), None).await
}

/// The callback of a link started here: written if the same person is still signed in.
pub async fn linked(
    state: &AppState,
    from: &StepFrom,
    session: &BrowserSession,
    user_id: &str,
    identity: &Identity,
) -> Result<Response, PageError> {
    let (_, user) = person(state, session).await?;
    if user.id != user_id {
        return back(session, refused("Sign in again to link a provider.")).await;
    }
    let notice = match links::link(state, from.browser().origin, user_id, identity).await? {
        Linked::Done => done("The provider is linked: you can sign in with it now."),
        Linked::Taken => refused(
            "That account of the provider is linked to another account here, or yours is linked to another one of it already.",
        ),
    };
    back(session, notice).await
}

async fn post_unlink(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        form,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let id = form.get("provider").unwrap_or_default();
    let notice = match links::unlink(&state, &origin, &user, id).await? {
        Unlinked::Done => done("The provider is unlinked."),
        Unlinked::NotLinked => refused("That provider is not linked."),
        Unlinked::LastWayIn => refused(
            "This provider is your only way to sign in: set a password or add a passkey before you unlink it.",
        ),
    };
    back(&session, notice).await
}
