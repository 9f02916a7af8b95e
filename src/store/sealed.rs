//! The columns sealed at rest: `signing_keys.private_key`, `totp_factors.secret`, the
//! bodies of `mail_outbox` (they carry sign-in and reset links),
//! `instance_secrets.secret` (the key that signs sign-up challenges) and
//! `upstream_providers.client_secret` (what farm-auth signs in to upstream providers with).
//! Each is sealed by the store's [`Sealer`] as it is written and opened as it is read, with
//! the column and the row's key as associated data, so callers see plain values and a copy
//! of the database alone shows none. Values written before sealing existed are read as they
//! are and sealed by [`Store::reseal`] at start-up; the same function re-seals everything
//! under a new secret key (`farm-auth secrets rekey`).

use super::{Result, Store, StoreError};
use crate::secrets::{SEALED_PREFIX, SealError, Sealer, is_sealed};

/// A text column sealed at rest, named by its table, key column and column.
struct TextColumn {
    table: &'static str,
    key: &'static str,
    column: &'static str,
}

const TEXT_COLUMNS: [TextColumn; 5] = [
    TextColumn {
        table: "totp_factors",
        key: "user_id",
        column: "secret",
    },
    TextColumn {
        table: "mail_outbox",
        key: "id",
        column: "text_body",
    },
    TextColumn {
        table: "mail_outbox",
        key: "id",
        column: "html_body",
    },
    TextColumn {
        table: "instance_secrets",
        key: "name",
        column: "secret",
    },
    TextColumn {
        table: "upstream_providers",
        key: "id",
        column: "client_secret",
    },
];

/// Rows re-sealed per round trip.
const BATCH: i64 = 200;

/// Which values [`Store::reseal`] rewrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reseal {
    /// Values still in clear (written before sealing existed): the start-up step.
    Plain,
    /// Every value not sealed with the current secret key: the end of a key rotation.
    NotCurrent,
}

/// The associated data of a sealed value: which column of which row it belongs to.
pub(crate) fn context(table: &str, column: &str, row: &str) -> String {
    format!("{table}.{column}:{row}")
}

impl Store {
    fn sealer(&self) -> Result<&Sealer> {
        self.sealer
            .as_deref()
            .ok_or_else(|| StoreError::Corrupt("this store was opened without a secret key".into()))
    }

    fn unsealable(context: &str, error: SealError) -> StoreError {
        StoreError::Corrupt(format!("{context} cannot be opened: {error}"))
    }

    pub(crate) fn seal_text(&self, context: &str, plain: &str) -> Result<String> {
        Ok(self.sealer()?.seal(context, plain.as_bytes()))
    }

    /// The plain value of a stored text; a value still in clear is returned as it is.
    pub(crate) fn open_text(&self, context: &str, stored: String) -> Result<String> {
        if !is_sealed(stored.as_bytes()) {
            return Ok(stored);
        }
        let plain = self
            .sealer()?
            .open(context, &stored)
            .map_err(|e| Store::unsealable(context, e))?;
        String::from_utf8(plain).map_err(|_| StoreError::Corrupt(format!("{context}: not text")))
    }

    pub(crate) fn seal_bytes(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>> {
        Ok(self.sealer()?.seal(context, plain).into_bytes())
    }

    /// The plain value of stored bytes; bytes still in clear are returned as they are.
    pub(crate) fn open_bytes(&self, context: &str, stored: Vec<u8>) -> Result<Vec<u8>> {
        if !is_sealed(&stored) {
            return Ok(stored);
        }
        let text = std::str::from_utf8(&stored)
            .map_err(|_| Store::unsealable(context, SealError::Malformed))?;
        self.sealer()?
            .open(context, text)
            .map_err(|e| Store::unsealable(context, e))
    }

    /// Seals, with the current secret key, the values `which` selects in every sealed
    /// column; returns how many were rewritten. Each row is replaced only if it still holds
    /// the value read, so a concurrent writer (or a second process doing the same) is never
    /// overwritten. Idempotent: a second run rewrites nothing.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reseal(&self, which: Reseal) -> Result<u64> {
        let skip = match which {
            Reseal::Plain => SEALED_PREFIX.to_string(),
            Reseal::NotCurrent => self.sealer()?.current_prefix(),
        };
        let mut count = self.reseal_signing_keys(&skip).await?;
        for column in &TEXT_COLUMNS {
            count += self.reseal_text_column(column, &skip).await?;
        }
        Ok(count)
    }

    /// Signing keys are few: read them all (their bytes are not text to filter in SQL).
    async fn reseal_signing_keys(&self, skip: &str) -> Result<u64> {
        let rows: Vec<(String, Vec<u8>)> =
            sqlx::query_as("SELECT kid, private_key FROM signing_keys ORDER BY kid")
                .fetch_all(self.pool())
                .await?;
        let mut count = 0;
        for (kid, stored) in rows {
            if stored.starts_with(skip.as_bytes()) {
                continue;
            }
            let context = context("signing_keys", "private_key", &kid);
            let plain = self.open_bytes(&context, stored.clone())?;
            let sealed = self.seal_bytes(&context, &plain)?;
            let done = sqlx::query(
                "UPDATE signing_keys SET private_key = $1 WHERE kid = $2 AND private_key = $3",
            )
            .bind(sealed)
            .bind(&kid)
            .bind(stored)
            .execute(self.pool())
            .await?;
            count += done.rows_affected();
        }
        Ok(count)
    }

    async fn reseal_text_column(&self, c: &TextColumn, skip: &str) -> Result<u64> {
        let TextColumn { table, key, column } = c;
        // The names are constants of this file, never input.
        let select = format!(
            "SELECT {key}, {column} FROM {table} WHERE {column} NOT LIKE $1 AND {column} <> '' \
             AND {key} > $2 ORDER BY {key} LIMIT $3"
        );
        let update = format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3");
        let pattern = format!("{skip}%");
        let (mut after, mut count) = (String::new(), 0);
        loop {
            let rows: Vec<(String, String)> = sqlx::query_as(&select)
                .bind(&pattern)
                .bind(&after)
                .bind(BATCH)
                .fetch_all(self.pool())
                .await?;
            let Some((last, _)) = rows.last() else {
                return Ok(count);
            };
            after = last.clone();
            for (row, stored) in rows {
                let context = context(table, column, &row);
                let plain = self.open_text(&context, stored.clone())?;
                let sealed = self.seal_text(&context, &plain)?;
                let done = sqlx::query(&update)
                    .bind(sealed)
                    .bind(&row)
                    .bind(stored)
                    .execute(self.pool())
                    .await?;
                count += done.rows_affected();
            }
        }
    }
}
