//! Text for people: findings grouped by file, then capabilities, then one
//! summary line.
//!
//! Compact on purpose: one line per finding and its redacted snippet. The
//! full detail (help, fingerprints) is in the JSON and SARIF output, which
//! is what a reviewer keeps; a terminal page of help text would bury the
//! findings themselves.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use crate::capability::{Capability, CapabilityKind};
use crate::finding::{Finding, Severity};
use crate::report::ScanReport;

/// Writes the report as text; `color` adds ANSI colours.
pub fn render(report: &ScanReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let paint = Painter { color };
    let mut current: Option<&str> = None;
    for finding in &report.findings {
        let path = finding.location.path.as_str();
        if current != Some(path) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", paint.apply(path, Style::new().bold()))?;
            current = Some(path);
        }
        write_finding(out, finding, &paint)?;
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    write_capabilities(out, &report.capabilities, &paint)?;
    writeln!(out, "{}", summary(report))
}

fn write_finding(out: &mut dyn Write, finding: &Finding, paint: &Painter) -> io::Result<()> {
    let at = format!("{}:{}", finding.location.line, finding.location.column);
    let severity = format!("{:<8}", finding.severity);
    let severity = paint.apply(&severity, severity_style(finding.severity));
    let code = paint.apply(&finding.code, Style::new().cyan());
    writeln!(out, "  {at:>7}  {severity} {code}  {}", finding.message)?;
    if !finding.snippet.is_empty() {
        writeln!(
            out,
            "           {}",
            paint.apply(&finding.snippet, Style::new().dimmed())
        )?;
    }
    Ok(())
}

fn write_capabilities(out: &mut dyn Write, caps: &[Capability], paint: &Painter) -> io::Result<()> {
    if caps.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", paint.apply("capabilities", Style::new().bold()))?;
    for cap in caps {
        let kind = format!("{:<12}", kind_name(cap.kind));
        writeln!(
            out,
            "  {kind} {}  {}",
            cap.value,
            paint.apply(&cap.path, Style::new().dimmed())
        )?;
    }
    writeln!(out)
}

/// `3 findings (1 high, 2 medium); 1 suppressed by the baseline;
/// 4 capabilities; 12 files, 34.5 KiB in 12 ms`
fn summary(report: &ScanReport) -> String {
    let counts = report.counts();
    let mut parts = vec![match counts.total() {
        0 => "no findings".to_string(),
        n => format!("{n} finding{} ({counts})", plural(n)),
    }];
    if !report.suppressed.is_empty() {
        parts.push(format!(
            "{} suppressed by the baseline",
            report.suppressed.len()
        ));
    }
    let caps = report.capabilities.len();
    parts.push(format!(
        "{caps} capabilit{}",
        if caps == 1 { "y" } else { "ies" }
    ));
    let stats = report.stats;
    let size = size(stats.bytes);
    let files = stats.files;
    parts.push(format!(
        "{files} file{}, {size} in {} ms",
        plural(files as usize),
        stats.elapsed_ms
    ));
    parts.join("; ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

fn kind_name(kind: CapabilityKind) -> &'static str {
    match kind {
        CapabilityKind::Host => "host",
        CapabilityKind::Endpoint => "endpoint",
        CapabilityKind::Hook => "hook",
        CapabilityKind::InstallTime => "install-time",
        CapabilityKind::FileWrite => "file-write",
    }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new().bright_red().bold(),
        Severity::High => Style::new().red(),
        Severity::Medium => Style::new().yellow(),
        Severity::Low => Style::new().blue(),
        Severity::Info => Style::new().dimmed(),
    }
}

/// Applies styles only when colour is on.
struct Painter {
    color: bool,
}

impl Painter {
    fn apply(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use crate::rules;

    fn report() -> ScanReport {
        let rule = rules::find("scanner-ignore-comment").unwrap_or(&rules::SCANNER_RULES[0]);
        let at = |path: &str, line| Location {
            path: path.into(),
            line,
            column: 5,
        };
        let finding =
            |path, line| Finding::new(rule, at(path, line), "silenced", "// nosemgrep", "e");
        let mut report = ScanReport {
            findings: vec![finding("A.php", 2), finding("A.php", 9), finding("B.js", 1)],
            capabilities: vec![Capability::new(
                CapabilityKind::Host,
                "api.acme.test",
                "A.php",
            )],
            ..ScanReport::default()
        };
        report.stats.files = 3;
        report.stats.bytes = 2048;
        report
    }

    fn text(report: &ScanReport, color: bool) -> String {
        let mut out = Vec::new();
        render(report, color, &mut out).unwrap_or_default();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn findings_are_grouped_by_file_and_summed_up() {
        let expected = "\
A.php
      2:5  info     scanner-ignore-comment  silenced
           // nosemgrep
      9:5  info     scanner-ignore-comment  silenced
           // nosemgrep

B.js
      1:5  info     scanner-ignore-comment  silenced
           // nosemgrep

capabilities
  host         api.acme.test  A.php

3 findings (3 info); 1 capability; 3 files, 2.0 KiB in 0 ms
";
        assert_eq!(text(&report(), false), expected);
    }

    #[test]
    fn colour_is_added_only_when_asked() {
        assert!(!text(&report(), false).contains('\u{1b}'));
        assert!(text(&report(), true).contains('\u{1b}'));
    }

    #[test]
    fn a_clean_scan_says_so() {
        let clean = ScanReport::default();
        assert_eq!(
            text(&clean, false),
            "no findings; 0 capabilities; 0 files, 0 B in 0 ms\n"
        );
    }
}
