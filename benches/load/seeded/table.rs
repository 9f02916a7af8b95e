//! The seeded mode's output: per engine, both sizes side by side, then the goals of issue
//! 13 with PASS or FAIL.

use std::time::Duration;

use super::{ADMIN_LATENCY, AUDIT_FILTERS, EngineRun, LOGIN, Step, USER_SEARCH};
use crate::report::Report;
use crate::scenarios::{REFRESH, SSO, TOKEN};
use crate::settings::Settings;

/// At N users, each request path keeps at least this share of its rate at 10,000.
const KEEPS: f64 = 0.8;
/// SSO and refresh: at least this share of the signing rate per server CPU-second.
const SIGNING_SHARE: f64 = 0.4;
const MAX_STALL: Duration = Duration::from_millis(50);
const MAX_IDLE_RSS_MIB: f64 = 30.0;

pub(super) fn print(run: &EngineRun, settings: &Settings) {
    let [small, large] = match run.steps.as_slice() {
        [small, large] => [small, large],
        [only] => [only, only],
        _ => return,
    };
    println!(
        "\n## farm-auth seeded benchmark: {}, {} and {} users\n",
        run.engine.name(),
        small.users,
        large.users
    );
    println!(
        "{} s per row after a 1 s warm-up; {} connections, {} concurrent browser flows; \
         admin rows on one connection. RS256 signing: {:.0} per CPU-second.\n",
        settings.duration.as_secs(),
        settings.connections,
        settings.flows,
        run.signing.per_cpu_second
    );
    println!(
        "| row | {a} per server CPU-s | {b} per server CPU-s | ratio | {a} p50 / p99 ms | {b} \
         p50 / p99 ms | errors |",
        a = small.users,
        b = large.users
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for report in &large.reports {
        let Some(before) = small.reports.iter().find(|r| r.name == report.name) else {
            continue;
        };
        let (old, new) = (rate(before), rate(report));
        println!(
            "| {} | {old:.1} | {new:.1} | {:.2} | {:.1} / {:.1} | {:.1} / {:.1} | {} / {} |",
            report.name,
            new / old,
            ms(before.p50),
            ms(before.p99),
            ms(report.p50),
            ms(report.p99),
            before.errors,
            report.errors
        );
    }
    println!("\n| | {} users | {} users |", small.users, large.users);
    println!("|---|---:|---:|");
    let row = |what: &str, f: &dyn Fn(&Step) -> String| {
        println!("| {what} | {} | {} |", f(small), f(large));
    };
    row("seeding (not a goal) s", &|s| {
        format!("{:.1}", s.seeding.as_secs_f64())
    });
    row("start-up, spawn to healthy, s", &|s| {
        format!("{:.2}", s.startup.as_secs_f64())
    });
    row("idle RSS MiB", &|s| format!("{:.1}", s.idle_rss_mib));
    row("sweep: rows deleted", &|s| s.sweep.rows.to_string());
    row("sweep: time s", &|s| {
        format!("{:.2}", s.sweep.time.as_secs_f64())
    });
    row(
        "probe during the sweep: max / p99 ms (requests, errors)",
        &|s| {
            format!(
                "{:.1} / {:.1} ({}, {})",
                ms(s.sweep.max_during),
                ms(s.sweep.p99_during),
                s.sweep.probes,
                s.sweep.errors
            )
        },
    );
    row("probe before the sweep: max ms", &|s| {
        format!("{:.1}", ms(s.sweep.max_before))
    });
    for step in [small, large] {
        for report in &step.reports {
            if let Some(error) = &report.first_error {
                println!(
                    "First error in '{}' at {} users: {error}",
                    report.name, step.users
                );
            }
        }
    }
    print_goals(run, small, large);
}

fn print_goals(run: &EngineRun, small: &Step, large: &Step) {
    println!(
        "\n## goals ({}, {} users)\n",
        run.engine.name(),
        large.users
    );
    let find = |step: &'_ Step, name: &str| step.reports.iter().find(|r| r.name == name).map(rate);
    for name in [LOGIN, SSO, REFRESH, TOKEN] {
        let (Some(old), Some(new)) = (find(small, name), find(large, name)) else {
            continue;
        };
        let ratio = new / old;
        verdict(
            ratio >= KEEPS,
            &format!(
                "{name}: {new:.1} per server CPU-s = {ratio:.2} x {old:.1} at {} users (goal >= {KEEPS})",
                small.users
            ),
        );
    }
    for name in [SSO, REFRESH] {
        if let Some(new) = find(large, name) {
            let share = new / run.signing.per_cpu_second;
            verdict(
                share >= SIGNING_SHARE,
                &format!(
                    "{name}: {share:.2} x the signing rate (goal >= {SIGNING_SHARE}; 0.5 is the ceiling)"
                ),
            );
        }
    }
    for name in [USER_SEARCH, AUDIT_FILTERS] {
        if let Some(report) = large.reports.iter().find(|r| r.name == name) {
            verdict(
                report.p50 < ADMIN_LATENCY && report.p99 < ADMIN_LATENCY,
                &format!(
                    "{name}: p50 {:.1} ms, p99 {:.1} ms (goal both < {} ms)",
                    ms(report.p50),
                    ms(report.p99),
                    ADMIN_LATENCY.as_millis()
                ),
            );
        }
    }
    let stall = large.sweep.max_during;
    verdict(
        stall <= MAX_STALL && large.sweep.errors == 0,
        &format!(
            "sweep of {} rows in {:.2} s: slowest request meanwhile {:.1} ms, {} errors (goal <= {} ms)",
            large.sweep.rows,
            large.sweep.time.as_secs_f64(),
            ms(stall),
            large.sweep.errors,
            MAX_STALL.as_millis()
        ),
    );
    verdict(
        large.idle_rss_mib < MAX_IDLE_RSS_MIB,
        &format!(
            "idle RSS {:.1} MiB (goal < {MAX_IDLE_RSS_MIB} MiB)",
            large.idle_rss_mib
        ),
    );
}

fn rate(report: &Report) -> f64 {
    report.per_server_cpu_second().unwrap_or(0.0)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn verdict(pass: bool, text: &str) {
    println!("- {} {text}", if pass { "PASS" } else { "FAIL" });
}
