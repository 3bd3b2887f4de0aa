//! Scenarios against real sled stores in temporary folders: what an ingest
//! leaves behind, what a refused ingest leaves behind (nothing), and how
//! the folder defends itself against a second opener and edited blobs.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use formulary_composer::version::normalize;
use formulary_composer::PackageName;
use formulary_store::{InsertOutcome, Store, StoreError, VersionRecord, VersionState};
use sha1::{Digest as _, Sha1};

fn name(s: &str) -> PackageName {
    PackageName::parse(s).unwrap()
}

/// Stores `bytes` as a blob and returns a matching pending record.
fn ingest(store: &Store, pkg: &str, version: &str, bytes: &[u8]) -> VersionRecord {
    let sha256 = store.put_blob(bytes).unwrap();
    VersionRecord {
        name: name(pkg),
        version: version.to_string(),
        version_normalized: normalize(version).unwrap(),
        sha256,
        sha1: hex::encode(Sha1::digest(bytes)),
        size: bytes.len() as u64,
        tree_hash: "0".repeat(64),
        state: VersionState::Pending,
        provenance: serde_json::json!({"kind": "zip", "source": "fixtures/x.zip"}),
        manifest: serde_json::json!({"name": pkg}),
        ingested_at: "2026-01-01T00:00:00Z".to_string(),
        scan: serde_json::json!({"schema": "formulary-scan/v1", "findings": []}),
        requested_by: None,
        max_severity: None,
        findings_digest: String::new(),
        ingest_index: None,
        decisions: Vec::new(),
        files: Vec::new(),
    }
}

fn new_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path()).unwrap();
    (dir, store)
}

#[cfg(unix)]
fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
}

#[cfg(not(unix))]
fn make_writable(path: &Path) {
    let mut perms = fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(path, perms).unwrap();
}

#[test]
fn ingested_version_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rec = {
        let store = Store::create(dir.path()).unwrap();
        let rec = ingest(&store, "acme/pay", "1.2.1", b"pay 1.2.1");
        assert_eq!(store.insert_version(&rec).unwrap(), InsertOutcome::Inserted);
        rec
    };

    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.version(&name("acme/pay"), "1.2.1").unwrap(),
        Some(rec)
    );
    assert_eq!(store.audit_trail().unwrap().len(), 1);
    assert_eq!(store.get_blob(&sha(b"pay 1.2.1")).unwrap(), b"pay 1.2.1");
}

fn sha(bytes: &[u8]) -> String {
    formulary_store::sha256_hex(bytes)
}

#[test]
fn opening_a_folder_never_initialised_says_run_init() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotInitialized { .. }), "{err}");
    assert!(err.to_string().contains("formulary init"), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn creating_over_an_existing_registry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path()).unwrap());
    let err = Store::create(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyInitialized { .. }),
        "{err}"
    );
}

#[test]
fn inserting_the_same_archive_twice_is_a_no_op() {
    let (_dir, store) = new_store();
    let rec = ingest(&store, "acme/pay", "1.2.1", b"pay 1.2.1");
    assert_eq!(store.insert_version(&rec).unwrap(), InsertOutcome::Inserted);

    let again = ingest(&store, "acme/pay", "1.2.1", b"pay 1.2.1");
    assert_eq!(
        store.insert_version(&again).unwrap(),
        InsertOutcome::AlreadyPresent
    );
    assert_eq!(store.versions().unwrap().len(), 1);
    assert_eq!(store.audit_trail().unwrap().len(), 1);
}

