//! `formulary log show | verify | export | proof | consistency`
//!
//! Each command gets its value from the data folder (here) or a server
//! (`log_remote`) and prints it with the same function.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use formulary_registry::{
    Bundle, ConsistencyProof, DataDir, HumanDuration, InclusionProof, LogReport, Registry,
};
use formulary_trust::envelope::Envelope;
use formulary_trust::statement::{Body, Statement};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cli::LogCommand;
use crate::commands::client_state;
use crate::output::{decision_context, print_json};

/// Runs one log command.
pub fn run(dir: DataDir, command: &LogCommand, json: bool) -> anyhow::Result<ExitCode> {
    let registry = Registry::open(dir)?;
    match command {
        LogCommand::Show { limit } => print_show(&Snapshot::of(&registry)?, *limit, json),
        LogCommand::Verify { state, full } => {
            let report = registry.verify_log(&client_state(state)?, *full)?;
            print_verify(&report, "match the store", json)
        }
        LogCommand::Export { since, out } => {
            let since = since.as_deref().map(parse_since).transpose()?;
            write_export(&registry.export_bundle(since)?, out, json)
        }
        LogCommand::Proof { index, size } => {
            print_proof(&registry.inclusion_proof(*index, *size)?, json)
        }
        LogCommand::Consistency { old, new } => {
            print_consistency(&registry.consistency_proof(*old, *new)?, json)
        }
    }
}

/// What `log show` needs: the log as the registry signed it.
pub struct Snapshot {
    /// The log's origin line.
    pub origin: String,
    /// The registry key as a signed-note verifier string.
    pub registry_key: String,
    /// The latest signed checkpoint.
    pub checkpoint: String,
    /// Every entry, in order.
    pub entries: Vec<Vec<u8>>,
}

impl Snapshot {
    /// The log in the data folder.
    fn of(registry: &Registry) -> anyhow::Result<Snapshot> {
        let entries = registry.log_entries()?;
        Ok(Snapshot {
            origin: registry.origin(),
            registry_key: registry.note_verifier().to_vkey(),
            checkpoint: registry.latest_checkpoint(entries.len() as u64)?,
            entries,
        })
    }
}

/// Prints `log verify`'s summary; `against` says what the state was
/// compared with.
pub fn print_verify(report: &LogReport, against: &str, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(report)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "log verified: {} entries, root {}, {} signed checkpoints, {} versions and {} keys {against}",
        report.size, report.root, report.checkpoints, report.versions, report.keys
    );
    match report.previous_size {
        Some(n) => println!("consistent with the checkpoint of {n} entries this client saw before"),
        None => println!("first verification by this client: checkpoint remembered"),
    }
    if report.signatures_checked < report.size {
        println!(
            "checked the signatures of the {} entries added since; --full checks all {} again",
            report.signatures_checked, report.size
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints `log proof`.
pub fn print_proof(proof: &InclusionProof, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(proof)?;
    } else {
        print!("{}", proof.to_tlog_proof());
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints `log consistency`.
pub fn print_consistency(proof: &ConsistencyProof, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(proof)?;
    } else {
        println!("consistency {} -> {}", proof.old_size, proof.new_size);
        proof.hashes.iter().for_each(|h| println!("{h}"));
    }
    Ok(ExitCode::SUCCESS)
}

/// One statement, as `log show` lists it.
#[derive(Serialize)]
struct Line {
    index: u64,
    time: String,
    kind: &'static str,
    signer: String,
    what: String,
}

/// Prints `log show`: the key, the checkpoint and the newest `limit`
/// statements.
pub fn print_show(log: &Snapshot, limit: usize, json: bool) -> anyhow::Result<ExitCode> {
    let size = log.entries.len() as u64;
    let first = log.entries.len().saturating_sub(limit);
    let lines: Vec<Line> = log.entries[first..]
        .iter()
        .enumerate()
        .map(|(i, e)| describe((first + i) as u64, e))
        .collect();
    if json {
        print_json(&serde_json::json!({
            "origin": log.origin,
            "registry_key": log.registry_key,
            "size": size,
            "checkpoint": log.checkpoint,
            "statements": lines,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("registry key  {}", log.registry_key);
    println!("entries       {size}");
    println!("checkpoint\n{}", indent(&log.checkpoint));
    for l in &lines {
        println!(
            "#{:<6} {}  {:<10} {:<14} {}",
            l.index, l.time, l.kind, l.signer, l.what
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(index: u64, entry: &[u8]) -> Line {
    let statement = Envelope::from_bytes(entry)
        .ok()
        .and_then(|e| e.payload_bytes().ok())
        .and_then(|p| Statement::from_bytes(&p).ok());
    let Some(s) = statement else {
        return Line {
            index,
            time: String::new(),
            kind: "unreadable",
            signer: String::new(),
            what: "run `formulary log verify`".to_string(),
        };
    };
    let what = match &s.body {
        Body::Ingest(b) => format!("{} {}", b.subject.package, b.subject.version),
        Body::Decision(b) => {
            let context = decision_context(b.policy_rule.as_deref(), b.base_version.as_deref());
            let subject = &b.subject;
            format!(
                "{} {} {}{context}",
                b.verdict, subject.package, subject.version
            )
        }
        Body::KeyTrust(b) => format!("{} as {} ({})", b.name, b.role, short_id(&b.key_id)),
        Body::KeyRevoke(b) => format!("key {}", short_id(&b.key_id)),
        Body::Policy(b) => {
            let intake = b
                .intake
                .as_ref()
                .map(|i| {
                    format!(
                        "; intake rule {} for {} after {}, blocked from {}",
                        i.rule,
                        i.trusted_vendors.join(", "),
                        HumanDuration(Duration::from_secs(i.min_release_age_secs)),
                        i.block_severity
                    )
                })
                .unwrap_or_default();
            format!(
                "{} reviewer(s), {} from {}{intake}",
                b.reviewers, b.high_risk_reviewers, b.high_risk_severity
            )
        }
    };
    Line {
        index,
        time: s.time.clone(),
        kind: s.kind(),
        signer: short_id(&s.signer).to_string(),
        what,
    }
}

fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes a bundle to `out` (which must not exist) and says so.
pub fn write_export(bundle: &Bundle, out: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let text = serde_json::to_vec_pretty(bundle)?;
    write_new(out, &text)?;
    let period = bundle.period.as_ref().map_or(0, |p| p.statements.len());
    if json {
        print_json(&serde_json::json!({
            "out": out,
            "entries": bundle.entries.len(),
            "period_statements": period,
            "registry_key": bundle.registry_key,
        }))?;
    } else {
        println!(
            "wrote {} ({} entries, {period} in the period)",
            out.display(),
            bundle.entries.len()
        );
        println!(
            "check it with: formulary verify --bundle {} --registry-key {}",
            out.display(),
            bundle.registry_key
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 instant.
pub fn parse_since(text: &str) -> anyhow::Result<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).with_context(|| {
        format!("--since {text:?} is not a date: use YYYY-MM-DD or an RFC 3339 time")
    })?;
    Ok(date.midnight().assume_utc())
}

/// Writes a file that must not exist yet.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot write {} (it must not exist yet)", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
