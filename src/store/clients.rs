//! The `clients` table: registered OAuth clients. Secrets are stored only as hashes.

use sqlx::FromRow;

use super::{Result, Store, StoreError, from_json_list, stored_scope, to_json_list};
use crate::domain::{FarmName, FarmStatus, RedirectUri, Scope};

/// A client as stored; [`crate::oauth2::clients::Client`] is the parsed form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRecord {
    pub client_id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub token_endpoint_auth_method: String,
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<String>,
    pub scope: Scope,
    pub created_at: i64,
    pub updated_at: i64,
    /// Registered by a vendor (RFC 7591): the vendor's name, if known, and the hash of the
    /// registration access token (RFC 7592). `None` for the platform's own clients.
    pub vendor: Option<String>,
    pub registration_token_hash: Option<String>,
    /// The farm the client belongs to: its tokens carry `farm_id`, and it stops when the
    /// farm is not active. Written from `farm_id`; `farm` is read back with the farm's
    /// name and status (and is `None` in a record about to be inserted).
    pub farm_id: Option<String>,
    pub farm: Option<ClientFarm>,
    /// When an administrator suspended it: no tokens, and its tokens stop working.
    pub suspended_at: Option<i64>,
    /// OpenID Connect Back-Channel Logout 1.0 §2.2.
    pub backchannel_logout_uri: Option<String>,
    /// §2.2 `backchannel_logout_session_required`: the client needs `sid` in logout tokens
    /// (which always carry it).
    pub backchannel_logout_session_required: bool,
    /// The administrator's minimum `acr` for every authorization of the client.
    pub min_acr: Option<String>,
    /// The client's own default `acr_values` (OpenID Connect Registration §2), space
    /// separated.
    pub default_acr_values: Option<String>,
}

/// The farm a client belongs to, as the client's row is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientFarm {
    pub id: String,
    pub name: FarmName,
    pub status: FarmStatus,
}

#[derive(FromRow)]
struct ClientRow {
    client_id: String,
    name: String,
    secret_hash: Option<String>,
    token_endpoint_auth_method: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    grant_types: String,
    scope: String,
    created_at: i64,
    updated_at: i64,
    vendor: Option<String>,
    registration_token_hash: Option<String>,
    farm_id: Option<String>,
    suspended_at: Option<i64>,
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: i64,
    min_acr: Option<String>,
    default_acr_values: Option<String>,
    farm_name: Option<String>,
    farm_status: Option<String>,
}

impl TryFrom<ClientRow> for ClientRecord {
    type Error = StoreError;

    fn try_from(row: ClientRow) -> Result<Self> {
        let whose = format!("client {}", row.client_id);
        let uris = |text: &str| -> Result<Vec<RedirectUri>> {
            from_json_list(text)?
                .iter()
                .map(|uri| RedirectUri::parse(uri))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| StoreError::Corrupt(format!("{whose} redirect URI: {e}")))
        };
        let redirect_uris = uris(&row.redirect_uris)?;
        let post_logout_redirect_uris = uris(&row.post_logout_redirect_uris)?;
        let scope = stored_scope(&row.scope, || whose.clone())?;
        let farm = match (&row.farm_id, row.farm_name, row.farm_status) {
            (Some(id), Some(name), Some(status)) => Some(ClientFarm {
                id: id.clone(),
                name: FarmName::parse(&name)
                    .map_err(|_| StoreError::Corrupt(format!("{whose} farm name")))?,
                status: FarmStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("{whose} farm status")))?,
            }),
            _ => None,
        };
        Ok(ClientRecord {
            client_id: row.client_id,
            name: row.name,
            secret_hash: row.secret_hash,
            token_endpoint_auth_method: row.token_endpoint_auth_method,
            redirect_uris,
            post_logout_redirect_uris,
            grant_types: from_json_list(&row.grant_types)?,
            scope,
            created_at: row.created_at,
            updated_at: row.updated_at,
            vendor: row.vendor,
            registration_token_hash: row.registration_token_hash,
            farm_id: row.farm_id,
            farm,
            suspended_at: row.suspended_at,
            backchannel_logout_uri: row.backchannel_logout_uri,
            backchannel_logout_session_required: row.backchannel_logout_session_required != 0,
            min_acr: row.min_acr,
            default_acr_values: row.default_acr_values,
        })
    }
}

/// Where the next page of a client list starts: after this client, in the list's order.
/// Written `CREATED_AT.CLIENT_ID` in links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCursor {
    pub created_at: i64,
    pub client_id: String,
}

