//! `formulary approve | reject | revoke NAME VERSION --key FILE`
//!
//! The statement is built from the stored record and signed here, with the
//! reviewer's own key; the registry then checks it like any statement.

use std::process::ExitCode;

use anyhow::Context as _;
use formulary_registry::{DecisionRequest, Registry};
use formulary_trust::statement::Verdict;

use crate::cli::Decision;
use crate::output::print_json;

/// What the reviewer asked for on the command line.
pub struct Asked<'a> {
    target: &'a Decision,
    request: DecisionRequest,
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
}

/// Signs and records one decision.
pub fn run(registry: &Registry, asked: Asked, json: bool) -> anyhow::Result<ExitCode> {
    let Asked { target, request } = asked;
    let verdict = request.verdict;
    let key = read_key(target)?;
    let recorded = registry
        .decide(&request, &key)
        .with_context(|| format!("{verdict} {} {} refused", target.name, target.version))?;
    let status = recorded
        .version
        .context("a decision always names a version")?;
    let view = registry.review_view(&target.name, &target.version)?;
    if json {
        print_json(&serde_json::json!({
            "log_index": recorded.index,
            "package": status.subject.package,
            "version": status.subject.version,
            "verdict": verdict,
            "state": status.state,
            "requires": view.requires,
        }))?;
    } else {
        println!(
            "recorded {verdict} of {} {} by {} at log index {}; it is now {}",
            status.subject.package,
            status.subject.version,
            key.name().unwrap_or("this key"),
            recorded.index,
            status.state
        );
        for line in &view.requires {
            println!("  still needs {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_key(target: &Decision) -> anyhow::Result<formulary_trust::SigningKey> {
    formulary_trust::read_private_key(&target.key)
        .with_context(|| format!("cannot use --key {}", target.key.display()))
}
