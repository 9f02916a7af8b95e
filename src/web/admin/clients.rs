//! The console's apps (OAuth clients): list, register, edit redirect URIs and scopes,
//! rotate the secret, delete. A new secret is shown on the page that answers the form,
//! once, and never again.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Admin, AdminPost, Frame, lines};
use crate::accounts::acr::Acr;
use crate::domain::ClientId;
use crate::oauth2::client_metadata::{NewClient, RegistrationError};
use crate::oauth2::clients::{AuthMethod, Client, GrantType};
use crate::oauth2::operator;
use crate::state::AppState;
use crate::store::clients::ClientCursor;
use crate::web::account::{done, refused};
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/clients", get(get_clients).post(post_client))
        .route("/admin/clients/{id}", get(get_client).post(post_update))
        .route("/admin/clients/{id}/secret", post(post_secret))
        .route("/admin/clients/{id}/delete", post(post_delete))
        .route("/admin/clients/{id}/suspension", post(post_suspension))
}

/// A client as the console's list and form show it.
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub auth_method: &'static str,
    pub grants: String,
    pub scope: String,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub vendor: Option<String>,
    pub suspended: bool,
    pub backchannel_logout_uri: String,
    pub backchannel_logout_session_required: bool,
    /// Each minimum level (value, label, whether chosen), for the select.
    pub min_acr_choices: Vec<(&'static str, &'static str, bool)>,
    pub created: String,
    /// Each grant type with whether the client may use it, for the checkboxes.
    pub grant_choices: Vec<(&'static str, bool)>,
}

impl ClientRow {
    fn new(client: &Client) -> ClientRow {
        ClientRow {
            id: client.id.clone(),
            name: client.name.clone(),
            kind: match client.is_public() {
                true => "public",
                false => "confidential",
            },
            auth_method: client.auth_method.as_str(),
            grants: client
                .grant_types
                .iter()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            scope: client.scope.to_string(),
            redirect_uris: crate::domain::redirect_uri::join(&client.redirect_uris, "\n"),
            post_logout_redirect_uris: crate::domain::redirect_uri::join(
                &client.post_logout_redirect_uris,
                "\n",
            ),
            vendor: client.vendor_label().map(|v| {
                if v.is_empty() {
                    "an unnamed vendor".into()
                } else {
                    v
                }
            }),
            suspended: client.suspended,
            backchannel_logout_uri: client.backchannel_logout_uri.clone().unwrap_or_default(),
            backchannel_logout_session_required: client.backchannel_logout_session_required,
            min_acr_choices: min_acr_choices(client.min_acr),
            created: when(client.created_at),
            grant_choices: GrantType::ALL
                .into_iter()
                .map(|g| (g.as_str(), client.may_use(g)))
                .collect(),
        }
    }
}

/// The minimum levels a client may be given, `chosen` selected (decision 126).
fn min_acr_choices(chosen: Option<Acr>) -> Vec<(&'static str, &'static str, bool)> {
    let level = |acr: Acr| match acr {
        Acr::Password => "a password",
        Acr::TwoFactor => "two factors",
        Acr::PhishingResistant => "a passkey (phishing-resistant)",
    };
    std::iter::once(("", "none", chosen.is_none()))
        .chain(
            Acr::ALL
                .into_iter()
                .map(|acr| (acr.as_str(), level(acr), chosen == Some(acr))),
        )
        .collect()
}

/// The grant types as the registration form offers them, none ticked.
fn blank_grant_choices() -> Vec<(&'static str, bool)> {
    GrantType::ALL
        .into_iter()
        .map(|g| (g.as_str(), g == GrantType::AuthorizationCode))
        .collect()
}

