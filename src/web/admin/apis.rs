//! The console's APIs (resource servers): list, register (the API client's secret shown on
//! the page that answers the form, once), change the scopes and which are open to vendor
//! apps, delete. The same functions as `farm-auth api` and the admin API.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Admin, AdminPost, Frame, lines};
use crate::oauth2::api_admin::{self, ApiAdminError, NewApi, NewApiScope};
use crate::oauth2::apis::Api;
use crate::oauth2::params::Params;
use crate::state::AppState;
use crate::web::account::{done, refused};
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apis", get(get_apis).post(post_api))
        .route("/admin/apis/{id}", get(get_api))
        .route("/admin/apis/{id}/scopes", post(post_scopes))
        .route("/admin/apis/{id}/delete", post(post_delete))
}

/// An API as the console's list and page show it.
pub struct ApiRow {
    pub id: String,
    pub name: String,
    pub audience: String,
    pub client_id: String,
    pub created: String,
    /// Each scope with its description and whether vendor apps may have it.
    pub scopes: Vec<(String, String, bool)>,
    /// The form's text areas: `SCOPE=DESCRIPTION` lines, closed and open to vendors.
    pub closed_lines: String,
    pub open_lines: String,
}

impl ApiRow {
    fn new(api: &Api) -> ApiRow {
        let lines = |open: bool| {
            api.scopes
                .iter()
                .filter(|s| s.vendor_open == open)
                .map(|s| format!("{}={}", s.scope, s.description))
                .collect::<Vec<_>>()
                .join("\n")
        };
        ApiRow {
            id: api.id.clone(),
            name: api.name.clone(),
            audience: api.audience.to_string(),
            client_id: api.client_id.clone(),
            created: when(api.created_at),
            scopes: api
                .scopes
                .iter()
                .map(|s| (s.scope.clone(), s.description.clone(), s.vendor_open))
                .collect(),
            closed_lines: lines(false),
            open_lines: lines(true),
        }
    }
}

/// The scopes a console form lists: `SCOPE=DESCRIPTION` lines, closed and open to vendors.
fn scopes_of(form: &Params) -> Vec<NewApiScope> {
    let closed = lines(form.get("scopes"));
    let open = lines(form.get("vendor_scopes"));
    (closed.iter().map(|l| NewApiScope::from_arg(l, false)))
        .chain(open.iter().map(|l| NewApiScope::from_arg(l, true)))
        .collect()
}

/// A refusal as people read it; the internal ones are errors.
fn refusal(error: ApiAdminError) -> Result<String, PageError> {
    match error {
        ApiAdminError::Invalid(why) => Ok(why),
        ApiAdminError::Taken(why) => Ok(why.to_string()),
        ApiAdminError::NotFound => Err(PageError::NotFound),
        ApiAdminError::Store(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/apis.html")]
struct ApisPage {
    frame: Frame,
    section: &'static str,
    apis: Vec<ApiRow>,
}

async fn get_apis(State(state): State<AppState>, admin: Admin) -> Result<Response, PageError> {
    let apis = api_admin::list(&state).await?;
    let template = ApisPage {
        frame: admin.frame().await?,
        section: "apis",
        apis: apis.iter().map(ApiRow::new).collect(),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

#[derive(Template)]
#[template(path = "admin/api_secret.html")]
struct CreatedPage {
    frame: Frame,
    section: &'static str,
    api_id: String,
    name: String,
    audience: String,
    client_id: String,
    secret: String,
}

async fn post_api(State(state): State<AppState>, post: AdminPost) -> Result<Response, PageError> {
    let new = NewApi {
        name: post.form.get("name").unwrap_or_default().to_string(),
        audience: post.form.get("audience").unwrap_or_default().to_string(),
        scopes: scopes_of(&post.form),
    };
    let name = new.name.trim().to_string();
    match api_admin::create(&state, post.admin.actor(), new).await {
        Ok(created) => {
            let template = CreatedPage {
                frame: post.admin.frame().await?,
                section: "apis",
                api_id: created.api_id,
                name,
                audience: created.audience,
                client_id: created.client_id,
                secret: created.client_secret,
            };
            Ok(pages::page(StatusCode::OK, &template, Csp::default()))
        }
        Err(error) => {
            let why = refusal(error)?;
            post.admin
                .back("/admin/apis", refused(format!("Not registered: {why}")))
                .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/api.html")]
struct ApiPage {
    frame: Frame,
    section: &'static str,
    api: ApiRow,
}

/// The API a path names, or the not-found page.
async fn target(state: &AppState, id: &str) -> Result<Api, PageError> {
    api_admin::find(state, id).await?.ok_or(PageError::NotFound)
}

async fn get_api(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let api = target(&state, &id).await?;
    let template = ApiPage {
        frame: admin.frame().await?,
        section: "apis",
        api: ApiRow::new(&api),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

async fn post_scopes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let api = target(&state, &id).await?;
    let scopes = scopes_of(&post.form);
    let notice = match api_admin::set_scopes(&state, post.admin.actor(), &api.id, scopes).await {
        Ok(api) => done(&format!("The scopes of {} are saved.", api.name)),
        Err(error) => refused(format!("Not saved: {}", refusal(error)?)),
    };
    post.admin
        .back(&format!("/admin/apis/{}", api.id), notice)
        .await
}

async fn post_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let api = target(&state, &id).await?;
    if post.form.get("confirm").map(str::trim) != Some(api.name.as_str()) {
        let why = refused("Type the API's name exactly to confirm the deletion.");
        return post
            .admin
            .back(&format!("/admin/apis/{}", api.id), why)
            .await;
    }
    api_admin::delete(&state, post.admin.actor(), &api.id).await?;
    let text = format!("{} is deleted, with its client.", api.name);
    post.admin.back("/admin/apis", done(&text)).await
}