impl ClientCursor {
    /// The cursor a link carried; `None` for anything this server did not write.
    pub fn parse(text: &str) -> Option<ClientCursor> {
        let (created_at, client_id) = text.split_once('.')?;
        if client_id.is_empty() || client_id.chars().any(char::is_control) {
            return None;
        }
        Some(ClientCursor {
            created_at: created_at.parse().ok()?,
            client_id: client_id.to_string(),
        })
    }

    /// The cursor after `client`.
    pub fn after(client: &ClientRecord) -> ClientCursor {
        ClientCursor {
            created_at: client.created_at,
            client_id: client.client_id.clone(),
        }
    }
}

impl std::fmt::Display for ClientCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.created_at, self.client_id)
    }
}

/// A client with its farm's name and status (`FROM {CLIENTS}`).
const COLUMNS: &str = "clients.client_id, clients.name, clients.secret_hash, \
                       clients.token_endpoint_auth_method, clients.redirect_uris, \
                       clients.post_logout_redirect_uris, clients.grant_types, clients.scope, \
                       clients.created_at, clients.updated_at, clients.vendor, \
                       clients.registration_token_hash, clients.farm_id, clients.suspended_at, \
                       clients.backchannel_logout_uri, \
                       clients.backchannel_logout_session_required, clients.min_acr, \
                       clients.default_acr_values, farms.name AS farm_name, \
                       farms.status AS farm_status";
const CLIENTS: &str = "clients LEFT JOIN farms ON farms.id = clients.farm_id";

