//! The seeded mode's data: a fresh database per engine (a file in the run's temporary
//! directory, or `bench_<pid>` created on the PostgreSQL server and dropped afterwards), and
//! the rows added, with the server stopped, for the users `from + 1 ..= to`. Per user count N
//! (issue 13): 10 audit events each, a grant with a live refresh token per 10 users, a
//! revocation per 100 users, and rows past their time for the sweep (audit events past the
//! retention, grants with their refresh tokens, revocations and sign-ins). Bulk
//! `INSERT ... SELECT` over a generated series, as `benches/seed/*.sql` does, one statement
//! per table, each written once and given the series of its engine.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use base64::Engine as _;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{Executor, PgPool, SqlitePool};

use crate::server::Database;
use crate::settings::Engine;

const DAY: i64 = 86_400;
/// Audit events are spread over the last 300 days, older ids first (the server's own
/// events come after, with later times: `id` grows with `at`, as decision 91 relies on).
const AUDIT_SPAN: i64 = 300 * DAY;
/// The one password hash every seeded user has (unusable: nobody signs in as them).
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA";

/// The run's own database on one engine.
pub(crate) struct SeedDatabase {
    pub(crate) engine: Engine,
    pub(crate) server: Database,
    /// For PostgreSQL: the server's maintenance URL and the database to drop at the end.
    postgres: Option<(String, String)>,
}

impl SeedDatabase {
    /// A fresh, empty database (the server migrates it when it starts).
    pub(crate) async fn create(
        engine: Engine,
        dir: &std::path::Path,
        postgres_url: &str,
    ) -> Result<SeedDatabase> {
        if engine == Engine::Sqlite {
            return Ok(SeedDatabase {
                engine,
                server: Database::sqlite_in(dir),
                postgres: None,
            });
        }
        let name = format!("bench_{}", std::process::id());
        let admin = PgPool::connect(postgres_url)
            .await
            .with_context(|| format!("cannot connect to {postgres_url}"))?;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .with_context(|| format!("cannot create the database {name}"))?;
        admin.close().await;
        let mut url = url::Url::parse(postgres_url).context("a bad PostgreSQL URL")?;
        url.set_path(&name);
        // PostgreSQL needs the secret key (decision 75): a fresh one per run.
        let key: [u8; 32] = rand_bytes()?;
        Ok(SeedDatabase {
            engine,
            server: Database {
                url: url.to_string(),
                secret_key: Some(base64::engine::general_purpose::STANDARD.encode(key)),
            },
            postgres: Some((postgres_url.to_string(), name)),
        })
    }

    /// Drops the run's PostgreSQL database (the server must be stopped).
    pub(crate) async fn drop_database(&self) -> Result<()> {
        if let Some((admin_url, name)) = &self.postgres {
            let admin = PgPool::connect(admin_url).await?;
            admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await?;
            admin.close().await;
        }
        Ok(())
    }

    /// Adds the rows of users `from + 1 ..= to` (of `total` in the whole run), the grants
    /// pointing at `client_id`. Returns how long it took.
    pub(crate) async fn seed(
        &self,
        from: u64,
        to: u64,
        total: u64,
        client_id: &str,
    ) -> Result<Duration> {
        let started = Instant::now();
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
        let statements = statements(from as i64, to as i64, total as i64, now, client_id);
        match self.engine {
            Engine::Sqlite => {
                let pool = sqlite_pool(&self.server.url).await?;
                for (table, columns, values, range) in &statements {
                    let sql = sqlite_insert(table, columns, values, *range);
                    pool.execute(sql.as_str())
                        .await
                        .with_context(|| format!("seeding {table} failed"))?;
                }
                pool.execute("PRAGMA optimize").await?;
                pool.close().await;
            }
            Engine::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&self.server.url)
                    .await?;
                pool.execute("SET synchronous_commit = off").await?;
                for (table, columns, values, range) in &statements {
                    let sql = postgres_insert(table, columns, values, *range);
                    pool.execute(sql.as_str())
                        .await
                        .with_context(|| format!("seeding {table} failed"))?;
                }
                for table in [
                    "users",
                    "audit_events",
                    "grants",
                    "refresh_tokens",
                    "revoked_tokens",
                    "login_sessions",
                ] {
                    pool.execute(format!("VACUUM ANALYZE {table}").as_str())
                        .await?;
                }
                pool.close().await;
            }
        }
        Ok(started.elapsed())
    }
}

impl SeedDatabase {
    /// Runs bulk inserts (table, columns, values over the series' `i`, its first and last
    /// `i`) on the database, which the server may be using meanwhile.
    pub(crate) async fn insert(&self, inserts: &[(&str, &str, String, (i64, i64))]) -> Result<()> {
        let sqls = inserts
            .iter()
            .map(|(table, columns, values, range)| match self.engine {
                Engine::Sqlite => sqlite_insert(table, columns, values, *range),
                Engine::Postgres => postgres_insert(table, columns, values, *range),
            });
        let sqls: Vec<String> = sqls.collect();
        match self.engine {
            Engine::Sqlite => {
                let pool = sqlite_pool(&self.server.url).await?;
                for sql in &sqls {
                    pool.execute(sql.as_str()).await?;
                }
                pool.close().await;
            }
            Engine::Postgres => {
                let pool = PgPool::connect(&self.server.url).await?;
                for sql in &sqls {
                    pool.execute(sql.as_str()).await?;
                }
                pool.close().await;
            }
        }
        Ok(())
    }
}

