//! Scenarios: a reviewer's baseline meeting a fresh scan.

use time::macros::date;

use super::*;
use crate::finding::Severity;

fn finding(path: &str, evidence: &str) -> Finding {
    let rule = rules::find("scanner-ignore-comment").unwrap_or(&rules::SCANNER_RULES[0]);
    let at = Location {
        path: path.into(),
        line: 3,
        column: 1,
    };
    Finding::new(rule, at, "m", "s", evidence).with_severity(Severity::High)
}

fn report(findings: Vec<Finding>) -> ScanReport {
    ScanReport {
        findings,
        ..ScanReport::default()
    }
}

fn baseline(entries: &[(&str, Option<&str>)]) -> Baseline {
    let text: String = entries
        .iter()
        .map(|(fp, expires)| {
            let expires = expires.map(|d| format!("expires = {d}\n")).unwrap_or_default();
            format!("[[suppress]]\nfingerprint = \"{fp}\"\nreason = \"known\"\nwho = \"dana\"\n{expires}\n")
        })
        .collect();
    Baseline::parse("reviews/acme.toml", &text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn codes(report: &ScanReport) -> Vec<&str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn a_matched_finding_moves_to_suppressed_with_the_reason() {
    let hit = finding("a.php", "x");
    let mut scan = report(vec![hit.clone(), finding("b.php", "y")]);
    baseline(&[(&hit.fingerprint, Some("2026-06-30"))]).apply(&mut scan, date!(2026 - 06 - 30));
    assert_eq!(codes(&scan), ["scanner-ignore-comment"]);
    assert_eq!(scan.findings[0].location.path, "b.php");
    let kept = &scan.suppressed[0];
    assert_eq!(kept.finding, hit);
    assert_eq!(kept.suppression.kind, "external");
    assert_eq!(kept.suppression.expires.as_deref(), Some("2026-06-30"));
    assert!(!scan.fails(Severity::Critical));
}

#[test]
fn an_expired_entry_suppresses_nothing_and_fails_the_scan() {
    let hit = finding("a.php", "x");
    let mut scan = report(vec![hit.clone()]);
    baseline(&[(&hit.fingerprint, Some("\"2026-06-30\""))]).apply(&mut scan, date!(2026 - 07 - 01));
    assert_eq!(
        codes(&scan),
        ["scanner-ignore-comment", "baseline-entry-expired"]
    );
    let expired = &scan.findings[1];
    assert_eq!(
        (expired.location.path.as_str(), expired.location.line),
        ("reviews/acme.toml", 2)
    );
    assert!(expired.message.contains("expired on 2026-06-30"));
    assert!(scan.suppressed.is_empty());
    assert!(scan.fails(Severity::Critical));
}

#[test]
fn an_entry_matching_nothing_is_reported_unused() {
    let mut scan = report(Vec::new());
    let stale = "ab".repeat(32);
    baseline(&[(&stale, None)]).apply(&mut scan, date!(2026 - 01 - 01));
    assert_eq!(codes(&scan), ["baseline-entry-unused"]);
    assert_eq!(scan.findings[0].severity, Severity::Info);
}

#[test]
fn one_entry_covers_every_finding_with_its_fingerprint() {
    let hit = finding("a.php", "x");
    let mut moved = hit.clone();
    moved.location.line = 40;
    let mut scan = report(vec![hit.clone(), moved]);
    baseline(&[(&hit.fingerprint, None)]).apply(&mut scan, date!(2026 - 01 - 01));
    assert!(scan.findings.is_empty());
    assert_eq!(scan.suppressed.len(), 2);
}

#[test]
fn every_bad_entry_is_listed_at_once() {
    let text = "[[suppress]]\nfingerprint = \"nothex\"\nreason = \"r\"\nwho = \"w\"\n\n\
                [[suppress]]\nfingerprint = \""
        .to_string()
        + &"a".repeat(64)
        + "\"\nreason = \"\"\nwho = \"w\"\nexpires = \"soon\"\n";
    let problems = Baseline::parse("b.toml", &text).err().unwrap_or_default();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("line 2") && problems[0].contains("64 hex"));
    assert!(problems[1].contains("line 7"));
}

#[test]
fn unknown_keys_and_broken_toml_are_refused() {
    let typo = format!(
        "[[suppress]]\nfingerprint = \"{}\"\nreason = \"r\"\nwho = \"w\"\nexpire = 2026-01-01\n",
        "a".repeat(64)
    );
    assert!(Baseline::parse("b.toml", &typo).is_err());
    assert!(Baseline::parse("b.toml", "[[suppress]\n").is_err());
    assert!(Baseline::parse("b.toml", "").is_ok_and(|b| b.entries().is_empty()));
}

#[test]
fn loading_a_missing_file_names_it() {
    let err = Baseline::load(Path::new("/nonexistent/baseline.toml")).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with("baseline /nonexistent/baseline.toml"),
        "{text}"
    );
}
