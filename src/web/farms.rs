//! A person's farms: the list (`/account/farms`), one farm's page with its members,
//! invitations and apps (`/account/farms/{id}`), its forms, and the page an invitation's
//! link opens (`/farms/invitations/{token}`). Who may do what is decided in
//! `accounts::farms`; these handlers extract, call it, and answer 303 back to the farm's
//! page with what happened.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::account::{AccountPost, Notice, done, person, refused};
use super::error::PageError;
use super::pages::{self, Csp, when};
use super::session::BrowserSession;
use crate::accounts::farm_invitations::{self, InvitationError};
use crate::accounts::farms::{self, Acting, FarmError, Standing};
use crate::domain::{FarmId, FarmRole};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/farms", get(get_farms))
        .route("/account/farms/{farm}", get(get_farm))
        .route("/account/farms/{farm}/invitations", post(post_invite))
        .route(
            "/account/farms/{farm}/invitations/{invitation}/withdraw",
            post(post_withdraw),
        )
        .route(
            "/account/farms/{farm}/members/{member}/role",
            post(post_role),
        )
        .route(
            "/account/farms/{farm}/members/{member}/remove",
            post(post_remove),
        )
        .route("/account/farms/{farm}/hand-over", post(post_hand_over))
        .route("/account/farms/{farm}/leave", post(post_leave))
        .route(
            "/farms/invitations/{token}",
            get(get_invitation).post(post_accept),
        )
}

const NOTICE: &str = "flash:farm";

pub struct FarmLine {
    pub id: String,
    pub name: String,
    pub role: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "farms.html")]
pub struct FarmsPage {
    pub farms: Vec<FarmLine>,
}

pub struct MemberLine {
    pub user_id: String,
    pub username: String,
    pub role: String,
    pub me: bool,
    /// The one looking may change this member's role and remove them.
    pub can_change: bool,
}

pub struct InvitationLine {
    pub id: String,
    pub email: String,
    pub role: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "farm.html")]
pub struct FarmPage {
    pub csrf_token: String,
    pub notice: Notice,
    pub id: String,
    pub name: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub my_role: String,
    pub owner: bool,
    pub manages: bool,
    /// The roles the one looking may give.
    pub grantable: Vec<&'static str>,
    pub members: Vec<MemberLine>,
    pub invitations: Vec<InvitationLine>,
    pub apps: Vec<String>,
}

pub enum InvitationStep {
    SignIn,
    Confirm,
    OtherAccount,
    Accept,
}

#[derive(Template)]
#[template(path = "farm_invitation.html")]
pub struct InvitationPage {
    pub csrf_token: String,
    pub farm: String,
    pub role: String,
    pub email: String,
    pub username: String,
    pub action: String,
    pub step: InvitationStep,
    pub error: Option<String>,
}

async fn get_farms(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let (_, user) = person(&state, &session).await?;
    let farms = farms::farms_of(&state, &user)
        .await?
        .into_iter()
        .map(|m| FarmLine {
            id: m.farm.id,
            name: m.farm.name.to_string(),
            role: m.role.to_string(),
            status: m.farm.status.to_string(),
        })
        .collect();
    Ok(pages::page(
        StatusCode::OK,
        &FarmsPage { farms },
        Csp::default(),
    ))
}