async fn sqlite_pool(url: &str) -> Result<SqlitePool> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .with_context(|| format!("cannot open {url}"))?;
    pool.execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000",
    )
    .await?;
    Ok(pool)
}

/// One bulk insert: the table, its columns, the values (SQL over the series' `i`), and the
/// series' first and last `i` (none when first > last).
type Statement = (&'static str, &'static str, String, (i64, i64));

fn sqlite_insert(table: &str, columns: &str, values: &str, (a, b): (i64, i64)) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT {a} UNION ALL SELECT i + 1 FROM n WHERE i < {b}) \
         INSERT INTO {table} ({columns}) SELECT {values} FROM n WHERE i <= {b}"
    )
}

fn postgres_insert(table: &str, columns: &str, values: &str, (a, b): (i64, i64)) -> String {
    format!(
        "INSERT INTO {table} ({columns}) SELECT {values} \
         FROM generate_series({a}::bigint, {b}::bigint) AS n(i)"
    )
}

/// What users `from + 1 ..= to` bring, as bulk inserts.
fn statements(from: i64, to: i64, total: i64, now: i64, client: &str) -> Vec<Statement> {
    // Per 10 and per 100 users, numbered so that the steps of one run never collide.
    let tenth = (from / 10 + 1, to / 10);
    let hundredth = (from / 100 + 1, to / 100);
    let audit_start = now - AUDIT_SPAN - DAY;
    let events = "CASE i % 13 WHEN 0 THEN 'login.password' WHEN 1 THEN 'login.password' \
        WHEN 2 THEN 'login.password' WHEN 3 THEN 'login.totp' WHEN 4 THEN 'token.issued' \
        WHEN 5 THEN 'session.ended' WHEN 6 THEN 'session.ended' WHEN 7 THEN 'login.passkey' \
        WHEN 8 THEN 'password.reset' WHEN 9 THEN 'totp.enabled' WHEN 10 THEN 'user.locked' \
        WHEN 11 THEN 'client.created' ELSE 'login.failed' END";
    let grant = |prefix: &str, code: &str, expires: i64| {
        format!(
            "'{prefix}' || i, '{client}', 'u' || (i * 10), 'openid profile offline_access', \
             's' || i, {auth}, '[\"pwd\"]', 'https://rp.example/cb', '{code}' || i, {auth}, \
             {auth}, {auth}, {expires}",
            auth = now - 3_600,
        )
    };
    let token = |prefix: &str, grant: &str, idle: i64| {
        format!(
            "'{prefix}' || i, '{grant}' || i, 'openid profile offline_access', {}, {idle}, \
             'j{prefix}' || i, {now}",
            now - 3_600
        )
    };
    const GRANT: &str = "id, client_id, user_id, scope, sid, auth_time, amr, redirect_uri, \
        code_hash, code_expires_at, code_used_at, created_at, expires_at";
    const TOKEN: &str =
        "token_hash, grant_id, scope, created_at, idle_expires_at, access_jti, access_exp";
    const REVOKED: &str = "jti, expires_at, revoked_at";
    vec![
        (
            "users",
            "id, username, username_normalized, email, email_normalized, email_verified, \
             password_hash, roles, created_at, updated_at",
            format!(
                "'u' || i, 'user' || i, 'user' || i, 'p' || i || '@farm' || (i % 97) || \
                 '.example', 'p' || i || '@farm' || (i % 97) || '.example', 1, '{HASH}', \
                 '[\"consumer\"]', {t} + i, {t} + i",
                t = now - 400 * DAY
            ),
            (from + 1, to),
        ),
        // Past the retention (a year): the sweep's. First, so their ids are the older.
        (
            "audit_events",
            "at, event, outcome, user_id, ip, client_id",
            format!(
                "{} + i, 'login.password', 'success', 'u' || (i * 10), '10.0.0.1', 'client1'",
                now - 400 * DAY
            ),
            tenth,
        ),
        (
            "audit_events",
            "at, event, outcome, user_id, ip, client_id",
            format!(
                "{audit_start} + (i * {AUDIT_SPAN}) / {}, {events}, 'success', \
                 'u' || ((i * 7919) % {to} + 1), '10.0.0.1', 'client' || (i % 100)",
                total * 10
            ),
            (from * 10 + 1, to * 10),
        ),
        ("grants", GRANT, grant("g", "c", now + 30 * DAY), tenth),
        (
            "refresh_tokens",
            TOKEN,
            token("r", "g", now + 14 * DAY),
            tenth,
        ),
        ("grants", GRANT, grant("gx", "cx", now - DAY), hundredth),
        (
            "refresh_tokens",
            TOKEN,
            token("rx", "gx", now - DAY),
            hundredth,
        ),
        (
            "revoked_tokens",
            REVOKED,
            format!("'rv' || i, {}, {now}", now + DAY),
            hundredth,
        ),
        (
            "revoked_tokens",
            REVOKED,
            format!("'rvx' || i, {}, {}", now - 60, now - DAY),
            hundredth,
        ),
        (
            "login_sessions",
            "sid, user_id, auth_time, amr, created_at, expires_at",
            format!(
                "'lsx' || i, 'u' || (i * 100), {t}, '[\"pwd\"]', {t}, {}",
                now - DAY,
                t = now - 40 * DAY
            ),
            hundredth,
        ),
    ]
    .into_iter()
    .filter(|(_, _, _, (a, b))| a <= b)
    .collect()
}

fn rand_bytes<const N: usize>() -> Result<[u8; N]> {
    use aws_lc_rs::rand::SecureRandom;
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("no random bytes"))?;
    Ok(bytes)
}
