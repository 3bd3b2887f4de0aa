//! One module per command: each parses nothing and prints everything, over
//! a call into `formulary-registry`.

mod ingest;
mod init;
mod review;
mod scan;

use std::process::ExitCode;

use formulary_registry::{DataDir, Registry};

use crate::cli::{Cli, Command, ReviewCommand, ScanFormat};

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let dir = DataDir::new(&cli.data);
    match &cli.command {
        Command::Init => init::run(dir, cli.json),
        Command::Ingest { sources } => ingest::run(open(dir)?, sources, cli.json),
        Command::Scan {
            path,
            format,
            fail_on,
            baseline,
        } => {
            let format = format.or(cli.json.then_some(ScanFormat::Json));
            scan::run(
                path,
                format.unwrap_or(ScanFormat::Human),
                *fail_on,
                baseline.as_deref(),
            )
        }
        Command::Review { command } => match command {
            ReviewCommand::List { state } => review::list(&open(dir)?, state.as_deref(), cli.json),
        },
    }
}

fn open(dir: DataDir) -> anyhow::Result<Registry> {
    Ok(Registry::open(dir)?)
}
