//! Integration tests: each test boots the real server on an ephemeral port with a fresh
//! database (SQLite by default; PostgreSQL when `FARM_AUTH_TEST_DATABASE_URL` points at one)
//! and talks to it over HTTP, as a client would.

mod support;

mod account_api;
mod admin_api;
mod admin_console;
mod audit_trail;
mod authenticator_app;
mod authorization_code;
mod bad_input;
mod bad_input_authorize;
mod bad_input_pages;
mod browser;
mod cli;
mod client_credentials;
mod device_flow;
mod discovery;
mod email_verification;
mod introspection;
mod keys;
mod logout;
mod logs;
mod mail_delivery;
mod oidc_rp;
mod own_sessions;
mod passkeys;
mod password_reset;
mod prompt;
mod refresh;
mod registration;
mod replicas;
mod revocation;
mod store;
mod suspension;
mod throttling;
mod token_rate_limit;
mod userinfo;
