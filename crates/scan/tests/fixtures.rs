//! The sample extensions in `fixtures/extensions/` against what a reviewer
//! expects of them, written down in `fixtures/expected/<name>.toml`.
//!
//! Each expectation file may hold:
//!
//! - `[[finding]]` entries (`code`, `path`, `line`): the scanner must report
//!   a finding with exactly this code, in this file, on this line;
//! - `[[absent]]` entries (`code`, `path`, optional `line`): the safe
//!   look-alikes; no finding with this code may be reported in this file
//!   (or on this line of it, when a line is given);
//! - `max_severity`: no finding may be more severe (the clean modules say
//!   `"low"`).
//!
//! Findings not named in the file are allowed: the expectations pin what
//! must and must not be seen, not every note a detector adds. We check every
//! fixture and list every problem before failing, so one run shows the
//! whole picture. `FORMULARY_FIXTURE=<name>` limits the run to one fixture;
//! `FORMULARY_FIXTURE_VERBOSE=1` also lists every finding of a failing
//! fixture, which helps when writing expectations.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use formulary_scan::{Finding, ScanOptions, Scanner, Severity};
use serde::Deserialize;

/// One `fixtures/expected/<name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    #[serde(default)]
    max_severity: Option<String>,
    #[serde(default)]
    finding: Vec<Expected>,
    #[serde(default)]
    absent: Vec<Absent>,
}

/// A finding that must be reported.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    code: String,
    path: String,
    line: u32,
}

/// A code that must not be reported in a file (or on one line of it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Absent {
    code: String,
    path: String,
    #[serde(default)]
    line: Option<u32>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The names of every expectation file, sorted, honouring the filter.
fn expectation_names() -> Vec<String> {
    let only = std::env::var("FORMULARY_FIXTURE").ok();
    let mut names: Vec<String> = fs::read_dir(fixtures_dir().join("expected"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| only.as_deref().is_none_or(|wanted| wanted == name))
        .collect();
    names.sort();
    names
}

fn load(name: &str) -> Result<Expectations, String> {
    let path = fixtures_dir().join("expected").join(format!("{name}.toml"));
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn scan(name: &str) -> Result<Vec<Finding>, String> {
    let root = fixtures_dir().join("extensions").join(name);
    let report = Scanner::new(ScanOptions::default())
        .scan_dir(&root)
        .map_err(|e| format!("scan failed: {e}"))?;
    Ok(report.findings)
}

/// Every problem with one fixture, as readable lines.
fn check(name: &str) -> Vec<String> {
    let expectations = match load(name) {
        Ok(e) => e,
        Err(e) => return vec![format!("unreadable expectations: {e}")],
    };
    let findings = match scan(name) {
        Ok(f) => f,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for expected in &expectations.finding {
        if let Some(problem) = missing(expected, &findings) {
            problems.push(problem);
        }
    }
    for absent in &expectations.absent {
        problems.extend(unexpected(absent, &findings));
    }
    if let Some(max) = &expectations.max_severity {
        problems.extend(too_severe(max, &findings));
    }
    if !problems.is_empty() && std::env::var_os("FORMULARY_FIXTURE_VERBOSE").is_some() {
        problems.extend(findings.iter().map(|f| {
            let at = format!("{}:{}", f.location.path, f.location.line);
            format!("(reported) {} {} at {at}", f.severity, f.code)
        }));
    }
    problems
}

/// `None` when the expected finding is there; otherwise what went wrong,
/// with a hint when the code was reported nearby.
fn missing(expected: &Expected, findings: &[Finding]) -> Option<String> {
    let same_file: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.code == expected.code && f.location.path == expected.path)
        .collect();
    if same_file.iter().any(|f| f.location.line == expected.line) {
        return None;
    }
    let mut text = format!(
        "missing {} at {}:{}",
        expected.code, expected.path, expected.line
    );
    if !same_file.is_empty() {
        let lines: Vec<String> = same_file
            .iter()
            .map(|f| f.location.line.to_string())
            .collect();
        let _ = write!(text, " (reported on line {} instead)", lines.join(", "));
    } else if let Some(elsewhere) = findings.iter().find(|f| f.code == expected.code) {
        let _ = write!(
            text,
            " (reported at {}:{} instead)",
            elsewhere.location.path, elsewhere.location.line
        );
    }
    Some(text)
}

fn unexpected(absent: &Absent, findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.code == absent.code && f.location.path == absent.path)
        .filter(|f| absent.line.is_none_or(|line| f.location.line == line))
        .map(|f| {
            format!(
                "unexpected {} at {}:{} (a safe look-alike): {}",
                f.code, f.location.path, f.location.line, f.message
            )
        })
        .collect()
}

fn too_severe(max: &str, findings: &[Finding]) -> Vec<String> {
    let Some(max) = Severity::parse(max) else {
        return vec![format!("max_severity {max:?} is not a severity")];
    };
    findings
        .iter()
        .filter(|f| f.severity > max)
        .map(|f| {
            format!(
                "{} {} at {}:{} is above the allowed {max}: {}",
                f.severity, f.code, f.location.path, f.location.line, f.message
            )
        })
        .collect()
}

#[test]
fn every_fixture_meets_its_expectations() {
    let names = expectation_names();
    assert!(
        !names.is_empty(),
        "no expectation files in fixtures/expected"
    );

    let mut report = String::new();
    let mut failed = 0;
    for name in &names {
        let problems = check(name);
        if problems.is_empty() {
            continue;
        }
        failed += 1;
        let _ = writeln!(report, "\n{name} ({} problems):", problems.len());
        for problem in problems {
            let _ = writeln!(report, "  - {problem}");
        }
    }
    assert!(
        failed == 0,
        "{failed} of {} fixtures fail their expectations:\n{report}",
        names.len()
    );
}

#[test]
fn every_fixture_has_an_expectation_file_and_the_reverse() {
    let listed = |dir: &str, strip: &str| -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(fixtures_dir().join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .map(|name| name.trim_end_matches(strip).to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listed("extensions", ""), listed("expected", ".toml"));
}

#[test]
fn every_expected_line_exists_in_its_file() {
    // Catches an expectation left behind when a fixture is edited: the
    // line must exist even before any detector can report it.
    let mut problems = Vec::new();
    for name in expectation_names() {
        let Ok(expectations) = load(&name) else {
            continue;
        };
        let root = fixtures_dir().join("extensions").join(&name);
        let targets = expectations
            .finding
            .iter()
            .map(|e| (&e.path, Some(e.line)))
            .chain(expectations.absent.iter().map(|a| (&a.path, a.line)));
        for (path, line) in targets {
            let Ok(bytes) = fs::read(root.join(path)) else {
                problems.push(format!("{name}: {path} does not exist"));
                continue;
            };
            let lines = bytes.split(|&b| b == b'\n').count() as u32;
            if let Some(line) = line.filter(|&l| l == 0 || l > lines) {
                problems.push(format!("{name}: {path} has {lines} lines, not {line}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "stale expectations:\n{}",
        problems.join("\n")
    );
}
