//! Random values and secret handling shared by every area: token generation, hashing of
//! high-entropy secrets, constant-time comparison, and the sealing of secrets at rest.
//!
//! Sealing: the private signing keys, the TOTP secrets and the bodies of queued mail (which
//! carry sign-in and reset links) are stored encrypted under a key-encryption key, the
//! *secret key* (`FARM_AUTH_SECRET_KEY`), so that a copy of the database alone forges no
//! token and opens no account. See [`Sealer`] for the format and `docs/DECISIONS.md` for
//! the choices.

use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::{constant_time, digest, rand};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The system RNG only fails when the OS cannot provide entropy at all; nothing safe can
    // be done without it, so this is one of the few places a panic is the right answer.
    rand::fill(&mut buf).expect("the operating system random number generator failed");
    buf
}

/// A URL-safe random token of `N` bytes of entropy (base64url without padding).
pub fn random_token<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<N>())
}

/// A random identifier of 128 bits that people may type in commands (a client id, a user
/// id): a [`random_token`] that does not start with `-` or `_`, so that no command line
/// reads it as an option. Redrawing costs 3 of 128 bits' worth of choices, never entropy
/// that matters.
pub fn random_id() -> String {
    loop {
        let id = random_token::<16>();
        if id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return id;
        }
    }
}

/// SHA-256 of a high-entropy secret, as lowercase hex. Right for server-generated secrets
/// (client secrets, refresh tokens, codes): they carry 128+ bits of entropy, so a slow KDF
/// would add cost and no security. Never use this for passwords.
pub fn hash_secret(secret: &str) -> String {
    let digest = digest::digest(&digest::SHA256, secret.as_bytes());
    hex(digest.as_ref())
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    constant_time::verify_slices_are_equal(a, b).is_ok()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// What every sealed value starts with: the format version, then the id of the secret key
/// that sealed it, so that a value sealed under a previous key is still opened during a
/// rotation and `farm-auth secrets rekey` finds what is left to re-seal.
pub const SEALED_PREFIX: &str = "sealed:v1:";

/// A 256-bit secret key (key-encryption key), as configured. Its `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; 32],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id())
    }
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> SecretKey {
        SecretKey {
            bytes: random_bytes::<32>(),
        }
    }

    /// 32 bytes in base64 (standard or URL-safe, padded or not, as `openssl rand -base64 32`
    /// prints it) or in hex.
    pub fn parse(text: &str) -> Option<SecretKey> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()?
        } else {
            let unpadded = text.trim_end_matches('=');
            URL_SAFE_NO_PAD
                .decode(unpadded)
                .or_else(|_| STANDARD.decode(text))
                .ok()?
        };
        Some(SecretKey {
            bytes: bytes.try_into().ok()?,
        })
    }

    /// The form [`SecretKey::parse`] reads: base64url, 43 characters.
    pub fn encode(&self) -> String {
        base64url(&self.bytes)
    }

    /// A public name for the key (48 bits of a hash of it): which key sealed a value.
    pub fn id(&self) -> String {
        let mut input = b"farm-auth secret key id\0".to_vec();
        input.extend_from_slice(&self.bytes);
        hex(&digest::digest(&digest::SHA256, &input).as_ref()[..6])
    }
}

/// Why a sealed value could not be opened.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "it is sealed with secret key {0}, which is not configured: set FARM_AUTH_SECRET_KEY \
         (or FARM_AUTH_SECRET_KEY_PREVIOUS during a rotation) to the key it was sealed with"
    )]
    UnknownKey(String),
    #[error("it does not open with secret key {0}: the value was altered, or moved to another row")]
    Forged(String),
    #[error("it is not in the sealed format")]
    Malformed,
}

