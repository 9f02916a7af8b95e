//! What a run found, and how it is printed: a `Report` per scenario (counts, latency
//! percentiles, the CPU time of the server, the load generator and the rest of the
//! machine), gathered with the machine's rates and the server's memory into `Results`;
//! then the Markdown tables, and each goal with PASS or FAIL.

use std::path::PathBuf;
use std::time::Duration;

use crate::flow::FLOW_STEPS;
use crate::measure::{CpuTimes, Hashing, Signing};
use crate::scenarios::{Goal, Scenario, Tally, WARM_UP, Work};
use crate::settings::Settings;

/// Above this share of failed requests a scenario's numbers describe failures, not the server.
pub(crate) const MAX_ERROR_RATE: f64 = 0.01;

/// Everything that is printed at the end.
pub(crate) struct Results {
    pub(crate) settings: Settings,
    /// The `farm-auth` binary measured.
    pub(crate) binary: PathBuf,
    pub(crate) server_pid: u32,
    pub(crate) signing: Signing,
    pub(crate) hashing: Hashing,
    pub(crate) reports: Vec<Report>,
    pub(crate) idle_rss_mib: f64,
    /// Before the browser flow (see the module comment).
    pub(crate) peak_rss_mib: f64,
    /// After it.
    pub(crate) flow_peak_rss_mib: f64,
}

/// One row of results.
pub(crate) struct Report {
    pub(crate) name: &'static str,
    goal: Goal,
    /// Whether a unit of work is a whole browser flow rather than one request.
    flow: bool,
    workers: usize,
    /// Successful units of work: requests, or flows.
    requests: u64,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
    wall: Duration,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    server_cpu: f64,
    loadgen_cpu: f64,
    /// CPU seconds the rest of the machine used meanwhile (a build, say): when it is large,
    /// wall-clock figures say more about the machine than about the server.
    other_cpu: f64,
    /// CPU seconds no core had work: the server left cores unused.
    idle_cpu: f64,
    /// The browser flow's requests: name, p50, p99, mean.
    steps: Vec<StepReport>,
    /// CPU seconds of the second server the work loads too (the upstream provider).
    upstream_cpu: Option<f64>,
}

struct StepReport {
    name: &'static str,
    p50: Duration,
    p99: Duration,
    mean: Duration,
}

impl Report {
    pub(crate) fn new(
        scenario: &Scenario,
        mut tally: Tally,
        wall: Duration,
        (before, after): (CpuTimes, CpuTimes),
        upstream_cpu: Option<f64>,
    ) -> Report {
        tally.latencies_ns.sort_unstable();
        let steps = tally
            .step_latencies_ns
            .iter_mut()
            .zip(FLOW_STEPS)
            .map(|(latencies, name)| {
                latencies.sort_unstable();
                let sum: u64 = latencies.iter().sum();
                StepReport {
                    name,
                    p50: percentile(latencies, 0.50),
                    p99: percentile(latencies, 0.99),
                    mean: Duration::from_nanos(sum / (latencies.len().max(1) as u64)),
                }
            })
            .collect();
        Report {
            name: scenario.name,
            goal: scenario.goal,
            flow: matches!(scenario.work, Work::BrowserFlow(_)),
            workers: scenario.workers,
            requests: tally.latencies_ns.len() as u64,
            errors: tally.errors,
            first_error: tally.first_error,
            wall,
            p50: percentile(&tally.latencies_ns, 0.50),
            p99: percentile(&tally.latencies_ns, 0.99),
            server_cpu: after.server - before.server,
            loadgen_cpu: after.loadgen - before.loadgen,
            other_cpu: ((after.machine_busy - before.machine_busy)
                - (after.server - before.server)
                - (after.loadgen - before.loadgen))
                .max(0.0),
            idle_cpu: after.machine_idle - before.machine_idle,
            steps,
            upstream_cpu,
        }
    }

    fn per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }

    /// `None` when the server used too little CPU to divide by (under one clock tick).
    pub(crate) fn per_server_cpu_second(&self) -> Option<f64> {
        (self.server_cpu > 0.0).then(|| self.requests as f64 / self.server_cpu)
    }

    pub(crate) fn too_many_errors(&self) -> bool {
        let total = self.requests + self.errors;
        total == 0 || self.errors as f64 > total as f64 * MAX_ERROR_RATE
    }
}

/// Nearest-rank percentile of sorted latencies.
fn percentile(sorted_ns: &[u64], p: f64) -> Duration {
    if sorted_ns.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted_ns.len() as f64).ceil() as usize).clamp(1, sorted_ns.len());
    Duration::from_nanos(sorted_ns[rank - 1])
}

// ---------------------------------------------------------------------------------------------
// Output

