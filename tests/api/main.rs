//! Integration tests: each test boots the real server on an ephemeral port with a fresh
//! database (SQLite by default; PostgreSQL when `FARM_AUTH_TEST_DATABASE_URL` points at one)
//! and talks to it over HTTP, as a client would.

mod helpers;
mod user_agent;

mod account_security;
mod admin_api;
mod admin_console;
mod authorization_code;
mod bad_input;
mod bad_input_authorize;
mod bad_input_pages;
mod browser;
mod cli;
mod client_credentials;
mod device_flow;
mod discovery;
mod introspection;
mod keys;
mod logout;
mod logs;
mod oidc_rp;
mod prompt;
mod refresh;
mod registration;
mod replicas;
mod revocation;
mod store;
mod userinfo;
