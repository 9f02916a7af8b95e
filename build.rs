//! Tells the browser tests (`tests/api/browser`) whether they can run on this machine.
//!
//! libtest cannot skip a test at run time: a browser test that returned early without
//! Chromium would be reported as passed. So this script looks for Chromium and chromedriver
//! and sets the cfg `farm_auth_browser` when both are there; without it the browser tests
//! are `#[ignore]`d and `cargo test` reports them as ignored. `FARM_AUTH_REQUIRE_BROWSER=1`
//! (as `.ci/run` sets) sets the cfg regardless, so a missing browser fails those tests.
//!
//! It reruns only when this file, `PATH`, `FARM_AUTH_REQUIRE_BROWSER` or a directory where
//! the programs are looked for changes (installing either program changes its directory).

use std::path::{Path, PathBuf};

/// Where Debian's `chromium` package puts the browser the tests drive.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's `chromium-driver`, looked for on `PATH`.
const CHROMEDRIVER: &str = "chromedriver";
const REQUIRE_BROWSER_VAR: &str = "FARM_AUTH_REQUIRE_BROWSER";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(farm_auth_browser)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed={REQUIRE_BROWSER_VAR}");

    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute() && dir.is_dir())
        .collect();
    let chromium = Path::new(CHROMIUM);
    if let Some(parent) = chromium.parent() {
        dirs.push(parent.to_path_buf());
    }
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        println!("cargo::rerun-if-changed={}", dir.display());
    }

    let found = chromium.is_file() && dirs.iter().any(|dir| dir.join(CHROMEDRIVER).is_file());
    let required = std::env::var(REQUIRE_BROWSER_VAR).as_deref() == Ok("1");
    if found || required {
        println!("cargo::rustc-cfg=farm_auth_browser");
    }
}
