//! The console's signing keys: the keys in the JWKS, rotation, and revocation.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Admin, AdminPost, Frame};
use crate::error::InternalError;
use crate::keys::KeyError;
use crate::oauth2::operator;
use crate::state::AppState;
use crate::web::account::done;
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/keys", get(get_keys))
        .route("/admin/keys/rotate", post(post_rotate))
        .route("/admin/keys/{kid}/revoke", post(post_revoke))
}

pub struct KeyRow {
    pub kid: String,
    pub status: &'static str,
    pub created: String,
    pub retired: String,
}

#[derive(Template)]
#[template(path = "admin/keys.html")]
struct KeysPage {
    frame: Frame,
    section: &'static str,
    keys: Vec<KeyRow>,
}

async fn get_keys(State(state): State<AppState>, admin: Admin) -> Result<Response, PageError> {
    let keys = operator::list_keys(&state)
        .await?
        .into_iter()
        .map(|key| KeyRow {
            status: match key.active {
                true => "signing",
                false if key.retired_at.is_none() => "next, published",
                false => "retired, still published",
            },
            created: when(key.created_at),
            retired: key.retired_at.map(when).unwrap_or_default(),
            kid: key.kid,
        })
        .collect();
    let template = KeysPage {
        frame: admin.frame().await?,
        section: "keys",
        keys,
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

async fn post_rotate(
    State(state): State<AppState>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let rotation = operator::rotate_keys(&state, post.admin.actor())
        .await
        .map_err(InternalError::from)?;
    let wait = rotation.activates_at - state.clock.now();
    let text = format!(
        "New signing key {} is published and signs in {wait} s, once verifiers can have \
         fetched it; the old one stays published until its tokens expire.",
        rotation.kid
    );
    post.admin.back("/admin/keys", done(&text)).await
}

async fn post_revoke(
    State(state): State<AppState>,
    Path(kid): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let successor = match operator::revoke_key(&state, post.admin.actor(), &kid).await {
        Ok(successor) => successor,
        Err(KeyError::UnknownKid(_)) => return Err(PageError::NotFound),
        Err(error) => return Err(InternalError::from(error).into()),
    };
    let text = match successor {
        Some(next) => format!("Key {kid} is revoked; {next} signs from now on."),
        None => format!("Key {kid} is revoked."),
    };
    post.admin.back("/admin/keys", done(&text)).await
}
