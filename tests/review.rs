//! Review, end to end: keys, signed decisions under policy, and the
//! transparency log that records them, driven through the real binary.
//!
//! Each scenario sets up a registry in a temp folder, trusts a few people's
//! keys, and sees a decision either recorded or refused. A refusal exits 2
//! with one `error:` line naming the cause, and leaves the log and the store
//! as they were. The tampering scenarios edit the sled database directly,
//! as someone with the server's disk could, while no formulary process
//! runs, and expect `formulary log verify` to notice and say what it found.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use support::archives::{module, zip};
use support::{fixture, Registry, Run};

/// No findings; 1.0.0 in `clean-shipping-rates`, 1.0.1 in the `-v1.0.1`
/// fixture.
const CLEAN: &str = "formulary-fixtures/clean-shipping-rates";
/// Critical findings: policy asks two reviewers of it.
const RISKY: &str = "formulary-fixtures/payment-debug-logger";

// ---------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------

#[test]
fn key_new_writes_a_private_file_for_its_owner_and_a_public_file() {
    let registry = Registry::new();
    let out = registry.tmp.path().join("alice.key");

    let run = registry
        .run(&["key", "new", "--name", "alice", "--out", path_str(&out)])
        .success();

    let id = printed_key_id(&run);
    assert_eq!(id.len(), 32, "a key id is 16 bytes in hex: {id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the private key is readable by its owner only");
    let public = std::fs::read_to_string(registry.tmp.path().join("alice.key.pub")).unwrap();
    assert!(
        public.starts_with("formulary-ed25519-public-key v1 ")
            && public.trim_end().ends_with(" alice"),
        "{public}"
    );
}

#[test]
fn key_new_refuses_to_overwrite_an_existing_key() {
    let registry = Registry::new();
    let out = registry.tmp.path().join("alice.key");
    let args = ["key", "new", "--name", "alice", "--out", path_str(&out)];
    registry.run(&args).success();
    let private = std::fs::read(&out).unwrap();

    let again = registry.run(&args);

    assert_eq!(again.code, 2);
    assert_one_error_line(&again, &["alice.key", "already exists", "overwrite"]);
    assert_eq!(std::fs::read(&out).unwrap(), private, "the old key is kept");

    // Without its .pub beside it, the private key is still never replaced.
    let public = registry.tmp.path().join("alice.key.pub");
    std::fs::remove_file(&public).unwrap();
    let again = registry.run(&args);
    assert_eq!(again.code, 2);
    assert_one_error_line(&again, &["alice.key already exists", "overwrite"]);
    assert_eq!(std::fs::read(&out).unwrap(), private, "the old key is kept");
    assert!(!public.exists(), "no public key without its private key");
}

#[test]
fn a_trusted_key_is_listed_with_its_name_and_role() {
    let registry = Registry::new();
    let alice = registry.new_key("alice");

    registry.trust(&alice, "alice", "reviewer").success();

    let keys = registry.run(&["key", "list", "--json"]).success().json();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["key_id"], alice.id);
    assert_eq!(keys[0]["name"], "alice");
    assert_eq!(keys[0]["role"], "reviewer");
    assert_eq!(keys[0]["revoked_at"], serde_json::Value::Null);
    let text = registry.run(&["key", "list"]).success().stdout;
    assert!(
        text.contains(&alice.id[..12]) && text.contains("alice"),
        "{text}"
    );
}

#[test]
fn trusting_the_same_key_twice_is_refused() {
    let registry = Registry::new();
    let alice = registry.new_key("alice");
    registry.trust(&alice, "alice", "reviewer").success();

    let pub_file = alice.public_file();
    let args = [
        "key",
        "trust",
        path_str(&pub_file),
        "--name",
        "alice2",
        "--role",
        "admin",
    ];
    registry.refused(&args, &[&alice.id, "already trusted as alice"]);
}

#[test]
fn a_revoked_key_cannot_decide_again_but_its_earlier_approval_stands() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    registry.ingest_fixtures(&["clean-shipping-rates", "clean-shipping-rates-v1.0.1"]);
    registry.approve(CLEAN, "1.0.0", &alice).success();

    let revoked = registry
        .run(&[
            "key",
            "revoke",
            &alice.id[..10],
            "--reason",
            "laptop lost",
            "--json",
        ])
        .success()
        .json();
    let revoked_at = revoked["revoked_at"].as_u64().unwrap();

    let message = registry.refused(
        &decision("approve", CLEAN, "1.0.1", &alice),
        &[
            &alice.id,
            "(alice)",
            "revoked at log index",
            &revoked_at.to_string(),
        ],
    );
    assert!(
        message.contains("later statements are refused"),
        "{message}"
    );
    assert_eq!(registry.state_of(CLEAN, "1.0.0"), "approved");
    assert_eq!(registry.state_of(CLEAN, "1.0.1"), "pending");
    let verified = registry.run(&["log", "verify", "--json"]).success().json();
    assert_eq!(verified["versions"], 2);
    assert_eq!(verified["keys"], 1);
}