async fn get_farm(
    State(state): State<AppState>,
    session: BrowserSession,
    Path(farm_id): Path<String>,
) -> Result<Response, PageError> {
    let (_, user) = person(&state, &session).await?;
    let origin = Default::default();
    let acting = Acting::Member {
        user: &user,
        origin: &origin,
    };
    let (standing, members) = farms::members(&state, acting, &farm_id)
        .await
        .map_err(page_error)?;
    let invitations = match standing.manages() {
        true => farm_invitations::open_invitations(&state, acting, &farm_id)
            .await
            .map_err(page_error)?,
        false => Vec::new(),
    };
    let notice = session
        .take_flash::<Notice>(NOTICE)
        .await?
        .unwrap_or_default();
    let page = FarmPage {
        csrf_token: session.csrf_token().await?,
        notice,
        id: standing.farm.id.clone(),
        name: standing.farm.name.to_string(),
        status: standing.farm.status.to_string(),
        status_reason: standing.farm.status_reason.clone(),
        my_role: standing.role.map(|r| r.to_string()).unwrap_or_default(),
        owner: standing.role == Some(FarmRole::Owner) && standing.manages(),
        manages: standing.manages(),
        grantable: grantable(&standing),
        members: members
            .into_iter()
            .map(|m| MemberLine {
                me: m.user_id == user.id,
                can_change: m.user_id != user.id && standing.may_act_on(m.role),
                user_id: m.user_id,
                username: m.username,
                role: m.role.to_string(),
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationLine {
                id: i.id,
                email: i.email,
                role: i.role.to_string(),
                expires: when(i.expires_at),
            })
            .collect(),
        apps: farm_apps(&state, &standing).await?,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

/// The roles `standing` may give, highest first.
pub fn grantable(standing: &Standing) -> Vec<&'static str> {
    FarmRole::ALL
        .into_iter()
        .filter(|r| standing.may_grant(*r))
        .map(FarmRole::as_str)
        .collect()
}

/// The apps that belong to the farm, by name, marked when suspended.
async fn farm_apps(state: &AppState, standing: &Standing) -> Result<Vec<String>, PageError> {
    let apps = state.store.list_clients_of_farm(&standing.farm.id).await?;
    Ok(apps
        .into_iter()
        .map(|app| match app.suspended_at {
            Some(_) => format!("{} (suspended by the platform)", app.name),
            None => app.name,
        })
        .collect())
}

/// An unknown farm (or another's) is a 404 page; anything else refused goes back to the
/// farm's page with the reason.
fn page_error(error: FarmError) -> PageError {
    match error {
        FarmError::NoSuchFarm => PageError::NotFound,
        FarmError::Store(error) => error.into(),
        _ => PageError::Forbidden("You cannot do this for this farm."),
    }
}

/// The signed-in person of a farm form, acting as a member of the farm it names.
fn as_member(post: &AccountPost) -> Acting<'_> {
    Acting::Member {
        user: &post.user,
        origin: &post.origin,
    }
}

/// Back to the farm's page, saying how the change went.
async fn back(
    session: &BrowserSession,
    farm_id: &str,
    outcome: Result<Notice, FarmError>,
) -> Result<Response, PageError> {
    // Text that is no farm id never goes into a `Location` header (a line break would make
    // it invalid): it names no farm.
    let Ok(farm_id) = FarmId::parse(farm_id) else {
        return Err(PageError::NotFound);
    };
    let notice = match outcome {
        Ok(notice) => notice,
        Err(FarmError::NoSuchFarm) => return Err(PageError::NotFound),
        Err(FarmError::Store(error)) => return Err(error.into()),
        Err(refusal) => refused(crate::i18n::sentence(&refusal.to_string())),
    };
    session.set_flash(NOTICE, &notice).await?;
    Ok(Redirect::to(&format!("/account/farms/{farm_id}")).into_response())
}

async fn post_invite(
    State(state): State<AppState>,
    Path(farm_id): Path<String>,
    post: AccountPost,
) -> Result<Response, PageError> {
    let acting = as_member(&post);
    let email = post.form.get("email").unwrap_or_default();
    let outcome = match farms::parse_role(post.form.get("role").unwrap_or_default()) {
        Ok(role) => farm_invitations::invite(&state, acting, &farm_id, email, role)
            .await
            .map(|i| done(&crate::i18n::t1("page-invitation-sent", "email", &i.email))),
        Err(error) => Err(error),
    };
    back(&post.session, &farm_id, outcome).await
}

async fn post_withdraw(
    State(state): State<AppState>,
    Path((farm_id, invitation)): Path<(String, String)>,
    post: AccountPost,
) -> Result<Response, PageError> {
    let acting = as_member(&post);
    let outcome = farm_invitations::withdraw(&state, acting, &farm_id, &invitation)
        .await
        .map(|()| done("The invitation is withdrawn: its link no longer works."));
    back(&post.session, &farm_id, outcome).await
}

async fn post_role(
    State(state): State<AppState>,
    Path((farm_id, member)): Path<(String, String)>,
    post: AccountPost,
) -> Result<Response, PageError> {
    let acting = as_member(&post);
    let outcome = match farms::parse_role(post.form.get("role").unwrap_or_default()) {
        Ok(role) => farms::change_role(&state, acting, &farm_id, &member, role)
            .await
            .map(|()| done("The role is changed.")),
        Err(error) => Err(error),
    };
    back(&post.session, &farm_id, outcome).await
}

async fn post_remove(
    State(state): State<AppState>,
    Path((farm_id, member)): Path<(String, String)>,
    post: AccountPost,
) -> Result<Response, PageError> {
    let acting = as_member(&post);
    let outcome = farms::remove_member(&state, acting, &farm_id, &member)
        .await
        .map(|()| done("The member is removed."));
    back(&post.session, &farm_id, outcome).await
}

async fn post_hand_over(
    State(state): State<AppState>,
    Path(farm_id): Path<String>,
    post: AccountPost,
) -> Result<Response, PageError> {
    let acting = as_member(&post);
    let member = post.form.get("member").unwrap_or_default();
    let step_down = post.form.get("step_down") == Some("yes");
    let outcome = farms::hand_over(&state, acting, &farm_id, member, step_down)
        .await
        .map(|()| done("The farm has a new owner."));
    back(&post.session, &farm_id, outcome).await
}

async fn post_leave(
    State(state): State<AppState>,
    Path(farm_id): Path<String>,
    post: AccountPost,
) -> Result<Response, PageError> {
    match farms::leave(&state, &post.user, &post.origin, &farm_id).await {
        Ok(()) => {
            let notice = done("You left the farm.");
            post.session.set_flash(NOTICE, &notice).await?;
            Ok(Redirect::to("/account/farms").into_response())
        }
        Err(error) => back(&post.session, &farm_id, Err(error)).await,
    }
}

fn invitation_invalid() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "This invitation does not work any more",
        "Invitations work once, for a limited time, and can be withdrawn. Ask the farm for a new one.",
        Some(("/account", "Go to your account")),
    )
}

