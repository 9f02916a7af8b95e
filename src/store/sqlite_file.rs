//! The SQLite database file, created before SQLite would create it, with its owner's
//! permissions only.

use super::{Result, StoreError};

/// Creates the SQLite file readable by its owner only (it holds the private signing keys),
/// before SQLite would create it with the umask's permissions. SQLite gives its `-wal` and
/// `-shm` files the same mode as the database file.
pub(super) fn create_private_file(url: &str) -> Result<()> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(sqlx::Error::Io(e))),
    }
}
