//! `formulary log export` and `formulary verify`, end to end: the real
//! binary on registries in temp folders.
//!
//! Two stories. An auditor receives an evidence bundle and checks it with
//! nothing else, and every way of doctoring one (an edited statement, a
//! dropped or reordered entry, a forged signature or proof, an old bundle
//! passed off as current) fails with exit 1 and names what is wrong. And a
//! shop checks its `composer.lock` and `vendor/` against the approvals:
//! only approved archives with the approved bytes, installed unchanged,
//! pass; anything else is listed with the reason.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};
use support::archives::{module, zip};
use support::{sha1, sha256, Registry, Run};

const PACKAGE: &str = "acme/rate-table";
const VERSION: &str = "1.0.0";
const NOTE: &str = "read every file; no network calls";

// ---------------------------------------------------------------------
// Setting the scene
// ---------------------------------------------------------------------

/// A module archive as built for the test and ingested from its .zip.
struct Archive {
    files: Vec<(String, Vec<u8>)>,
    bytes: Vec<u8>,
}

impl Archive {
    fn new(name: &str, version: &str) -> Archive {
        let files = module(name, version);
        let bytes = zip(&files);
        Archive { files, bytes }
    }
}

/// Makes a key pair for `name` and trusts it as a reviewer.
fn reviewer(registry: &Registry, name: &str) -> PathBuf {
    let key = registry.tmp.path().join(format!("{name}.key"));
    let key_arg = key.to_str().unwrap();
    registry
        .run(&["key", "new", "--name", name, "--out", key_arg])
        .success();
    let public = format!("{key_arg}.pub");
    registry
        .run(&[
            "key", "trust", &public, "--name", name, "--role", "reviewer",
        ])
        .success();
    key
}

/// Ingests `archive` from its .zip, so the stored bytes are exactly ours.
fn ingest(registry: &Registry, archive: &Archive, file: &str) {
    let path = registry.write(file, &archive.bytes);
    registry.run(&["ingest", path.to_str().unwrap()]).success();
}

fn approve(registry: &Registry, version: &str, key: &Path) {
    let key = key.to_str().unwrap();
    registry
        .run(&["approve", PACKAGE, version, "--key", key, "--note", NOTE])
        .success();
}

/// A registry where alice has reviewed and approved acme/rate-table 1.0.0.
fn approved_registry() -> (Registry, Archive, PathBuf) {
    let registry = Registry::new();
    let alice = reviewer(&registry, "alice");
    let archive = Archive::new(PACKAGE, VERSION);
    ingest(&registry, &archive, "rate-table-1.0.0.zip");
    approve(&registry, VERSION, &alice);
    (registry, archive, alice)
}

/// `log export` into a new file in the registry's temp folder.
fn export(registry: &Registry, file: &str, since: Option<&str>) -> PathBuf {
    let out = registry.tmp.path().join(file);
    let mut args = vec!["log", "export", "--out", out.to_str().unwrap()];
    if let Some(since) = since {
        args.extend(["--since", since]);
    }
    registry.run(&args).success();
    out
}

/// The signed-note verifier string `log show` gives out for pinning.
fn registry_key(registry: &Registry) -> String {
    let show = registry.run(&["log", "show", "--json"]).success().json();
    show["registry_key"].as_str().unwrap().to_string()
}

fn log_size(registry: &Registry) -> u64 {
    let show = registry.run(&["log", "show", "--json"]).success().json();
    show["size"].as_u64().unwrap()
}

