//! Password hashing with Argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1).
//!
//! A hash takes tens of milliseconds of CPU and 19 MiB of memory, so it never runs on the
//! async workers: one hashing thread per core takes jobs from bounded queues. A flood waits
//! in line, then is refused ([`PasswordError::Busy`]), instead of exhausting memory; a job
//! whose caller has gone is skipped; a thread that finishes a hash starts the next at once,
//! with no hand-off through the async runtime; and each thread keeps its 19 MiB work area,
//! instead of allocating (and page-faulting) that much per hash.
//!
//! Signing in keeps its share whatever else arrives (DECISIONS §85): checks of a password
//! ([`verify`], the sign-in class) and new hashes ([`hash`]: sign-up, reset, change, the
//! other class) wait in separate queues, a free thread always takes a sign-in first, and
//! the other class may occupy at most half the threads. A flood of sign-ups or resets fills
//! its own queue and is refused there, and never delays a sign-in by more than the hash a
//! thread is finishing.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock};

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

/// Sign-in checks that may wait per hashing thread: at ~25 ms a hash, under two seconds of
/// backlog.
const SIGN_IN_QUEUE_PER_THREAD: usize = 64;
/// New hashes (sign-up, reset, change) that may wait per hashing thread: a person signing
/// up waits at most about a second; a flood beyond that is refused at once.
const OTHER_QUEUE_PER_THREAD: usize = 16;

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, Some(32)).expect("OWASP Argon2id parameters are valid")
}

type Job = Box<dyn FnOnce() + Send>;

/// Who a hash is for: signing in comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Checking the password of a person signing in (or confirming who they are).
    SignIn,
    /// Hashing a new password: sign-up, reset, change, accounts made by administrators.
    Other,
}

/// One hashing thread per core: every core busy, none juggling two 19 MiB hashes. At least
/// two, so that one is always left to sign-ins.
pub fn hashing_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// Threads the [`Class::Other`] jobs may occupy at once: half (of at least two), so the
/// other half is sign-ins' alone.
fn other_threads() -> usize {
    hashing_threads() / 2
}

#[derive(Default)]
struct Queues {
    sign_in: VecDeque<Job>,
    other: VecDeque<Job>,
    /// Threads running an [`Class::Other`] job now.
    other_running: usize,
}

impl Queues {
    /// The next job a free thread may take: a sign-in first; another class's job only
    /// while it holds fewer than its share of the threads.
    fn next(&mut self) -> Option<(Class, Job)> {
        let next = self.take();
        crate::metrics::hash_queues(self.sign_in.len(), self.other.len());
        next
    }

    fn take(&mut self) -> Option<(Class, Job)> {
        if let Some(job) = self.sign_in.pop_front() {
            return Some((Class::SignIn, job));
        }
        if self.other_running < other_threads()
            && let Some(job) = self.other.pop_front()
        {
            self.other_running += 1;
            return Some((Class::Other, job));
        }
        None
    }
}

struct Hasher {
    queues: Mutex<Queues>,
    ready: Condvar,
}

fn hasher() -> &'static Hasher {
    static HASHER: OnceLock<&'static Hasher> = OnceLock::new();
    HASHER.get_or_init(|| {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher {
            queues: Mutex::new(Queues::default()),
            ready: Condvar::new(),
        }));
        for n in 0..hashing_threads() {
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || hasher.work());
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        hasher
    })
}

