//! The `formulary` binary: parses the command line, sets up logging, and
//! hands each command to `formulary-registry`.
//!
//! Human output goes to stdout, progress and logs to stderr. Exit codes are
//! the same for every command: 0 success, 1 a check found something, 2 an
//! operational error (including a refused ingest), with one line on stderr
//! naming the cause.

#![allow(clippy::print_stdout)]

mod cli;
mod commands;
mod output;
mod remote;

use std::io::{BufWriter, IsTerminal};
use std::process::ExitCode;

use clap::Parser;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve { .. });
    // Dropped when main returns, which writes out the queued log lines.
    let _log_queue = init_logging(cli.verbose, serving);
    match commands::run(&cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", output::one_line(&err));
            exit_code_for(&err)
        }
    }
}

/// The exit status of a process that a closed pipe stopped, as a shell
/// reports one killed by SIGPIPE.
const CLOSED_PIPE: i32 = 128 + 13;

/// `formulary review list | head -1` closes stdout early, and Rust's print
/// macros then panic with "failed printing to stdout: Broken pipe". A
/// reader that stopped reading is not a bug to report: we end at once,
/// with the status a shell gives a process stopped by SIGPIPE (Rust
/// ignores that signal, and resetting it would need `unsafe`). Every
/// other panic goes to the usual hook.
fn end_quietly_on_a_closed_pipe() {
    let usual = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(CLOSED_PIPE);
        }
        usual(info);
    }));
}

/// 1 when a verification failed (the log, a bundle, a lock), else 2.
fn exit_code_for(err: &anyhow::Error) -> ExitCode {
    use formulary_registry::RegistryError;
    let failed_check = err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<RegistryError>(),
            Some(
                RegistryError::LogBroken(_)
                    | RegistryError::Fork { .. }
                    | RegistryError::BundleBroken(_)
            )
        )
    });
    ExitCode::from(if failed_check { 1 } else { 2 })
}

/// Logs go to stderr; `-v` shows decisions, `-vv` everything;
/// `FORMULARY_LOG` (an env-filter) overrides both.
///
/// The server logs one line per request, and writing each to stderr on
/// the thread that answered cost a p2 request a tenth of its time at 64
/// connections. So `serve` queues its lines for a writer thread, which
/// writes whatever has piled up in one go and flushes whenever the queue
/// runs dry: when idle, a line still appears at once. The queue blocks
/// rather than drop a line when full; lines still queued are written when
/// the returned guard is dropped, and lost only if the process is killed
/// outright. Other commands write directly, so that nothing they logged
/// is lost whatever ends them.
fn init_logging(verbose: u8, serving: bool) -> Option<WorkerGuard> {
    let ours = "formulary,formulary_registry,formulary_fetch,formulary_unpack,\
                formulary_store,formulary_scan,formulary_trust,formulary_server";
    let default = match verbose {
        // The server logs one line per request at info.
        0 => "warn,formulary_server=info".to_string(),
        1 => format!("warn,{}", ours.replace(',', "=debug,") + "=debug"),
        // Everything of ours; libraries (sled's buffers, hyper) stay at info.
        _ => format!("info,{}", ours.replace(',', "=trace,") + "=trace"),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FORMULARY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    if !serving {
        logs.with_writer(std::io::stderr).init();
        return None;
    }
    let (queue, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("formulary-log")
        .finish(BufWriter::new(std::io::stderr()));
    logs.with_writer(queue).init();
    Some(guard)
}