// ---------------------------------------------------------------------
// Decisions under policy
// ---------------------------------------------------------------------

#[test]
fn a_clean_version_approved_by_one_reviewer_is_approved() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    registry.ingest_fixtures(&["clean-shipping-rates"]);

    let run = registry
        .run(&[
            "approve",
            CLEAN,
            "1.0.0",
            "--key",
            path_str(&alice.file),
            "--note",
            "read every file",
            "--json",
        ])
        .success()
        .json();

    assert_eq!(run["state"], "approved");
    assert_eq!(run["verdict"], "approve");
    assert_eq!(run["requires"], serde_json::json!([]));
    let view = registry.show(CLEAN, "1.0.0");
    assert_eq!(view["state"], "approved");
    assert_eq!(view["decisions"][0]["reviewer"], "alice");
    assert_eq!(view["decisions"][0]["key_id"], alice.id);
    assert_eq!(view["decisions"][0]["note"], "read every file");
    assert_eq!(view["decisions"][0]["index"], run["log_index"]);
}

#[test]
fn a_version_with_a_critical_finding_needs_two_distinct_reviewers() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    let bob = registry.reviewer("bob");
    registry.ingest_fixtures(&["payment-debug-logger"]);

    registry.approve(RISKY, "1.0.0", &alice).success();

    let view = registry.show(RISKY, "1.0.0");
    assert_eq!(view["state"], "pending");
    assert_eq!(view["max_severity"], "critical");
    assert_eq!(view["progress"]["high_risk"], true);
    assert_eq!(view["progress"]["required"], 2);
    assert_eq!(view["progress"]["approvers"], serde_json::json!(["alice"]));
    let requires = view["requires"][0].as_str().unwrap();
    assert!(
        requires.starts_with("1 more approval") && requires.contains("other than alice"),
        "{requires}"
    );
    assert!(
        requires.contains("critical"),
        "the reason is given: {requires}"
    );

    registry.refused(
        &decision("approve", RISKY, "1.0.0", &alice),
        &["alice already approved", RISKY, "once per person"],
    );

    registry.approve(RISKY, "1.0.0", &bob).success();
    let view = registry.show(RISKY, "1.0.0");
    assert_eq!(view["state"], "approved");
    assert_eq!(
        view["progress"]["approvers"],
        serde_json::json!(["alice", "bob"])
    );
    assert_eq!(view["requires"], serde_json::json!([]));
}

#[test]
fn two_keys_under_one_name_count_as_one_person() {
    let registry = Registry::new();
    let laptop = registry.new_key("alice-laptop");
    let desktop = registry.new_key("alice-desktop");
    registry.trust(&laptop, "alice", "reviewer").success();
    registry.trust(&desktop, "alice", "reviewer").success();
    registry.ingest_fixtures(&["payment-debug-logger"]);
    registry.approve(RISKY, "1.0.0", &laptop).success();

    registry.refused(
        &decision("approve", RISKY, "1.0.0", &desktop),
        &["alice already approved", "once per person"],
    );

    let view = registry.show(RISKY, "1.0.0");
    assert_eq!(view["state"], "pending");
    assert_eq!(view["progress"]["approvers"], serde_json::json!(["alice"]));
}

#[test]
fn the_requester_of_an_ingest_cannot_approve_it_but_another_reviewer_can() {
    let registry = Registry::new();
    let carol = registry.reviewer("carol");
    let alice = registry.reviewer("alice");
    let source = fixture("clean-shipping-rates");
    registry
        .run(&["ingest", "--key", path_str(&carol.file), path_str(&source)])
        .success();
    assert_eq!(registry.show(CLEAN, "1.0.0")["requested_by"], "carol");

    registry.refused(
        &decision("approve", CLEAN, "1.0.0", &carol),
        &["carol requested", CLEAN, "another reviewer must approve it"],
    );

    registry.approve(CLEAN, "1.0.0", &alice).success();
    assert_eq!(registry.state_of(CLEAN, "1.0.0"), "approved");
}

