//! The sample extensions under `fixtures/extensions`, file by file: what
//! the PHP checks must report there, and where they must stay quiet.

use std::path::{Path, PathBuf};

use crate::capability::CapabilityKind;
use crate::detector::Sink;
use crate::finding::Severity;

use super::{capabilities, pairs, scan};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/extensions")
}

fn fixture(extension: &str, file: &str) -> Sink {
    let code = std::fs::read_to_string(root().join(extension).join(file)).expect("fixture file");
    scan(file, &code)
}

fn codes(sink: &Sink) -> Vec<(String, u32)> {
    let mut list: Vec<_> = sink
        .findings
        .iter()
        .map(|f| (f.code.clone(), f.location.line))
        .collect();
    list.sort();
    list
}

#[test]
fn payment_debug_logger_logs_card_data_but_not_its_masked_twin() {
    let command = fixture(
        "payment-debug-logger",
        "Gateway/Command/AuthorizeCommand.php",
    );
    assert_eq!(
        codes(&command),
        pairs(&[("card-data-to-log", 59), ("card-data-to-log", 60)])
    );
    assert!(command
        .findings
        .iter()
        .all(|f| f.severity == Severity::Critical));
    assert_eq!(
        capabilities(&command, CapabilityKind::Host),
        ["api.directcard-gateway.test"]
    );

    let masked = fixture("payment-debug-logger", "Gateway/Command/MaskedLogger.php");
    assert_eq!(codes(&masked), pairs(&[]));

    let observer = fixture("payment-debug-logger", "Observer/DataAssignObserver.php");
    assert_eq!(codes(&observer), pairs(&[("card-data-persisted", 35)]));
}

#[test]
fn booking_plain_http_sends_phi_in_clear() {
    let client = fixture("booking-plain-http", "Model/CalendarClient.php");
    assert_eq!(
        codes(&client),
        pairs(&[("phi-to-http", 41), ("plain-http-endpoint", 14)])
    );
    let message = &client
        .findings
        .iter()
        .find(|f| f.code == "phi-to-http")
        .expect("flow")
        .message;
    for getter in ["getFirstname", "getLastname"] {
        assert!(message.contains(getter), "{message}");
    }
    assert_eq!(
        capabilities(&client, CapabilityKind::Host),
        ["calendar.example-booking.test"]
    );
}

#[test]
fn marketing_pixels_send_event_data_to_the_ad_network() {
    let order = fixture("marketing-pixels", "Observer/OrderConversion.php");
    assert_eq!(codes(&order), pairs(&[("phi-to-http", 53)]));
    let registration = fixture("marketing-pixels", "Observer/RegistrationConversion.php");
    assert_eq!(codes(&registration), pairs(&[("phi-to-http", 45)]));
}

#[test]
fn license_check_backdoor_evaluates_a_request_parameter() {
    let license = fixture("license-check-backdoor", "Helper/License.php");
    assert_eq!(
        codes(&license),
        pairs(&[
            ("malware-eval-decoded", 81),
            ("malware-request-to-eval", 81)
        ])
    );
    assert!(license
        .findings
        .iter()
        .all(|f| f.severity == Severity::Critical));
    assert_eq!(
        capabilities(&license, CapabilityKind::Host),
        ["licensing.example-vendor.test"]
    );
}

#[test]
fn image_optimizer_webshell_is_full_of_execution() {
    let ext = "image-optimizer-webshell";
    assert_eq!(
        codes(&fixture(ext, "Controller/Image/Optimize.php")),
        pairs(&[("malware-request-to-exec", 26)])
    );
    let cache = codes(&fixture(ext, "Helper/Cache.php"));
    for expected in [
        ("malware-dynamic-call", 18),
        ("malware-preg-replace-eval", 26),
        ("malware-create-function", 31),
    ] {
        assert!(
            cache.contains(&(expected.0.to_string(), expected.1)),
            "{cache:?}"
        );
    }
    assert_eq!(
        codes(&fixture(ext, "Model/ColorProfiles.php")),
        pairs(&[("malware-decode-chain", 15), ("malware-eval-decoded", 17)])
    );
    assert_eq!(codes(&fixture(ext, "Model/Optimizer.php")), pairs(&[]));
}

