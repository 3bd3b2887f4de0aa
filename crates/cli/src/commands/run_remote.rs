//! With `--server URL`: the commands that need the registry reach it
//! through a running `formulary serve` instead of the data folder (which
//! the server holds), and print exactly what they print locally.
//!
//! `init` works on the data folder itself and refuses `--server`; `scan`,
//! `serve`, `key new` and `verify --bundle` need no registry and run here
//! as usual, and so does `diff` of archives and folders; a `diff` of
//! stored versions (`NAME@VERSION`) is not built over the API yet and
//! refuses. `token` goes through the server with an admin token.

use std::process::ExitCode;

use anyhow::bail;
use formulary_trust::statement::Verdict;

use crate::cli::{Cli, Command, DiffFormat, KeyCommand, ReviewCommand, TokenCommand};
use crate::commands::decide::Asked;
use crate::commands::{
    client_state, decide_remote, diff, ingest_remote, key, log_remote, review, token, verify,
};
use crate::output::chosen_format;
use crate::remote::Client;

/// Runs the command through the server when `--server` is set and the
/// command uses the registry; `None` means: run it locally.
pub fn run(cli: &Cli) -> anyhow::Result<Option<ExitCode>> {
    let Some(server) = cli.server.as_deref() else {
        return Ok(None);
    };
    let connect = || Client::new(server, cli.token.clone());
    let json = cli.json;
    let code = match &cli.command {
        Command::Init => return Err(local_only("init")),
        Command::Intake { .. } => return Err(intake_is_local()),
        Command::Scan { .. } | Command::Serve { .. } => return Ok(None),
        Command::Diff {
            old,
            new,
            format,
            output,
        } => match diff::both_stored(old, new)? {
            None => return Ok(None),
            Some((package, from, to)) => {
                let format = chosen_format(*format, json, DiffFormat::Json, DiffFormat::Text)?;
                let delta = connect()?.delta(package, from, to)?;
                diff::print(&delta, format, output.as_deref())?
            }
        },
        Command::Key {
            command: KeyCommand::New { .. },
        } => return Ok(None),
        Command::Verify {
            bundle: Some(_), ..
        } => return Ok(None),
        Command::Ingest { sources, key } => {
            ingest_remote::run(&connect()?, sources, key.as_deref(), json)?
        }
        Command::Review { command } => run_review(&connect()?, command, json)?,
        Command::Approve { target, note, base } => {
            let asked = Asked::new(target, Verdict::Approve, note.clone(), base.clone());
            decide_remote::run(&connect()?, asked, json)?
        }
        Command::Reject { target, reason } => {
            let asked = Asked::new(target, Verdict::Reject, Some(reason.clone()), None);
            decide_remote::run(&connect()?, asked, json)?
        }
        Command::Revoke { target, reason } => {
            let asked = Asked::new(target, Verdict::Revoke, Some(reason.clone()), None);
            decide_remote::run(&connect()?, asked, json)?
        }
        Command::Key { command } => run_key(&connect()?, command, json)?,
        Command::Token { command } => run_token(&connect()?, command, json)?,
        Command::Log { command } => log_remote::run(&connect()?, command, json)?,
        Command::Verify {
            lock,
            vendor,
            bundle: None,
            registry_key,
            state,
        } => {
            let inputs = verify::Inputs {
                lock: lock.as_deref(),
                vendor: vendor.as_deref(),
                bundle: None,
                registry_key: registry_key.as_deref(),
                state: client_state(state)?,
            };
            verify::check(&connect()?.bundle(None)?, inputs, json)?
        }
    };
    Ok(Some(code))
}

fn local_only(command: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "`formulary {command}` works on the data folder and not through --server; \
         run it on the server's host without --server or FORMULARY_SERVER"
    )
}

/// Intake fetches, ingests and signs where the data folder and the
/// intake key are; a server runs it itself.
fn intake_is_local() -> anyhow::Error {
    anyhow::anyhow!(
        "`formulary intake` runs where the data folder and the intake key are, not through \
         --server; let the server run it with `formulary serve --intake-every 15m`, or run \
         it on that host without --server while no server holds the data folder"
    )
}

fn run_review(client: &Client, command: &ReviewCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        ReviewCommand::List { state } => {
            let state = state.as_deref();
            review::check_state(state)?;
            review::print_list(&client.versions(state)?, state, json)
        }
        ReviewCommand::Show { name, version } => {
            review::print_view(&client.review_view(name, version)?, json)
        }
    }
}

fn run_key(client: &Client, command: &KeyCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Trust { file, name, role } => {
            let record = client.trust_key(&key::read_public(file)?, name, *role)?;
            key::show_one("trusted", &record, json)
        }
        KeyCommand::Revoke { id, reason } => {
            let record = client.revoke_key(id, reason.as_deref())?;
            key::show_one("revoked", &record, json)
        }
        KeyCommand::List => key::print_list(&client.keys()?, json),
        KeyCommand::New { .. } => bail!("`key new` makes a key here; it needs no server"),
    }
}

fn run_token(client: &Client, command: &TokenCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::New { name, scope } => {
            let made = client.new_token(name, *scope)?;
            token::show_new(&made.name, made.scope, &made.secret, json)?;
        }
        TokenCommand::List => token::list(&client.tokens()?, json)?,
        TokenCommand::Revoke { name } => token::show_revoked(&client.revoke_token(name)?, json)?,
    }
    Ok(ExitCode::SUCCESS)
}
