//! OpenID Connect: provider metadata (Discovery 1.0 and RFC 8414).

pub mod discovery;