impl Hasher {
    /// A hashing thread: takes the next job it may, runs it, and gives back its share.
    fn work(&self) {
        loop {
            let Ok(mut queues) = self.queues.lock() else {
                return;
            };
            let (class, job) = loop {
                if let Some(next) = queues.next() {
                    break next;
                }
                queues = match self.ready.wait(queues) {
                    Ok(queues) => queues,
                    Err(_) => return,
                };
            };
            drop(queues);
            // A panicking hash must not take its thread (and, in the end, every hashing
            // thread) with it; its caller sees a failure.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            if class == Class::Other {
                let Ok(mut queues) = self.queues.lock() else {
                    return;
                };
                queues.other_running -= 1;
                // The share it gave back may let another thread take a waiting job.
                self.ready.notify_one();
            }
        }
    }

    fn submit(&self, class: Class, job: Job) -> Result<(), PasswordError> {
        let mut queues = self.queues.lock().map_err(|_| PasswordError::Hash)?;
        let (queue, room) = match class {
            Class::SignIn => (
                &mut queues.sign_in,
                SIGN_IN_QUEUE_PER_THREAD * hashing_threads(),
            ),
            Class::Other => (
                &mut queues.other,
                OTHER_QUEUE_PER_THREAD * hashing_threads(),
            ),
        };
        if queue.len() >= room {
            return Err(PasswordError::Busy);
        }
        queue.push_back(job);
        crate::metrics::hash_queues(queues.sign_in.len(), queues.other.len());
        drop(queues);
        // Every thread may be waiting, some unable to take this class: wake them all.
        self.ready.notify_all();
        Ok(())
    }
}

/// Runs `work` on a hashing thread, after the jobs of its class queued before it.
async fn run_queued<T: Send + 'static>(
    class: Class,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let (done, result) = oneshot::channel();
    let queued = std::time::Instant::now();
    let job: Job = Box::new(move || {
        let class = match class {
            Class::SignIn => crate::metrics::HashClass::sign_in,
            Class::Other => crate::metrics::HashClass::other,
        };
        crate::metrics::hash_waited(class, queued.elapsed());
        // The caller gave up (its request timed out or its client left): skip the work.
        if done.is_closed() {
            return;
        }
        let _ = done.send(work());
    });
    hasher().submit(class, job)?;
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
    use tracing::Instrument;
    let span = crate::telemetry::hashing_span("argon2id hash");
    run_queued(Class::Other, move || hash_blocking(&password))
        .instrument(span)
        .await?
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
    use tracing::Instrument;
    let span = crate::telemetry::hashing_span("argon2id verify");
    run_queued(Class::SignIn, move || verify_blocking(&password, &hash))
        .instrument(span)
        .await
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
            let failed = run_queued(Class::SignIn, || -> u8 { panic!("a hash that panics") }).await;
            assert!(matches!(failed, Err(PasswordError::Hash)));
        }
        assert_eq!(run_queued(Class::SignIn, || 7).await.ok(), Some(7));
        assert_eq!(run_queued(Class::Other, || 8).await.ok(), Some(8));
    }
    #[tokio::test]
    async fn a_flood_of_new_hashes_leaves_sign_ins_their_share() {
        use std::sync::{Arc, Condvar, Mutex};
        use std::time::Duration;
        // New hashes that hold every thread their class may have until released.
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let blocker = |gate: Arc<(Mutex<bool>, Condvar)>| -> Job {
            Box::new(move || {
                let (open, opened) = &*gate;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = opened.wait(open).unwrap();
                }
            })
        };
        for _ in 0..other_threads() {
            hasher()
                .submit(Class::Other, blocker(gate.clone()))
                .unwrap();
        }
        // ... and fill their queue until it refuses.
        let mut queued = 0;
        while hasher().submit(Class::Other, Box::new(|| {})).is_ok() {
            queued += 1;
            assert!(queued <= OTHER_QUEUE_PER_THREAD * hashing_threads() + other_threads());
        }
        assert!(matches!(
            run_queued(Class::Other, || ()).await,
            Err(PasswordError::Busy)
        ));
        // A sign-in still runs at once.
        let signed_in =
            tokio::time::timeout(Duration::from_secs(5), run_queued(Class::SignIn, || 42))
                .await
                .expect("a sign-in is not held back by the flood");
        assert_eq!(signed_in.ok(), Some(42));
        let (open, opened) = &*gate;
        *open.lock().unwrap() = true;
        opened.notify_all();
    }
}
