//! APIs (resource servers) with their own audience (RFC 8707, RFC 9068, RFC 7662 §4): which
//! audience each token gets, `invalid_target` for every bad `resource` with nothing written,
//! who learns what at introspection, a platform service's own verification, vendor apps and
//! the APIs' scopes, and administering APIs on the command line, the console and the admin
//! API.

mod administration;
mod audiences;
mod introspection;
mod invalid_target;
mod vendors;
