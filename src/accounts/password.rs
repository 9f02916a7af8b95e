//! Password hashing with Argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1).
//!
//! A hash takes tens of milliseconds of CPU and 19 MiB of memory, so it never runs on the
//! async workers: one hashing thread per core takes jobs from a bounded queue. A flood of
//! login attempts waits in line, then is refused ([`PasswordError::Busy`]), instead of
//! exhausting memory; a job whose caller has gone is skipped; a thread that finishes a hash
//! starts the next at once, with no hand-off through the async runtime; and each thread
//! keeps its 19 MiB work area, instead of allocating (and page-faulting) that much per hash.

use std::cell::RefCell;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
    /// The queue is full: more checks are waiting than can finish in good time.
    #[error("too many password checks are waiting")]
    Busy,
}

/// Jobs that may wait per hashing thread: at ~25 ms a hash, under two seconds of backlog.
const QUEUE_PER_THREAD: usize = 64;

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, Some(32)).expect("OWASP Argon2id parameters are valid")
}

type Job = Box<dyn FnOnce() + Send>;

/// One hashing thread per core: every core busy, none juggling two 19 MiB hashes.
pub fn hashing_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn queue() -> &'static SyncSender<Job> {
    static QUEUE: OnceLock<SyncSender<Job>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, receiver) = sync_channel::<Job>(QUEUE_PER_THREAD * hashing_threads());
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..hashing_threads() {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panicking hash must not take its thread (and, in the end,
                            // every hashing thread) with it; its caller sees a failure.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        sender
    })
}

/// Runs `work` on a hashing thread, after the jobs queued before it.
async fn run_queued<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let (done, result) = oneshot::channel();
    let job: Job = Box::new(move || {
        // The caller gave up (its request timed out or its client left): skip the work.
        if done.is_closed() {
            return;
        }
        let _ = done.send(work());
    });
    match queue().try_send(job) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => return Err(PasswordError::Busy),
        Err(TrySendError::Disconnected(_)) => return Err(PasswordError::Hash),
    }
    result.await.map_err(|_| PasswordError::Hash)
}

/// Runs Argon2 in this thread's work area (made, or remade, at the size `argon` needs).
fn compute(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    thread_local! {
        static AREA: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    }
    let blocks = argon.params().block_count();
    AREA.with_borrow_mut(|area| {
        if area.len() != blocks {
            *area = vec![Block::default(); blocks];
        }
        argon
            .hash_password_into_with_memory(password, salt, out, &mut area[..])
            .is_ok()
    })
}

/// Hashes `password` into a PHC string (salt and parameters included).
pub async fn hash(password: String) -> Result<String, PasswordError> {
    run_queued(move || hash_blocking(&password)).await?
}

pub fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt_bytes = crate::secrets::random_bytes::<16>();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| PasswordError::Hash)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
    let mut out = [0u8; 32];
    if !compute(&argon, password.as_bytes(), &salt_bytes, &mut out) {
        return Err(PasswordError::Hash);
    }
    let output = Output::new(&out).map_err(|_| PasswordError::Hash)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params()).try_into().map_err(|_| PasswordError::Hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches; a
/// check that could not run is an error, never a mismatch.
pub async fn verify(password: String, hash: String) -> Result<bool, PasswordError> {
    run_queued(move || verify_blocking(&password, &hash)).await
}

/// Verifies under the algorithm, version and parameters the hash names, so hashes made
/// with other settings keep working.
pub fn verify_blocking(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    // `Output` compares in constant time.
    compute(&argon, password.as_bytes(), salt, &mut out)
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn a_hash_is_argon2id_at_owasp_strength_and_verifies() {
        let hash = hash_blocking("correct horse battery staple").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking("correct horse battery staple", &hash));
        assert!(!verify_blocking("correct horse battery stapler", &hash));
        assert!(!verify_blocking("x", "not a hash"));
    }

    #[test]
    fn hashes_agree_with_the_reference_implementation_both_ways() {
        let ours = hash_blocking("sunflower fields").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"sunflower fields", &parsed)
                .is_ok()
        );
        // Made by the argon2 crate with other parameters: verified under its own.
        let theirs = argon2::password_hash::PasswordHasher::hash_password(
            &Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(8 * 1024, 1, 1, None).unwrap(),
            ),
            b"sunflower fields",
            &SaltString::encode_b64(b"0123456789abcdef").unwrap(),
        )
        .unwrap()
        .to_string();
        assert!(verify_blocking("sunflower fields", &theirs));
        assert!(!verify_blocking("sunflower field", &theirs));
    }

    #[tokio::test]
    async fn a_panicking_job_leaves_the_hashing_threads_working() {
        for _ in 0..=hashing_threads() {
            let failed = run_queued(|| -> u8 { panic!("a hash that panics") }).await;
            assert!(matches!(failed, Err(PasswordError::Hash)));
        }
        assert_eq!(run_queued(|| 7).await.ok(), Some(7));
    }
}
