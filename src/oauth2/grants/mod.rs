//! One file per grant type (RFC 6749 §4), dispatched from [`crate::oauth2::token`].

pub mod client_credentials;
