//! The console's audit trail: newest first, filtered by person, app, event and dates, in
//! pages of 50.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{Admin, Frame};
use crate::accounts::admin::printable;
use crate::accounts::{audit, users};
use crate::state::AppState;
use crate::store::audit::AuditFilter;
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(get_audit))
}

const PAGE_SIZE: i64 = 50;
const MAX_FIELD_CHARS: usize = 100;

/// The filters as typed; anything unreadable is ignored rather than refused.
#[derive(Deserialize, Default)]
struct Filters {
    user: Option<String>,
    client: Option<String>,
    event: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

pub struct EventRow {
    pub at: String,
    pub event: String,
    pub outcome: String,
    pub user: String,
    pub user_id: Option<String>,
    pub ip: String,
    pub client: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    frame: Frame,
    section: &'static str,
    user: String,
    client: String,
    event: String,
    from: String,
    to: String,
    events: Vec<EventRow>,
    older: Option<String>,
    unknown_user: bool,
}

/// A field as kept: trimmed, printable, short.
fn field(text: Option<String>) -> String {
    printable(&text.unwrap_or_default(), MAX_FIELD_CHARS)
}

/// Midnight (UTC) at the start of a `YYYY-MM-DD` day.
fn day_start(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

async fn get_audit(
    State(state): State<AppState>,
    admin: Admin,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let (user, client, event) = (
        field(filters.user),
        field(filters.client),
        field(filters.event),
    );
    let (from, to) = (field(filters.from), field(filters.to));
    // A person is named by username or by id.
    let user_id = match user.is_empty() {
        true => None,
        false => match users::find_by_username(&state, &user).await? {
            Some(found) => Some(found.id),
            None => Some(user.clone()),
        },
    };
    let before = filters.before.and_then(|b| b.parse::<i64>().ok());
    let filter = AuditFilter {
        user_id: user_id.as_deref(),
        client_id: Some(client.as_str()).filter(|c| !c.is_empty()),
        event: Some(event.as_str()).filter(|e| !e.is_empty()),
        since: day_start(&from),
        until: day_start(&to).map(|day| day + 86_400),
        before_id: before,
    };
    let records = audit::search(&state, &filter, PAGE_SIZE).await?;
    let older = (records.len() as i64 == PAGE_SIZE)
        .then(|| records.last().map(|r| r.id))
        .flatten()
        .map(|last| {
            let prefix = "/admin/audit?";
            let mut href =
                form_urlencoded::Serializer::for_suffix(String::from(prefix), prefix.len());
            for (name, value) in [
                ("user", &user),
                ("client", &client),
                ("event", &event),
                ("from", &from),
                ("to", &to),
            ] {
                if !value.is_empty() {
                    href.append_pair(name, value);
                }
            }
            href.append_pair("before", &last.to_string());
            href.finish()
        });
    let events: Vec<EventRow> = records
        .into_iter()
        .map(|record| EventRow {
            at: when(record.at),
            event: record.event,
            outcome: record.outcome,
            user: record
                .username
                .or_else(|| record.user_id.clone())
                .unwrap_or_default(),
            user_id: record.user_id,
            ip: record.ip.unwrap_or_default(),
            client: record.client_id.unwrap_or_default(),
            detail: record.detail.unwrap_or_default(),
        })
        .collect();
    let template = AuditPage {
        frame: admin.frame().await?,
        section: "audit",
        unknown_user: !user.is_empty() && events.is_empty(),
        user,
        client,
        event,
        from,
        to,
        events,
        older,
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}