#[derive(Template)]
#[template(path = "admin/clients.html")]
struct ClientsPage {
    frame: Frame,
    section: &'static str,
    clients: Vec<ClientRow>,
    first: Option<String>,
    next: Option<String>,
    grant_choices: Vec<(&'static str, bool)>,
    min_acr_choices: Vec<(&'static str, &'static str, bool)>,
}

/// How many apps a page of the list shows.
const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
struct Paging {
    /// Where the page starts: the cursor the previous page's Next link carried.
    after: Option<String>,
}

fn clients_href(after: &ClientCursor) -> String {
    let mut href = form_urlencoded::Serializer::new(String::from("/admin/clients?"));
    href.append_pair("after", &after.to_string());
    href.finish()
}

async fn get_clients(
    State(state): State<AppState>,
    admin: Admin,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    // A cursor that is not one shows the first page.
    let after = paging.after.as_deref().and_then(ClientCursor::parse);
    let (clients, next) = operator::list_clients_page(&state, after.as_ref(), PAGE_SIZE).await?;
    let clients = clients.iter().map(ClientRow::new).collect();
    let template = ClientsPage {
        frame: admin.frame().await?,
        section: "clients",
        clients,
        first: after.is_some().then(|| "/admin/clients".to_string()),
        next: next.as_ref().map(clients_href),
        grant_choices: blank_grant_choices(),
        min_acr_choices: min_acr_choices(None),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

/// The metadata a console form describes. Each grant type is its own checkbox
/// (`grant_<type>`), since form fields never repeat here.
fn new_client(form: &crate::oauth2::params::Params) -> NewClient {
    let kind = form.get("kind").unwrap_or("client_secret_basic");
    let public = kind == AuthMethod::None.as_str();
    NewClient {
        name: form.get("name").unwrap_or_default().to_string(),
        redirect_uris: lines(form.get("redirect_uris")),
        post_logout_redirect_uris: lines(form.get("post_logout_redirect_uris")),
        grant_types: GrantType::ALL
            .into_iter()
            .map(GrantType::as_str)
            .filter(|g| form.get(&format!("grant_{g}")).is_some())
            .map(str::to_string)
            .collect(),
        scope: form.get("scope").map(str::to_string),
        public,
        auth_method: (!public).then(|| kind.to_string()),
        backchannel_logout_uri: form
            .get("backchannel_logout_uri")
            .map(str::trim)
            .filter(|uri| !uri.is_empty())
            .map(str::to_string),
        backchannel_logout_session_required: form
            .get("backchannel_logout_session_required")
            .is_some(),
        min_acr: form
            .get("min_acr")
            .filter(|acr| !acr.is_empty())
            .map(str::to_string),
        default_acr_values: None,
    }
}

/// A refusal as people read it; the internal ones are errors.
fn refusal(error: RegistrationError) -> Result<String, PageError> {
    match error {
        RegistrationError::RedirectUri(why) | RegistrationError::Metadata(why) => Ok(why),
        RegistrationError::NotFound => Err(PageError::NotFound),
        RegistrationError::Store(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/secret.html")]
struct SecretPage {
    frame: Frame,
    section: &'static str,
    title: &'static str,
    client_id: String,
    client_name: String,
    secret: Option<String>,
}

async fn post_client(
    State(state): State<AppState>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let new = new_client(&post.form);
    match operator::create_client(&state, post.admin.actor(), new, None).await {
        Ok(registered) => {
            let template = SecretPage {
                frame: post.admin.frame().await?,
                section: "clients",
                title: "App registered",
                client_id: registered.client.id.clone(),
                client_name: registered.client.name.clone(),
                secret: registered.secret,
            };
            Ok(pages::page(StatusCode::OK, &template, Csp::default()))
        }
        Err(error) => {
            let why = refusal(error)?;
            post.admin
                .back("/admin/clients", refused(format!("Not registered: {why}")))
                .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/client.html")]
struct ClientPage {
    frame: Frame,
    section: &'static str,
    client: ClientRow,
}

/// The client a path names, or the not-found page.
async fn target(state: &AppState, id: &str) -> Result<Client, PageError> {
    let id = ClientId::parse(id).map_err(|_| PageError::NotFound)?;
    find(state, &id).await
}

async fn find(state: &AppState, id: &ClientId<'_>) -> Result<Client, PageError> {
    operator::find_client(state, id)
        .await?
        .ok_or(PageError::NotFound)
}

async fn get_client(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let client = target(&state, &id).await?;
    let template = ClientPage {
        frame: admin.frame().await?,
        section: "clients",
        client: ClientRow::new(&client),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

async fn post_update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let client = target(&state, &id).await?;
    let mut new = new_client(&post.form);
    // The form does not offer switching between public and confidential.
    new.public = client.is_public();
    if new.public {
        new.auth_method = None;
    }
    let notice = match operator::update_client(&state, post.admin.actor(), &client.id, new).await {
        Ok(updated) => done(&format!("{} is saved.", updated.name)),
        Err(error) => refused(format!("Not saved: {}", refusal(error)?)),
    };
    post.admin
        .back(&format!("/admin/clients/{}", client.id), notice)
        .await
}

async fn post_secret(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let client = target(&state, &id).await?;
    match operator::rotate_client_secret(&state, post.admin.actor(), &client.id).await {
        Ok(secret) => {
            let template = SecretPage {
                frame: post.admin.frame().await?,
                section: "clients",
                title: "New secret",
                client_id: client.id.clone(),
                client_name: client.name.clone(),
                secret: Some(secret),
            };
            Ok(pages::page(StatusCode::OK, &template, Csp::default()))
        }
        Err(error) => {
            let why = refusal(error)?;
            post.admin
                .back(&format!("/admin/clients/{}", client.id), refused(why))
                .await
        }
    }
}

async fn post_suspension(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let id = ClientId::parse(&id).map_err(|_| PageError::NotFound)?;
    let client = find(&state, &id).await?;
    let suspend = post.form.get("suspend") != Some("no");
    operator::suspend_client(&state, post.admin.actor(), &id, suspend).await?;
    let text = match suspend {
        true => format!("{} is suspended; its tokens no longer work.", client.name),
        false => format!("{} works again.", client.name),
    };
    post.admin
        .back(&format!("/admin/clients/{}", client.id), done(&text))
        .await
}

async fn post_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let id = ClientId::parse(&id).map_err(|_| PageError::NotFound)?;
    let client = find(&state, &id).await?;
    if post.form.get("confirm").map(str::trim) != Some(client.name.as_str()) {
        let why = refused("Type the app's name exactly to confirm the deletion.");
        return post
            .admin
            .back(&format!("/admin/clients/{}", client.id), why)
            .await;
    }
    operator::delete_client(&state, post.admin.actor(), &id).await?;
    let text = format!("{} is deleted; its tokens no longer work.", client.name);
    post.admin.back("/admin/clients", done(&text)).await
}
