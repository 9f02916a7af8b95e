//! The `audit_events` table: the security trail (sign-ins, failures, lockouts, factor
//! changes, resets, sessions ended). Append-only here.

use sqlx::{AnyConnection, FromRow};

use super::{Result, Store, Sweep};

#[derive(Clone, Debug, Default, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct AuditRecord {
    /// Ascending with time; set by the database (ignored when inserting).
    pub id: i64,
    pub at: i64,
    /// What happened, e.g. `login.password`, `totp.enabled`, `password.reset`.
    pub event: String,
    /// `success`, `failure` or `locked`.
    pub outcome: String,
    pub user_id: Option<String>,
    /// The username as typed, for failures that name no account.
    pub username: Option<String>,
    pub ip: Option<String>,
    pub client_id: Option<String>,
    pub detail: Option<String>,
    /// The administrator who did it, if one did.
    pub actor_id: Option<String>,
    /// How many equal refusals this row stands for (1 for every other event).
    #[sqlx(default)]
    pub repeats: i64,
    /// When the latest of them came; `None` until a refusal is repeated.
    #[sqlx(default)]
    pub last_at: Option<i64>,
}

/// Which events to list; every field set narrows the list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter<'a> {
    pub user_id: Option<&'a str>,
    pub client_id: Option<&'a str>,
    /// An event name (`user.locked`) or its family (`user`, `login`).
    pub event: Option<&'a str>,
    /// From this time, inclusive.
    pub since: Option<i64>,
    /// Before this time.
    pub until: Option<i64>,
    /// Older than this event (the next page).
    pub before_id: Option<i64>,
}

/// How far out of time order two events may be written (the clock is read before the
/// insert): time bounds turned into id bounds are widened by this much.
const TIME_SLACK: i64 = 60;
/// The newest event before `$1`.
const LAST_BEFORE: &str =
    "SELECT id FROM audit_events WHERE at < $1 ORDER BY at DESC, id DESC LIMIT 1";
/// The oldest event from `$1` on.
const FIRST_FROM: &str = "SELECT id FROM audit_events WHERE at >= $1 ORDER BY at, id LIMIT 1";

#[derive(Clone, Debug)]
enum Bind {
    Text(String),
    Int(i64),
}

/// The conditions of one audit query, numbered as they are added.
#[derive(Clone, Debug, Default)]
struct AuditQuery {
    conditions: Vec<String>,
    binds: Vec<Bind>,
}

impl AuditQuery {
    fn push(&mut self, condition: &str, bind: Bind) {
        self.binds.push(bind);
        self.conditions
            .push(format!("{condition} ${}", self.binds.len()));
    }

    fn text(&mut self, condition: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.push(condition, Bind::Text(value.to_string()));
        }
    }

    fn int(&mut self, condition: &str, value: Option<i64>) {
        if let Some(value) = value {
            self.push(condition, Bind::Int(value));
        }
    }

    /// The event `event` or one of its family (`event.` followed by anything): the range
    /// `[event., event/)`, `/` being the character after `.`.
    fn event_or_family(&mut self, event: &str, (from, to): &(String, String)) {
        let n = self.binds.len();
        self.conditions.push(format!(
            "(event = ${} OR (event >= ${} AND event < ${}))",
            n + 1,
            n + 2,
            n + 3
        ));
        for text in [event, from, to] {
            self.binds.push(Bind::Text(text.to_string()));
        }
    }
}

impl Store {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_audit_event(&self, event: &AuditRecord) -> Result<()> {
        self.insert_or_count_audit_event(event, None).await
    }