#[test]
fn tls_off_lab_results_turns_verification_off_and_connects_in_clear() {
    let ext = "tls-off-lab-results";
    assert_eq!(
        codes(&fixture(ext, "Model/LabApiClient.php")),
        pairs(&[("phi-to-http", 26), ("tls-verification-disabled", 63)])
    );
    let uploader = codes(&fixture(ext, "Model/ResultUploader.php"));
    for line in [33, 34, 52, 53] {
        assert!(
            uploader.contains(&("tls-verification-disabled".to_string(), line)),
            "{uploader:?}"
        );
    }
    assert_eq!(
        codes(&fixture(ext, "Model/LabDatabase.php")),
        pairs(&[
            ("db-connection-without-tls", 29),
            ("db-credentials-in-code", 29)
        ])
    );
    assert_eq!(
        codes(&fixture(ext, "Model/KitCatalogClient.php")),
        pairs(&[])
    );
    assert_eq!(
        codes(&fixture(ext, "Model/ArchiveDatabase.php")),
        pairs(&[])
    );
}

#[test]
fn session_fixation_portal_takes_the_session_id_from_the_link() {
    let ext = "session-fixation-portal";
    assert_eq!(
        codes(&fixture(ext, "Controller/Sso/Login.php")),
        pairs(&[("session-fixation", 31)])
    );
    assert_eq!(
        codes(&fixture(ext, "Controller/Sso/Resume.php")),
        pairs(&[("session-fixation", 26)])
    );
    assert_eq!(
        codes(&fixture(ext, "Controller/Account/Handoff.php")),
        pairs(&[])
    );
}

#[test]
fn pub_media_prescription_export_is_public_and_the_audit_export_is_not() {
    let ext = "pub-media-prescription-export";
    let cron = fixture(ext, "Cron/ExportPrescriptions.php");
    assert_eq!(codes(&cron), pairs(&[("phi-to-file", 35)]));
    assert_eq!(
        cron.findings[0].severity,
        Severity::Critical,
        "cron code runs unattended"
    );
    assert_eq!(
        codes(&fixture(ext, "Model/PrescriptionSheet.php")),
        pairs(&[("phi-to-file", 25)])
    );
    let audit = fixture(ext, "Model/AuditExport.php");
    assert_eq!(codes(&audit), pairs(&[]));
    assert_eq!(
        capabilities(&audit, CapabilityKind::FileWrite),
        ["var/export/rx_audit/*.csv"]
    );
    assert_eq!(
        codes(&fixture(ext, "Model/ProductImageWriter.php")),
        pairs(&[])
    );
}

#[test]
fn fraud_screen_hooks_send_the_card_to_a_scoring_service() {
    let ext = "fraud-screen-hooks";
    assert_eq!(
        codes(&fixture(ext, "Plugin/ScreenPayment.php")),
        pairs(&[("card-data-to-http", 36)])
    );
    assert_eq!(codes(&fixture(ext, "Model/ScoreProvider.php")), pairs(&[]));
    assert_eq!(
        codes(&fixture(ext, "Observer/RecordOutcome.php")),
        pairs(&[])
    );
}

#[test]
fn install_time_composer_plugin_runs_what_it_downloads() {
    let ext = "install-time-composer-plugin";
    let plugin = codes(&fixture(ext, "Composer/AssetsPlugin.php"));
    assert!(
        plugin.contains(&("malware-remote-code".to_string(), 48)),
        "{plugin:?}"
    );
    assert_eq!(
        codes(&fixture(ext, "Setup/Patch/Data/ActivateLicense.php")),
        pairs(&[("malware-call-home-exec", 40)])
    );
    assert_eq!(
        codes(&fixture(ext, "bootstrap/telemetry.php")),
        pairs(&[("plain-http-endpoint", 14)])
    );
}

/// Every PHP file of the clean modules: nothing above low.
#[test]
fn clean_modules_give_nothing_above_low() {
    for ext in [
        "clean-shipping-rates",
        "clean-store-locator",
        "clean-product-faq",
        "clean-catalog-badges",
    ] {
        let mut files = Vec::new();
        walk(&root().join(ext), &mut files);
        assert!(!files.is_empty(), "{ext} has PHP files");
        for path in files {
            let rel = path
                .strip_prefix(root().join(ext))
                .expect("inside")
                .to_string_lossy()
                .to_string();
            let sink = fixture(ext, &rel);
            let loud: Vec<_> = sink
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Low)
                .collect();
            assert!(loud.is_empty(), "{ext}/{rel}: {loud:#?}");
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "php" || e == "phtml") {
            out.push(path);
        }
    }
}