pub(crate) fn print_results(results: &Results) {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!("\n## farm-auth load benchmark\n");
    println!(
        "{} s per scenario after a {} s warm-up, {} keep-alive connections ({} concurrent \
         browser flows), {cpus} CPUs, server pid {}.",
        results.settings.duration.as_secs(),
        WARM_UP.as_secs(),
        results.settings.connections,
        results.settings.flows,
        results.server_pid
    );
    println!(
        "RS256 signing on one thread (aws-lc-rs, RSA-2048, {}-byte JWT signing input): \
         {:.0} signatures per CPU-second.",
        results.signing.input_len, results.signing.per_cpu_second
    );
    let hashing = &results.hashing;
    println!(
        "Argon2id verification (m=19 MiB, t=2, p=1, the server's `verify_blocking`) on {} \
         threads, mean of just before and just after the browser flows: {:.1} per second \
         ({:.1} per CPU-second; the threads had {:.0}% of their cores).\n",
        hashing.threads,
        hashing.per_second,
        hashing.per_cpu_second,
        hashing.core_share * 100.0
    );
    println!(
        "| scenario | requests | req/s | p50 ms | p99 ms | errors | server CPU s \
         | req per server CPU-s | load-gen CPU s | other CPU s | idle CPU s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for report in results.reports.iter().filter(|r| !r.flow) {
        print_row(report, 0);
    }
    for report in results.reports.iter().filter(|r| r.flow) {
        println!(
            "\n| flow ({} concurrent) | flows | flows/s | p50 ms | p99 ms | errors | server CPU s \
             | flows per server CPU-s | load-gen CPU s | other CPU s | idle CPU s |",
            report.workers
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        print_row(report, 1);
        println!("\n| request of the flow | p50 ms | p99 ms | mean ms |");
        println!("|---|---:|---:|---:|");
        for step in &report.steps {
            println!(
                "| {} | {:.2} | {:.2} | {:.2} |",
                step.name,
                millis(step.p50),
                millis(step.p99),
                millis(step.mean)
            );
        }
    }
    println!(
        "\nother CPU s: what the rest of the machine used meanwhile (if large, the wall-clock \
         figures understate the server); idle CPU s: core time nobody used."
    );
    println!(
        "\nServer memory: idle RSS after start-up {:.1} MiB, peak RSS (VmHWM) {:.1} MiB before \
         the browser flow, {:.1} MiB after it.",
        results.idle_rss_mib, results.peak_rss_mib, results.flow_peak_rss_mib
    );
    for report in &results.reports {
        if let Some(error) = &report.first_error {
            println!("First error in '{}': {error}", report.name);
        }
    }
    print_goals(results);
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn print_row(report: &Report, decimals: usize) {
    let per_cpu = report
        .per_server_cpu_second()
        .map_or_else(|| "n/a".to_string(), |n| format!("{n:.decimals$}"));
    println!(
        "| {} | {} | {:.decimals$} | {:.2} | {:.2} | {} | {:.2} | {per_cpu} | {:.2} | {:.2} \
         | {:.2} |",
        report.name,
        report.requests,
        report.per_second(),
        millis(report.p50),
        millis(report.p99),
        report.errors,
        report.server_cpu,
        report.loadgen_cpu,
        report.other_cpu,
        report.idle_cpu,
    );
}

fn print_goals(results: &Results) {
    println!("\n## goals\n");
    for report in &results.reports {
        let per_cpu = report.per_server_cpu_second().unwrap_or(0.0);
        let (pass, text) = match report.goal {
            Goal::ComparedWith(with) => {
                println!(
                    "- INFO {}: {}",
                    report.name,
                    compared(results, report, with)
                );
                continue;
            }
            Goal::PerServerCpuSecond(goal) => (
                per_cpu >= goal,
                format!("{per_cpu:.0} req per server CPU-s (goal >= {goal:.0})"),
            ),
            Goal::ShareOfSigningRate(goal) => {
                let ratio = per_cpu / results.signing.per_cpu_second;
                (
                    ratio >= goal,
                    format!(
                        "{per_cpu:.0} req per server CPU-s = {ratio:.2} x the signing rate of \
                         {:.0}/CPU-s (goal >= {goal:.2})",
                        results.signing.per_cpu_second
                    ),
                )
            }
            Goal::ShareOfHashRate(goal) => {
                let hashing = &results.hashing;
                let ratio = report.per_second() / hashing.per_second;
                let cpu_ratio = per_cpu / hashing.per_cpu_second;
                let mut text = format!(
                    "{:.1} flows/s = {ratio:.2} x the Argon2id rate of {:.1}/s on {} threads \
                     (goal >= {goal:.2}); per CPU-second: {per_cpu:.1} flows per server CPU-s \
                     = {cpu_ratio:.2} x {:.1} verifications per CPU-s; p99 {:.1} ms",
                    report.per_second(),
                    hashing.per_second,
                    hashing.threads,
                    hashing.per_cpu_second,
                    millis(report.p99)
                );
                // Both rates are by the wall clock, taken a minute apart: another process
                // taking cores during either one moves the ratio, not the server.
                let cores = report.wall.as_secs_f64() * hashing.threads as f64;
                if hashing.core_share < 0.9 || report.other_cpu > 0.1 * cores {
                    text.push_str(
                        " [other processes took cores during the hashing or the flows: the \
                         wall-clock ratio is unreliable; rerun on a quiet machine]",
                    );
                }
                (ratio >= goal, text)
            }
            Goal::LatencyUnder(limit) => (
                report.p50 < limit && report.p99 < limit,
                format!(
                    "p50 {:.1} ms, p99 {:.1} ms (goal both < {:.0} ms)",
                    millis(report.p50),
                    millis(report.p99),
                    millis(limit)
                ),
            ),
            Goal::ShareOfScenario { of, share } => {
                let base = per_cpu_of(results, of);
                let ratio = per_cpu / base;
                (
                    ratio >= share,
                    format!(
                        "{per_cpu:.1} per server CPU-s = {ratio:.3} x '{of}' at {base:.1} \
                         (goal >= {share:.2})"
                    ),
                )
            }
        };
        let note = if report.too_many_errors() {
            " [too many errors: not a valid measurement]"
        } else {
            ""
        };
        println!("- {} {}: {text}{note}", verdict(pass), report.name);
    }
    let (idle, peak) = (results.idle_rss_mib, results.peak_rss_mib);
    println!(
        "- {} idle RSS: {idle:.1} MiB (goal < 20 MiB)",
        verdict(idle < 20.0)
    );
    println!(
        "- {} peak RSS: {peak:.1} MiB (goal < 50 MiB; read before the browser flow, whose \
         concurrent Argon2id verifications hold 19 MiB each and took it to {:.1} MiB)",
        verdict(peak < 50.0),
        results.flow_peak_rss_mib
    );
}

/// The units per server CPU-second of the row named `name` (NaN without one).
fn per_cpu_of(results: &Results, name: &str) -> f64 {
    results
        .reports
        .iter()
        .find(|r| r.name == name)
        .and_then(Report::per_server_cpu_second)
        .unwrap_or(f64::NAN)
}

/// A row without a goal: its units per server CPU-second against `with`'s, and the CPU time
/// of the second server it loads.
fn compared(results: &Results, report: &Report, with: &str) -> String {
    let per_cpu = report.per_server_cpu_second().unwrap_or(0.0);
    let base = per_cpu_of(results, with);
    let mut text = format!(
        "{per_cpu:.1} per server CPU-s = {:.3} x '{with}' at {base:.1} (no goal)",
        per_cpu / base
    );
    if let Some(upstream) = report.upstream_cpu {
        let per_flow_ms = upstream * 1e3 / report.requests.max(1) as f64;
        text.push_str(&format!(
            "; the upstream provider used {upstream:.2} CPU s meanwhile ({per_flow_ms:.2} ms \
             per flow), the main server {:.2} CPU s",
            report.server_cpu
        ));
    }
    text
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// This build against the baseline, row by row: the cost per unit of work (requests or
/// flows per server CPU-second), which moves least with the machine's load, and the median
/// latency. A ratio under 1 is a path that got slower.
pub(crate) fn print_comparison(baseline: &Results, results: &Results) {
    println!("\n## this build against the baseline\n");
    println!(
        "| scenario | baseline per server CPU-s | this build | ratio | baseline p50 ms | this \
         build p50 ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for report in &results.reports {
        let Some(before) = baseline.reports.iter().find(|r| r.name == report.name) else {
            println!("| {} | (not in the baseline) | | | | |", report.name);
            continue;
        };
        let (old, new) = (
            before.per_server_cpu_second().unwrap_or(0.0),
            report.per_server_cpu_second().unwrap_or(0.0),
        );
        let ratio = if old > 0.0 { new / old } else { 0.0 };
        println!(
            "| {} | {old:.1} | {new:.1} | {ratio:.2} | {:.2} | {:.2} |",
            report.name,
            millis(before.p50),
            millis(report.p50)
        );
    }
    println!(
        "\nIdle RSS {:.1} MiB (baseline {:.1}); peak RSS before the flow {:.1} MiB (baseline \
         {:.1}).",
        results.idle_rss_mib, baseline.idle_rss_mib, results.peak_rss_mib, baseline.peak_rss_mib
    );
}
