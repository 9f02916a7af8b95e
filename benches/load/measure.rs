//! This machine's yardsticks and the readings taken around each measurement: the RS256
//! signing rate (aws-lc-rs, as the server signs) and the Argon2id verification rate (the
//! server's own `verify_blocking`), both measured with the server idle; and CPU time and
//! memory read from `/proc`, for the server, the load generator and the whole machine.

use std::io;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use farm_auth::accounts::password;

use crate::flow::PASSWORD;

const SIGNING_DURATION: Duration = Duration::from_secs(3);
const MIB: f64 = 1024.0 * 1024.0;

/// How long the Argon2id rate is measured: a verification takes tens of milliseconds, so a
/// few hundred of them.
const HASHING_DURATION: Duration = Duration::from_secs(3);

// ---------------------------------------------------------------------------------------------
// CPU time and memory from /proc

/// CPU seconds (user + system, all threads) of the server and of this process, and of the
/// whole machine: busy (any process) and idle.
#[derive(Clone, Copy)]
pub(crate) struct CpuTimes {
    pub(crate) server: f64,
    pub(crate) loadgen: f64,
    pub(crate) machine_busy: f64,
    pub(crate) machine_idle: f64,
}

impl CpuTimes {
    pub(crate) fn read(server_pid: u32) -> Result<CpuTimes> {
        let (machine_busy, machine_idle) = machine_cpu_seconds()?;
        Ok(CpuTimes {
            server: process_cpu_seconds(&server_pid.to_string())?,
            loadgen: process_cpu_seconds("self")?,
            machine_busy,
            machine_idle,
        })
    }
}

/// Busy and idle CPU seconds of all cores since boot, from the `cpu` line of `/proc/stat`
/// (proc(5): user nice system idle iowait irq softirq steal ...; guest time is already
/// counted in user). Waiting for I/O counts as idle: no core was working.
fn machine_cpu_seconds() -> Result<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").context("cannot read /proc/stat")?;
    let ticks: Vec<u64> = stat
        .lines()
        .find_map(|line| line.strip_prefix("cpu "))
        .context("/proc/stat: no cpu line")?
        .split_whitespace()
        .take(8)
        .map(|field| {
            field
                .parse()
                .context("/proc/stat: a cpu field is not a number")
        })
        .collect::<Result<_>>()?;
    ensure!(ticks.len() == 8, "/proc/stat: the cpu line is short");
    let idle = ticks[3] + ticks[4];
    let busy = ticks.iter().sum::<u64>() - idle;
    let per_second = clock_ticks_per_second()?;
    Ok((busy as f64 / per_second, idle as f64 / per_second))
}