impl Store {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_client(&self, client: &ClientRecord) -> Result<()> {
        insert(client)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_insert)?;
        Ok(())
    }

    /// Registers `client` with one use of the initial access token hashed `token_hash`, in
    /// one transaction: `None` (and nothing written) when the token is unknown, expired or
    /// used up, or the client's farm is not active.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_client_with_initial_token(
        &self,
        token_hash: &str,
        now: i64,
        client: &ClientRecord,
    ) -> Result<Option<()>> {
        let mut tx = self.begin().await?;
        // A farm's app: the farm must be active when it is stored, and its row is taken
        // first, as issuing the farm's tokens does, so the farm's quota is counted in turns.
        if let Some(farm_id) = &client.farm_id {
            let active = sqlx::query(
                "UPDATE farms SET updated_at = updated_at WHERE id = $1 AND status = 'active'",
            )
            .bind(farm_id)
            .execute(&mut *tx)
            .await?;
            if active.rows_affected() != 1 {
                return Ok(None);
            }
        }
        let spent = sqlx::query(
            "UPDATE initial_access_tokens SET uses_left = uses_left - 1 \
             WHERE token_hash = $1 AND uses_left > 0 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if spent.rows_affected() != 1 {
            return Ok(None);
        }
        insert(client)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_insert)?;
        tx.commit().await?;
        Ok(Some(()))
    }

    /// Replaces a client's metadata (all but its id, secret, vendor and creation time);
    /// false if there is no such client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn update_client(&self, client: &ClientRecord) -> Result<bool> {
        self.update_client_where(client, None).await
    }

    /// Replaces a client's metadata, and its registration access token hashed `old` with
    /// the one hashed `new`, in one statement: false (and nothing changed) if `old` is no
    /// longer the client's (RFC 7592: another request rotated it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn update_client_rotating(
        &self,
        client: &ClientRecord,
        old: &str,
        new: &str,
    ) -> Result<bool> {
        self.update_client_where(client, Some((old, new))).await
    }

    async fn update_client_where(
        &self,
        client: &ClientRecord,
        rotate: Option<(&str, &str)>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE clients SET name = $2, token_endpoint_auth_method = $3, redirect_uris = $4, \
             post_logout_redirect_uris = $5, grant_types = $6, scope = $7, updated_at = $8, \
             registration_token_hash = COALESCE($10, registration_token_hash), \
             backchannel_logout_uri = $11, min_acr = $12, default_acr_values = $13, \
             backchannel_logout_session_required = $14 \
             WHERE client_id = $1 AND ($9 IS NULL OR registration_token_hash = $9)",
        )
        .bind(&client.client_id)
        .bind(&client.name)
        .bind(&client.token_endpoint_auth_method)
        .bind(uri_list(&client.redirect_uris))
        .bind(uri_list(&client.post_logout_redirect_uris))
        .bind(to_json_list(&client.grant_types))
        .bind(client.scope.to_string())
        .bind(client.updated_at)
        .bind(rotate.map(|(old, _)| old))
        .bind(rotate.map(|(_, new)| new))
        .bind(&client.backchannel_logout_uri)
        .bind(&client.min_acr)
        .bind(&client.default_acr_values)
        .bind(i64::from(client.backchannel_logout_session_required))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces the registration access token hashed `old` with the one hashed `new` (RFC
    /// 7592 §3); false if `old` is no longer the client's (another request rotated it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rotate_registration_token(
        &self,
        client_id: &str,
        old: &str,
        new: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE clients SET registration_token_hash = $3 \
             WHERE client_id = $1 AND registration_token_hash = $2",
        )
        .bind(client_id)
        .bind(old)
        .bind(new)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces a client's secret hash; false if there is no such client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_client_secret_hash(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE clients SET secret_hash = $2, updated_at = $3 WHERE client_id = $1",
        )
        .bind(client_id)
        .bind(secret_hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_client(&self, client_id: &str) -> Result<Option<ClientRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM {CLIENTS} WHERE clients.client_id = $1");
        let row: Option<ClientRow> = sqlx::query_as(&sql)
            .bind(client_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(ClientRecord::try_from).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_clients(&self) -> Result<Vec<ClientRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {CLIENTS} ORDER BY clients.created_at, clients.client_id"
        );
        let rows: Vec<ClientRow> = sqlx::query_as(&sql).fetch_all(self.pool()).await?;
        rows.into_iter().map(ClientRecord::try_from).collect()
    }

    /// The public clients that are not suspended (their farms' standing is checked by the
    /// caller), for the web origins that may call us from a browser.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_public_clients(&self) -> Result<Vec<ClientRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {CLIENTS} \
             WHERE clients.token_endpoint_auth_method = 'none' AND clients.suspended_at IS NULL"
        );
        let rows: Vec<ClientRow> = sqlx::query_as(&sql).fetch_all(self.pool()).await?;
        rows.into_iter().map(ClientRecord::try_from).collect()
    }

    /// One page of the clients, oldest first, after `after` (a cursor of the previous
    /// page): a range of the `(created_at, client_id)` index, however many clients there are.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_clients_page(
        &self,
        after: Option<&ClientCursor>,
        limit: i64,
    ) -> Result<Vec<ClientRecord>> {
        let (created_at, client_id) = match after {
            Some(cursor) => (cursor.created_at, cursor.client_id.as_str()),
            None => (i64::MIN, ""),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM {CLIENTS} \
             WHERE (clients.created_at, clients.client_id) > ($1, $2) \
             ORDER BY clients.created_at, clients.client_id LIMIT $3"
        );
        let rows: Vec<ClientRow> = sqlx::query_as(&sql)
            .bind(created_at)
            .bind(client_id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(ClientRecord::try_from).collect()
    }

    /// Suspends (`Some(now)`) or resumes (`None`) a client; false if there is no such client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_client_suspended(
        &self,
        client_id: &str,
        at: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE clients SET suspended_at = $2, updated_at = $3 WHERE client_id = $1",
        )
        .bind(client_id)
        .bind(at)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The clients that belong to `farm_id`, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_clients_of_farm(&self, farm_id: &str) -> Result<Vec<ClientRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {CLIENTS} WHERE clients.farm_id = $1 \
             ORDER BY clients.created_at, clients.client_id"
        );
        let rows: Vec<ClientRow> = sqlx::query_as(&sql)
            .bind(farm_id)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(ClientRecord::try_from).collect()
    }

    /// Deletes a client; `false` when there was none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_client(&self, client_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM clients WHERE client_id = $1")
            .bind(client_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

pub(super) fn insert(
    client: &ClientRecord,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO clients (client_id, name, secret_hash, token_endpoint_auth_method, \
         redirect_uris, post_logout_redirect_uris, grant_types, scope, created_at, updated_at, \
         vendor, registration_token_hash, farm_id, suspended_at, backchannel_logout_uri, \
         min_acr, default_acr_values, backchannel_logout_session_required) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(&client.client_id)
    .bind(&client.name)
    .bind(&client.secret_hash)
    .bind(&client.token_endpoint_auth_method)
    .bind(uri_list(&client.redirect_uris))
    .bind(uri_list(&client.post_logout_redirect_uris))
    .bind(to_json_list(&client.grant_types))
    .bind(client.scope.to_string())
    .bind(client.created_at)
    .bind(client.updated_at)
    .bind(&client.vendor)
    .bind(&client.registration_token_hash)
    .bind(&client.farm_id)
    .bind(client.suspended_at)
    .bind(&client.backchannel_logout_uri)
    .bind(&client.min_acr)
    .bind(&client.default_acr_values)
    .bind(i64::from(client.backchannel_logout_session_required))
}

fn uri_list(uris: &[RedirectUri]) -> String {
    serde_json::to_string(uris).expect("a list of strings always serializes")
}
