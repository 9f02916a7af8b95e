//! The `farm-auth` binary: read `.env`, parse the command line, run. Everything else is in
//! the library, shared with the tests.

use std::process::ExitCode;

use clap::Parser;
use farm_auth::cli::{self, Cli};
use farm_auth::config::Config;

fn main() -> ExitCode {
    // A `.env` file fills in what the real environment does not set.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: .env: {error}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print as clap formats them, and exit 0.
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            eprintln!("{}", cli::one_line(&error.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_args(cli.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The exporter runs on the runtime: made inside it.
    let traces = {
        let _inside = runtime.enter();
        farm_auth::telemetry::init()
    };
    farm_auth::telemetry::init_logs(&config, traces.as_ref());
    let result = runtime.block_on(cli::run(cli.command, config));
    if let Some(traces) = traces {
        runtime.block_on(farm_auth::telemetry::shutdown(traces));
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