/// Seals and opens secrets at rest with AES-256-GCM (aws-lc-rs): a fresh random 96-bit nonce
/// for each value, and the column and row the value belongs to as associated data, so that
/// a sealed value copied into another row (another person's TOTP secret, another key) does
/// not open. The stored text is `sealed:v1:KEYID:` then base64url of nonce, ciphertext and
/// tag. Values are sealed with the current key and opened with it or any previous one.
pub struct Sealer {
    current: (String, LessSafeKey),
    previous: Vec<(String, LessSafeKey)>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("current", &self.current.0)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn aead_key(key: &SecretKey) -> (String, LessSafeKey) {
    let unbound = UnboundKey::new(&AES_256_GCM, &key.bytes).expect("a 256-bit key fits AES-256");
    (key.id(), LessSafeKey::new(unbound))
}

impl Sealer {
    pub fn new(current: &SecretKey, previous: &[SecretKey]) -> Sealer {
        Sealer {
            current: aead_key(current),
            previous: previous
                .iter()
                .filter(|k| k.id() != current.id())
                .map(aead_key)
                .collect(),
        }
    }

    /// The sealer a process uses for `database_url`: the configured key, or, for an SQLite
    /// file and no key configured, the one kept in a file beside the database
    /// ([`key_file_for`]), made on first use. PostgreSQL is shared by replicas that must hold
    /// the same key, so there it must be configured.
    pub fn for_database(
        database_url: &str,
        current: Option<&SecretKey>,
        previous: &[SecretKey],
    ) -> anyhow::Result<Sealer> {
        if let Some(current) = current {
            return Ok(Sealer::new(current, previous));
        }
        if !database_url.starts_with("sqlite:") {
            anyhow::bail!(
                "FARM_AUTH_SECRET_KEY is required with PostgreSQL: every replica must seal and \
                 open secrets with the same key. Make one with `farm-auth secrets new-key` \
                 and give it to every replica."
            );
        }
        let key = match key_file_for(database_url) {
            Some(path) => read_or_create_key_file(&path)?,
            // An in-memory database lives as long as the process; so may its key.
            None => SecretKey::generate(),
        };
        Ok(Sealer::new(&key, previous))
    }

    /// The prefix of values sealed with the current key.
    pub fn current_prefix(&self) -> String {
        format!("{SEALED_PREFIX}{}:", self.current.0)
    }

    /// Seals `plain` for the row named by `context` (`table.column:row id`).
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let nonce_bytes = random_bytes::<NONCE_LEN>();
        let mut buffer = plain.to_vec();
        self.current
            .1
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context.as_bytes()),
                &mut buffer,
            )
            .expect("AES-GCM sealing of a small value does not fail");
        let mut envelope = nonce_bytes.to_vec();
        envelope.extend_from_slice(&buffer);
        format!("{}{}", self.current_prefix(), base64url(&envelope))
    }

    /// Opens a value sealed by [`Sealer::seal`] for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let rest = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(SealError::Malformed)?;
        let (id, payload) = rest.split_once(':').ok_or(SealError::Malformed)?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|(known, _)| known == id)
            .map(|(_, key)| key)
            .ok_or_else(|| SealError::UnknownKey(id.to_string()))?;
        let envelope = base64url_decode(payload).ok_or(SealError::Malformed)?;
        if envelope.len() < NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = envelope.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Malformed)?;
        let mut buffer = ciphertext.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer)
            .map_err(|_| SealError::Forged(id.to_string()))?;
        Ok(plain.to_vec())
    }
}

/// Whether a stored value is sealed (values written before sealing existed are not, until
/// the start-up step seals them).
pub fn is_sealed(stored: &[u8]) -> bool {
    stored.starts_with(SEALED_PREFIX.as_bytes())
}

/// Where the secret key of an SQLite database file is kept when none is configured:
/// `farm-auth.db` → `farm-auth.db.key`. `None` for an in-memory database.
pub fn key_file_for(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || database_url.contains("mode=memory") {
        return None;
    }
    let mut file = PathBuf::from(path).into_os_string();
    file.push(".key");
    Some(PathBuf::from(file))
}

