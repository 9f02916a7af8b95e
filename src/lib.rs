//! farm-auth: the sign-in and token service of *Not Far(m) From Home*.
//!
//! An OAuth 2.0 authorization server and OpenID Provider. The crate is laid out so that the
//! protocol lives apart from the two adapters around it:
//!
//! - [`web`] is the only module that knows HTTP (axum), pages (askama; [`mail`] renders its
//!   own mail templates) and browser sessions (tower-sessions). Each area owns its routes;
//!   handlers extract, call one domain function and render; every error is rendered in one
//!   place ([`web::error`]).
//! - [`oauth2`] and [`oidc`] hold the protocol rules (RFC 6749, 6750, 7009, 7591, 7592, 7636,
//!   7662, 8628, 9068, 9207; OpenID Connect Core, Discovery and RP-Initiated Logout) with no
//!   HTTP types in them: the authorization endpoint, one file per grant, client registration
//!   (by administrators and by vendors), ID tokens, claims, UserInfo.
//! - [`keys`] owns the signing keys: generation, rotation, the JWKS, signing and verifying JWTs.
//! - [`accounts`] owns people: users, roles, password hashing, signing in, second factors
//!   (TOTP, recovery codes, passkeys), recovery by mail, brute-force defence, the audit trail,
//!   and what administrators do to accounts; also farm-auth as the relying party of upstream
//!   OpenID providers people may sign in with (`accounts::upstream`).
//! - [`mail`] is the adapter to the outside mail system (lettre): an outbox in the database,
//!   sent by a background worker over SMTP or into `.eml` files.
//! - [`store`] is the only module that talks SQL (sqlx), one query layer for SQLite and
//!   PostgreSQL.
//! - [`domain`] holds the values that arrive as text, each parsed once by its type's
//!   `parse`: ids, scopes, roles, a device request's status, redirect URIs, usernames. The
//!   store keeps them in its records, so a corrupt stored value is an error where it is read.
//!
//! - [`i18n`] is the person's language: negotiated once per request (`ui_locales`,
//!   `Accept-Language`, English), and the one catalogue of words pages and mail are
//!   written with.
//!
//! Dependencies point one way: `web → (oauth2 | oidc | accounts | keys) → store → domain`
//! (every module may use [`domain`]; it uses none of them); `accounts` hands mail to
//! [`mail`], which records delivery failures in the audit trail.
//!
//! Every domain function takes the [`state::AppState`] first: the server hands it to each
//! request, and the command line ([`cli`]) opens one of its own ([`state::AppState::open`]),
//! so both call the same functions. A failure on our side is an [`error::InternalError`]
//! that keeps its cause, carried up to [`web::error`], which logs the chain once and answers
//! 500. [`app`] is start-up and shutdown; [`clock`] and [`secrets`] are time and randomness
//! as dependencies; `main.rs` is a shim.

pub mod accounts;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod i18n;
pub mod keys;
pub mod mail;
pub mod metrics;
pub mod oauth2;
pub mod oidc;
pub mod outbound;
pub mod secrets;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;

pub use app::App;
pub use clock::Clock;
pub use config::Config;