#[test]
fn a_rejected_version_can_never_be_approved_and_the_refusal_names_the_rejection() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    let bob = registry.reviewer("bob");
    registry.ingest_fixtures(&["clean-shipping-rates"]);
    let sha256 = registry.show(CLEAN, "1.0.0")["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let rejected = registry
        .run(&[
            "reject",
            CLEAN,
            "1.0.0",
            "--key",
            path_str(&alice.file),
            "--reason",
            "phones home",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(rejected["state"], "rejected");
    let at = rejected["log_index"].to_string();

    registry.refused(
        &decision("approve", CLEAN, "1.0.0", &bob),
        &["cannot be approved", &sha256, "was rejected", &at, "final"],
    );
    assert_eq!(registry.state_of(CLEAN, "1.0.0"), "rejected");
}

#[test]
fn a_revoked_version_cannot_be_approved_again() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    registry.ingest_fixtures(&["clean-shipping-rates"]);
    registry.approve(CLEAN, "1.0.0", &alice).success();

    let revoked = registry
        .run(&[
            "revoke",
            CLEAN,
            "1.0.0",
            "--key",
            path_str(&alice.file),
            "--reason",
            "CVE in the rate table",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(revoked["state"], "revoked");
    let at = revoked["log_index"].to_string();

    registry.refused(
        &decision("approve", CLEAN, "1.0.0", &alice),
        &["cannot be approved", "was revoked", &at],
    );
    assert_eq!(registry.state_of(CLEAN, "1.0.0"), "revoked");
}

#[test]
fn revoking_a_pending_version_is_refused_with_a_hint_to_reject() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    registry.ingest_fixtures(&["clean-shipping-rates"]);

    let mut args = decision("revoke", CLEAN, "1.0.0", &alice);
    args.extend(["--reason".to_string(), "changed my mind".to_string()]);
    registry.refused(&args, &["is pending", "rejected, not revoked"]);
}

#[test]
fn an_intake_key_cannot_approve() {
    let registry = Registry::new();
    let robot = registry.new_key("robot");
    registry.trust(&robot, "robot", "intake").success();
    registry.ingest_fixtures(&["clean-shipping-rates"]);

    registry.refused(
        &decision("approve", CLEAN, "1.0.0", &robot),
        &["robot", "intake key", "only reviewer and admin keys"],
    );
}

#[test]
fn a_key_nobody_trusted_cannot_approve() {
    let registry = Registry::new();
    let mallory = registry.new_key("mallory");
    registry.ingest_fixtures(&["clean-shipping-rates"]);

    registry.refused(
        &decision("approve", CLEAN, "1.0.0", &mallory),
        &[&mallory.id, "is not trusted", "formulary key trust"],
    );
}

#[test]
fn a_refused_first_decision_logs_no_policy() {
    // Regression: the first decision makes the registry log its policy,
    // and a refused first decision used to leave that policy statement
    // behind. A refusal writes nothing at all.
    let registry = Registry::new();
    let carol = registry.reviewer("carol");
    let alice = registry.reviewer("alice");
    let source = fixture("clean-shipping-rates");
    registry
        .run(&["ingest", "--key", path_str(&carol.file), path_str(&source)])
        .success();

    registry.refused(
        &decision("approve", CLEAN, "1.0.0", &carol),
        &["carol requested"],
    );
    assert!(registry.statements_of_kind("policy").is_empty());

    registry.approve(CLEAN, "1.0.0", &alice).success();
    assert_eq!(registry.statements_of_kind("policy").len(), 1);
    registry.run(&["log", "verify"]).success();
}

#[test]
fn a_delta_review_needs_an_approved_base_and_records_it() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    registry.ingest_fixtures(&["clean-shipping-rates", "clean-shipping-rates-v1.0.1"]);

    let mut on_pending_base = decision("approve", CLEAN, "1.0.1", &alice);
    on_pending_base.extend(["--base".to_string(), "1.0.0".to_string()]);
    registry.refused(
        &on_pending_base,
        &[
            "--base",
            CLEAN,
            "1.0.0 is pending, not approved",
            "the base of a delta review is an approved version",
        ],
    );

    registry.approve(CLEAN, "1.0.0", &alice).success();
    registry.run_line(&on_pending_base).success();

    let view = registry.show(CLEAN, "1.0.1");
    assert_eq!(view["state"], "approved");
    assert_eq!(view["decisions"][0]["base_version"], "1.0.0");
    let full = registry.show(CLEAN, "1.0.0");
    assert_eq!(
        full["decisions"][0]["base_version"],
        serde_json::Value::Null
    );
}

// ---------------------------------------------------------------------
// The policy is in the log
// ---------------------------------------------------------------------

#[test]
fn the_first_decision_logs_the_policy_it_was_judged_by() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    registry.ingest_fixtures(&["clean-shipping-rates"]);
    assert!(registry.statements_of_kind("policy").is_empty());

    let index = registry.approve(CLEAN, "1.0.0", &alice).success().json()["log_index"]
        .as_u64()
        .unwrap();

    let policies = registry.statements_of_kind("policy");
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["index"].as_u64().unwrap(), index - 1);
    assert_eq!(policies[0]["what"], "1 reviewer(s), 2 from high");
}