    /// Writes an event; with a `key`, a refusal that is counted on the row of the equal
    /// ones of its window (the same key) when there is one: `repeats` goes up by one and
    /// `last_at` becomes its time. One statement, so replicas refusing at once count every
    /// refusal. Without a key nothing conflicts (NULLs are distinct in a unique index).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_or_count_audit_event(
        &self,
        event: &AuditRecord,
        key: Option<&str>,
    ) -> Result<()> {
        insert_audit_event(&mut *self.pool().acquire().await?, event, key).await
    }

    /// The newest events first, optionally of one user, at most `limit`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_audit_events(
        &self,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let filter = AuditFilter {
            user_id,
            ..AuditFilter::default()
        };
        self.search_audit_events(&filter, limit).await
    }

    /// The newest events that pass `filter` first, at most `limit`.
    ///
    /// Every filter is an index ending in `id` (migration 12), read backwards from the page's
    /// end, so a page costs about `limit` rows however long the trail is: a filter that is
    /// absent is left out of the SQL rather than written `($1 IS NULL OR ...)`, which no
    /// engine can plan around; times become bounds on `id` first; a family of events
    /// (`login`) is read one event name at a time and merged.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_audit_events(
        &self,
        filter: &AuditFilter<'_>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        // No id or event name holds a control character (and PostgreSQL text cannot even
        // hold a NUL): such a filter matches nothing, without asking.
        let texts = [filter.user_id, filter.client_id, filter.event];
        if texts
            .iter()
            .flatten()
            .any(|t| t.chars().any(char::is_control))
        {
            return Ok(Vec::new());
        }
        let mut query = AuditQuery::default();
        query.text("user_id =", filter.user_id);
        query.text("client_id =", filter.client_id);
        query.int("at >=", filter.since);
        query.int("at <", filter.until);
        query.int("id <", filter.before_id);
        // `id` grows with `at`: the time range becomes an id range the other indexes can
        // stop at. The bounds are widened by `TIME_SLACK` for events written out of order;
        // the exact `at` conditions above stay.
        if let Some(until) = filter.until {
            match self
                .id_near(LAST_BEFORE, until.saturating_add(TIME_SLACK))
                .await?
            {
                Some(id) => query.int("id <=", Some(id)),
                None => return Ok(Vec::new()),
            }
        }
        if let Some(since) = filter.since {
            match self
                .id_near(FIRST_FROM, since.saturating_sub(TIME_SLACK))
                .await?
            {
                Some(id) => query.int("id >=", Some(id)),
                None => return Ok(Vec::new()),
            }
        }
        let Some(event) = filter.event else {
            return self.audit_page(&query, limit).await;
        };
        let family = (format!("{event}."), format!("{event}/"));
        if filter.user_id.is_some() || filter.client_id.is_some() {
            // One person's or one client's events are few: their index leads, and the
            // event is a condition on the rows it finds.
            let mut query = query;
            query.event_or_family(event, &family);
            return self.audit_page(&query, limit).await;
        }
        let mut names = self.event_names_in(&family).await?;
        names.push(event.to_string());
        let mut events = Vec::new();
        for name in &names {
            let mut query = query.clone();
            query.text("event =", Some(name));
            events.extend(self.audit_page(&query, limit).await?);
        }
        events.sort_unstable_by_key(|event| std::cmp::Reverse(event.id));
        events.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(events)
    }

    /// The events `query` lets through, newest first, at most `limit`.
    async fn audit_page(&self, query: &AuditQuery, limit: i64) -> Result<Vec<AuditRecord>> {
        let conditions = match query.conditions.is_empty() {
            true => String::new(),
            false => format!("WHERE {}", query.conditions.join(" AND ")),
        };
        let sql = format!(
            "SELECT id, at, event, outcome, user_id, username, ip, client_id, detail, actor_id, \
             repeats, last_at \
             FROM audit_events {conditions} ORDER BY id DESC LIMIT ${}",
            query.binds.len() + 1
        );
        let mut select = sqlx::query_as(&sql);
        for bind in &query.binds {
            select = match bind {
                Bind::Text(text) => select.bind(text.as_str()),
                Bind::Int(value) => select.bind(*value),
            };
        }
        Ok(select.bind(limit).fetch_all(self.pool()).await?)
    }

    /// The names of the events in `[from, to)`, one index probe each (a loose index scan
    /// that both engines run from a recursive query).
    async fn event_names_in(&self, (from, to): &(String, String)) -> Result<Vec<String>> {
        let names = sqlx::query_scalar(
            "WITH RECURSIVE names(event) AS ( \
               SELECT MIN(event) FROM audit_events WHERE event >= $1 AND event < $2 \
               UNION ALL \
               SELECT (SELECT MIN(later.event) FROM audit_events later \
                       WHERE later.event > names.event AND later.event < $2) \
               FROM names WHERE names.event IS NOT NULL) \
             SELECT event FROM names WHERE event IS NOT NULL",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        Ok(names)
    }

    /// The id of the event `sql` picks at `at` (one probe of the `(at, id)` index).
    async fn id_near(&self, sql: &str, at: i64) -> Result<Option<i64>> {
        let id = sqlx::query_scalar(sql)
            .bind(at)
            .fetch_optional(self.pool())
            .await?;
        Ok(id)
    }

    /// Drops events older than `before` (the trail's retention).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_audit_events_before(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "audit_events",
            key: "id",
            condition: "at < $1",
        };
        self.sweep(&sweep, &[before]).await
    }
}

/// [`Store::insert_or_count_audit_event`] on a connection the caller holds (a transaction).
pub(super) async fn insert_audit_event(
    conn: &mut AnyConnection,
    event: &AuditRecord,
    key: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (at, event, outcome, user_id, username, ip, client_id, detail, \
         actor_id, aggregate_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (aggregate_key) DO UPDATE SET repeats = audit_events.repeats + 1, \
         last_at = excluded.at",
    )
    .bind(event.at)
    .bind(&event.event)
    .bind(&event.outcome)
    .bind(&event.user_id)
    .bind(&event.username)
    .bind(&event.ip)
    .bind(&event.client_id)
    .bind(&event.detail)
    .bind(&event.actor_id)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}
