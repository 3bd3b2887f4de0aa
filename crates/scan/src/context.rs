//! Where a file sits in the extension changes what a finding means.
//!
//! Detectors call [`adjust`] on every finding before reporting it, so the
//! context rules live in one place instead of in each family:
//!
//! - Code that runs at install, upgrade or on a schedule (setup patches,
//!   install/upgrade/recurring scripts, cron classes) runs with full rights
//!   and without a request anyone watches, so its findings move one
//!   severity step up.
//! - Files under test or dev folders are rarely loaded in production, so
//!   their findings drop one confidence step. They are never suppressed:
//!   a real key in a test file is still a real key.

use crate::finding::{Confidence, Finding};

/// Whether `path` (inside the extension, `/`-separated) holds code that
/// runs at install, upgrade or on a schedule.
///
/// Matches `Setup/Patch/**`, `Setup/**` files whose names hold `Install`,
/// `Upgrade` or `Recurring` (`InstallSchema.php`, `UpgradeData.php`,
/// `Recurring.php`), and anything under a `Cron/` folder.
pub fn is_install_time(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some((name, dirs)) = parts.split_last() else {
        return false;
    };
    if dirs.contains(&"Cron") {
        return true;
    }
    let Some(setup) = dirs.iter().position(|d| *d == "Setup") else {
        return false;
    };
    if dirs.get(setup + 1) == Some(&"Patch") {
        return true;
    }
    ["Install", "Upgrade", "Recurring"]
        .iter()
        .any(|w| name.contains(w))
}

/// Whether `path` is test or development code: any folder named `Test`,
/// `Tests`, `test`, `tests` or `dev` on the way to it.
pub fn is_test_path(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts
        .iter()
        .any(|d| matches!(*d, "Test" | "Tests" | "test" | "tests" | "dev"))
}

/// Applies the context rules to a finding reported in `path`.
pub fn adjust(finding: Finding, path: &str) -> Finding {
    let mut finding = finding;
    if is_install_time(path) {
        finding.severity = finding.severity.raised();
    }
    if is_test_path(path) {
        finding.confidence = lower(finding.confidence);
    }
    finding
}

fn lower(confidence: Confidence) -> Confidence {
    match confidence {
        Confidence::High => Confidence::Medium,
        Confidence::Medium | Confidence::Low => Confidence::Low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, Severity};
    use crate::rules::SCANNER_RULES;

    fn finding(path: &str) -> Finding {
        let rule = &SCANNER_RULES[0];
        Finding::new(rule, Location::file(path), "m", "s", "e")
            .with_severity(Severity::High)
            .with_confidence(Confidence::High)
    }

    #[test]
    fn setup_patches_install_scripts_and_cron_run_at_install_time() {
        assert!(is_install_time("Setup/Patch/Data/AddAttribute.php"));
        assert!(is_install_time("Setup/InstallSchema.php"));
        assert!(is_install_time("Setup/UpgradeData.php"));
        assert!(is_install_time("Setup/Recurring.php"));
        assert!(is_install_time("Cron/SendReport.php"));
        assert!(is_install_time("src/Module/Cron/Sync.php"));
    }

    #[test]
    fn ordinary_code_does_not_run_at_install_time() {
        assert!(!is_install_time("Model/Installer.php"));
        assert!(!is_install_time("Setup/Helper.php"));
        assert!(!is_install_time("Controller/Upgrade/Index.php"));
        assert!(!is_install_time("CronJob.php"));
    }

    #[test]
    fn test_and_dev_folders_are_test_paths_but_names_are_not() {
        assert!(is_test_path("Test/Unit/Model/PaymentTest.php"));
        assert!(is_test_path("tests/fixtures/key.pem"));
        assert!(is_test_path("dev/tools/run.php"));
        assert!(!is_test_path("Model/TestMode.php"));
        assert!(!is_test_path("Test.php"));
    }

    #[test]
    fn install_time_raises_severity_and_tests_lower_confidence() {
        let raised = adjust(finding("Setup/Patch/Data/X.php"), "Setup/Patch/Data/X.php");
        assert_eq!(
            (raised.severity, raised.confidence),
            (Severity::Critical, Confidence::High)
        );
        let lowered = adjust(finding("Test/Unit/X.php"), "Test/Unit/X.php");
        assert_eq!(
            (lowered.severity, lowered.confidence),
            (Severity::High, Confidence::Medium)
        );
        let plain = adjust(finding("Model/X.php"), "Model/X.php");
        assert_eq!(
            (plain.severity, plain.confidence),
            (Severity::High, Confidence::High)
        );
    }
}