#[test]
fn a_changed_policy_is_logged_before_the_next_decision() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    let bob = registry.reviewer("bob");
    registry.ingest_fixtures(&["clean-shipping-rates", "clean-shipping-rates-v1.0.1"]);
    registry.approve(CLEAN, "1.0.0", &alice).success();

    registry.set_policy("reviewers = 2");
    let first = registry.approve(CLEAN, "1.0.1", &alice).success().json();

    let policies = registry.statements_of_kind("policy");
    assert_eq!(policies.len(), 2, "{policies:?}");
    let index = first["log_index"].as_u64().unwrap();
    assert_eq!(policies[1]["index"].as_u64().unwrap(), index - 1);
    assert_eq!(policies[1]["what"], "2 reviewer(s), 2 from high");
    assert_eq!(first["state"], "pending", "judged by the new policy");

    registry.approve(CLEAN, "1.0.1", &bob).success();
    assert_eq!(registry.state_of(CLEAN, "1.0.1"), "approved");
    assert_eq!(
        registry.statements_of_kind("policy").len(),
        2,
        "logged once"
    );
    registry.run(&["log", "verify"]).success();
}

// ---------------------------------------------------------------------
// Tampering, found by `log verify`
// ---------------------------------------------------------------------

#[test]
fn an_edited_statement_fails_log_verify() {
    let registry = Registry::new();
    let index = registry.a_short_history();
    registry.run(&["log", "verify"]).success();

    registry.tamper(|db| {
        let log = db.open_tree("log").unwrap();
        let key = index.to_be_bytes();
        let entry = log.get(key).unwrap().unwrap();
        log.insert(key, with_note(&entry, "approved without reading"))
            .unwrap();
    });

    registry.verify_fails(&["do not hash to the root", "edited"]);
}

#[test]
fn a_removed_last_entry_fails_log_verify() {
    let registry = Registry::new();
    let last = registry.a_short_history();
    registry.run(&["log", "verify"]).success();

    registry.tamper(|db| {
        let log = db.open_tree("log").unwrap();
        log.remove(last.to_be_bytes()).unwrap().unwrap();
    });

    registry.verify_fails(&["newest signed checkpoint does not cover", "removed"]);
}

#[test]
fn a_removed_middle_entry_fails_log_verify() {
    let registry = Registry::new();
    registry.a_short_history();
    registry.run(&["log", "verify"]).success();

    registry.tamper(|db| {
        let log = db.open_tree("log").unwrap();
        log.remove(2u64.to_be_bytes()).unwrap().unwrap();
    });

    registry.verify_fails(&["log entry 2 is missing"]);
}

#[test]
fn swapped_entries_fail_log_verify() {
    let registry = Registry::new();
    registry.a_short_history();
    registry.run(&["log", "verify"]).success();

    registry.tamper(|db| {
        let log = db.open_tree("log").unwrap();
        let (a, b) = (1u64.to_be_bytes(), 2u64.to_be_bytes());
        let first = log.get(a).unwrap().unwrap();
        let second = log.get(b).unwrap().unwrap();
        assert_ne!(first, second);
        log.insert(a, second).unwrap();
        log.insert(b, first).unwrap();
    });

    registry.verify_fails(&["do not hash to the root", "reordered"]);
}

#[test]
fn a_version_approved_behind_the_logs_back_fails_log_verify() {
    let registry = Registry::new();
    registry.a_short_history();
    assert_eq!(registry.state_of(RISKY, "1.0.0"), "pending");
    registry.run(&["log", "verify"]).success();

    registry.tamper(|db| {
        let versions = db.open_tree("versions").unwrap();
        let key = format!("{RISKY}\u{0}1.0.0.0");
        let bytes = versions.get(key.as_bytes()).unwrap().unwrap();
        let mut record: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        record["state"] = "approved".into();
        versions
            .insert(key.as_bytes(), serde_json::to_vec(&record).unwrap())
            .unwrap();
    });

    registry.verify_fails(&[RISKY, "approved in the store but pending by the log"]);
    assert_eq!(
        registry.state_of(RISKY, "1.0.0"),
        "approved",
        "the store says so"
    );
}

