//! The console's registration tokens (RFC 7591 initial access tokens): issue one for a
//! vendor, see which can still register apps, withdraw one. A token is shown once, on the
//! page that answers the form.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Admin, AdminPost, Frame};
use crate::oauth2::initial_access::{self, IssueError};
use crate::state::AppState;
use crate::web::account::{done, refused};
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/registration-tokens",
            get(get_tokens).post(post_token),
        )
        .route("/admin/registration-tokens/withdraw", post(post_withdraw))
}

pub struct TokenRow {
    /// The hash: enough to withdraw it, useless to register with.
    pub id: String,
    pub vendor: String,
    pub uses_left: i64,
    pub issued_by: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage {
    frame: Frame,
    section: &'static str,
    tokens: Vec<TokenRow>,
    registration_endpoint: String,
}

async fn get_tokens(State(state): State<AppState>, admin: Admin) -> Result<Response, PageError> {
    let mut tokens = Vec::new();
    for initial_access::Usable { record, issued_by } in initial_access::list_usable(&state).await? {
        tokens.push(TokenRow {
            id: record.token_hash,
            vendor: shown_with(record.farm_id, record.vendor),
            uses_left: record.uses_left,
            issued_by,
            expires: when(record.expires_at),
        });
    }
    let template = TokensPage {
        frame: admin.frame().await?,
        section: "tokens",
        tokens,
        registration_endpoint: registration_endpoint(&state),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

fn registration_endpoint(state: &AppState) -> String {
    format!(
        "{}{}",
        state.issuer,
        crate::oidc::discovery::paths::REGISTRATION
    )
}

#[derive(Template)]
#[template(path = "admin/token.html")]
struct TokenPage {
    frame: Frame,
    section: &'static str,
    token: String,
    vendor: String,
    uses: i64,
    expires: String,
    registration_endpoint: String,
}

/// Whom a token's apps are shown with: its farm, its vendor, or any vendor.
fn shown_with(farm_id: Option<String>, vendor: Option<String>) -> String {
    match (farm_id, vendor) {
        (Some(farm), _) => format!("farm {farm}"),
        (None, Some(vendor)) => vendor,
        (None, None) => "any vendor".into(),
    }
}

/// A whole number from a form field; `None` when absent, an error when not a number.
fn number(text: Option<&str>) -> Result<Option<i64>, ()> {
    text.map(|t| t.trim().parse::<i64>().map_err(drop))
        .transpose()
}

async fn post_token(State(state): State<AppState>, post: AdminPost) -> Result<Response, PageError> {
    let (Ok(days), Ok(uses)) = (number(post.form.get("days")), number(post.form.get("uses")))
    else {
        let why = refused("The lifetime and the number of apps are whole numbers.");
        return post.admin.back("/admin/registration-tokens", why).await;
    };
    let request = initial_access::Request {
        ttl_secs: days.map(|d| d.saturating_mul(86_400)),
        uses,
        vendor: post.form.get("vendor").map(str::to_string),
        farm: post
            .form
            .get("farm_id")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_string),
        as_member: false,
    };
    match initial_access::issue(&state, post.admin.actor(), request).await {
        Ok(issued) => {
            let template = TokenPage {
                frame: post.admin.frame().await?,
                section: "tokens",
                token: issued.token,
                vendor: shown_with(issued.farm_id, issued.vendor),
                uses: issued.uses,
                expires: when(issued.expires_at),
                registration_endpoint: registration_endpoint(&state),
            };
            Ok(pages::page(StatusCode::OK, &template, Csp::default()))
        }
        Err(IssueError::Store(error)) => Err(error.into()),
        Err(refusal) => {
            post.admin
                .back("/admin/registration-tokens", refused(refusal.to_string()))
                .await
        }
    }
}

async fn post_withdraw(
    State(state): State<AppState>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let id = post.form.get("token").unwrap_or_default();
    let notice = match initial_access::withdraw(&state, post.admin.actor(), id).await? {
        true => done("The token is withdrawn; it can no longer register apps."),
        false => refused("That token was already used up, expired or withdrawn."),
    };
    post.admin.back("/admin/registration-tokens", notice).await
}