/// Reads the key file, or creates it (mode 0600) with a new key. Two processes starting
/// together agree: the file appears whole or not at all (written aside, then linked).
fn read_or_create_key_file(path: &Path) -> anyhow::Result<SecretKey> {
    use anyhow::Context;
    if !path.exists() {
        let aside = path.with_extension(format!("key.{}", random_id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&aside).and_then(|mut file| {
            use std::io::Write;
            writeln!(file, "{}", SecretKey::generate().encode())?;
            file.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&aside, path));
        let _ = std::fs::remove_file(&aside);
        match linked {
            Ok(()) => tracing::info!(file = %path.display(), "made a new secret key"),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot write the secret key file {}", path.display())
                });
            }
        }
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret key file {}", path.display()))?;
    SecretKey::parse(&text).with_context(|| {
        format!(
            "the secret key file {} does not hold a 32-byte key in base64",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_for_its_own_row_with_a_known_key_only() {
        let old = SecretKey::generate();
        let new = SecretKey::generate();
        let sealed = Sealer::new(&old, &[]).seal("t.c:1", b"secret");
        assert!(sealed.starts_with(&format!("sealed:v1:{}:", old.id())));
        assert!(!sealed.contains("secret"));
        assert_eq!(
            Sealer::new(&old, &[]).open("t.c:1", &sealed).unwrap(),
            b"secret"
        );
        assert_eq!(
            Sealer::new(&old, &[]).open("t.c:2", &sealed),
            Err(SealError::Forged(old.id()))
        );
        assert_eq!(
            Sealer::new(&new, &[]).open("t.c:1", &sealed),
            Err(SealError::UnknownKey(old.id()))
        );
        let rotating = Sealer::new(&new, std::slice::from_ref(&old));
        assert_eq!(rotating.open("t.c:1", &sealed).unwrap(), b"secret");
        assert!(
            rotating
                .seal("t.c:1", b"x")
                .starts_with(&rotating.current_prefix())
        );
        assert_eq!(
            rotating.open("t.c:1", "sealed:v1:zz"),
            Err(SealError::Malformed)
        );
    }

    #[test]
    fn secret_keys_parse_from_base64_or_hex_and_nothing_shorter() {
        let key = SecretKey::generate();
        let same = |text: &str| SecretKey::parse(text).map(|k| k.id());
        assert_eq!(same(&key.encode()), Some(key.id()));
        assert_eq!(same(&STANDARD.encode(key.bytes)), Some(key.id()));
        assert_eq!(same(&hex(&key.bytes)), Some(key.id()));
        assert_eq!(same("c2hvcnQ"), None);
        assert_eq!(same(""), None);
        assert!(!format!("{key:?}").contains(&key.encode()));
    }

    #[test]
    fn the_key_file_sits_beside_the_database_file() {
        assert_eq!(
            key_file_for("sqlite://data/farm-auth.db?mode=rwc"),
            Some(PathBuf::from("data/farm-auth.db.key"))
        );
        assert_eq!(key_file_for("sqlite::memory:"), None);
    }

    #[test]
    fn random_tokens_carry_the_requested_entropy_and_differ() {
        let a = random_token::<32>();
        let b = random_token::<32>();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn ids_never_start_like_a_command_line_option() {
        for _ in 0..2_000 {
            let id = random_id();
            assert_eq!(id.len(), 22);
            assert!(id.starts_with(|c: char| c.is_ascii_alphanumeric()), "{id}");
        }
    }

    #[test]
    fn a_secret_verifies_against_its_hash_and_nothing_else() {
        let stored = hash_secret("correct horse");
        let verify = |presented: &str| {
            constant_time_eq(hash_secret(presented).as_bytes(), stored.as_bytes())
        };
        assert!(verify("correct horse"));
        assert!(!verify("correct horsf"));
        assert!(!verify(""));
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
