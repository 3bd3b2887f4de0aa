//! `formulary ingest SOURCE...`
//!
//! Each source is handled on its own: one refusal does not stop the others,
//! and the exit code is 2 if any source was refused.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use formulary_fetch::{redact_url, Source};
use formulary_registry::{IngestOutcome, IngestReport, Registry};
use formulary_trust::{read_private_key, SigningKey};
use serde::Serialize;

use crate::output::{one_line, print_json};

/// One line of `--json` output.
#[derive(Serialize)]
struct JsonResult {
    /// The source as given, without any credentials it carried.
    source: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    report: Option<IngestReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Ingests every source and prints one line each.
pub fn run(
    registry: Registry,
    sources: &[String],
    key: Option<&Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let requester = key
        .map(|k| read_private_key(k).with_context(|| format!("cannot use --key {}", k.display())))
        .transpose()?;
    let fetcher = registry.fetcher(std::io::stderr().is_terminal())?;
    each_source(sources, json, |text| {
        ingest_one(&registry, &fetcher, text, requester.as_ref())
    })
}

/// Runs `ingest` on every source, here or on a server, and prints each
/// outcome; exit 2 when any was refused.
pub fn each_source(
    sources: &[String],
    json: bool,
    mut ingest: impl FnMut(&str) -> anyhow::Result<IngestReport>,
) -> anyhow::Result<ExitCode> {
    let mut results = Vec::new();
    for text in sources {
        let result = ingest(text);
        if !json {
            print_human(&result);
        }
        results.push((redact_url(text), result));
    }
    let failed = results.iter().any(|(_, r)| r.is_err());
    if json {
        let lines: Vec<JsonResult> = results.into_iter().map(to_json).collect();
        print_json(&lines)?;
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn ingest_one(
    registry: &Registry,
    fetcher: &formulary_fetch::Fetcher,
    text: &str,
    requester: Option<&SigningKey>,
) -> anyhow::Result<IngestReport> {
    // A git URL may carry `user:password@`; no message repeats it.
    let shown = redact_url(text);
    let source: Source = text.parse().with_context(|| format!("refused {shown}"))?;
    let now = time::OffsetDateTime::now_utc();
    let report = registry
        .ingest_as(fetcher, &source, now, requester)
        .with_context(|| format!("refused {shown}"))?;
    Ok(report)
}

fn print_human(result: &anyhow::Result<IngestReport>) {
    match result {
        Ok(r) => {
            let verb = match r.outcome {
                IngestOutcome::Stored => "stored   ",
                IngestOutcome::AlreadyPresent => "unchanged",
            };
            let note = match r.outcome {
                IngestOutcome::Stored => format!("pending review; {}", r.findings),
                IngestOutcome::AlreadyPresent => "already stored with these bytes".to_string(),
            };
            println!(
                "{verb} {} {}  sha256 {}  ({note})",
                r.name, r.version, r.sha256
            );
        }
        Err(err) => eprintln!("error: {}", one_line(err)),
    }
}

fn to_json((source, result): (String, anyhow::Result<IngestReport>)) -> JsonResult {
    match result {
        Ok(report) => JsonResult {
            source,
            report: Some(report),
            error: None,
        },
        Err(err) => JsonResult {
            source,
            report: None,
            error: Some(one_line(&err)),
        },
    }
}