pub(crate) fn process_cpu_seconds(pid: &str) -> Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    let (_, rest) = stat
        .rsplit_once(')')
        .with_context(|| format!("{path}: no ')'"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // proc(5): utime and stime are fields 14 and 15, in clock ticks; `fields[0]` is field 3.
    let ticks = |index: usize| -> Result<u64> {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .with_context(|| format!("{path}: field {} is not a number", index + 3))
    };
    Ok((ticks(11)? + ticks(12)?) as f64 / clock_ticks_per_second()?)
}

fn clock_ticks_per_second() -> Result<f64> {
    // SAFETY: sysconf only reads a system constant; it has no pointer arguments.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    ensure!(ticks > 0, "sysconf(_SC_CLK_TCK) failed");
    Ok(ticks as f64)
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`, ...), in MiB.
pub(crate) fn proc_status_mib(pid: u32, field: &str) -> Result<f64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse().ok())
        .with_context(|| format!("{path}: no {field} in kB"))?;
    Ok(kib as f64 * 1024.0 / MIB)
}

// ---------------------------------------------------------------------------------------------
// The signing rate of this machine

pub(crate) struct Signing {
    pub(crate) per_cpu_second: f64,
    pub(crate) input_len: usize,
}

/// The JWS signing input of a token (`header.payload`): what the server hashes and signs.
pub(crate) fn signing_input(token: &str) -> Result<&[u8]> {
    let (input, _signature) = token
        .rsplit_once('.')
        .context("the access token is not a JWS")?;
    Ok(input.as_bytes())
}

/// RS256 signatures per CPU-second on one thread, with aws-lc-rs and RSA-2048 as the server
/// uses them; CPU time, not wall time, so other work on the machine does not lower it.
pub(crate) fn measure_signing(input: &[u8]) -> Result<Signing> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow!("RSA-2048 key generation failed"))?;
    let mut signature = vec![0u8; pair.public_modulus_len()];
    let wall = Instant::now();
    let cpu_start = thread_cpu_seconds()?;
    let mut count = 0u64;
    while wall.elapsed() < SIGNING_DURATION {
        // A new SystemRandom per signature, as the server's `KeySet::sign` does.
        pair.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input,
            &mut signature,
        )
        .map_err(|_| anyhow!("RS256 signing failed"))?;
        count += 1;
    }
    let cpu = thread_cpu_seconds()? - cpu_start;
    ensure!(cpu > 0.0, "the signing thread used no measurable CPU time");
    Ok(Signing {
        per_cpu_second: count as f64 / cpu,
        input_len: input.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// The Argon2id rate of this machine

/// Argon2id verifications, as the server does one per login.
pub(crate) struct Hashing {
    pub(crate) threads: usize,
    /// On all `threads` together, by the wall clock.
    pub(crate) per_second: f64,
    pub(crate) per_cpu_second: f64,
    /// CPU time over wall time of the threads: below 1 when other processes took cores.
    pub(crate) core_share: f64,
}

impl Hashing {
    /// The mean of two measurements: the machine's speed drifts over a run (it is shared),
    /// so the rate is measured on both sides of the flows it is compared with.
    pub(crate) fn mean(a: &Hashing, b: &Hashing) -> Hashing {
        Hashing {
            threads: a.threads,
            per_second: (a.per_second + b.per_second) / 2.0,
            per_cpu_second: (a.per_cpu_second + b.per_cpu_second) / 2.0,
            core_share: a.core_share.min(b.core_share),
        }
    }
}

/// Verifies the bench user's password against an Argon2id hash made by the server's own
/// code (m = 19 MiB, t = 2, p = 1), back to back on one thread per core: the most logins this
/// machine could ever check per second. With the server idle, like the signing rate.
pub(crate) fn measure_hashing() -> Result<Hashing> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let hash = password::hash_blocking(PASSWORD).map_err(|e| anyhow!("Argon2id: {e}"))?;
    ensure!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "the server hashes with other parameters than this bench assumes: {hash}"
    );
    let hash = hash.as_str();
    let deadline = Instant::now() + HASHING_DURATION;
    // Each thread: (verifications, its own wall seconds, its CPU seconds). Rates are summed
    // per thread, so a thread that finishes its last verification early does not count as idle.
    let per_thread: Vec<Result<(u64, f64, f64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let wall = Instant::now();
                    let cpu_start = thread_cpu_seconds()?;
                    let mut count = 0u64;
                    while Instant::now() < deadline {
                        ensure!(
                            password::verify_blocking(PASSWORD, hash),
                            "Argon2id verification of the right password failed"
                        );
                        count += 1;
                    }
                    let cpu = thread_cpu_seconds()? - cpu_start;
                    Ok((count, wall.elapsed().as_secs_f64(), cpu))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("a hashing thread panicked")))
            })
            .collect()
    });
    let (mut per_second, mut count, mut cpu, mut wall) = (0.0, 0u64, 0.0, 0.0);
    for result in per_thread {
        let (n, thread_wall, thread_cpu) = result?;
        per_second += n as f64 / thread_wall;
        count += n;
        cpu += thread_cpu;
        wall += thread_wall;
    }
    ensure!(cpu > 0.0, "the hashing threads used no measurable CPU time");
    Ok(Hashing {
        threads,
        per_second,
        per_cpu_second: count as f64 / cpu,
        core_share: cpu / wall,
    })
}

fn thread_cpu_seconds() -> Result<f64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut now) };
    if rc != 0 {
        return Err(io::Error::last_os_error()).context("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    }
    Ok(now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9)
}