#[test]
fn changed_bytes_under_a_stored_version_conflict_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path()).unwrap();
    let original = ingest(&store, "acme/pay", "1.2.1", b"pay 1.2.1");
    store.insert_version(&original).unwrap();
    let before = (store.versions().unwrap(), store.audit_trail().unwrap());

    let retagged = ingest(&store, "acme/pay", "1.2.1", b"pay 1.2.1 + injected");
    let err = store.insert_version(&retagged).unwrap_err();
    let StoreError::Conflict {
        name,
        version,
        existing_sha256,
        new_sha256,
    } = &err
    else {
        panic!("expected Conflict, got {err}");
    };
    assert_eq!((name.as_str(), version.as_str()), ("acme/pay", "1.2.1"));
    assert_eq!(existing_sha256, &original.sha256);
    assert_eq!(new_sha256, &retagged.sha256);
    assert!(err.to_string().contains(&original.sha256));

    let after = (store.versions().unwrap(), store.audit_trail().unwrap());
    assert_eq!(before, after);
    assert!(store
        .versions_by_digest(&retagged.sha256)
        .unwrap()
        .is_empty());

    // And on disk, not just in memory.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.versions().unwrap(), before.0);
    assert_eq!(store.audit_trail().unwrap(), before.1);
}

#[test]
fn audit_entries_name_who_and_when_in_gapless_order() {
    let (_dir, store) = new_store();
    let fixed = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    let store = store.with_clock(Arc::new(move || fixed));

    let a = ingest(&store, "acme/pay", "1.0.0", b"a");
    let b = ingest(&store, "acme/pay", "1.1.0", b"b");
    store.insert_version_as(&a, "u:akim").unwrap();
    store.insert_version(&a).unwrap(); // already present: no entry
    store.insert_version_as(&b, "intake").unwrap();

    let trail = store.audit_trail().unwrap();
    let seen: Vec<_> = trail
        .iter()
        .map(|e| (e.seq, e.who.as_str(), e.what.as_str(), e.subject.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (0, "u:akim", "version-inserted", "acme/pay 1.0.0"),
            (1, "intake", "version-inserted", "acme/pay 1.1.0"),
        ]
    );
    assert_eq!(trail[0].when, "2026-01-01T00:00:00Z");
    assert_eq!(trail[1].detail["sha256"], b.sha256.as_str());
}

#[test]
fn second_open_in_the_same_process_is_locked_and_names_the_holder() {
    let (dir, store) = new_store();
    let err = Store::open(dir.path()).unwrap_err();
    let StoreError::Locked { holder } = &err else {
        panic!("expected Locked, got {err}");
    };
    assert!(
        holder.contains(&format!("pid {}", std::process::id())),
        "{holder}"
    );
    assert!(err.to_string().contains("wait for it to finish"), "{err}");

    drop(store);
    Store::open(dir.path()).unwrap();
}

#[test]
fn a_tampered_blob_is_caught_on_read() {
    let (_dir, store) = new_store();
    let sha256 = store.put_blob(b"original archive").unwrap();
    let path = store.blob_path(&sha256);
    make_writable(&path);
    fs::write(&path, b"patched archive!").unwrap();

    let err = store.get_blob(&sha256).unwrap_err();
    assert!(matches!(err, StoreError::BlobCorrupt { .. }), "{err}");
    assert!(err.to_string().contains(&sha256), "{err}");

    // Writing the true bytes again does not paper over the damage.
    let err = store.put_blob(b"original archive").unwrap_err();
    assert!(matches!(err, StoreError::BlobCorrupt { .. }), "{err}");
}

#[test]
fn a_blob_is_written_once_and_read_only() {
    let (_dir, store) = new_store();
    let sha256 = store.put_blob(b"archive").unwrap();
    let path = store.blob_path(&sha256);
    let first = fs::metadata(&path).unwrap();
    assert!(first.permissions().readonly());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(first.permissions().mode() & 0o777, 0o444);
    }

    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(store.put_blob(b"archive").unwrap(), sha256);
    let second = fs::metadata(&path).unwrap();
    assert_eq!(first.modified().unwrap(), second.modified().unwrap());
    assert!(path.ends_with(format!("blobs/sha256/{}/{sha256}", &sha256[..2])));
}