#[test]
fn a_rewound_log_is_a_security_error_for_a_client_that_saw_more() {
    let registry = Registry::new();
    registry.a_short_history();
    let older = registry.tmp.path().join("older-copy");
    copy_dir(&registry.data, &older);
    let alice = registry.key_file("alice");
    registry.ingest_fixtures(&["clean-shipping-rates-v1.0.1"]);
    registry.approve(CLEAN, "1.0.1", &alice).success();
    let seen = registry.run(&["log", "verify", "--json"]).success().json()["size"]
        .as_u64()
        .unwrap();

    std::fs::remove_dir_all(&registry.data).unwrap();
    copy_dir(&older, &registry.data);

    let run = registry.run(&["log", "verify"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_one_error_line(
        &run,
        &[
            "SECURITY ERROR",
            "forked or been rewound",
            &format!("this client saw {seen} entries before"),
        ],
    );

    // Only a client's memory catches a rewind: the restored copy is a
    // well-formed log in itself.
    let fresh = registry.tmp.path().join("fresh-client");
    let run = registry.run(&["log", "verify", "--state", path_str(&fresh)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_log_rewritten_past_what_the_client_saw_is_a_security_error() {
    // The operator restores an old copy and then records other decisions
    // until the log is longer than before: its size no longer gives it
    // away, but its history does.
    let registry = Registry::new();
    registry.a_short_history();
    let older = registry.tmp.path().join("older-copy");
    copy_dir(&registry.data, &older);
    let alice = registry.key_file("alice");
    registry.ingest_fixtures(&["clean-shipping-rates-v1.0.1"]);
    let seen = registry.run(&["log", "verify", "--json"]).success().json()["size"]
        .as_u64()
        .unwrap();

    std::fs::remove_dir_all(&registry.data).unwrap();
    copy_dir(&older, &registry.data);
    let sneaky = registry.write("sneaky.zip", &zip(&module("acme/sneaky", "1.0.0")));
    registry.run(&["ingest", path_str(&sneaky)]).success();
    registry.approve("acme/sneaky", "1.0.0", &alice).success();
    assert!(registry.log_size() > seen);

    let run = registry.run(&["log", "verify"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_one_error_line(
        &run,
        &[
            "SECURITY ERROR",
            &format!("the first {seen} entries no longer hash to the root"),
        ],
    );
}

// ---------------------------------------------------------------------
// The state rebuilt from the log alone
// ---------------------------------------------------------------------

#[test]
fn every_versions_state_is_rebuilt_from_an_exported_bundle() {
    let registry = Registry::new();
    let alice = registry.reviewer("alice");
    let bob = registry.reviewer("bob");
    let dave = registry.reviewer("dave");
    registry.ingest_fixtures(&[
        "clean-shipping-rates",
        "clean-shipping-rates-v1.0.1",
        "payment-debug-logger",
    ]);
    let requested: Vec<PathBuf> = [
        ("acme/a", "1.0.0"),
        ("acme/b", "2.1.0"),
        ("acme/c", "0.3.0"),
    ]
    .iter()
    .map(|(name, version)| {
        let file = format!("{}-{version}.zip", name.replace('/', "-"));
        registry.write(&file, &zip(&module(name, version)))
    })
    .collect();
    let mut ingest = vec!["ingest", "--key", path_str(&dave.file)];
    ingest.extend(requested.iter().map(|p| path_str(p)));
    registry.run(&ingest).success();
    registry.approve(CLEAN, "1.0.0", &alice).success();
    registry.approve(RISKY, "1.0.0", &alice).success();
    registry.approve("acme/a", "1.0.0", &bob).success();
    registry.approve("acme/b", "2.1.0", &alice).success();
    let mut revoke = decision("revoke", "acme/b", "2.1.0", &bob);
    revoke.extend(["--reason".into(), "withdrawn upstream".into()]);
    registry.run_line(&revoke).success();
    let mut reject = decision("reject", "acme/c", "0.3.0", &alice);
    reject.extend(["--reason".into(), "obfuscated".into()]);
    registry.run_line(&reject).success();
    registry.run(&["key", "revoke", &dave.id]).success();

    let listed = registry.run(&["review", "list", "--json"]).success().json();
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    for v in listed.as_array().unwrap() {
        *by_state
            .entry(v["state"].as_str().unwrap().into())
            .or_default() += 1;
    }
    assert_eq!(
        by_state,
        BTreeMap::from([
            ("approved".to_string(), 2),
            ("pending".to_string(), 2),
            ("rejected".to_string(), 1),
            ("revoked".to_string(), 1),
        ])
    );

    let bundle = registry.tmp.path().join("b.json");
    registry
        .run(&["log", "export", "--out", path_str(&bundle)])
        .success();
    let vkey = registry.run(&["log", "show", "--json"]).success().json()["registry_key"]
        .as_str()
        .unwrap()
        .to_string();
    let report = registry
        .run(&[
            "verify",
            "--bundle",
            path_str(&bundle),
            "--registry-key",
            &vkey,
            "--json",
        ])
        .success()
        .json();

    let rebuilt: BTreeMap<String, u64> =
        serde_json::from_value(report["versions"].clone()).unwrap();
    assert_eq!(rebuilt, by_state, "the log alone gives the same states");
    assert_eq!(report["key_pinned"], true);
    assert_eq!(report["keys"], 3);
    assert_eq!(report["size"].as_u64().unwrap(), registry.log_size());

    // `log verify` replays the log and compares every version record in
    // the store with the replay, field by field; it counts those that match.
    let verified = registry.run(&["log", "verify", "--json"]).success().json();
    assert_eq!(verified["versions"], listed.as_array().unwrap().len());
    assert_eq!(verified["keys"], 3);
}

// ---------------------------------------------------------------------
// Proofs
// ---------------------------------------------------------------------

#[test]
fn an_inclusion_proof_leads_from_the_entry_to_the_signed_root() {
    let registry = Registry::new();
    registry.a_short_history();
    let size = registry.log_size();
    let bundle = registry.tmp.path().join("b.json");
    registry
        .run(&["log", "export", "--out", path_str(&bundle)])
        .success();
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();

    for index in [0, size / 2, size - 1] {
        let proof = registry
            .run(&["log", "proof", &index.to_string(), "--json"])
            .success()
            .json();
        assert_eq!(proof["index"].as_u64().unwrap(), index);
        assert_eq!(proof["size"].as_u64().unwrap(), size);
        let hashes: Vec<[u8; 32]> = proof["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| decode_hash(h.as_str().unwrap()))
            .collect();
        let entry = BASE64
            .decode(exported["entries"][index as usize].as_str().unwrap())
            .unwrap();
        let checkpoint = proof["checkpoint"].as_str().unwrap();
        assert_eq!(checkpoint_size(checkpoint), size);
        assert_eq!(
            root_from_inclusion(index, size, leaf_hash(&entry), &hashes),
            checkpoint_root(checkpoint),
            "entry {index} is included under the signed checkpoint"
        );
    }

    let text = registry.run(&["log", "proof", "0"]).success().stdout;
    assert!(
        text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n"),
        "{text}"
    );
}

#[test]
fn an_inclusion_proof_past_the_end_names_the_log_size() {
    let registry = Registry::new();
    registry.a_short_history();
    let size = registry.log_size();

    registry.refused(
        &["log", "proof", "99"],
        &["no entry 99", &format!("tree of {size} entries")],
    );
}

#[test]
fn a_consistency_proof_links_an_older_checkpoint_and_none_starts_at_zero() {
    let registry = Registry::new();
    registry.a_short_history();
    let size = registry.log_size();

    let proof = registry
        .run(&["log", "consistency", "2", "--json"])
        .success()
        .json();

    assert_eq!(proof["old_size"], 2);
    assert_eq!(proof["new_size"].as_u64().unwrap(), size);
    let old = proof["old_checkpoint"].as_str().unwrap();
    let new = proof["new_checkpoint"].as_str().unwrap();
    assert_eq!(checkpoint_size(old), 2);
    assert_eq!(checkpoint_size(new), size);
    let hashes: Vec<[u8; 32]> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| decode_hash(h.as_str().unwrap()))
        .collect();
    assert!(
        consistent(2, size, checkpoint_root(old), checkpoint_root(new), &hashes),
        "the proof shows the log of {size} extends the log of 2"
    );

    registry.refused(
        &["log", "consistency", "0"],
        &["no consistency proof from 0", "0 < OLD"],
    );
}

// ---------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------

/// A key pair made with `formulary key new`.
struct Key {
    file: PathBuf,
    id: String,
}

impl Key {
    fn public_file(&self) -> PathBuf {
        let mut name = self.file.clone().into_os_string();
        name.push(".pub");
        PathBuf::from(name)
    }
}

/// The review steps the scenarios are made of.
impl Registry {
    /// Makes `<tmp>/<name>.key` and its `.pub`.
    fn new_key(&self, name: &str) -> Key {
        let file = self.tmp.path().join(format!("{name}.key"));
        let run = self
            .run(&["key", "new", "--name", name, "--out", path_str(&file)])
            .success();
        Key {
            id: printed_key_id(&run),
            file,
        }
    }

    /// The key `new_key` made for `name` earlier in the scenario.
    fn key_file(&self, name: &str) -> Key {
        let file = self.tmp.path().join(format!("{name}.key"));
        let keys = self.run(&["key", "list", "--json"]).success().json();
        let id = keys
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .map(|k| k["key_id"].as_str().unwrap().to_string())
            .unwrap();
        Key { file, id }
    }

    fn trust(&self, key: &Key, name: &str, role: &str) -> Run {
        let public = key.public_file();
        self.run(&[
            "key",
            "trust",
            path_str(&public),
            "--name",
            name,
            "--role",
            role,
        ])
    }

    /// A new key, trusted as a reviewer under its own name.
    fn reviewer(&self, name: &str) -> Key {
        let key = self.new_key(name);
        self.trust(&key, name, "reviewer").success();
        key
    }

    /// Ingests sample extensions in one run: each run of `ingest` pays
    /// for building the scanner's rules once.
    fn ingest_fixtures(&self, names: &[&str]) {
        let paths: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
        let mut args = vec!["ingest"];
        args.extend(paths.iter().map(|p| path_str(p)));
        self.run(&args).success();
    }

    /// Runs a command line held as owned strings.
    fn run_line<S: AsRef<str>>(&self, args: &[S]) -> Run {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        self.run(&args)
    }

    /// `approve --json`; the caller checks the outcome.
    fn approve(&self, package: &str, version: &str, key: &Key) -> Run {
        let mut args = decision("approve", package, version, key);
        args.push("--json".into());
        self.run_line(&args)
    }

    /// `review show --json`.
    fn show(&self, package: &str, version: &str) -> serde_json::Value {
        self.run(&["review", "show", package, version, "--json"])
            .success()
            .json()
    }

    fn state_of(&self, package: &str, version: &str) -> String {
        self.show(package, version)["state"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Entries in the log, as `log show` reports them.
    fn log_size(&self) -> u64 {
        let shown = self.run(&["log", "show", "--json"]).success().json();
        shown["size"].as_u64().unwrap()
    }

    fn statements_of_kind(&self, kind: &str) -> Vec<serde_json::Value> {
        let shown = self
            .run(&["log", "show", "--limit", "1000", "--json"])
            .success()
            .json();
        let all = shown["statements"].as_array().unwrap();
        all.iter().filter(|s| s["kind"] == kind).cloned().collect()
    }

    /// Sets one key of the `[policy]` table in `formulary.toml`.
    fn set_policy(&self, line: &str) {
        let path = self.data.join("formulary.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\n[policy]\n"),
            "the template has a [policy] table"
        );
        let text = text.replacen("\n[policy]\n", &format!("\n[policy]\n{line}\n"), 1);
        std::fs::write(path, text).unwrap();
    }

    /// Runs a command that must be refused: exit 2, one `error:` line
    /// naming every cause, and the log and the store as they were.
    /// Returns the line.
    fn refused<S: AsRef<str>>(&self, args: &[S], causes: &[&str]) -> String {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let size = self.log_size();
        let before = self.snapshot();

        let run = self.run(&args);

        assert_eq!(run.code, 2, "{args:?} is refused\nstderr:\n{}", run.stderr);
        assert_one_error_line(&run, causes);
        assert_eq!(self.log_size(), size, "{args:?} left the log as it was");
        assert_eq!(self.snapshot(), before, "{args:?} left the store as it was");
        run.stderr.trim_end().to_string()
    }

    /// Reviewers alice and bob; the clean extension approved, the risky
    /// one approved once (still pending). Returns the index of the last
    /// entry, alice's approval with a note.
    fn a_short_history(&self) -> u64 {
        let alice = self.reviewer("alice");
        let bob = self.reviewer("bob");
        self.ingest_fixtures(&["clean-shipping-rates", "payment-debug-logger"]);
        self.approve(CLEAN, "1.0.0", &bob).success();
        let mut args = decision("approve", RISKY, "1.0.0", &alice);
        args.extend(["--note".into(), "logger reviewed".into(), "--json".into()]);
        let run = self.run_line(&args).success().json();
        run["log_index"].as_u64().unwrap()
    }

    /// Edits the sled database directly, as someone with the server's disk
    /// could. No formulary process runs meanwhile (each run has exited).
    fn tamper(&self, edit: impl FnOnce(&sled::Db)) {
        let db = open_db(&self.data.join("db"));
        edit(&db);
        db.flush().unwrap();
        drop(db);
    }

    /// `log verify` exits 1 with one line naming the problem.
    fn verify_fails(&self, causes: &[&str]) {
        let run = run_once_sled_lets_go(self, &["log", "verify"]);
        assert_eq!(run.code, 1, "log verify fails\nstderr:\n{}", run.stderr);
        assert_one_error_line(&run, &["log verification failed"]);
        assert_one_error_line(&run, causes);
    }
}

/// Opens the database the way formulary does. The last formulary run has
/// exited, so its lock is normally gone already; we retry briefly in case
/// the process is still being torn down.
fn open_db(path: &Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    sled::open(path).unwrap()
}

/// Runs the binary once the test process has let go of sled's lock.
/// sled may close a dropped database's file (and so its lock) a little
/// later, from its own threads; a run started meanwhile is refused with
/// sled's "could not acquire lock", so we try again rather than guess.
fn run_once_sled_lets_go(registry: &Registry, args: &[&str]) -> Run {
    for _ in 0..100 {
        let run = registry.run(args);
        if !run.stderr.contains("could not acquire lock") {
            return run;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    registry.run(args)
}

/// The command line of a decision, to run or to see refused.
fn decision(verdict: &str, package: &str, version: &str, key: &Key) -> Vec<String> {
    [verdict, package, version, "--key", path_str(&key.file)]
        .map(String::from)
        .to_vec()
}

/// The key id `key new` prints on its first line.
fn printed_key_id(run: &Run) -> String {
    let line = run.stdout.lines().next().unwrap();
    let id = line.strip_prefix("key id").unwrap().trim();
    id.to_string()
}

/// Exactly one line on stderr, starting `error: ` and naming each cause.
fn assert_one_error_line(run: &Run, causes: &[&str]) {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr:\n{}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    for cause in causes {
        assert!(lines[0].contains(cause), "names {cause:?}:\n{}", lines[0]);
    }
}

/// The envelope with the statement's `note` replaced, signature kept.
fn with_note(entry: &[u8], note: &str) -> Vec<u8> {
    let mut envelope: serde_json::Value = serde_json::from_slice(entry).unwrap();
    let payload = BASE64
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    let mut statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let replaced = replace_note(&mut statement, note);
    assert!(replaced, "the statement has a note: {statement}");
    envelope["payload"] = BASE64
        .encode(serde_json::to_vec(&statement).unwrap())
        .into();
    serde_json::to_vec(&envelope).unwrap()
}

fn replace_note(value: &mut serde_json::Value, note: &str) -> bool {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(old) = map.get_mut("note").filter(|v| v.is_string()) {
                *old = note.into();
                return true;
            }
            map.values_mut().any(|v| replace_note(v, note))
        }
        _ => false,
    }
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

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

// RFC 6962 hashing, written out here so the test checks the binary's
// proofs against the standard rather than against the code under test.

fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry);
    hasher.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root an inclusion proof leads to (RFC 9162, section 2.1.3.2).
fn root_from_inclusion(index: u64, size: u64, leaf: [u8; 32], proof: &[[u8; 32]]) -> [u8; 32] {
    let (mut f, mut s) = (index, size - 1);
    let mut hash = leaf;
    for sibling in proof {
        assert!(s > 0, "the proof is longer than the tree is deep");
        if f % 2 == 1 || f == s {
            hash = node_hash(sibling, &hash);
            while f % 2 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        f >>= 1;
        s >>= 1;
    }
    assert_eq!(s, 0, "the proof is shorter than the tree is deep");
    hash
}

/// Whether a consistency proof links the two roots (RFC 9162, section
/// 2.1.4.2).
fn consistent(
    old: u64,
    new: u64,
    old_root: [u8; 32],
    new_root: [u8; 32],
    proof: &[[u8; 32]],
) -> bool {
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    let mut path = proof.to_vec();
    if old.is_power_of_two() {
        path.insert(0, old_root);
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f % 2 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut old_hash, mut new_hash) = (*first, *first);
    for sibling in rest {
        if s == 0 {
            return false;
        }
        if f % 2 == 1 || f == s {
            old_hash = node_hash(sibling, &old_hash);
            new_hash = node_hash(sibling, &new_hash);
            while f % 2 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            new_hash = node_hash(&new_hash, sibling);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && old_hash == old_root && new_hash == new_root
}

fn decode_hash(text: &str) -> [u8; 32] {
    BASE64.decode(text).unwrap().try_into().unwrap()
}

/// A checkpoint note's second line.
fn checkpoint_size(note: &str) -> u64 {
    note.lines().nth(1).unwrap().parse().unwrap()
}

/// A checkpoint note's third line.
fn checkpoint_root(note: &str) -> [u8; 32] {
    decode_hash(note.lines().nth(2).unwrap())
}