// ---------------------------------------------------------------------
// Reading and doctoring bundles
// ---------------------------------------------------------------------

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Writes a doctored copy of `bundle` next to it and returns its path.
fn doctored(bundle: &Path, change: impl FnOnce(&mut Value)) -> PathBuf {
    let mut value = read_json(bundle);
    change(&mut value);
    let path = bundle.with_file_name("doctored.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    path
}

fn entries(bundle: &mut Value) -> &mut Vec<Value> {
    bundle["entries"].as_array_mut().unwrap()
}

/// Rewrites the note of the statement in entry `index`: the envelope is
/// decoded, its payload's text changed, and both encoded again, as a
/// forger holding only the bundle would.
fn rewrite_note(bundle: &mut Value, index: usize, from: &str, to: &str) {
    let entry = &mut entries(bundle)[index];
    let envelope_bytes = BASE64.decode(entry.as_str().unwrap()).unwrap();
    let mut envelope: Value = serde_json::from_slice(&envelope_bytes).unwrap();
    let payload = BASE64
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(payload).unwrap();
    let needle = format!("\"note\":{}", json!(from));
    assert!(text.contains(&needle), "statement {index} is not:\n{text}");
    let forged = text.replace(&needle, &format!("\"note\":{}", json!(to)));
    envelope["payload"] = BASE64.encode(forged).into();
    *entry = BASE64.encode(serde_json::to_vec(&envelope).unwrap()).into();
}

/// Flips the last byte of the checkpoint's signature.
fn forge_checkpoint_signature(bundle: &mut Value) {
    let note = bundle["checkpoint"].as_str().unwrap();
    let (head, signature_line) = note.trim_end().rsplit_once('\n').unwrap();
    let (prefix, signature) = signature_line.rsplit_once(' ').unwrap();
    let mut sig = BASE64.decode(signature).unwrap();
    *sig.last_mut().unwrap() ^= 0x01;
    let forged = format!("{head}\n{prefix} {}\n", BASE64.encode(sig));
    assert_ne!(forged, note);
    bundle["checkpoint"] = forged.into();
}

/// Replaces the first hash of period statement `nth`'s inclusion proof.
fn forge_inclusion_proof(bundle: &mut Value, nth: usize) {
    let proof = &mut bundle["period"]["statements"][nth]["proof"];
    let first = &mut proof.as_array_mut().unwrap()[0];
    let mut hash = BASE64.decode(first.as_str().unwrap()).unwrap();
    hash[0] ^= 0xff;
    *first = BASE64.encode(hash).into();
}

/// Checks `bundle` the way the registry's own client would.
fn verify_bundle(registry: &Registry, bundle: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["verify", "--bundle", bundle.to_str().unwrap()];
    args.extend_from_slice(extra);
    registry.run(&args)
}

/// Asserts a failed verification: exit 1 and one `error:` line naming
/// every one of `words`.
fn fails_naming(run: &Run, words: &[&str]) {
    if let Err(why) = failure_naming(run, words) {
        panic!("{why}");
    }
}

/// Whether `run` failed verification with one `error:` line naming every
/// one of `words`; if not, what it did instead.
fn failure_naming(run: &Run, words: &[&str]) -> Result<(), String> {
    let line = run.stderr.trim_end();
    let one_error_line = line.starts_with("error: ") && line.lines().count() == 1;
    let missing: Vec<&&str> = words.iter().filter(|w| !line.contains(*w)).collect();
    if run.code == 1 && one_error_line && missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "expected exit 1 and one error line naming {words:?} \
         (missing {missing:?}); got exit {}\nstdout:\n{}\nstderr:\n{}",
        run.code, run.stdout, run.stderr
    ))
}

// ---------------------------------------------------------------------
// An auditor's folder: the bundle and nothing else
// ---------------------------------------------------------------------

/// A fresh temp folder holding a copy of the bundle; no registry anywhere.
struct Auditor {
    tmp: tempfile::TempDir,
}

