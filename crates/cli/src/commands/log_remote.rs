//! `formulary log …` through a server (`--server`).
//!
//! `show`, `verify` and `export` all start from the server's evidence
//! bundle. `verify` checks it here, the way `verify --bundle` does: every
//! signature, every statement replayed under the rules, the entries
//! against the signed checkpoint. No registry key is pinned (the command
//! has no flag for one); what protects this client is its own state: the
//! checkpoint must extend the one it verified last time, so a server that
//! rewrites or forks its history is caught by everyone who saw it before.

use std::process::ExitCode;

use anyhow::Context as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use formulary_registry::{verify_bundle, Bundle, BundleReport, LogReport};
use time::format_description::well_known::Rfc3339;

use crate::cli::LogCommand;
use crate::commands::client_state;
use crate::commands::log::{self, parse_since, Snapshot};
use crate::remote::Client;

/// Runs one log command against the server.
pub fn run(client: &Client, command: &LogCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        LogCommand::Show { limit } => {
            let snapshot = snapshot(client.bundle(None)?)?;
            log::print_show(&snapshot, *limit, json)
        }
        LogCommand::Verify { state, .. } => {
            let bundle = client.bundle(None)?;
            // A bundle that does not verify exits 1 (see main).
            let verified = verify_bundle(&bundle, None, Some(&client_state(state)?))?;
            let report = log_report(&verified.report);
            log::print_verify(&report, "replayed from the server's log", json)
        }
        LogCommand::Export { since, out } => {
            let since = since.as_deref().map(parse_since).transpose()?;
            let since = since.map(|t| t.format(&Rfc3339)).transpose()?;
            log::write_export(&client.bundle(since.as_deref())?, out, json)
        }
        LogCommand::Proof { index, size } => {
            log::print_proof(&client.inclusion_proof(*index, *size)?, json)
        }
        LogCommand::Consistency { old, new } => {
            log::print_consistency(&client.consistency_proof(*old, *new)?, json)
        }
    }
}

/// What `log show` lists, from a bundle.
fn snapshot(bundle: Bundle) -> anyhow::Result<Snapshot> {
    let entries = bundle
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            BASE64
                .decode(e)
                .with_context(|| format!("the server's log entry {i} is not base64"))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Snapshot {
        origin: bundle.origin,
        registry_key: bundle.registry_key,
        checkpoint: bundle.checkpoint,
        entries,
    })
}

/// `log verify`'s summary from a checked bundle: one signed checkpoint,
/// versions counted over every state.
fn log_report(bundle: &BundleReport) -> LogReport {
    LogReport {
        origin: bundle.origin.clone(),
        size: bundle.size,
        root: bundle.root.clone(),
        checkpoints: 1,
        versions: bundle.versions.values().sum(),
        keys: bundle.keys,
        previous_size: bundle.previous_size,
        signatures_checked: bundle.size,
    }
}
