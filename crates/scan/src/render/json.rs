//! The `formulary-scan/v1` JSON document (docs/scan-json.md).
//!
//! This is a contract with scripts and CI jobs. The document wraps the
//! report's own types with a schema marker, the tool, a summary and each
//! finding's category; the snapshot tests pin its shape, so a change to
//! [`Finding`] that would alter it shows up in review, and a breaking
//! change needs a new `schema` value.

use serde::Serialize;
use serde_json::Value;

use crate::capability::Capability;
use crate::finding::Finding;
use crate::report::{ScanReport, ScanStats, SeverityCounts, Suppression};

/// The value of the document's `schema` field.
pub const SCHEMA: &str = "formulary-scan/v1";

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    suppressed: Vec<JsonSuppressed<'a>>,
    capabilities: &'a [Capability],
    stats: ScanStats,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    counts: SeverityCounts,
    suppressed: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    category: &'static str,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    suppression: &'a Suppression,
}

/// The report as a `formulary-scan/v1` JSON value.
pub fn to_value(report: &ScanReport) -> Value {
    let document = Document {
        schema: SCHEMA,
        tool: Tool {
            name: "formulary",
            version: super::TOOL_VERSION,
        },
        summary: Summary {
            counts: report.counts(),
            suppressed: report.suppressed.len(),
        },
        findings: report.findings.iter().map(json_finding).collect(),
        suppressed: report
            .suppressed
            .iter()
            .map(|s| JsonSuppressed {
                finding: json_finding(&s.finding),
                suppression: &s.suppression,
            })
            .collect(),
        capabilities: &report.capabilities,
        stats: report.stats,
    };
    serde_json::to_value(document).unwrap_or(Value::Null)
}

fn json_finding(finding: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        finding,
        category: super::category(&finding.code),
    }
}
