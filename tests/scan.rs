//! `formulary scan`, end to end: the real binary on sample extensions, a
//! folder a vendor's CI would hand it, a zip, and a reviewer's baseline.
//! Also ingest, which stores the same scan with each version.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use serde_json::Value;
use support::archives::{module_plus, zip};
use support::{fixture, Registry, Run};

/// A module whose class silences a secret scanner on one line.
fn silenced_module() -> Vec<(String, Vec<u8>)> {
    let class = b"<?php\n$timeout = 30; // gitleaks:allow\n".to_vec();
    module_plus("Model/Client.php", &class)
}

/// The module written as a folder in the test's temp space.
fn silenced_folder(registry: &Registry) -> String {
    for (name, bytes) in silenced_module() {
        registry.write(&format!("ext/{name}"), &bytes);
    }
    registry
        .tmp
        .path()
        .join("ext")
        .to_string_lossy()
        .into_owned()
}

fn scan(registry: &Registry, args: &[&str]) -> Run {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    registry.run(&all)
}

/// (code, path, line) of every standing finding of a JSON report.
fn places(report: &Value) -> Vec<(String, String, u64)> {
    let findings = report["findings"].as_array().unwrap();
    let place = |f: &Value| {
        let at = &f["location"];
        let text = |v: &Value| v.as_str().unwrap().to_string();
        (
            text(&f["code"]),
            text(&at["path"]),
            at["line"].as_u64().unwrap(),
        )
    };
    findings.iter().map(place).collect()
}

fn ignore_comment_in_client() -> (String, String, u64) {
    (
        "scanner-ignore-comment".into(),
        "Model/Client.php".into(),
        2,
    )
}

#[test]
fn a_clean_sample_extension_passes_with_a_summary() {
    let registry = Registry::uninitialised();
    let path = fixture("clean-shipping-rates");
    let run = scan(&registry, &[path.to_str().unwrap()]);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.contains(" files, "), "{}", run.stdout);
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn an_ignore_comment_fails_a_scan_that_fails_on_info() {
    let registry = Registry::uninitialised();
    let folder = silenced_folder(&registry);
    let run = scan(
        &registry,
        &[&folder, "--fail-on", "info", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["schema"], "formulary-scan/v1");
    assert!(
        places(&report).contains(&ignore_comment_in_client()),
        "{}",
        run.stdout
    );
    assert_eq!(
        report["findings"][0]["fingerprint"].as_str().unwrap().len(),
        64
    );
}

#[test]
fn the_global_json_flag_means_json_and_sarif_is_sarif() {
    let registry = Registry::uninitialised();
    let folder = silenced_folder(&registry);
    let json = scan(&registry, &["--json", &folder]).json();
    assert_eq!(json["schema"], "formulary-scan/v1");

    let sarif = scan(&registry, &[&folder, "--format", "sarif"]).json();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "formulary");
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "scanner-ignore-comment")
        .expect("the ignore comment is a result");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "Model/Client.php");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "PKGROOT");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(
        result["partialFingerprints"]["formulary/v1"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
}

#[test]
fn a_zip_is_unpacked_and_scanned_with_paths_from_its_root() {
    let registry = Registry::uninitialised();
    let mut files = silenced_module();
    for (name, _) in &mut files {
        name.insert_str(0, "acme-sample-1.0.0/");
    }
    let archive = registry.write("acme-sample-1.0.0.zip", &zip(&files));
    let run = scan(
        &registry,
        &[archive.to_str().unwrap(), "--json", "--fail-on", "info"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        places(&run.json()).contains(&ignore_comment_in_client()),
        "{}",
        run.stdout
    );
}

#[test]
fn a_baseline_accepts_a_finding_and_an_expired_entry_fails_the_scan() {
    let registry = Registry::uninitialised();
    let folder = silenced_folder(&registry);
    let first = scan(&registry, &[&folder, "--json"]).json();
    let fingerprint = first["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "scanner-ignore-comment")
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .unwrap();
    let entry = |expires: &str| {
        format!(
            "[[suppress]]\nfingerprint = \"{fingerprint}\"\nreason = \"a timeout, not a key\"\n\
             who = \"dana\"\nexpires = {expires}\n"
        )
    };

    let current = registry.write("baseline.toml", entry("2999-12-31").as_bytes());
    let run = scan(
        &registry,
        &[&folder, "--json", "--baseline", current.to_str().unwrap()],
    );
    let report = run.json();
    assert!(!places(&report).contains(&ignore_comment_in_client()));
    assert_eq!(report["suppressed"][0]["code"], "scanner-ignore-comment");
    assert_eq!(report["suppressed"][0]["suppression"]["kind"], "external");

    let lapsed = registry.write("lapsed.toml", entry("2000-01-01").as_bytes());
    let args = [
        folder.as_str(),
        "--json",
        "--fail-on",
        "critical",
        "--baseline",
    ];
    let run = scan(
        &registry,
        &[&args[..], &[lapsed.to_str().unwrap()]].concat(),
    );
    assert_eq!(run.code, 1, "an expired entry fails whatever the threshold");
    let codes: Vec<_> = places(&run.json())
        .into_iter()
        .map(|(code, ..)| code)
        .collect();
    assert!(
        codes.contains(&"baseline-entry-expired".to_string()),
        "{codes:?}"
    );
}

#[test]
fn what_cannot_be_scanned_exits_2_with_one_line() {
    let registry = Registry::uninitialised();
    let missing = scan(&registry, &["no-such-folder"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.starts_with("error: no-such-folder"),
        "{}",
        missing.stderr
    );
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);

    let folder = silenced_folder(&registry);
    let bad = registry.write("bad.toml", b"[[suppress]]\nfingerprint = \"x\"\n");
    let run = scan(&registry, &[&folder, "--baseline", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.toml"), "{}", run.stderr);

    let not_zip = registry.write("notes.txt", b"hello");
    let run = scan(&registry, &[not_zip.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot unpack"), "{}", run.stderr);

    let run = scan(&registry, &[&folder, "--fail-on", "severe"]);
    assert_eq!(run.code, 2, "clap refuses an unknown severity");
}

#[test]
fn ingest_stores_the_scan_with_the_version_and_counts_it() {
    let registry = Registry::new();
    let folder = silenced_folder(&registry);
    let run = registry.run(&["ingest", &folder]).success();
    assert!(run.stdout.contains("(pending review; "), "{}", run.stdout);

    let list = registry.run(&["review", "list", "--json"]).success().json();
    let scan = &list[0]["scan"];
    assert_eq!(scan["schema"], "formulary-scan/v1");
    assert!(places(scan).contains(&ignore_comment_in_client()), "{scan}");

    let again = registry
        .run(&["ingest", "--json", &folder])
        .success()
        .json();
    assert!(
        again[0]["findings"]["info"].as_u64().unwrap() >= 1,
        "{again}"
    );
}
