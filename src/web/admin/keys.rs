//! The console's signing keys: the keys in the JWKS, and rotation.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Admin, AdminPost, Frame};
use crate::error::InternalError;
use crate::oauth2::operator;
use crate::state::AppState;
use crate::web::account::done;
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/keys", get(get_keys))
        .route("/admin/keys/rotate", post(post_rotate))
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
    let kid = operator::rotate_keys(&state, post.admin.actor())
        .await
        .map_err(InternalError::from)?;
    let text = format!(
        "New signing key {kid} is active; the old one stays published until its tokens expire."
    );
    post.admin.back("/admin/keys", done(&text)).await
}
