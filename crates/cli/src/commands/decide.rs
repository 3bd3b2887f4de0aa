//! `formulary approve | reject | revoke NAME VERSION --key FILE`
//!
//! The statement is built from the stored record and signed here, with the
//! reviewer's own key; the registry then checks it like any statement.

use std::process::ExitCode;

use anyhow::Context as _;
use formulary_registry::ledger::VersionStatus;
use formulary_registry::{DecisionRequest, Registry, ReviewView};
use formulary_trust::statement::Verdict;
use formulary_trust::SigningKey;

use crate::cli::Decision;
use crate::output::print_json;

/// What the reviewer asked for on the command line.
pub struct Asked<'a> {
    /// The version and the key file.
    pub target: &'a Decision,
    /// The decision to sign.
    pub request: DecisionRequest,
}

impl<'a> Asked<'a> {
    /// A decision on `target`.
    pub fn new(
        target: &'a Decision,
        verdict: Verdict,
        note: Option<String>,
        base_version: Option<String>,
    ) -> Asked<'a> {
        let request = DecisionRequest {
            package: target.name.clone(),
            version: target.version.clone(),
            verdict,
            base_version,
            note,
        };
        Asked { target, request }
    }

    /// The reviewer's private key, from `--key`.
    pub fn key(&self) -> anyhow::Result<SigningKey> {
        let path = &self.target.key;
        formulary_trust::read_private_key(path)
            .with_context(|| format!("cannot use --key {}", path.display()))
    }

    /// How a refusal of this decision begins.
    pub fn refused(&self) -> String {
        let r = &self.request;
        format!("{} {} {} refused", r.verdict, r.package, r.version)
    }
}

/// A recorded decision, as both local and remote mode print it.
pub struct Outcome<'a> {
    /// The statement's log index.
    pub index: u64,
    /// The verdict recorded.
    pub verdict: Verdict,
    /// The version's status afterwards.
    pub status: VersionStatus,
    /// The reviewer's key.
    pub key: &'a SigningKey,
    /// What policy still requires of the version.
    pub requires: Vec<String>,
    /// For a delta review, the approved version it was diffed from.
    pub base: Option<&'a str>,
}

/// Signs and records one decision.
pub fn run(registry: &Registry, asked: Asked, json: bool) -> anyhow::Result<ExitCode> {
    let key = asked.key()?;
    let recorded = registry
        .decide(&asked.request, &key)
        .with_context(|| asked.refused())?;
    let status = recorded
        .version
        .context("a decision always names a version")?;
    let view = registry.review_view(&asked.target.name, &asked.target.version)?;
    print(
        &Outcome {
            index: recorded.index,
            verdict: asked.request.verdict,
            status,
            key: &key,
            requires: view.requires.clone(),
            base: recorded_base(&view, recorded.index),
        },
        json,
    )
}

/// The base as the log recorded it (`4.7.8` for `--base v4.7.8`).
pub fn recorded_base(view: &ReviewView, index: u64) -> Option<&str> {
    let decision = view.decisions.iter().find(|d| d.index == index)?;
    decision.base_version.as_deref()
}

/// Prints a recorded decision.
pub fn print(outcome: &Outcome, json: bool) -> anyhow::Result<ExitCode> {
    let Outcome {
        index,
        verdict,
        status,
        key,
        requires,
        base,
    } = outcome;
    if json {
        print_json(&serde_json::json!({
            "log_index": index,
            "package": status.subject.package,
            "version": status.subject.version,
            "verdict": verdict,
            "state": status.state,
            "base_version": base,
            "requires": requires,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "recorded {verdict} of {} {} by {} at log index {index}; it is now {}",
        status.subject.package,
        status.subject.version,
        key.name().unwrap_or("this key"),
        status.state
    );
    if let Some(base) = base {
        println!("  a delta review from {base} (approved)");
    }
    for line in requires {
        println!("  still needs {line}");
    }
    Ok(ExitCode::SUCCESS)
}
