//! The `apis` and `api_scopes` tables: resource servers (RFC 8707), each with its audience,
//! its own confidential client (a `clients` row, inserted in the same transaction) and the
//! scopes it defines. A scope belongs to one API (its primary key); deleting the API's
//! client deletes the API and its scopes (foreign keys cascade).

use sqlx::FromRow;

use super::clients::ClientRecord;
use super::{Result, Store, StoreError};
use crate::domain::Resource;

/// An API as stored, with its scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRecord {
    pub id: String,
    pub name: String,
    pub audience: Resource,
    /// The API's own client, with which it introspects the tokens issued for it.
    pub client_id: String,
    pub created_at: i64,
    pub scopes: Vec<ApiScopeRecord>,
}

/// A scope an API defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiScopeRecord {
    pub scope: String,
    pub description: String,
    /// Opened to vendor apps (clients registered through RFC 7591).
    pub vendor_open: bool,
}

#[derive(FromRow)]
struct ApiRow {
    id: String,
    name: String,
    audience: String,
    client_id: String,
    created_at: i64,
}

#[derive(FromRow)]
struct ScopeRow {
    scope: String,
    api_id: String,
    description: String,
    vendor_open: i64,
}

/// Why an API could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum ApiStoreError {
    /// The audience, or one of the scopes, is another API's already.
    #[error("the audience or a scope is taken")]
    Taken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ApiStoreError {
    fn from(error: sqlx::Error) -> Self {
        match StoreError::from_insert(error) {
            StoreError::Conflict => ApiStoreError::Taken,
            other => ApiStoreError::Store(other),
        }
    }
}

impl Store {
    /// Stores `api` with its scopes and its client `client`, all or nothing.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_api(
        &self,
        api: &ApiRecord,
        client: &ClientRecord,
    ) -> Result<(), ApiStoreError> {
        let mut tx = self.begin().await.map_err(StoreError::from)?;
        super::clients::insert(client).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO apis (id, name, audience, client_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&api.id)
        .bind(&api.name)
        .bind(api.audience.as_str())
        .bind(&api.client_id)
        .bind(api.created_at)
        .execute(&mut *tx)
        .await?;
        for scope in &api.scopes {
            insert_scope(&api.id, scope).execute(&mut *tx).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Replaces the scopes of API `api_id`; false if there is no such API.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn replace_api_scopes(
        &self,
        api_id: &str,
        scopes: &[ApiScopeRecord],
    ) -> Result<bool, ApiStoreError> {
        let mut tx = self.begin().await.map_err(StoreError::from)?;
        let found: Option<(String,)> = sqlx::query_as("SELECT id FROM apis WHERE id = $1")
            .bind(api_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        if found.is_none() {
            return Ok(false);
        }
        sqlx::query("DELETE FROM api_scopes WHERE api_id = $1")
            .bind(api_id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        for scope in scopes {
            insert_scope(api_id, scope).execute(&mut *tx).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(true)
    }

    /// Every API with its scopes, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_apis(&self) -> Result<Vec<ApiRecord>> {
        let apis: Vec<ApiRow> = sqlx::query_as(
            "SELECT id, name, audience, client_id, created_at FROM apis ORDER BY created_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        let scopes: Vec<ScopeRow> = sqlx::query_as(
            "SELECT scope, api_id, description, vendor_open FROM api_scopes ORDER BY scope",
        )
        .fetch_all(self.pool())
        .await?;
        apis.into_iter()
            .map(|row| {
                let audience = Resource::parse(&row.audience)
                    .map_err(|e| StoreError::Corrupt(format!("api {} audience: {e}", row.id)))?;
                let scopes = scopes
                    .iter()
                    .filter(|s| s.api_id == row.id)
                    .map(|s| ApiScopeRecord {
                        scope: s.scope.clone(),
                        description: s.description.clone(),
                        vendor_open: s.vendor_open != 0,
                    })
                    .collect();
                Ok(ApiRecord {
                    id: row.id,
                    name: row.name,
                    audience,
                    client_id: row.client_id,
                    created_at: row.created_at,
                    scopes,
                })
            })
            .collect()
    }
}

fn insert_scope<'q>(
    api_id: &'q str,
    scope: &'q ApiScopeRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(
        "INSERT INTO api_scopes (scope, api_id, description, vendor_open) VALUES ($1, $2, $3, $4)",
    )
    .bind(&scope.scope)
    .bind(api_id)
    .bind(&scope.description)
    .bind(i64::from(scope.vendor_open))
}
