//! `formulary review list`

use std::process::ExitCode;

use anyhow::bail;
use formulary_registry::Registry;

use crate::output::{print_json, short};

const STATES: [&str; 4] = ["pending", "approved", "rejected", "revoked"];

/// Lists stored versions, optionally only those in one state.
pub fn list(registry: &Registry, state: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    if let Some(s) = state {
        if !STATES.contains(&s) {
            bail!("unknown state {s:?}: use one of {}", STATES.join(", "));
        }
    }
    let versions: Vec<_> = registry
        .store()
        .versions()?
        .into_iter()
        .filter(|v| state.is_none_or(|s| v.state.to_string() == s))
        .collect();
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
    for v in &versions {
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
