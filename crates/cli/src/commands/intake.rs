//! `formulary intake [--dry-run]`: one run over `[intake]`, printed as a
//! table (or `--json`), with an exit code cron and CI can alert on.

use std::process::ExitCode;

use formulary_registry::{IntakeEntry, IntakeOptions, IntakeReport, Outcome, Registry};

use crate::output::print_json;

/// Runs intake once and prints what it did.
pub fn run(registry: &Registry, dry_run: bool, json: bool) -> anyhow::Result<ExitCode> {
    let report = registry.intake(IntakeOptions { dry_run })?;
    if json {
        print_json(&report)?;
    } else {
        print_table(&report);
    }
    Ok(exit_code(&report))
}

/// 2 when a package could not be read; else 1 when something waits for
/// a reviewer or was refused; else 0.
pub fn exit_code(report: &IntakeReport) -> ExitCode {
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if report.needs_attention() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One row per version that is not unchanged; further reasons on the
/// lines below their row; then the counts, errors and warnings.
fn print_table(report: &IntakeReport) {
    let rows: Vec<&IntakeEntry> = report
        .entries
        .iter()
        .filter(|e| e.outcome != Outcome::Unchanged)
        .collect();
    let width = rows
        .iter()
        .map(|r| r.package.len())
        .max()
        .unwrap_or(0)
        .max(40);
    if rows.is_empty() && report.errors.is_empty() {
        println!("nothing new upstream");
    } else if rows.is_empty() {
        println!("nothing new from the upstreams that answered");
    } else {
        println!(
            "{:<width$} {:<12} {:<14} {:<12} REASONS",
            "PACKAGE", "VERSION", "OUTCOME", "BASE"
        );
    }
    for row in rows {
        print_row(row, report.dry_run, width);
    }
    println!("{}", report.summary_line());
    for e in &report.errors {
        println!("error: {}: {}", e.package, e.error);
    }
    for w in &report.warnings {
        println!("warning: {w}");
    }
}

fn print_row(row: &IntakeEntry, dry_run: bool, width: usize) {
    let outcome = match (dry_run, row.outcome) {
        (true, Outcome::Approved) => "would approve".to_string(),
        (true, Outcome::Queued) => "would queue".to_string(),
        (true, Outcome::Refused) => "would refuse".to_string(),
        (_, outcome) => outcome.to_string(),
    };
    let mut reasons = row.reasons.iter();
    println!(
        "{:<width$} {:<12} {:<14} {:<12} {}",
        row.package,
        row.version,
        outcome,
        row.base.as_deref().unwrap_or("-"),
        reasons.next().map_or("", String::as_str)
    );
    let indent = width + 41;
    for reason in reasons {
        println!("{:<indent$} {reason}", "");
    }
}
