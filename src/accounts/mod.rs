//! People: user accounts, roles and password hashing.

pub mod password;
pub mod users;
