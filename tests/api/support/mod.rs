//! Everything the tests share, one helper per action, so that a topic file reads as its rules
//! and nothing else. Topic files import from here only (`use crate::support::...`).
//!
//! - [`app`]: the real server on port 0 with a fresh database ([`TestApp`]), clients, tokens
//!   at the OAuth endpoints, mail, captured logs and the check that no secret reaches them.
//! - [`user_agent`]: a cookie-keeping browser over plain HTTP ([`UserAgent`]) and a relying
//!   party's side of the code flow (PKCE, the authorization request, the code exchange).
//! - [`pages`]: the browser pages: signing in on the login page, whether a browser is signed
//!   in, CSRF tokens, raw posts, the page security headers, escaping.
//! - [`api`]: the JSON APIs under `/api/v1/`: a call with a bearer token, a JSON answer, an
//!   API error (status and `error` code), and a person with a token for the API.
//! - [`openapi`]: the OpenAPI document and the check that an answer fits its schema.
//! - [`authenticator_app`], [`password_reset`]: the steps of those flows that several rule
//!   families need (enrolling an app, the second step of a sign-in, a mailed reset link).
//! - [`farms`]: a farm with its owner and members, acting as a member, the farm's rows.
//! - [`resource_servers`]: APIs registered as an administrator would, tokens asked for with
//!   `resource`, and a platform service's own verifier.
//! - [`cli`]: the real binary, run in a directory of its own against a test's database.
//! - [`smtp_server`], [`soft_authenticator`]: test doubles for a mail server and a passkey.
//! - [`receiver`]: an HTTP server on loopback that keeps the server's outbound calls
//!   (webhooks, back-channel logout) and answers as told ([`Receiver`]), and independent
//!   checks of what arrived: Standard Webhooks signatures and logout tokens.
//!
//! The library's own API (`Config`, `Store`, `NewClient`, `users::create`, ...) is used here
//! and in as few topic files as possible, so a change to it is adapted in one place.

pub mod api;
pub mod app;
pub mod authenticator_app;
pub mod cli;
pub mod farms;
pub mod openapi;
pub mod pages;
pub mod password_reset;
pub mod receiver;
pub mod resource_servers;
pub mod smtp_server;
pub mod soft_authenticator;
pub mod user_agent;

pub use api::*;
pub use app::*;
pub use authenticator_app::*;
pub use cli::*;
pub use farms::*;
pub use openapi::*;
pub use pages::*;
pub use password_reset::*;
pub use receiver::*;
pub use resource_servers::*;
pub use smtp_server::FakeSmtp;
pub use soft_authenticator::SoftAuthenticator;
pub use user_agent::*;
