//! `formulary scan PATH`: the scanner on its own, for a reviewer's desk or
//! an extension vendor's CI. It needs no registry.
//!
//! A zip is unpacked with the same limits as ingest into a private
//! temporary folder that disappears afterwards, so what is scanned is
//! exactly what ingest would store.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use formulary_scan::baseline::Baseline;
use formulary_scan::render::{self, Format};
use formulary_scan::{ScanOptions, ScanReport, Scanner, Severity};

use crate::cli::ScanFormat;

/// Scans `path`, prints the report, and returns 1 when it fails at
/// `fail_on` (or a baseline entry has expired), else 0.
pub fn run(
    path: &Path,
    format: ScanFormat,
    fail_on: Severity,
    baseline: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    // Read the baseline first: a typo in it should not cost a whole scan.
    let baseline = baseline.map(Baseline::load).transpose()?;
    let mut report = scan(path)?;
    if let Some(baseline) = &baseline {
        baseline.apply(&mut report, time::OffsetDateTime::now_utc().date());
    }
    print(&report, format)?;
    Ok(if report.fails(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A folder is scanned in place; a file is taken for a zip.
fn scan(path: &Path) -> anyhow::Result<ScanReport> {
    let scanner = Scanner::new(ScanOptions::default());
    if !path.is_file() {
        return Ok(scanner.scan_dir(path)?);
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix("formulary-scan-")
        .tempdir()
        .context("cannot make a temporary folder to unpack into")?;
    formulary_unpack::unpack(&bytes, scratch.path(), &formulary_unpack::Limits::default())
        .with_context(|| format!("cannot unpack {}", path.display()))?;
    Ok(scanner.scan_dir(scratch.path())?)
}

fn print(report: &ScanReport, format: ScanFormat) -> anyhow::Result<()> {
    let format = match format {
        ScanFormat::Human => Format::Human,
        ScanFormat::Json => Format::Json,
        ScanFormat::Sarif => Format::Sarif,
    };
    let stdout = std::io::stdout();
    // Colour only for a person at a terminal who has not asked for none.
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = stdout.lock();
    render::render(report, format, color, &mut out).context("cannot write the report")?;
    out.flush().context("cannot write the report")?;
    Ok(())
}
