//! Ingest, end to end: the real binary on a registry in a temp folder.
//!
//! Each scenario reads as a story: a reviewer sets up a registry, an
//! extension comes in from somewhere, and formulary either keeps its exact
//! bytes as a pending version or refuses it with one line, changing
//! nothing.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::os::unix::fs::PermissionsExt;

use support::archives::{self, module, zip};
use support::{fixture, sha1, sha256, Registry};

#[test]
fn init_lays_out_the_data_folder_with_a_private_key() {
    let registry = Registry::new();
    let data = &registry.data;

    let settings = std::fs::read_to_string(data.join("formulary.toml")).unwrap();
    assert!(
        settings.contains("# max_entries = "),
        "defaults are shown commented:\n{settings}"
    );
    assert!(data.join("db").is_dir());
    assert!(data.join("blobs/sha256").is_dir());

    let key = data.join("keys/registry.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "the registry key is readable by its owner only"
    );
}

#[test]
fn init_twice_refuses_and_keeps_the_key() {
    let registry = Registry::new();
    let key_before = std::fs::read(registry.data.join("keys/registry.key")).unwrap();

    let again = registry.run(&["init"]);

    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("already holds a registry"),
        "{}",
        again.stderr
    );
    let key_after = std::fs::read(registry.data.join("keys/registry.key")).unwrap();
    assert_eq!(key_before, key_after);
}

#[test]
fn commands_on_a_missing_registry_say_to_run_init() {
    let registry = Registry::uninitialised();
    let run = registry.run(&["review", "list"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("formulary init"), "{}", run.stderr);
}

#[test]
fn a_zip_is_stored_once_under_its_sha256_with_its_sha1() {
    let registry = Registry::new();
    let bytes = zip(&module("acme/rx-upload", "1.4.2"));
    let path = registry.write("rx-upload-1.4.2.zip", &bytes);

    let run = registry
        .run(&["ingest", "--json", path.to_str().unwrap()])
        .success();

    let report = &run.json()[0];
    assert_eq!(report["outcome"], "stored");
    assert_eq!(report["name"], "acme/rx-upload");
    assert_eq!(report["version"], "1.4.2");
    assert_eq!(report["version_normalized"], "1.4.2.0");
    assert_eq!(report["sha256"], sha256(&bytes));
    assert_eq!(report["sha1"], sha1(&bytes));
    assert_eq!(report["size"], bytes.len());
    assert_eq!(report["files"], 3);

    // The blob is the original bytes, never repacked.
    let digest = sha256(&bytes);
    let blob = registry
        .data
        .join("blobs/sha256")
        .join(&digest[..2])
        .join(&digest);
    assert_eq!(std::fs::read(blob).unwrap(), bytes);

    let listed = registry.run(&["review", "list", "--json"]).success().json();
    assert_eq!(listed[0]["state"], "pending");
    assert_eq!(listed[0]["provenance"]["kind"], "zip");
}

#[test]
fn the_same_bytes_twice_is_a_no_op_that_says_so() {
    let registry = Registry::new();
    let path = registry.write("a.zip", &zip(&module("acme/twice", "1.0.0")));

    registry.run(&["ingest", path.to_str().unwrap()]).success();
    let before = registry.snapshot();
    let again = registry.run(&["ingest", path.to_str().unwrap()]).success();

    assert!(again.stdout.contains("already stored"), "{}", again.stdout);
    assert_eq!(registry.snapshot(), before);
}

#[test]
fn the_same_version_with_other_bytes_is_refused_loudly() {
    let registry = Registry::new();
    let first = registry.write("first.zip", &zip(&module("acme/swap", "2.0.0")));
    let mut files = module("acme/swap", "2.0.0");
    files.push((
        "Model/Extra.php".into(),
        b"<?php // changed after release\n".to_vec(),
    ));
    let second = registry.write("second.zip", &zip(&files));

    registry.run(&["ingest", first.to_str().unwrap()]).success();
    let before = registry.snapshot();
    let run = registry.run(&["ingest", second.to_str().unwrap()]);

    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "one line:\n{}", run.stderr);
    assert!(
        run.stderr.contains("acme/swap 2.0.0 is already stored"),
        "{}",
        run.stderr
    );
    assert_eq!(registry.snapshot(), before, "the store is unchanged");
}

#[test]
fn a_folder_is_archived_deterministically() {
    let registry = Registry::new();
    let folder = fixture("clean-shipping-rates");

    let first = registry
        .run(&["ingest", "--json", folder.to_str().unwrap()])
        .success()
        .json();
    let other = Registry::new();
    let second = other
        .run(&["ingest", "--json", folder.to_str().unwrap()])
        .success()
        .json();

    assert_eq!(first[0]["name"], "formulary-fixtures/clean-shipping-rates");
    assert_eq!(
        first[0]["sha256"], second[0]["sha256"],
        "same folder, same bytes"
    );
    assert_eq!(first[0]["tree_hash"], second[0]["tree_hash"]);
}

#[test]
fn every_sample_extension_ingests() {
    let registry = Registry::new();
    let mut args = vec!["ingest".to_string()];
    for entry in std::fs::read_dir(support::repo_root().join("fixtures/extensions")).unwrap() {
        args.push(entry.unwrap().path().to_string_lossy().into_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let run = registry.run(&args).success();

    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.starts_with("stored"))
            .count(),
        args.len() - 1
    );
}

#[test]
fn a_github_style_top_folder_is_stripped() {
    let registry = Registry::new();
    let files: Vec<(String, Vec<u8>)> = module("acme/top", "1.0.0")
        .into_iter()
        .map(|(name, bytes)| (format!("acme-top-1a2b3c/{name}"), bytes))
        .collect();
    let path = registry.write("top.zip", &zip(&files));

    let run = registry
        .run(&["ingest", "--json", path.to_str().unwrap()])
        .success();

    assert_eq!(run.json()[0]["name"], "acme/top");
}

#[test]
fn a_version_missing_everywhere_is_refused_with_what_to_do() {
    let registry = Registry::new();
    let files = vec![(
        "composer.json".to_string(),
        archives::composer_json("acme/nover", None),
    )];
    let path = registry.write("nover.zip", &zip(&files));

    let run = registry.run(&["ingest", path.to_str().unwrap()]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no \"version\""), "{}", run.stderr);
}

#[test]
fn one_refusal_does_not_stop_the_other_sources() {
    let registry = Registry::new();
    let good = registry.write("good.zip", &zip(&module("acme/good", "1.0.0")));
    let bad = registry.write("bad.zip", b"this is not a zip");

    let run = registry.run(&["ingest", bad.to_str().unwrap(), good.to_str().unwrap()]);

    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("stored    acme/good 1.0.0"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("bad.zip"), "{}", run.stderr);
}

/// Regression: `formulary review list | head -0` panicked with "failed
/// printing to stdout: Broken pipe".
#[test]
fn a_reader_that_closes_the_pipe_early_stops_the_listing_quietly() {
    let registry = Registry::new();
    registry
        .run(&["ingest", fixture("clean-product-faq").to_str().unwrap()])
        .success();
    // A pipe whose reading end is closed before the command starts.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = registry
        .command(&["review", "list"])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
