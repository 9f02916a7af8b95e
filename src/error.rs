//! Failures that are ours, not the caller's: the database, a signing key, the password
//! hashers, the session store. Every error type that a request can end in carries one of
//! these as its `Internal` variant, with the cause kept as a `#[source]`, so that
//! `web::error` can log the whole chain once, where it becomes a 500, and answer with
//! nothing more than "something went wrong".
//!
//! Displays here name the failure and leave the cause to the chain: log one with
//! [`Chain`], never with its `Display` alone.

use std::error::Error;
use std::fmt;

use crate::accounts::password::PasswordError;
use crate::keys::KeyError;
use crate::store::StoreError;

/// A cause that has no type of its own here (a session store, a serializer).
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// Something on our side failed; the caller did nothing wrong.
#[derive(Debug, thiserror::Error)]
pub enum InternalError {
    #[error("the database failed")]
    Store(#[from] StoreError),
    #[error("a signing key failed")]
    Keys(#[from] KeyError),
    /// A hashing failure; a full queue is not one (callers answer it with 503).
    #[error("password hashing failed")]
    Password(#[source] PasswordError),
    #[error("the browser session store failed")]
    Session(#[source] BoxError),
    #[error("a response could not be serialized")]
    Serialize(#[from] serde_json::Error),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

impl InternalError {
    pub fn session(cause: impl Into<BoxError>) -> InternalError {
        InternalError::Session(cause.into())
    }

    /// The database cannot serve now (down, slow, locked, full): answered 503 with
    /// `Retry-After` rather than 500, and logged once per outage rather than per request.
    pub fn is_unavailable(&self) -> bool {
        match self {
            InternalError::Store(error) => error.is_unavailable(),
            InternalError::Keys(KeyError::Store(error)) => error.is_unavailable(),
            _ => false,
        }
    }
}

/// Displays an error with every cause after it: `a: b: c`. A cause whose text its
/// predecessor already shows (a `#[error("...: {0}")]` wrapper) is not repeated.
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            let text = cause.to_string();
            if !shown.ends_with(&text) {
                write!(f, ": {text}")?;
                shown = text;
            }
            next = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_shows_every_cause_once() {
        let io = std::io::Error::other("disk full");
        let error = InternalError::Store(StoreError::Database(sqlx::Error::Io(io)));
        let text = Chain(&error).to_string();
        assert!(text.starts_with("the database failed: "), "{text}");
        assert!(text.ends_with("disk full"), "{text}");
        assert_eq!(text.matches("disk full").count(), 1, "{text}");
    }
}