impl Auditor {
    fn receive(files: &[&Path]) -> Auditor {
        let tmp = tempfile::tempdir().unwrap();
        for file in files {
            std::fs::copy(file, tmp.path().join(file.file_name().unwrap())).unwrap();
        }
        Auditor { tmp }
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_formulary"))
            .args(args)
            .env_remove("FORMULARY_DATA")
            .env_remove("FORMULARY_LOG")
            .env("FORMULARY_STATE", self.tmp.path().join("state"))
            .current_dir(self.tmp.path())
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The names in the folder, sorted.
    fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

// ---------------------------------------------------------------------
// Evidence bundles
// ---------------------------------------------------------------------

#[test]
fn an_exported_bundle_verifies_and_says_whether_its_key_was_pinned() {
    let (registry, _, _) = approved_registry();
    let bundle = export(&registry, "evidence.json", None);
    let vkey = registry_key(&registry);

    let unpinned = verify_bundle(&registry, &bundle, &[]).success();
    let text = &unpinned.stdout;
    assert!(text.contains("bundle verified: 4 entries"), "{text}");
    assert!(text.contains("versions: 1 approved; keys: 1"), "{text}");
    assert!(text.contains("taken from the bundle itself"), "{text}");

    let pinned = verify_bundle(&registry, &bundle, &["--registry-key", &vkey]);
    let text = pinned.success().stdout;
    assert!(text.contains("bundle verified: 4 entries"), "{text}");
    assert!(!text.contains("taken from the bundle"), "{text}");

    let report = verify_bundle(&registry, &bundle, &["--json", "--registry-key", &vkey])
        .success()
        .json();
    assert_eq!(report["key_pinned"], true);
    // NAME+ID+KEY, where NAME is the log's origin, formulary/<key id>.
    let origin = vkey.split('+').next().unwrap();
    assert_eq!(report["origin"], origin);
    let key_id = report["registry_key_id"].as_str().unwrap();
    assert_eq!(origin, format!("formulary/{key_id}"));
    assert_eq!(report["size"], 4);
    assert_eq!(report["versions"], json!({"approved": 1}));
    assert_eq!(report["keys"], 1);
    assert_eq!(report["period"], Value::Null);
}

#[test]
fn a_bundle_pinned_to_another_registrys_key_fails() {
    let registry = Registry::new();
    reviewer(&registry, "alice");
    let bundle = export(&registry, "evidence.json", None);
    let elsewhere = Registry::new();
    let other_key = registry_key(&elsewhere);
    assert_ne!(other_key, registry_key(&registry));

    let run = verify_bundle(&registry, &bundle, &["--registry-key", &other_key]);

    fails_naming(&run, &["signed by registry key", "not the pinned"]);
}

#[test]
fn a_bundle_copied_to_an_empty_folder_needs_nothing_else() {
    let (registry, _, _) = approved_registry();
    let bundle = export(&registry, "evidence.json", None);
    let vkey = registry_key(&registry);
    let auditor = Auditor::receive(&[&bundle]);
    assert_eq!(auditor.listing(), ["evidence.json"]);

    let run = auditor.run(&[
        "verify",
        "--json",
        "--bundle",
        "evidence.json",
        "--registry-key",
        &vkey,
    ]);

    let report = run.success().json();
    assert_eq!(report["size"], 4);
    assert_eq!(report["key_pinned"], true);
    assert_eq!(report["versions"], json!({"approved": 1}));
    assert_eq!(
        auditor.listing(),
        ["evidence.json", "state"],
        "only the client's last-seen checkpoint was written"
    );
}

/// One way of doctoring a bundle, and what the verifier must name.
struct Forgery {
    what: &'static str,
    change: fn(&mut Value),
    named: &'static [&'static str],
}

fn forgeries() -> Vec<Forgery> {
    vec![
        Forgery {
            // Entry 3 is alice's approval (key trust, ingest, policy,
            // approve).
            what: "an approval's note rewritten",
            change: |b| rewrite_note(b, 3, NOTE, "approved without reading"),
            named: &[
                "the 4 entries do not hash to the signed checkpoint",
                "edited",
            ],
        },
        Forgery {
            what: "the ingest statement removed",
            change: |b| {
                entries(b).remove(1);
            },
            named: &["the 3 entries", "(size 4)", "removed"],
        },
        Forgery {
            what: "the ingest and the policy swapped",
            change: |b| entries(b).swap(1, 2),
            named: &["the 4 entries do not hash", "reordered"],
        },
        Forgery {
            what: "the checkpoint's signature altered",
            change: forge_checkpoint_signature,
            named: &["the checkpoint does not verify"],
        },
        Forgery {
            what: "the approval's inclusion proof altered",
            change: |b| forge_inclusion_proof(b, 3),
            named: &["statement 3: inclusion proof fails"],
        },
        Forgery {
            what: "the period's first statement left out",
            change: |b| {
                let period = b["period"]["statements"].as_array_mut().unwrap();
                period.remove(0);
            },
            named: &["the period lists 3 statements but the log grew by 4"],
        },
    ]
}

#[test]
fn every_doctored_bundle_fails_and_names_what_was_changed() {
    let (registry, _, _) = approved_registry();
    // With a period, so that the bundle carries inclusion proofs too.
    let bundle = export(&registry, "evidence.json", Some("2000-01-01"));
    verify_bundle(&registry, &bundle, &[]).success();

    let mut missed = Vec::new();
    for forgery in forgeries() {
        let forged = doctored(&bundle, forgery.change);
        let run = verify_bundle(&registry, &forged, &[]);
        if let Err(why) = failure_naming(&run, forgery.named) {
            missed.push(format!("{}: {why}", forgery.what));
        }
    }

    assert!(missed.is_empty(), "not caught:\n{}", missed.join("\n"));
}

#[test]
fn a_period_from_long_ago_holds_everything_and_one_in_the_future_nothing() {
    let (registry, _, _) = approved_registry();
    let everything = export(&registry, "since-2000.json", Some("2000-01-01"));
    let nothing = export(&registry, "since-2100.json", Some("2100-01-01"));

    // From before the first statement: the whole log, no start checkpoint.
    let period = &read_json(&everything)["period"];
    assert_eq!(period["since"], "2000-01-01T00:00:00Z");
    assert_eq!(period["start_checkpoint"], Value::Null);
    assert_eq!(period["consistency"], json!([]));
    let statements = period["statements"].as_array().unwrap();
    let indices: Vec<u64> = statements
        .iter()
        .map(|s| s["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    for s in statements {
        // Four leaves: every inclusion proof is two hashes.
        assert_eq!(s["proof"].as_array().unwrap().len(), 2, "{s}");
    }
    let report = verify_bundle(&registry, &everything, &["--json"]);
    assert_eq!(
        report.success().json()["period"],
        json!({"since": "2000-01-01T00:00:00Z", "start_size": 0, "statements": 4})
    );

    // From after the last: no statements, starting where the log ends.
    let written = read_json(&nothing);
    let period = &written["period"];
    assert_eq!(period["statements"], json!([]));
    assert_eq!(period["start_checkpoint"], written["checkpoint"]);
    let start = period["start_checkpoint"].as_str().unwrap();
    assert_eq!(start.lines().nth(1), Some("4"), "{start}");
    // A tree is consistent with itself by the empty proof (RFC 6962).
    assert_eq!(period["consistency"], json!([]));
    let report = verify_bundle(&registry, &nothing, &["--json"]);
    assert_eq!(
        report.success().json()["period"],
        json!({"since": "2100-01-01T00:00:00Z", "start_size": 4, "statements": 0})
    );
}

#[test]
fn a_period_starting_mid_log_proves_the_entries_before_it_unchanged() {
    let registry = Registry::new();
    reviewer(&registry, "alice");
    // Statement times have whole seconds; let the clock move on one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    reviewer(&registry, "bob");
    reviewer(&registry, "carol");
    let show = registry.run(&["log", "show", "--json"]).success().json();
    let since = show["statements"][1]["time"].as_str().unwrap().to_string();
    assert!(show["statements"][0]["time"].as_str().unwrap() < since.as_str());

    let bundle = export(&registry, "evidence.json", Some(&since));

    let period = &read_json(&bundle)["period"];
    let start = period["start_checkpoint"].as_str().unwrap();
    assert_eq!(start.lines().nth(1), Some("1"), "{start}");
    assert!(!period["consistency"].as_array().unwrap().is_empty());
    assert_eq!(period["statements"][0]["index"], 1);
    assert_eq!(period["statements"][1]["index"], 2);
    let report = verify_bundle(&registry, &bundle, &["--json"])
        .success()
        .json();
    assert_eq!(
        report["period"],
        json!({"since": since, "start_size": 1, "statements": 2})
    );

    let forged = doctored(&bundle, |b| {
        let proof = b["period"]["consistency"].as_array_mut().unwrap();
        proof[0] = BASE64.encode([7u8; 32]).into();
    });
    let run = verify_bundle(&registry, &forged, &[]);
    fails_naming(&run, &["the period is not an append-only extension"]);
}

#[test]
fn bundles_verify_in_order_but_an_older_one_after_a_newer_is_a_rewind() {
    // Trusting a key is a statement too; it makes the log grow cheaply.
    let registry = Registry::new();
    reviewer(&registry, "alice");
    let earlier = export(&registry, "earlier.json", None);
    reviewer(&registry, "bob");
    reviewer(&registry, "carol");
    let later = export(&registry, "later.json", None);
    assert_eq!(log_size(&registry), 3);
    // Every run shares the registry's FORMULARY_STATE (see support).

    let first = verify_bundle(&registry, &earlier, &["--json"]);
    assert_eq!(first.success().json()["previous_size"], Value::Null);

    let second = verify_bundle(&registry, &later, &["--json"]);
    let second = second.success().json();
    assert_eq!(second["size"], 3);
    assert_eq!(
        second["previous_size"], 1,
        "consistent with the earlier one"
    );

    let rewound = verify_bundle(&registry, &earlier, &[]);
    fails_naming(
        &rewound,
        &[
            "SECURITY ERROR",
            "forked or been rewound",
            "saw 3 entries before, and the log now has 1",
        ],
    );
}

#[test]
fn a_bundle_from_a_forked_copy_of_the_log_is_a_security_error() {
    // The operator copies the registry, key and all, and shows one
    // history to the auditor and another to everyone else.
    let registry = Registry::new();
    reviewer(&registry, "alice");
    let fork = Registry::uninitialised();
    copy_folder(&registry.data, &fork.data);
    reviewer(&registry, "bob");
    reviewer(&fork, "mallory");
    assert_eq!(registry_key(&registry), registry_key(&fork));
    let shown = export(&registry, "shown.json", None);
    let forked = export(&fork, "forked.json", None);

    verify_bundle(&registry, &shown, &[]).success();
    let run = verify_bundle(&registry, &forked, &[]);

    fails_naming(
        &run,
        &[
            "SECURITY ERROR",
            "the first 2 entries no longer hash to the root this client saw",
        ],
    );
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

// ---------------------------------------------------------------------
// composer.lock and vendor/
// ---------------------------------------------------------------------

/// One package of a composer.lock, installed from a zip with `shasum`.
fn locked(name: &str, version: &str, kind: &str, shasum: &str) -> Value {
    json!({
        "name": name,
        "version": version,
        "type": kind,
        "dist": {
            "type": "zip",
            "url": format!("http://127.0.0.1/dist/{name}/{version}.zip"),
            "reference": format!("{name}-{version}"),
            "shasum": shasum,
        },
    })
}

/// The lock entry Composer writes for `archive` as formulary serves it.
fn locked_archive(archive: &Archive, version: &str) -> Value {
    locked(PACKAGE, version, "magento2-module", &sha1(&archive.bytes))
}

/// A package from Packagist that formulary never saw.
fn locked_from_elsewhere() -> Value {
    locked("monolog/monolog", "3.5.0", "library", &"ab".repeat(20))
}

/// Writes composer.lock with `packages` into the registry's temp folder.
fn write_lock(registry: &Registry, packages: &[Value]) -> PathBuf {
    let lock = json!({
        "_readme": ["This file locks the dependencies of your project"],
        "content-hash": "5f1d0c3e",
        "packages": packages,
        "packages-dev": [],
    });
    registry.write("composer.lock", &serde_json::to_vec_pretty(&lock).unwrap())
}

/// Installs `files` the way Composer does: `vendor/<name>/` holding the
/// archive's paths (our zips have no top-level folder to strip).
fn install(vendor: &Path, name: &str, files: &[(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let target = vendor.join(name).join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}

/// The tree hash as docs/statements.md defines it, computed here on our
/// own so the test does not take formulary's word for it.
fn documented_tree_hash(files: &[(String, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let listing: String = sorted
        .iter()
        .map(|(path, bytes)| format!("{}  {path}\n", sha256(bytes)))
        .collect();
    sha256(listing.as_bytes())
}

/// A project folder: composer.lock and an installed vendor/.
fn project(registry: &Registry, archive: &Archive) -> (PathBuf, PathBuf) {
    let lock = write_lock(registry, &[locked_archive(archive, VERSION)]);
    let vendor = registry.tmp.path().join("vendor");
    install(&vendor, PACKAGE, &archive.files);
    (lock, vendor)
}

fn verify_project(registry: &Registry, lock: &Path, vendor: &Path, json: bool) -> Run {
    let mut args = vec![
        "verify",
        lock.to_str().unwrap(),
        "--vendor",
        vendor.to_str().unwrap(),
    ];
    if json {
        args.push("--json");
    }
    registry.run(&args)
}

/// Asserts exit 1 and that the report for `name` failed with a problem
/// mentioning every one of `words`; returns that report.
fn package_failed(run: &Run, name: &str, words: &[&str]) -> Value {
    assert_eq!(
        run.code, 1,
        "expected a failed check\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let report = run.json();
    let packages = report["lock"]["packages"].as_array().unwrap();
    let package = packages.iter().find(|p| p["name"] == name).unwrap();
    assert_eq!(package["outcome"], "failed", "{package:#}");
    let problems = package["problems"].to_string();
    for word in words {
        assert!(problems.contains(word), "missing {word:?} in {problems}");
    }
    package.clone()
}

#[test]
fn an_approved_package_installed_unchanged_verifies() {
    let (registry, archive, alice) = approved_registry();
    let (lock, vendor) = project(&registry, &archive);
    let shown = registry
        .run(&["review", "show", PACKAGE, VERSION, "--json"])
        .success()
        .json();
    assert_eq!(shown["tree_hash"], documented_tree_hash(&archive.files));

    let run = verify_project(&registry, &lock, &vendor, false).success();

    let text = &run.stdout;
    assert!(
        text.contains("ok      acme/rate-table 1.0.0  approved by alice"),
        "{text}"
    );
    assert!(
        text.contains("1 of 1 packages verified against 4 entries"),
        "{text}"
    );

    let report = verify_project(&registry, &lock, &vendor, true)
        .success()
        .json();
    let package = &report["lock"]["packages"][0];
    assert_eq!(package["outcome"], "verified");
    assert_eq!(package["problems"], json!([]));
    assert_eq!(package["sha256"], sha256(&archive.bytes));
    assert_eq!(package["sha1"], sha1(&archive.bytes));
    assert_eq!(package["tree_hash"], shown["tree_hash"]);
    let approval = &package["approvals"][0];
    assert_eq!(approval["index"], 3);
    assert_eq!(approval["reviewer"], "alice");
    assert_eq!(approval["key_id"], key_id(&registry, &alice));
    assert_eq!(package["approvals"].as_array().unwrap().len(), 1);
}

#[test]
fn the_json_report_has_the_bundle_and_one_record_per_package() {
    let (registry, archive, _) = approved_registry();
    let lock = write_lock(
        &registry,
        &[locked_archive(&archive, VERSION), locked_from_elsewhere()],
    );
    let vendor = registry.tmp.path().join("vendor");
    install(&vendor, PACKAGE, &archive.files);

    let report = verify_project(&registry, &lock, &vendor, true)
        .success()
        .json();

    assert_eq!(keys_of(&report), ["bundle", "lock"]);
    let bundle = &report["bundle"];
    assert_eq!(bundle["size"], 4);
    assert_eq!(bundle["versions"], json!({"approved": 1}));
    let lock_report = &report["lock"];
    assert_eq!(
        keys_of(lock_report),
        ["log_root", "log_size", "origin", "packages"]
    );
    assert_eq!(lock_report["log_size"], 4);
    assert_eq!(lock_report["log_root"], bundle["root"]);
    assert_eq!(lock_report["origin"], bundle["origin"]);
    let packages = lock_report["packages"].as_array().unwrap();
    let record = [
        "approvals",
        "name",
        "outcome",
        "problems",
        "sha1",
        "sha256",
        "tree_hash",
        "version",
    ];
    for package in packages {
        assert_eq!(keys_of(package), record, "{package:#}");
    }
    assert_eq!(
        keys_of(&packages[0]["approvals"][0]),
        ["index", "key_id", "reviewer", "time"]
    );
    assert!(packages[0]["approvals"][0]["time"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    // A package formulary never saw is listed, not judged: exit 0.
    let outcomes: Vec<(&str, &str)> = packages
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("acme/rate-table", "verified"),
            ("monolog/monolog", "not-from-registry")
        ]
    );
    let elsewhere = &packages[1];
    assert_eq!(elsewhere["approvals"], json!([]));
    assert_eq!(elsewhere["problems"], json!([]));
    assert_eq!(elsewhere["sha1"], Value::Null);
}

/// An object's field names, sorted.
fn keys_of(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

/// The id `key list` gives the key whose private half is at `key`.
fn key_id(registry: &Registry, key: &Path) -> String {
    let public = std::fs::read_to_string(format!("{}.pub", key.display())).unwrap();
    let listed = registry.run(&["key", "list", "--json"]).success().json();
    let public_b64 = public.split_whitespace().nth(2).unwrap();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["public_key"] == public_b64)
        .unwrap_or_else(|| panic!("{public_b64} not in {listed:#}"));
    entry["key_id"].as_str().unwrap().to_string()
}

#[test]
fn a_package_still_pending_review_fails() {
    let registry = Registry::new();
    let archive = Archive::new(PACKAGE, VERSION);
    ingest(&registry, &archive, "rate-table-1.0.0.zip");
    let (lock, vendor) = project(&registry, &archive);

    let run = verify_project(&registry, &lock, &vendor, true);

    let package = package_failed(&run, PACKAGE, &["acme/rate-table 1.0.0 is pending review"]);
    assert_eq!(package["approvals"], json!([]));
}

#[test]
fn a_revoked_package_fails_with_the_reason() {
    let (registry, archive, alice) = approved_registry();
    let reason = "phones home with order totals";
    let key = alice.to_str().unwrap();
    registry
        .run(&["revoke", PACKAGE, VERSION, "--key", key, "--reason", reason])
        .success();
    let (lock, vendor) = project(&registry, &archive);

    let run = verify_project(&registry, &lock, &vendor, true);

    package_failed(&run, PACKAGE, &["is revoked", reason]);
    let text = verify_project(&registry, &lock, &vendor, false);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains("FAILED  acme/rate-table 1.0.0"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains(reason), "{}", text.stdout);
}

#[test]
fn a_lock_pointing_at_other_bytes_fails_naming_both_sums() {
    let (registry, archive, _) = approved_registry();
    let (_, vendor) = project(&registry, &archive);
    let other = "0123456789abcdef0123456789abcdef01234567";
    let lock = write_lock(
        &registry,
        &[locked(PACKAGE, VERSION, "magento2-module", other)],
    );

    let run = verify_project(&registry, &lock, &vendor, true);

    let approved = sha1(&archive.bytes);
    package_failed(&run, PACKAGE, &["dist.shasum", other, &approved]);
}

#[test]
fn an_edited_file_in_vendor_is_named() {
    let (registry, archive, _) = approved_registry();
    let (lock, vendor) = project(&registry, &archive);
    let class = vendor.join(PACKAGE).join("Model/Rate.php");
    std::fs::write(&class, b"<?php\n// patched on the server\n").unwrap();

    let run = verify_project(&registry, &lock, &vendor, true);

    let package = package_failed(&run, PACKAGE, &["changed Model/Rate.php"]);
    let problems = package["problems"].to_string();
    assert!(!problems.contains("composer.json"), "{problems}");
    assert!(!problems.contains("dist.shasum"), "{problems}");
}

#[test]
fn an_install_path_pointing_at_a_pristine_copy_does_not_hide_an_edited_vendor_folder() {
    let (registry, archive, _) = approved_registry();
    let (lock, vendor) = project(&registry, &archive);
    // An attacker keeps an untouched copy, edits the real install and
    // points installed.json at the copy.
    copy_dir(&vendor.join(PACKAGE), &vendor.join("composer/.pristine"));
    std::fs::write(
        vendor.join(PACKAGE).join("Model/Rate.php"),
        b"<?php system($_GET['c']);\n",
    )
    .unwrap();
    let installed = serde_json::json!({
        "packages": [{ "name": PACKAGE, "install-path": ".pristine" }]
    });
    std::fs::write(
        vendor.join("composer/installed.json"),
        serde_json::to_vec(&installed).unwrap(),
    )
    .unwrap();

    let run = verify_project(&registry, &lock, &vendor, true);
    package_failed(
        &run,
        PACKAGE,
        &["changed Model/Rate.php", "installed.json says"],
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn added_and_missing_files_in_vendor_are_named() {
    let (registry, archive, _) = approved_registry();
    let (lock, vendor) = project(&registry, &archive);
    let installed = vendor.join(PACKAGE);
    std::fs::write(
        installed.join("Model/Shell.php"),
        b"<?php system($_GET['c']);\n",
    )
    .unwrap();

    let run = verify_project(&registry, &lock, &vendor, true);
    let package = package_failed(&run, PACKAGE, &["added Model/Shell.php"]);
    assert!(!package["problems"].to_string().contains("changed"));

    std::fs::remove_file(installed.join("registration.php")).unwrap();
    let run = verify_project(&registry, &lock, &vendor, true);
    package_failed(
        &run,
        PACKAGE,
        &["added Model/Shell.php", "missing registration.php"],
    );
}

#[test]
fn a_lock_verifies_against_a_copied_bundle_with_no_data_folder() {
    let (registry, archive, _) = approved_registry();
    let lock = write_lock(&registry, &[locked_archive(&archive, VERSION)]);
    let bundle = export(&registry, "evidence.json", None);
    let vkey = registry_key(&registry);
    let auditor = Auditor::receive(&[&bundle, &lock]);
    install(&auditor.tmp.path().join("vendor"), PACKAGE, &archive.files);

    let run = auditor.run(&[
        "verify",
        "composer.lock",
        "--vendor",
        "vendor",
        "--bundle",
        "evidence.json",
        "--registry-key",
        &vkey,
        "--json",
    ]);

    let report = run.success().json();
    assert_eq!(report["bundle"]["key_pinned"], true);
    let package = &report["lock"]["packages"][0];
    assert_eq!(package["outcome"], "verified");
    assert_eq!(package["approvals"][0]["reviewer"], "alice");
    assert!(!auditor.tmp.path().join("registry-data").exists());
}

#[test]
fn a_malformed_lock_is_an_error_on_one_line() {
    let registry = Registry::new();
    let lock = registry.write("composer.lock", br#"{"packages": [{"name": "#);

    let run = registry.run(&["verify", lock.to_str().unwrap()]);

    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let stderr = run.stderr.trim_end();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("is not a composer.lock"), "{stderr}");
    assert_eq!(run.stdout, "");
}
