//! SARIF 2.1.0, built on serde-sarif's model of the OASIS schema.
//!
//! What code-scanning dashboards need from us, and why:
//! - `rules[]` holds the whole catalogue, so `ruleIndex` is stable and a
//!   dashboard can show help for a rule it has not seen fire yet.
//! - `security-severity` (a string, per GitHub's convention) carries our
//!   severity: critical 9.5, high 8.0, medium 5.5, low 2.0, info 0.0.
//! - `partialFingerprints["formulary/v1"]` is our fingerprint, which does
//!   not contain the line, so a dismissed alert stays dismissed when code
//!   moves.
//! - Baseline suppressions appear as results with an `external`
//!   suppression: they were decided outside the code, never in it.
//! - Paths are relative to `PKGROOT`, the extension's root, so a report
//!   made on one machine reads the same on another.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use serde_sarif::sarif;

use crate::finding::{Confidence, Finding, Severity};
use crate::report::{ScanReport, Suppression};
use crate::rules::{self, RuleInfo};

/// The schema URI written into `$schema`.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base id that paths are relative to.
pub const ROOT_BASE_ID: &str = "PKGROOT";
/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "formulary/v1";

/// The report as a SARIF 2.1.0 log.
pub fn to_value(report: &ScanReport) -> Value {
    let catalogue = rules::all();
    let mut results: Vec<sarif::Result> = report
        .findings
        .iter()
        .map(|f| result(f, &catalogue, None))
        .collect();
    let suppressed = report.suppressed.iter();
    results.extend(suppressed.map(|s| result(&s.finding, &catalogue, Some(&s.suppression))));
    let log = sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run(&catalogue, results)])
        .build();
    serde_json::to_value(log).unwrap_or(Value::Null)
}

fn run(catalogue: &[&RuleInfo], results: Vec<sarif::Result>) -> sarif::Run {
    let driver = sarif::ToolComponent::builder()
        .name("formulary")
        .semantic_version(super::TOOL_VERSION)
        .rules(catalogue.iter().map(|r| rule(r)).collect::<Vec<_>>())
        .build();
    let root = sarif::ArtifactLocation::builder()
        .description(message("The root folder of the scanned extension"))
        .build();
    let invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .build();
    sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .original_uri_base_ids(BTreeMap::from([(ROOT_BASE_ID.to_string(), root)]))
        .invocations(vec![invocation])
        .results(results)
        .build()
}

fn rule(info: &RuleInfo) -> sarif::ReportingDescriptor {
    let markdown = format!(
        "**{}**\n\n{}\n\nSee `docs/scan-rules.md#{}`.",
        info.summary, info.help, info.code
    );
    let help = sarif::MultiformatMessageString::builder()
        .text(info.help)
        .markdown(markdown)
        .build();
    let level = sarif::ReportingConfiguration::builder()
        .level(json!(level(info.severity)))
        .build();
    sarif::ReportingDescriptor::builder()
        .id(info.code)
        .short_description(text(info.summary))
        .full_description(text(&format!("{}. {}", info.summary, info.help)))
        .help(help)
        .default_configuration(level)
        .properties(rule_properties(info))
        .build()
}

fn rule_properties(info: &RuleInfo) -> sarif::PropertyBag {
    let mut tags = vec![
        "security".to_string(),
        super::family_name(info.family).to_string(),
    ];
    if let Some(cwe) = info.cwe {
        tags.push(format!("external/cwe/cwe-{cwe}"));
    }
    let extra = BTreeMap::from([
        ("precision".to_string(), json!(precision(info.confidence))),
        (
            "security-severity".to_string(),
            json!(security_severity(info.severity)),
        ),
    ]);
    sarif::PropertyBag::builder()
        .tags(tags)
        .additional_properties(extra)
        .build()
}

fn result(
    finding: &Finding,
    catalogue: &[&RuleInfo],
    suppression: Option<&Suppression>,
) -> sarif::Result {
    let index = catalogue.iter().position(|r| r.code == finding.code);
    let fingerprints = BTreeMap::from([(FINGERPRINT_KEY.to_string(), finding.fingerprint.clone())]);
    let built = sarif::Result::builder()
        .rule_id(finding.code.clone())
        .level(result_level(finding.severity))
        .message(message(&finding.message))
        .locations(vec![location(finding)])
        .partial_fingerprints(fingerprints)
        .properties(result_properties(finding))
        .build();
    sarif::Result {
        rule_index: index.map(|i| i as i64),
        suppressions: suppression.map(suppressions),
        ..built
    }
}

fn location(finding: &Finding) -> sarif::Location {
    let at = &finding.location;
    let mut region = sarif::Region::builder()
        .start_line(at.line as i64)
        .start_column(at.column as i64)
        .build();
    if !finding.snippet.is_empty() {
        region.snippet = Some(
            sarif::ArtifactContent::builder()
                .text(finding.snippet.clone())
                .build(),
        );
    }
    let artifact = sarif::ArtifactLocation::builder()
        .uri(uri(&at.path))
        .build();
    // Findings about the baseline point at a file outside the extension.
    let artifact = if finding.code.starts_with("baseline-") {
        artifact
    } else {
        sarif::ArtifactLocation {
            uri_base_id: Some(ROOT_BASE_ID.to_string()),
            ..artifact
        }
    };
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(artifact)
        .region(region)
        .build();
    sarif::Location::builder()
        .physical_location(physical)
        .build()
}

fn result_properties(finding: &Finding) -> sarif::PropertyBag {
    let extra = BTreeMap::from([
        (
            "category".to_string(),
            json!(super::category(&finding.code)),
        ),
        ("confidence".to_string(), json!(finding.confidence)),
        ("severity".to_string(), json!(finding.severity)),
        (
            "security-severity".to_string(),
            json!(security_severity(finding.severity)),
        ),
    ]);
    sarif::PropertyBag::builder()
        .additional_properties(extra)
        .build()
}

fn suppressions(suppression: &Suppression) -> Vec<sarif::Suppression> {
    let mut extra = BTreeMap::from([("who".to_string(), json!(suppression.who))]);
    if let Some(expires) = &suppression.expires {
        extra.insert("expires".to_string(), json!(expires));
    }
    let properties = sarif::PropertyBag::builder()
        .additional_properties(extra)
        .build();
    vec![sarif::Suppression::builder()
        .kind(json!(suppression.kind))
        .status(json!("accepted"))
        .justification(suppression.reason.clone())
        .properties(properties)
        .build()]
}

fn message(text: &str) -> sarif::Message {
    sarif::Message::builder().text(text).build()
}

fn text(text: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(text)
        .build()
}

/// SARIF's level for a severity: critical and high are errors.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn result_level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

/// The `security-severity` score GitHub buckets findings by.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

fn precision(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// A path as a relative URI reference: every byte outside the unreserved
/// set and `/` is percent-encoded, so a space or `#` in a file name
/// cannot change what the URI means.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri("view/frontend/web/js/a b#c.js"),
            "view/frontend/web/js/a%20b%23c.js"
        );
        assert_eq!(uri("Model/Ünï.php"), "Model/%C3%9Cn%C3%AF.php");
    }

    #[test]
    fn severities_map_to_levels_and_scores() {
        assert_eq!(
            (
                level(Severity::Critical),
                security_severity(Severity::Critical)
            ),
            ("error", "9.5")
        );
        assert_eq!(
            (level(Severity::Medium), security_severity(Severity::Medium)),
            ("warning", "5.5")
        );
        assert_eq!(
            (level(Severity::Info), security_severity(Severity::Info)),
            ("note", "0.0")
        );
    }
}
