//! The JSON and SARIF documents of a small fixed scan, pinned by snapshots,
//! and SARIF checked against the official SARIF 2.1.0 JSON schema.
//!
//! The schema comes from a package the build already has: the
//! `serde-sarif` crate (our SARIF model) ships the OASIS schema it was
//! generated from as `src/schema.json`. We find it through
//! `cargo metadata`, so no extra install step is needed and the schema's
//! version moves with the model's.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use formulary_scan::baseline::Baseline;
use formulary_scan::detectors::pragmas::Pragmas;
use formulary_scan::render::{json, sarif};
use formulary_scan::{
    Capability, CapabilityKind, Detector, Extension, RuleInfo, ScanOptions, ScanReport, Scanner,
    Sink, SourceFile,
};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Reports the host the sample client calls, as the PHP family would.
struct Hosts;

impl Detector for Hosts {
    fn name(&self) -> &'static str {
        "hosts"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn check(&self, file: &SourceFile, _ext: &dyn Extension, out: &mut Sink) {
        if file.path == "Model/Client.php" {
            let host = Capability::new(CapabilityKind::Host, "rates.example.test", &file.path);
            out.capability(host);
        }
    }
}

fn sample_files() -> Vec<SourceFile> {
    let files = [
        (
            "Model/Client.php",
            "<?php\n// Calls the rates API.\n$key = 'x'; // gitleaks:allow\n",
        ),
        (
            "view/frontend/templates/rates.phtml",
            "<?= /* @noEscape */ $block->getRates() ?>\n",
        ),
        (
            "view/frontend/web/js/rates.js",
            "// eslint-disable-next-line no-eval\neval(rates);\n",
        ),
        ("composer.json", "{\"name\": \"acme/rates\"}\n"),
    ];
    files
        .iter()
        .map(|(p, t)| SourceFile::new(*p, t.as_bytes().to_vec()))
        .collect()
}

/// The fixed scan: three ignore comments, one accepted in the baseline,
/// with one stale and one expired entry beside it.
fn sample_report() -> Result<ScanReport, Box<dyn std::error::Error>> {
    let detectors: Vec<Box<dyn Detector>> = vec![Box::new(Pragmas::new()), Box::new(Hosts)];
    let scanner = Scanner::with_detectors(detectors, ScanOptions::default());
    let mut report = scanner.scan_files(sample_files())?;
    report.stats.elapsed_ms = 0;
    let accepted = report
        .findings
        .iter()
        .find(|f| f.location.path.ends_with(".phtml"))
        .map(|f| f.fingerprint.clone())
        .ok_or("no finding in the template")?;
    let text = format!(
        "[[suppress]]\nfingerprint = \"{accepted}\"\nreason = \"Prints pre-escaped rate HTML\"\n\
         who = \"dana\"\nexpires = 2026-06-30\n\n\
         [[suppress]]\nfingerprint = \"{}\"\nreason = \"Removed in 1.2\"\nwho = \"dana\"\n\n\
         [[suppress]]\nfingerprint = \"{}\"\nreason = \"Old review\"\nwho = \"sam\"\n\
         expires = 2025-12-31\n",
        "a".repeat(64),
        "b".repeat(64)
    );
    let baseline = Baseline::parse("reviews/acme-rates.toml", &text).map_err(|e| e.join("; "))?;
    baseline.apply(&mut report, time::macros::date!(2026 - 01 - 15));
    Ok(report)
}

#[test]
fn the_json_document_of_a_small_scan() -> TestResult {
    let value = json::to_value(&sample_report()?);
    assert_eq!(value["schema"], "formulary-scan/v1");
    insta::assert_json_snapshot!("scan-json", value);
    Ok(())
}

#[test]
fn the_sarif_log_of_a_small_scan() -> TestResult {
    let value = sarif::to_value(&sample_report()?);
    insta::assert_json_snapshot!("scan-sarif", only_fired_rules(value));
    Ok(())
}

#[test]
fn the_sarif_log_of_a_small_scan_is_valid_sarif_2_1_0() -> TestResult {
    let log = sarif::to_value(&sample_report()?);
    assert_valid_sarif(&log)
}

/// Every fixture scanned with every detector: this puts the whole rule
/// catalogue and every family's real findings through the schema.
#[test]
fn the_sarif_log_of_every_fixture_is_valid_sarif_2_1_0() -> TestResult {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/extensions");
    let scanner = Scanner::new(ScanOptions::default());
    for entry in std::fs::read_dir(&fixtures)? {
        let report = scanner.scan_dir(&entry?.path())?;
        assert_valid_sarif(&sarif::to_value(&report))?;
    }
    Ok(())
}

#[test]
fn the_validator_refuses_a_broken_log() -> TestResult {
    let mut log = sarif::to_value(&sample_report()?);
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(assert_valid_sarif(&log).is_err());
    Ok(())
}

#[test]
fn the_json_document_reads_back_as_the_report() -> TestResult {
    let report = sample_report()?;
    let back: ScanReport = serde_json::from_value(json::to_value(&report))?;
    assert_eq!(back, report);
    Ok(())
}

#[test]
fn rule_indexes_point_at_their_rules() -> TestResult {
    let log = sarif::to_value(&sample_report()?);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .ok_or("no rules")?;
    for result in run["results"].as_array().ok_or("no results")? {
        let index = result["ruleIndex"].as_u64().ok_or("no ruleIndex")? as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    Ok(())
}

fn assert_valid_sarif(log: &Value) -> TestResult {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| sarif_validator().map_err(|e| e.to_string()));
    let validator = validator.as_ref().map_err(|e| e.clone())?;
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(format!("SARIF does not match the schema:\n{}", errors.join("\n")).into())
}

fn sarif_validator() -> Result<jsonschema::Validator, Box<dyn std::error::Error>> {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(schema_path()?)?)?;
    Ok(jsonschema::validator_for(&schema)?)
}

/// `src/schema.json` of the serde-sarif package in this build.
fn schema_path() -> Result<PathBuf, Box<dyn std::error::Error>> {
    // Only this platform's packages: a fresh machine has not downloaded
    // the Windows-only ones, and --offline would refuse to fetch them.
    let host = host_triple()?;
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()?;
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    let sarif = packages
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .ok_or("no serde-sarif")?;
    let manifest = PathBuf::from(sarif["manifest_path"].as_str().ok_or("no manifest_path")?);
    let schema = manifest.with_file_name("src").join("schema.json");
    if !schema.is_file() {
        return Err(format!("{} is missing", schema.display()).into());
    }
    Ok(schema)
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> Result<String, Box<dyn std::error::Error>> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let output = std::process::Command::new(rustc).arg("-vV").output()?;
    let text = String::from_utf8(output.stdout)?;
    let host = text
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .ok_or("rustc -vV printed no host line")?;
    Ok(host.to_string())
}

/// The catalogue grows as families add rules; the snapshot keeps only the
/// rules that fired and their positions as placeholders, so it pins our
/// shape without changing with every new rule.
fn only_fired_rules(mut log: Value) -> Value {
    let run = &mut log["runs"][0];
    let fired: Vec<Value> = run["results"]
        .as_array()
        .map(|r| r.iter().map(|x| x["ruleId"].clone()).collect())
        .unwrap_or_default();
    if let Some(rules) = run["tool"]["driver"]["rules"].as_array_mut() {
        rules.retain(|r| fired.contains(&r["id"]));
    }
    if let Some(results) = run["results"].as_array_mut() {
        for result in results {
            result["ruleIndex"] = Value::from("[index]");
        }
    }
    log
}
