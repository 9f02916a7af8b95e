//! The `webhook_endpoints` table: where an administrator has events sent, and with which
//! secret they are signed (sealed at rest, [`super::sealed`]).

use sqlx::FromRow;

use super::sealed::context;
use super::{Result, Store, StoreError, from_json_list, to_json_list};

/// An endpoint, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointRecord {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    /// The last event written before it was subscribed: it is sent only later ones.
    pub after_seq: i64,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(FromRow)]
struct EndpointRow {
    id: String,
    url: String,
    description: String,
    event_types: String,
    after_seq: i64,
    disabled_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<EndpointRow> for EndpointRecord {
    type Error = StoreError;

    fn try_from(row: EndpointRow) -> Result<Self> {
        Ok(EndpointRecord {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types: from_json_list(&row.event_types)?,
            after_seq: row.after_seq,
            disabled_at: row.disabled_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const COLUMNS: &str =
    "id, url, description, event_types, after_seq, disabled_at, created_at, updated_at";

impl Store {
    /// Stores a new endpoint with its secret, sealed, to be sent the events written from
    /// now on (its `after_seq` is read in the same statement); [`StoreError::Conflict`] if
    /// `max` endpoints exist already (checked in the same statement too).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_webhook_endpoint(
        &self,
        endpoint: &EndpointRecord,
        secret: &str,
        max: i64,
    ) -> Result<()> {
        let sealed = self.seal_text(
            &context("webhook_endpoints", "secret", &endpoint.id),
            secret,
        )?;
        let done = sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, description, event_types, secret, \
             after_seq, disabled_at, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, (SELECT COALESCE(MAX(seq), 0) FROM events), $6, $7, $8 \
             WHERE (SELECT count(*) FROM webhook_endpoints) < $9",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.url)
        .bind(&endpoint.description)
        .bind(to_json_list(&endpoint.event_types))
        .bind(sealed)
        .bind(endpoint.disabled_at)
        .bind(endpoint.created_at)
        .bind(endpoint.updated_at)
        .bind(max)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        match done.rows_affected() {
            1 => Ok(()),
            _ => Err(StoreError::Conflict),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_webhook_endpoints(&self) -> Result<Vec<EndpointRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints ORDER BY created_at, id");
        let rows: Vec<EndpointRow> = sqlx::query_as(&sql).fetch_all(self.pool()).await?;
        rows.into_iter().map(EndpointRecord::try_from).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_webhook_endpoint(&self, id: &str) -> Result<Option<EndpointRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1");
        let row: Option<EndpointRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(EndpointRecord::try_from).transpose()
    }

    /// Changes an endpoint's URL, description, event types and whether it is paused; false
    /// if there is no such endpoint.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn update_webhook_endpoint(&self, endpoint: &EndpointRecord) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET url = $2, description = $3, event_types = $4, \
             disabled_at = $5, updated_at = $6 WHERE id = $1",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.url)
        .bind(&endpoint.description)
        .bind(to_json_list(&endpoint.event_types))
        .bind(endpoint.disabled_at)
        .bind(endpoint.updated_at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes an endpoint and its deliveries; false if there was none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
