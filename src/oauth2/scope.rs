//! Scopes (RFC 6749 §3.3). The type lives in [`crate::domain::scope`], below the store that
//! keeps it; the protocol's lists of scopes live here.

pub use crate::domain::scope::{Scope, ScopeError};

/// Scopes a vendor's app never gets, whoever registers or edits it: the person's platform
/// roles would let it pass for the platform's own apps at the services, and the account and
/// admin APIs act as the person. Dropped from a vendor's client as it is read, too, so a
/// row written before this rule grants them no more.
pub const NEVER_FOR_VENDORS: &[&str] = &["roles", "account", "admin"];

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
