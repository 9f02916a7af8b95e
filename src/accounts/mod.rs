//! People: user accounts, roles, password hashing, and signing in.

pub mod login;
pub mod password;
pub mod users;
