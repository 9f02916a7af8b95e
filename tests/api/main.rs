//! Integration tests: each test boots the real server on an ephemeral port with a fresh
//! database (SQLite by default; PostgreSQL when `FARM_AUTH_TEST_DATABASE_URL` points at one)
//! and talks to it over HTTP, as a client would.

mod helpers;

mod bad_input;
mod cli;
mod client_credentials;
mod discovery;
mod introspection;
mod keys;
mod logs;
mod replicas;
mod revocation;
mod store;
