//! Turning a [`ScanReport`] into what people and tools read.
//!
//! Three formats, one report: `human` for a terminal (grouped by file,
//! compact), `json` (our own documented, stable schema, for scripts and
//! for ingest's record) and `sarif` (SARIF 2.1.0, for code-scanning
//! dashboards). All three show the effective severity after context and
//! baseline, so what a reader sees and the exit code never disagree.

pub mod human;
pub mod json;
pub mod sarif;

use std::io::Write;

use crate::report::ScanReport;
use crate::rules::{self, Family};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for people, grouped by file.
    Human,
    /// `formulary-scan/v1` JSON (docs/scan-json.md).
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Format, String> {
        match text {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            other => Err(format!(
                "unknown format {other:?}: use human, json or sarif"
            )),
        }
    }
}

/// Writes `report` to `out` in `format`. `color` applies to human output
/// only; the caller decides it (a terminal, and no `NO_COLOR`).
pub fn render(
    report: &ScanReport,
    format: Format,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::render(report, color, out),
        Format::Json => write_json(out, &json::to_value(report)),
        Format::Sarif => write_json(out, &sarif::to_value(report)),
    }
}

fn write_json(out: &mut dyn Write, value: &serde_json::Value) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// The version written into JSON and SARIF output.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The family name of a code, as JSON and SARIF `category` show it.
pub fn category(code: &str) -> &'static str {
    rules::find(code).map_or("scanner", |r| family_name(r.family))
}

/// A family's kebab-case name.
pub fn family_name(family: Family) -> &'static str {
    match family {
        Family::Secrets => "secrets",
        Family::Malware => "malware",
        Family::PhiFlow => "phi-flow",
        Family::MagentoConfig => "magento-config",
        Family::Frontend => "frontend",
        Family::Transport => "transport",
        Family::Manifest => "manifest",
        Family::Scanner => "scanner",
    }
}