/// The invitation's page: who invites, and the next step for this browser. Someone not
/// signed in is offered sign-up and sign-in, and comes back here afterwards; someone whose
/// address is not confirmed yet is sent back here by the confirmation link.
async fn get_invitation(
    State(state): State<AppState>,
    session: BrowserSession,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let Some(invitation) = farm_invitations::find(&state, &token).await? else {
        return Ok(invitation_invalid());
    };
    let here = format!("{}{token}", farm_invitations::PATH);
    let now = state.clock.now();
    let (step, username) = match session.signed_in(&state).await? {
        None => (InvitationStep::SignIn, String::new()),
        Some(_) => {
            let (_, user) = person(&state, &session).await?;
            let step = match farm_invitations::check_account(&invitation, &user) {
                Ok(()) => InvitationStep::Accept,
                Err(InvitationError::Unconfirmed) => InvitationStep::Confirm,
                Err(_) => InvitationStep::OtherAccount,
            };
            (step, user.username)
        }
    };
    if matches!(step, InvitationStep::SignIn | InvitationStep::Confirm) {
        session.set_return_path(&here, now).await?;
    }
    let page = InvitationPage {
        csrf_token: session.csrf_token().await?,
        farm: invitation.farm.name.to_string(),
        role: invitation.record.role.to_string(),
        email: invitation.record.email,
        username,
        action: here,
        step,
        error: None,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

async fn post_accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    post: AccountPost,
) -> Result<Response, PageError> {
    match farm_invitations::accept(&state, &post.user, &post.origin, &token).await {
        Ok(farm) => {
            let notice = done(&crate::i18n::t1("page-welcome-to-farm", "farm", &farm.name));
            post.session.set_flash(NOTICE, &notice).await?;
            Ok(Redirect::to(&format!("/account/farms/{}", farm.id)).into_response())
        }
        Err(InvitationError::Invalid) => Ok(invitation_invalid()),
        Err(InvitationError::Store(error)) => Err(error.into()),
        Err(why) => Ok(pages::message(
            StatusCode::FORBIDDEN,
            "You cannot accept this invitation",
            &crate::i18n::sentence(&why.to_string()),
            Some(("/account", "Go to your account")),
        )),
    }
}
