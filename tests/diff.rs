//! `formulary diff` and delta reviews, end to end through the binary.
//!
//! The story: acme/rx 1.0.0 (`fixtures/diff/acme-rx-1.0.0`) is ingested
//! and approved; 1.0.1 arrives with a partner API client (a new host and
//! a hard-coded live key), a `post-install-cmd` script and a new
//! dependency. The reviewer reads the change with `formulary diff` and in
//! `review show`, then approves 1.0.1 as a delta review from 1.0.0. A
//! base above the version, or one never approved, is refused.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::path::{Path, PathBuf};

use support::{repo_root, Registry, Run};

const RX: &str = "acme/rx";
/// The secret in 1.0.1's `Model/PartnerClient.php`.
const KEY: &str = "sk_live_Q7hVx2LmR9tKp4WzN8cYb3Ds";

fn fixture(version: &str) -> PathBuf {
    repo_root().join(format!("fixtures/diff/acme-rx-{version}"))
}

/// A reviewer's key file, made and trusted under `name`.
fn reviewer(registry: &Registry, name: &str) -> PathBuf {
    let file = registry.tmp.path().join(format!("{name}.key"));
    registry
        .run(&["key", "new", "--name", name, "--out", s(&file)])
        .success();
    let public = registry.tmp.path().join(format!("{name}.key.pub"));
    registry
        .run(&[
            "key",
            "trust",
            s(&public),
            "--name",
            name,
            "--role",
            "reviewer",
        ])
        .success();
    file
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A registry with 1.0.0 and 1.0.1 ingested, 1.0.0 approved by alice;
/// returns alice's and bob's keys.
fn story() -> (Registry, PathBuf, PathBuf) {
    let registry = Registry::new();
    let alice = reviewer(&registry, "alice");
    let bob = reviewer(&registry, "bob");
    let (old, new) = (fixture("1.0.0"), fixture("1.0.1"));
    registry.run(&["ingest", s(&old), s(&new)]).success();
    registry
        .run(&["approve", RX, "1.0.0", "--key", s(&alice)])
        .success();
    (registry, alice, bob)
}

/// Exactly one line on stderr, starting `error: ` and naming each cause.
fn one_error_line(run: &Run, causes: &[&str]) {
    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr:\n{}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    for cause in causes {
        assert!(lines[0].contains(cause), "names {cause:?}:\n{}", lines[0]);
    }
}

#[test]
fn two_stored_versions_are_diffed_as_json() {
    let (registry, _, _) = story();

    let run = registry.run(&["diff", "acme/rx@1.0.0", "acme/rx@1.0.1", "--format", "json"]);

    let report = run.success().json();
    assert_eq!(report["schema"], "formulary-diff/v1");
    assert_eq!(
        (report["old"].as_str(), report["new"].as_str()),
        (Some("acme/rx@1.0.0"), Some("acme/rx@1.0.1"))
    );
    assert_eq!(report["verdict"]["level"], "review");
    let new_codes: Vec<&str> = report["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(new_codes, ["secret-stripe-secret-key", "composer-scripts"]);
    assert_eq!(
        report["capabilities"]["new"][0]["value"],
        "api.rx-partner.test"
    );
    assert!(!report.to_string().contains(KEY), "the key is redacted");
}

#[test]
fn a_stored_version_diffs_against_a_folder_and_a_zip() {
    let (registry, _, _) = story();
    let zip = zip_folder(&fixture("1.0.1"));
    let zip_path = registry.write("rx-1.0.1.zip", &zip);

    let from_folder = registry
        .run(&["diff", "acme/rx@1.0.0", s(&fixture("1.0.1")), "--json"])
        .success()
        .json();
    let from_zip = registry
        .run(&["diff", "acme/rx@1.0.0", s(&zip_path), "--json"])
        .success()
        .json();

    assert_eq!(from_folder["files"], from_zip["files"]);
    assert_eq!(from_folder["findings"], from_zip["findings"]);
    assert_eq!(from_folder["verdict"]["line"], from_zip["verdict"]["line"]);
}

#[test]
fn two_folders_need_no_registry_and_html_goes_to_a_file() {
    let registry = Registry::uninitialised();
    let out = registry.tmp.path().join("report.html");
    let run = registry
        .run(&[
            "diff",
            s(&fixture("1.0.0")),
            s(&fixture("1.0.1")),
            "--format",
            "html",
            "--output",
            s(&out),
        ])
        .success();

    assert!(run.stdout.starts_with("wrote "), "{}", run.stdout);
    assert!(
        run.stdout.contains("REVIEW: 6 files changed"),
        "{}",
        run.stdout
    );
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains(KEY));
    assert!(!registry.data.exists(), "no registry was made or needed");

    let text = registry
        .run(&["diff", s(&fixture("1.0.0")), s(&fixture("1.0.1"))])
        .success()
        .stdout;
    assert!(text.contains("+++ b/Model/PartnerClient.php"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn a_bad_side_is_one_error_line() {
    let (registry, _, _) = story();
    let not_zip = registry.write("not-a.zip", b"this is not a zip");

    let unknown = registry.run(&["diff", "acme/rx@0.9.0", "acme/rx@1.0.1"]);
    one_error_line(&unknown, &["old side", "acme/rx 0.9.0", "not stored"]);

    let bad_zip = registry.run(&["diff", "acme/rx@1.0.0", s(&not_zip)]);
    one_error_line(&bad_zip, &["new side", "not a readable zip"]);

    let missing = registry.run(&["diff", "nowhere/at-all.zip", "acme/rx@1.0.1"]);
    one_error_line(&missing, &["nowhere/at-all.zip", "no such file or folder"]);
}

#[test]
fn a_report_never_overwrites_a_side_nor_answers_json_with_html() {
    let registry = Registry::uninitialised();
    let bytes = zip_folder(&fixture("1.0.1"));
    let new = registry.write("rx-1.0.1.zip", &bytes);
    let old = fixture("1.0.0");

    let onto_new = registry.run(&["diff", s(&old), s(&new), "-o", s(&new)]);
    one_error_line(&onto_new, &["rx-1.0.1.zip", "is the new side"]);
    assert_eq!(std::fs::read(&new).unwrap(), bytes, "the zip is untouched");

    let mixed = registry.run(&["diff", s(&old), s(&new), "--json", "--format", "html"]);
    one_error_line(&mixed, &["--json", "html"]);
}

#[test]
fn review_show_names_the_approved_base_and_the_changes() {
    let (registry, _, _) = story();

    let view = registry
        .run(&["review", "show", RX, "1.0.1", "--json"])
        .success()
        .json();
    let text = registry
        .run(&["review", "show", RX, "1.0.1"])
        .success()
        .stdout;

    assert_eq!(view["delta"]["base"], "1.0.0");
    assert_eq!(view["delta"]["verdict"]["level"], "review");
    assert_eq!(
        view["delta"]["findings"]["new"][0]["code"],
        "secret-stripe-secret-key"
    );
    assert!(
        view["delta"]["files"][0].get("hunks").is_none(),
        "no diff in review show"
    );
    assert!(text.contains("changes since 1.0.0 (approved)"), "{text}");
    assert!(text.contains("  REVIEW: 6 files changed"), "{text}");
    assert!(
        text.contains("full diff: formulary diff acme/rx@1.0.0 acme/rx@1.0.1"),
        "{text}"
    );
    assert!(!text.contains(KEY));

    let first = registry
        .run(&["review", "show", RX, "1.0.0", "--json"])
        .success()
        .json();
    assert_eq!(first["delta"], serde_json::Value::Null);
}

#[test]
fn a_delta_review_is_recorded_and_shown_as_one() {
    let (registry, alice, _) = story();

    let run = registry
        .run(&[
            "approve",
            RX,
            "1.0.1",
            "--key",
            s(&alice),
            "--base",
            "1.0.0",
        ])
        .success();

    assert!(
        run.stdout.contains("a delta review from 1.0.0"),
        "{}",
        run.stdout
    );
    let view = registry
        .run(&["review", "show", RX, "1.0.1", "--json"])
        .success()
        .json();
    assert_eq!(view["decisions"][0]["base_version"], "1.0.0");
    let text = registry
        .run(&["review", "show", RX, "1.0.1"])
        .success()
        .stdout;
    assert!(
        text.contains("approve by alice (delta from 1.0.0)"),
        "{text}"
    );
    let log = registry.run(&["log", "show", "--json"]).success().json();
    let last = log["statements"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["what"], "approve acme/rx 1.0.1 (delta from 1.0.0)");
    registry.run(&["log", "verify"]).success();
}

#[test]
fn a_base_that_is_not_an_approved_earlier_version_is_refused() {
    let (registry, alice, bob) = story();
    // 1.0.2: 1.0.1's files under a higher version, approved by two
    // reviewers (its scan has a high finding).
    let later = registry.tmp.path().join("acme-rx-1.0.2");
    copy_tree(&fixture("1.0.1"), &later);
    let manifest = later.join("composer.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("\"1.0.1\"", "\"1.0.2\"")).unwrap();
    registry.run(&["ingest", s(&later)]).success();
    for key in [&alice, &bob] {
        registry
            .run(&["approve", RX, "1.0.2", "--key", s(key)])
            .success();
    }

    let above = registry.run(&[
        "approve",
        RX,
        "1.0.1",
        "--key",
        s(&alice),
        "--base",
        "1.0.2",
    ]);
    one_error_line(&above, &["--base", "1.0.2 does not sort below 1.0.1"]);

    let unknown = registry.run(&[
        "approve",
        RX,
        "1.0.1",
        "--key",
        s(&alice),
        "--base",
        "0.9.0",
    ]);
    one_error_line(&unknown, &["--base", "0.9.0 is not stored"]);

    // The nearest approved version below is still 1.0.0.
    let view = registry
        .run(&["review", "show", RX, "1.0.1", "--json"])
        .success()
        .json();
    assert_eq!(view["delta"]["base"], "1.0.0");
    assert_eq!(view["decisions"], serde_json::json!([]));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A zip of a folder's files (paths relative to it).
fn zip_folder(dir: &Path) -> Vec<u8> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| {
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(p).unwrap())
        })
        .collect();
    support::archives::zip(&files)
}
