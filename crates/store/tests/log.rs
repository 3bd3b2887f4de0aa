//! The log's storage: a commit writes the entry, its leaf hash, the new
//! frontier, a checkpoint and the records together, and survives a
//! restart; a refused commit writes none of it.

#![allow(clippy::unwrap_used)]

use formulary_composer::version::normalize;
use formulary_composer::PackageName;
use formulary_store::{
    Commit, Committed, Store, StoreError, VersionRecord, VersionState, VersionWrite,
};
use formulary_trust::merkle::{self, Hash};
use sha1::{Digest as _, Sha1};

/// A stand-in checkpoint: the size and root in hex. The store signs
/// nothing itself; it stores what the registry's signer returns.
fn checkpoint(size: u64, root: &Hash) -> String {
    format!("{size} {}", hex::encode(root))
}

fn record(store: &Store, version: &str, bytes: &[u8]) -> VersionRecord {
    let sha256 = store.put_blob(bytes).unwrap();
    VersionRecord {
        name: PackageName::parse("acme/pay").unwrap(),
        version: version.to_string(),
        version_normalized: normalize(version).unwrap(),
        sha256,
        sha1: hex::encode(Sha1::digest(bytes)),
        size: bytes.len() as u64,
        tree_hash: "0".repeat(64),
        state: VersionState::Pending,
        provenance: serde_json::json!({}),
        manifest: serde_json::json!({}),
        ingested_at: "2026-12-04T10:00:00Z".to_string(),
        scan: serde_json::Value::Null,
        requested_by: None,
        max_severity: None,
        findings_digest: String::new(),
        ingest_index: None,
        decisions: Vec::new(),
        files: Vec::new(),
    }
}

fn insert(rec: &VersionRecord, entry: &[u8]) -> Commit {
    Commit {
        entry: entry.to_vec(),
        version: Some(VersionWrite::Insert(rec.clone())),
        key: None,
        ban: None,
        policy: None,
        who: "test".into(),
        what: "ingest".into(),
        subject: rec.subject(),
    }
}

#[test]
fn commits_append_entries_leaves_and_checkpoints_that_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::create(dir.path()).unwrap();
        for (i, v) in ["1.0.0", "1.0.1", "1.0.2"].iter().enumerate() {
            let rec = record(&store, v, v.as_bytes());
            let done = store.commit(&insert(&rec, format!("entry {i}").as_bytes()), &checkpoint);
            assert_eq!(done.unwrap(), Committed::At(i as u64));
        }
    }
    let store = Store::open(dir.path()).unwrap();
    let entries = store.log_entries().unwrap();
    let leaves: Vec<Hash> = entries.iter().map(|(_, e)| merkle::leaf_hash(e)).collect();
    assert_eq!(entries[2], (2, b"entry 2".to_vec()));
    assert_eq!(store.log_size().unwrap(), 3);
    assert_eq!(store.frontier().unwrap().root(), merkle::root(&leaves));
    let latest = store.checkpoint(3).unwrap().unwrap();
    assert_eq!(latest, checkpoint(3, &merkle::root(&leaves)));
    let rec = store
        .version(&PackageName::parse("acme/pay").unwrap(), "1.0.1")
        .unwrap()
        .unwrap();
    assert_eq!(rec.ingest_index, Some(1));
    assert_eq!(store.audit_trail().unwrap().len(), 3);
}

#[test]
fn the_same_version_again_is_skipped_and_other_bytes_abort_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path()).unwrap();
    let rec = record(&store, "1.0.0", b"first");
    store.commit(&insert(&rec, b"a"), &checkpoint).unwrap();

    let again = store.commit(&insert(&rec, b"b"), &checkpoint).unwrap();
    assert_eq!(again, Committed::AlreadyPresent);

    let other = record(&store, "1.0.0", b"second");
    let err = store
        .commit(&insert(&other, b"c"), &checkpoint)
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(store.log_size().unwrap(), 1);
    assert_eq!(store.log_entries().unwrap().len(), 1);
    assert_eq!(store.checkpoints().unwrap().len(), 1);
}

#[test]
fn an_update_may_not_swap_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path()).unwrap();
    let rec = record(&store, "1.0.0", b"first");
    store.commit(&insert(&rec, b"a"), &checkpoint).unwrap();

    let mut swapped = record(&store, "1.0.0", b"second");
    swapped.state = VersionState::Approved;
    let mut commit = insert(&swapped, b"approve");
    commit.version = Some(VersionWrite::Update(swapped));
    let err = store.commit(&commit, &checkpoint).unwrap_err();
    assert!(
        err.to_string().contains("may not change the archive"),
        "{err}"
    );
    assert_eq!(store.log_size().unwrap(), 1);
}
