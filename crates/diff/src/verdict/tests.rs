use formulary_scan::finding::fingerprint;
use formulary_scan::{Confidence, Location};

use super::*;
use crate::files::{Content, FileDelta};
use crate::findings::FindingChanges;
use crate::manifest::Change;

fn file(status: FileStatus, path: &str) -> FileDelta {
    FileDelta {
        status,
        path: path.to_string(),
        old_path: None,
        content: Content::Text,
        old_size: None,
        new_size: None,
        lines_added: 1,
        lines_removed: 0,
        hunks: Vec::new(),
        omitted_lines: 0,
        note: None,
    }
}

fn finding(code: &str, severity: Severity) -> Finding {
    Finding {
        code: code.to_string(),
        severity,
        confidence: Confidence::High,
        location: Location::file("a.php"),
        snippet: String::new(),
        message: "m".to_string(),
        help: "h".to_string(),
        cwe: None,
        fingerprint: fingerprint(code, "a.php", code),
    }
}

struct Case {
    files: FileChanges,
    manifest: Vec<ManifestChange>,
    findings: FindingChanges,
    capabilities: CapabilityChanges,
}

impl Case {
    fn changed(paths: &[(FileStatus, &str)]) -> Case {
        Case {
            files: FileChanges {
                changed: paths.iter().map(|(s, p)| file(*s, p)).collect(),
                unchanged: 4,
                skipped: Vec::new(),
            },
            manifest: Vec::new(),
            findings: FindingChanges::default(),
            capabilities: CapabilityChanges::default(),
        }
    }

    fn verdict(&self) -> Verdict {
        judge(&Parts {
            files: &self.files,
            manifest: &self.manifest,
            findings: &self.findings,
            capabilities: &self.capabilities,
        })
    }
}

#[test]
fn nothing_changed_is_identical() {
    let v = Case::changed(&[]).verdict();
    assert_eq!(v.level, VerdictLevel::Identical);
    assert_eq!(v.line, "IDENTICAL: no file changed");
}

#[test]
fn changes_with_nothing_new_are_clean() {
    let mut case = Case::changed(&[
        (FileStatus::Modified, "a.php"),
        (FileStatus::Added, "b.php"),
    ]);
    case.findings.resolved.push(finding("x", Severity::Low));
    let v = case.verdict();
    assert_eq!(v.level, VerdictLevel::Clean);
    assert_eq!(
        v.line,
        "CLEAN: 2 files changed (1 added), 1 finding resolved, no new findings or capabilities"
    );
}

#[test]
fn new_findings_capabilities_and_install_time_code_ask_for_review() {
    let mut case = Case::changed(&[
        (FileStatus::Modified, "a.php"),
        (FileStatus::Removed, "b.php"),
        (FileStatus::Renamed, "c.php"),
    ]);
    case.findings.new = vec![
        finding("secret-stripe-secret-key", Severity::High),
        finding("composer-scripts", Severity::Medium),
    ];
    case.capabilities.new = vec![Capability::new(
        CapabilityKind::Host,
        "api.example.test",
        "a.php",
    )];
    case.manifest = vec![
        ManifestChange {
            field: "scripts".to_string(),
            key: Some("post-install-cmd".to_string()),
            change: Change::Added,
            old: None,
            new: Some(serde_json::json!("x")),
            install_time: true,
        },
        ManifestChange {
            field: "require".to_string(),
            key: Some("acme/sdk".to_string()),
            change: Change::Added,
            old: None,
            new: Some(serde_json::json!("^2.0")),
            install_time: false,
        },
    ];
    let v = case.verdict();
    assert_eq!(v.level, VerdictLevel::Review);
    assert_eq!(
        v.line,
        "REVIEW: 3 files changed (1 removed, 1 renamed); \
         1 new high finding (secret-stripe-secret-key); \
         1 new medium finding (composer-scripts); \
         new host api.example.test; \
         composer.json runs at install: script post-install-cmd; \
         new dependency acme/sdk"
    );
}

#[test]
fn an_install_time_entry_the_scanner_reported_is_named_once() {
    let mut case = Case::changed(&[(FileStatus::Modified, "composer.json")]);
    case.capabilities.new = vec![Capability::new(
        CapabilityKind::InstallTime,
        "scripts:post-install-cmd",
        "composer.json",
    )];
    case.manifest = vec![ManifestChange {
        field: "scripts".to_string(),
        key: Some("post-install-cmd".to_string()),
        change: Change::Added,
        old: None,
        new: Some(serde_json::json!("x")),
        install_time: true,
    }];
    let v = case.verdict();
    assert_eq!(
        v.line,
        "REVIEW: 1 file changed; new install-time code scripts:post-install-cmd"
    );
}

#[test]
fn a_new_critical_finding_is_critical_and_long_lists_are_counted() {
    let mut case = Case::changed(&[(FileStatus::Modified, "a.php")]);
    case.findings.new = ["a", "b", "c", "d", "d"]
        .iter()
        .map(|c| finding(c, Severity::Critical))
        .collect();
    let v = case.verdict();
    assert_eq!(v.level, VerdictLevel::Critical);
    assert_eq!(
        v.line,
        "CRITICAL: 1 file changed; 5 new critical findings (a, b, c (+1 more))"
    );
}

#[test]
fn files_not_compared_ask_for_review() {
    let mut case = Case::changed(&[]);
    case.files.skipped.push(crate::files::Skipped {
        side: "new".to_string(),
        path: "x".to_string(),
        reason: "could not be read".to_string(),
    });
    let v = case.verdict();
    assert_eq!(v.level, VerdictLevel::Review);
    assert_eq!(v.line, "REVIEW: no file changed; 1 file not compared");
}
