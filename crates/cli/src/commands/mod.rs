//! One module per command: each parses nothing and prints everything, over
//! a call into `formulary-registry`, or (`*_remote`, with `--server`) into
//! a running server's JSON API.

mod decide;
mod decide_remote;
mod diff;
mod ingest;
mod ingest_remote;
mod init;
mod intake;
mod key;
mod log;
mod log_remote;
mod review;
mod run_remote;
mod scan;
mod serve;
mod token;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use formulary_registry::{ClientState, DataDir, Registry};
use formulary_trust::statement::Verdict;

use crate::cli::{Cli, Command, DiffFormat, ReviewCommand, ScanFormat, StateDir};
use crate::output::chosen_format;

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    // With --server, most commands go through the server's JSON API.
    if let Some(code) = run_remote::run(cli)? {
        return Ok(code);
    }
    let dir = DataDir::new(&cli.data);
    let json = cli.json;
    match &cli.command {
        Command::Init => init::run(dir, json),
        Command::Ingest { sources, key } => ingest::run(open(dir)?, sources, key.as_deref(), json),
        Command::Scan {
            path,
            format,
            fail_on,
            baseline,
        } => {
            let format = chosen_format(*format, json, ScanFormat::Json, ScanFormat::Human)?;
            scan::run(path, format, *fail_on, baseline.as_deref())
        }
        Command::Diff {
            old,
            new,
            format,
            output,
        } => {
            let format = chosen_format(*format, json, DiffFormat::Json, DiffFormat::Text)?;
            diff::run(
                dir,
                diff::Inputs {
                    old,
                    new,
                    format,
                    output: output.as_deref(),
                },
            )
        }
        Command::Review { command } => match command {
            ReviewCommand::List { state } => review::list(&open(dir)?, state.as_deref(), json),
            ReviewCommand::Show { name, version } => review::show(&open(dir)?, name, version, json),
        },
        Command::Approve { target, note, base } => {
            let asked = decide::Asked::new(target, Verdict::Approve, note.clone(), base.clone());
            decide::run(&open(dir)?, asked, json)
        }
        Command::Reject { target, reason } => {
            let asked = decide::Asked::new(target, Verdict::Reject, Some(reason.clone()), None);
            decide::run(&open(dir)?, asked, json)
        }
        Command::Revoke { target, reason } => {
            let asked = decide::Asked::new(target, Verdict::Revoke, Some(reason.clone()), None);
            decide::run(&open(dir)?, asked, json)
        }
        Command::Key { command } => key::run(dir, command, json),
        Command::Token { command } => token::run(dir, command, json),
        Command::Log { command } => log::run(dir, command, json),
        Command::Serve {
            listen,
            base_url,
            intake_every,
        } => serve::run(
            open(dir)?,
            listen.as_deref(),
            base_url.as_deref(),
            *intake_every,
        ),
        Command::Intake { dry_run } => intake::run(&open(dir)?, *dry_run, json),
        Command::Verify {
            lock,
            vendor,
            bundle,
            registry_key,
            state,
        } => verify::run(
            dir,
            verify::Inputs {
                lock: lock.as_deref(),
                vendor: vendor.as_deref(),
                bundle: bundle.as_deref(),
                registry_key: registry_key.as_deref(),
                state: client_state(state)?,
            },
            json,
        ),
    }
}

fn open(dir: DataDir) -> anyhow::Result<Registry> {
    Ok(Registry::open(dir)?)
}

/// The client's checkpoint folder from `--state`, or the default one.
fn client_state(state: &StateDir) -> anyhow::Result<ClientState> {
    let dir: Option<PathBuf> = state.dir.clone().or_else(ClientState::default_dir);
    let dir = dir.context(
        "no folder for last-seen checkpoints: set --state DIR, FORMULARY_STATE, \
         XDG_STATE_HOME or HOME",
    )?;
    Ok(ClientState::new(dir))
}
