//! `formulary review list | show`: each reads its value from the data
//! folder (here) or a server (`run_remote`), then prints it one way.

use std::process::ExitCode;

use anyhow::bail;
use formulary_registry::{Registry, ReviewView};
use formulary_store::{VersionRecord, VersionState};

use crate::output::{decision_context, print_json, short};

const STATES: [&str; 4] = ["pending", "approved", "rejected", "revoked"];

/// Lists stored versions, optionally only those in one state.
pub fn list(registry: &Registry, state: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    check_state(state)?;
    let versions: Vec<_> = registry
        .store()
        .versions()?
        .into_iter()
        .filter(|v| state.is_none_or(|s| v.state.to_string() == s))
        .collect();
    print_list(&versions, state, json)
}

/// Refuses a `--state` that no version can be in.
pub fn check_state(state: Option<&str>) -> anyhow::Result<()> {
    match state {
        Some(s) if !STATES.contains(&s) => {
            bail!("unknown state {s:?}: use one of {}", STATES.join(", "))
        }
        _ => Ok(()),
    }
}

/// Prints `review list`, from the data folder or a server.
pub fn print_list(
    versions: &[VersionRecord],
    state: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if json {
        print_json(&versions)?;
        return Ok(ExitCode::SUCCESS);
    }
    if versions.is_empty() {
        match state {
            Some(s) => println!("no {s} versions"),
            None => println!("no versions stored; add some with `formulary ingest SOURCE`"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<48} {:<14} {:<9} {:<12}  INGESTED",
        "PACKAGE", "VERSION", "STATE", "SHA256"
    );
    for v in versions {
        println!(
            "{:<48} {:<14} {:<9} {:<12}  {}",
            v.name.as_str(),
            v.version,
            v.state.to_string(),
            short(&v.sha256),
            v.ingested_at
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Shows one version as a reviewer needs it.
pub fn show(
    registry: &Registry,
    name: &str,
    version: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    print_view(&registry.review_show(name, version)?, json)
}

/// Prints `review show`, from the data folder or a server.
pub fn print_view(view: &ReviewView, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(view)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} {}  ({})", view.package, view.version, view.state);
    println!("  sha256     {}", view.sha256);
    println!("  sha1       {}", view.sha1);
    println!("  tree hash  {}", view.tree_hash);
    println!("  size       {} bytes", view.size);
    println!("  ingested   {} by {}", view.ingested_at, view.requested_by);
    println!("  source     {}", provenance_line(&view.provenance));
    print_findings(&view.findings);
    print_capabilities(&view.capabilities);
    print_delta(view);
    print_decisions(view);
    Ok(ExitCode::SUCCESS)
}

fn provenance_line(p: &serde_json::Value) -> String {
    let kind = p["kind"].as_str().unwrap_or("?");
    let source = p["source"].as_str().or(p["url"].as_str()).unwrap_or("");
    format!("{kind} {source}").trim().to_string()
}

fn print_findings(findings: &serde_json::Value) {
    let list = findings.as_array().map(Vec::as_slice).unwrap_or_default();
    println!("findings ({})", list.len());
    for f in list {
        let loc = &f["location"];
        println!(
            "  {:<8} {}  {}:{}  {}",
            f["severity"].as_str().unwrap_or("?"),
            f["code"].as_str().unwrap_or("?"),
            loc["path"].as_str().unwrap_or("?"),
            loc["line"],
            f["message"].as_str().unwrap_or("")
        );
    }
}

fn print_capabilities(capabilities: &serde_json::Value) {
    let list = capabilities
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    println!("capabilities ({})", list.len());
    for c in list {
        println!(
            "  {:<13} {}  ({})",
            c["kind"].as_str().unwrap_or("?"),
            c["value"].as_str().unwrap_or("?"),
            c["path"].as_str().unwrap_or("")
        );
    }
}

/// The changes since the approved base: the summary, not the diff,
/// and the command that prints the diff.
fn print_delta(view: &ReviewView) {
    let Some(delta) = &view.delta else {
        println!(
            "changes: no approved version below {} to compare with",
            view.version
        );
        return;
    };
    println!("changes since {} (approved)", delta.base);
    for line in formulary_diff::render::summary_text(&delta.summary, false).lines() {
        match line {
            "" => println!(),
            line => println!("  {line}"),
        }
    }
    println!(
        "  full diff: formulary diff {pkg}@{} {pkg}@{}",
        delta.base,
        view.version,
        pkg = view.package
    );
}

fn print_decisions(view: &ReviewView) {
    println!("decisions ({})", view.decisions.len());
    for d in &view.decisions {
        let note = d
            .note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        let context = decision_context(d.policy_rule.as_deref(), d.base_version.as_deref());
        println!(
            "  #{:<5} {} {} by {}{context}{note}",
            d.index, d.time, d.verdict, d.reviewer
        );
    }
    let by_rule = view.decisions.iter().find_map(|d| d.policy_rule.as_deref());
    if let (Some(rule), VersionState::Approved) = (by_rule, view.state) {
        println!("policy: approved by intake rule {rule} (counts as no reviewer)");
        return;
    }
    println!(
        "policy: {} of {} approvals{}",
        view.progress.approvers.len(),
        view.progress.required,
        if view.progress.high_risk {
            " (high risk)"
        } else {
            ""
        }
    );
    for line in &view.requires {
        println!("  still needs {line}");
    }
}