#[test]
fn records_that_disagree_with_their_archive_are_refused() {
    let (_dir, store) = new_store();
    let good = ingest(&store, "acme/pay", "1.0.0", b"archive");

    let wrong_size = VersionRecord {
        size: 3,
        ..good.clone()
    };
    let wrong_sha1 = VersionRecord {
        sha1: "0".repeat(40),
        ..good.clone()
    };
    let wrong_normalized = VersionRecord {
        version_normalized: "9.9.9.9".to_string(),
        ..good.clone()
    };
    for rec in [wrong_size, wrong_sha1, wrong_normalized] {
        let err = store.insert_version(&rec).unwrap_err();
        assert!(matches!(err, StoreError::InvalidRecord { .. }), "{err}");
    }

    let no_blob = VersionRecord {
        sha256: sha(b"never stored"),
        ..good
    };
    let err = store.insert_version(&no_blob).unwrap_err();
    assert!(matches!(err, StoreError::BlobMissing { .. }), "{err}");
    assert!(store.versions().unwrap().is_empty());
    assert!(store.audit_trail().unwrap().is_empty());
}

#[test]
fn identical_bytes_under_two_versions_are_both_indexed() {
    let (_dir, store) = new_store();
    let a = ingest(&store, "acme/pay", "1.0.0", b"same bytes");
    let b = ingest(&store, "acme/pay", "1.0.1", b"same bytes");
    store.insert_version(&a).unwrap();
    store.insert_version(&b).unwrap();

    let found = store.versions_by_digest(&a.sha256).unwrap();
    assert_eq!(found, [a, b]);
}

#[test]
fn versions_sort_by_name_then_composer_order() {
    let (_dir, store) = new_store();
    let inputs = [
        ("acme/pay", "1.10.0"),
        ("acme/pay", "1.9.0"),
        ("acme/cart", "2.0.0"),
        ("acme/pay", "1.9.0-beta1"),
    ];
    for (pkg, version) in inputs {
        let bytes = format!("{pkg} {version}");
        let rec = ingest(&store, pkg, version, bytes.as_bytes());
        store.insert_version(&rec).unwrap();
    }

    let order: Vec<_> = store
        .versions()
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.name, r.version))
        .collect();
    assert_eq!(
        order,
        [
            "acme/cart 2.0.0",
            "acme/pay 1.9.0-beta1",
            "acme/pay 1.9.0",
            "acme/pay 1.10.0"
        ]
    );
    assert_eq!(store.versions_of(&name("acme/pay")).unwrap().len(), 3);
}

#[test]
fn lookup_accepts_any_spelling_of_the_version() {
    let (_dir, store) = new_store();
    let rec = ingest(&store, "acme/pay", "1.2.1", b"pay 1.2.1");
    store.insert_version(&rec).unwrap();

    for spelling in ["1.2.1", "1.2.1.0", "v1.2.1"] {
        let found = store.version(&name("acme/pay"), spelling).unwrap();
        assert_eq!(found.as_ref(), Some(&rec), "{spelling}");
    }
    assert_eq!(store.version(&name("acme/pay"), "1.2.2").unwrap(), None);
    let err = store
        .version(&name("acme/pay"), "not a version")
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidVersion { .. }), "{err}");
}

/// Regression: a process SIGKILLed while sled wrote a snapshot left
/// `db/snap.<lsn>.generating` behind, and every later open failed with
/// "Read corrupted data" (the reliability test's seed 1796383278606017575).
#[test]
fn a_snapshot_left_half_written_by_a_killed_process_does_not_stop_the_next_open() {
    let (dir, store) = new_store();
    let rec = ingest(&store, "acme/pay", "1.0.0", b"zip bytes");
    store.insert_version(&rec).unwrap();
    drop(store);
    let unfinished = dir
        .path()
        .join("db")
        .join("snap.FFFFFFFFFFFFFFFF.generating");
    fs::write(&unfinished, b"half").unwrap();

    let store = Store::open(dir.path()).unwrap();

    let found = store
        .version(&name("acme/pay"), &rec.version_normalized)
        .unwrap();
    assert_eq!(found.unwrap().sha256, rec.sha256);
    assert!(!unfinished.exists(), "the unfinished snapshot is removed");
}
