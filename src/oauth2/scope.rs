//! Scopes (RFC 6749 §3.3). The type lives in [`crate::domain::scope`], below the store that
//! keeps it; the protocol's lists of scopes live here.

pub use crate::domain::scope::{Scope, ScopeError};

/// Scopes that only make sense with a person behind the token.
pub const USER_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "roles",
    "farms",
    "address",
    "phone",
];
