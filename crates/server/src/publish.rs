//! What Composer sees: the published snapshot, built from the store.
//!
//! Every metadata file (`packages.json`, one `p2/VENDOR/NAME.json` and one
//! `~dev.json` per name) is rendered once, when the registry changes, and
//! served from memory afterwards; a request never touches the store for
//! metadata. The rules of what is published live here and only here:
//!
//! - A p2 file lists the **approved** versions of one name and nothing
//!   else, newest first. Pending, rejected and revoked versions are absent,
//!   and so are dev versions (a branch is not a release a reviewer saw).
//! - Every name the registry holds in any state is in
//!   `available-packages` and answers 200, even with an empty list: Composer
//!   then treats the name as found here and never asks a public repository
//!   for it (dependency confusion). A name the registry never saw is a 404.
//! - A version object is the archive's own `composer.json` without the keys
//!   that would point Composer elsewhere (`source`, `dist`,
//!   `notification-url`) or restate what we know better (`name`, `version`,
//!   `time`), plus a `dist` on this server whose `reference` is the
//!   archive's sha256 and whose `shasum` is its sha1.
//!
//! Each file carries a Last-Modified stamp. A file whose bytes did not
//! change keeps its stamp; a file that changed gets "now", or one second
//! past its previous stamp if that is not earlier, so that two changes in
//! the same second still give the client two different stamps (HTTP dates
//! have one-second resolution and Composer revalidates by equality). The
//! root's stamp also moves whenever any p2 file changed, even when its own
//! bytes (the list of names) did not.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::HeaderValue;
use formulary_composer::version::version_compare;
use formulary_composer::Stability;
use formulary_store::{VersionRecord, VersionState};
use formulary_trust::statement::Verdict;
use serde_json::{json, Map, Value};

use crate::advisories;

/// Keys of a stored `composer.json` that never reach a version object.
const WITHHELD_KEYS: [&str; 8] = [
    "name",
    "version",
    "version_normalized",
    "source",
    "dist",
    "time",
    "notification-url",
    "uid",
];

/// The path of the root file in the snapshot.
pub const ROOT: &str = "packages.json";

/// One rendered metadata file.
#[derive(Debug)]
pub struct Document {
    /// The JSON bytes.
    pub body: Bytes,
    /// When it last changed, in whole seconds.
    pub stamp: SystemTime,
    /// `stamp` as an HTTP date, ready for `Last-Modified`.
    pub last_modified: HeaderValue,
}

/// What the dist endpoint does for one stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dist {
    /// Approved: serve the blob with this sha256.
    Served {
        /// The archive's sha256, also the `reference` in its URL.
        sha256: String,
    },
    /// Revoked: answer 410 with this message.
    Revoked {
        /// Who revoked it, when and why.
        message: String,
    },
    /// Pending, rejected or a dev version: never served, 404.
    Withheld,
}

/// Everything the Composer-facing routes serve, as of one republish.
#[derive(Debug, Default)]
pub struct Snapshot {
    documents: HashMap<String, Arc<Document>>,
    dists: HashMap<String, HashMap<String, Dist>>,
    advisories: HashMap<String, Vec<Value>>,
    states: BTreeMap<String, u64>,
}

impl Snapshot {
    /// Renders every file from the store's records. `previous` is the
    /// snapshot being replaced, whose stamps carry over; `now` dates
    /// what changed.
    pub fn build(
        records: &[VersionRecord],
        base_url: &str,
        previous: Option<&Snapshot>,
        now: SystemTime,
    ) -> Snapshot {
        let now = whole_seconds(now);
        let by_name = group_by_name(records);
        let mut snapshot = Snapshot::default();
        for state in ["pending", "approved", "rejected", "revoked"] {
            snapshot.states.insert(state.to_string(), 0);
        }
        let stamp = |path: String, body: Value, changed_elsewhere: bool| {
            let body = Bytes::from(crate::errors::json_body(&body));
            let old = previous.and_then(|p| p.documents.get(&path));
            let doc = Document::new(body, old.map(|d| &**d), changed_elsewhere, now);
            let changed = old.is_none_or(|old| old.stamp != doc.stamp);
            (path, Arc::new(doc), changed)
        };
        let mut p2_changed = false;
        for (name, versions) in &by_name {
            let files = [
                (
                    format!("p2/{name}.json"),
                    p2_document(name, versions, base_url),
                ),
                (
                    format!("p2/{name}~dev.json"),
                    p2_document(name, &[], base_url),
                ),
            ];
            for (path, body) in files {
                let (path, doc, changed) = stamp(path, body, false);
                p2_changed |= changed;
                snapshot.documents.insert(path, doc);
            }
            snapshot.add_versions(name, versions, base_url);
        }
        // The root's bytes stay the same when a version of a known name is
        // approved or revoked, but its stamp moves all the same: any change
        // to what is served is a change of the repository as a whole.
        let root = root_document(by_name.keys().copied(), base_url);
        let (path, doc, _) = stamp(ROOT.to_string(), root, p2_changed);
        snapshot.documents.insert(path, doc);
        snapshot
    }

    /// The file at `path` (`packages.json`, `p2/acme/x.json`, …).
    pub fn document(&self, path: &str) -> Option<&Arc<Document>> {
        self.documents.get(path)
    }

    /// What to do with a dist request for `name` at `version_normalized`.
    pub fn dist(&self, name: &str, version_normalized: &str) -> Option<&Dist> {
        self.dists.get(name)?.get(version_normalized)
    }

    /// Whether the registry holds any version of `name`.
    pub fn knows(&self, name: &str) -> bool {
        self.dists.contains_key(name)
    }

    /// The advisories for a known name (empty when none), or `None` for
    /// a name the registry never saw.
    pub fn advisories(&self, name: &str) -> Option<&[Value]> {
        if !self.knows(name) {
            return None;
        }
        Some(self.advisories.get(name).map_or(&[], Vec::as_slice))
    }

    /// How many versions are in each review state.
    pub fn states(&self) -> &BTreeMap<String, u64> {
        &self.states
    }

    fn add_versions(&mut self, name: &str, versions: &[&VersionRecord], base_url: &str) {
        let dists = self.dists.entry(name.to_string()).or_default();
        for record in versions {
            *self.states.entry(record.state.to_string()).or_default() += 1;
            dists.insert(record.version_normalized.clone(), dist_of(record));
            if let Some(advisory) = advisories::advisory(record, base_url) {
                let list = self.advisories.entry(name.to_string()).or_default();
                list.push(advisory);
            }
        }
    }
}

impl Document {
    /// A document with `body`, stamped against the one it replaces; with
    /// `changed_elsewhere`, a new stamp even for the same bytes.
    fn new(
        body: Bytes,
        previous: Option<&Document>,
        changed_elsewhere: bool,
        now: SystemTime,
    ) -> Document {
        let stamp = match previous {
            Some(old) if old.body == body && !changed_elsewhere => old.stamp,
            Some(old) => now.max(old.stamp + Duration::from_secs(1)),
            None => now,
        };
        let date = httpdate::fmt_http_date(stamp);
        // An HTTP date is plain ASCII.
        let last_modified =
            HeaderValue::from_str(&date).unwrap_or_else(|_| HeaderValue::from_static(""));
        Document {
            body,
            stamp,
            last_modified,
        }
    }
}

/// Records grouped by package name, names in order.
fn group_by_name(records: &[VersionRecord]) -> BTreeMap<&str, Vec<&VersionRecord>> {
    let mut by_name: BTreeMap<&str, Vec<&VersionRecord>> = BTreeMap::new();
    for record in records {
        by_name
            .entry(record.name.as_str())
            .or_default()
            .push(record);
    }
    by_name
}

/// `packages.json`: protocol v2 only, every known name listed.
fn root_document<'a>(names: impl Iterator<Item = &'a str>, base_url: &str) -> Value {
    let names: Vec<&str> = names.collect();
    json!({
        "packages": [],
        "metadata-url": format!("{base_url}/p2/%package%.json"),
        "available-packages": names,
        "notify-batch": format!("{base_url}/downloads"),
        "security-advisories": {
            "metadata": false,
            "api-url": format!("{base_url}/api/security-advisories"),
        },
    })
}

/// One name's p2 file: its served versions, newest first.
fn p2_document(name: &str, versions: &[&VersionRecord], base_url: &str) -> Value {
    let mut served: Vec<&VersionRecord> = versions
        .iter()
        .copied()
        .filter(|r| matches!(dist_of(r), Dist::Served { .. }))
        .collect();
    served.sort_by(|a, b| version_compare(&b.version_normalized, &a.version_normalized));
    let objects: Vec<Value> = served.iter().map(|r| version_object(r, base_url)).collect();
    json!({ "packages": { name: objects } })
}

/// One version as Composer reads it.
fn version_object(record: &VersionRecord, base_url: &str) -> Value {
    let mut object = Map::new();
    object.insert("name".into(), json!(record.name.as_str()));
    object.insert("version".into(), json!(record.version));
    object.insert(
        "version_normalized".into(),
        json!(record.version_normalized),
    );
    if let Some(manifest) = record.manifest.as_object() {
        for (key, value) in manifest {
            if !WITHHELD_KEYS.contains(&key.as_str()) {
                object.insert(key.clone(), value.clone());
            }
        }
    }
    object.entry("type").or_insert_with(|| json!("library"));
    object.insert("dist".into(), dist_object(record, base_url));
    object.insert("time".into(), json!(record.ingested_at));
    Value::Object(object)
}

/// The `dist` block: a zip on this server, named by its sha256.
fn dist_object(record: &VersionRecord, base_url: &str) -> Value {
    json!({
        "type": "zip",
        "url": dist_url(record, base_url),
        "reference": record.sha256,
        "shasum": record.sha1,
    })
}

/// `BASE/dist/VENDOR/NAME/VERSION_NORMALIZED/SHA256.zip`.
pub fn dist_url(record: &VersionRecord, base_url: &str) -> String {
    format!(
        "{base_url}/dist/{}/{}/{}.zip",
        record.name, record.version_normalized, record.sha256
    )
}

/// What the dist endpoint does for this record.
fn dist_of(record: &VersionRecord) -> Dist {
    match record.state {
        VersionState::Approved if !is_dev(record) => Dist::Served {
            sha256: record.sha256.clone(),
        },
        VersionState::Revoked => Dist::Revoked {
            message: revoked_message(record),
        },
        _ => Dist::Withheld,
    }
}

/// Branches and `-dev` versions: Composer would look for them in the
/// `~dev` file, which we keep empty.
fn is_dev(record: &VersionRecord) -> bool {
    Stability::of_normalized(&record.version_normalized) == Stability::Dev
}

/// "acme/x 1.0.1 was revoked by NAME on DATE: REASON".
pub fn revoked_message(record: &VersionRecord) -> String {
    let subject = record.subject();
    match record
        .decisions
        .iter()
        .rev()
        .find(|d| d.verdict == Verdict::Revoke)
    {
        Some(d) => format!(
            "{subject} was revoked by {} on {}: {}",
            d.reviewer,
            d.time,
            d.note.as_deref().unwrap_or("no reason given")
        ),
        None => format!("{subject} was revoked"),
    }
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn record(name: &str, version: &str, normalized: &str, state: VersionState) -> VersionRecord {
        let json = json!({
            "name": name, "version": version, "version_normalized": normalized,
            "sha256": "a".repeat(64), "sha1": "b".repeat(40), "size": 1,
            "tree_hash": "c", "state": state, "provenance": {},
            "manifest": {
                "name": name, "version": version, "type": "magento2-module",
                "require": {"php": ">=8.1"},
                "source": {"type": "git", "url": "https://evil.example/x.git", "reference": "x"},
                "dist": {"type": "zip", "url": "https://upstream.example/x.zip"},
                "notification-url": "https://evil.example/notify"
            },
            "ingested_at": "2026-05-01T10:00:00Z"
        });
        serde_json::from_value(json).unwrap()
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn body(snapshot: &Snapshot, path: &str) -> Value {
        serde_json::from_slice(&snapshot.document(path).unwrap().body).unwrap()
    }

    #[test]
    fn p2_lists_approved_versions_only_newest_first_and_points_nowhere_else() {
        let records = [
            record("acme/x", "2.4.6", "2.4.6.0", VersionState::Approved),
            record(
                "acme/x",
                "2.4.6-p3",
                "2.4.6.0-patch3",
                VersionState::Approved,
            ),
            record("acme/x", "2.5.0", "2.5.0.0", VersionState::Pending),
            record("acme/x", "2.4.5", "2.4.5.0", VersionState::Rejected),
            record("acme/x", "dev-main", "dev-main", VersionState::Approved),
        ];
        let snapshot = Snapshot::build(&records, "http://r.test", None, at(1000));
        let p2 = body(&snapshot, "p2/acme/x.json");
        let versions = p2["packages"]["acme/x"].as_array().unwrap();
        let listed: Vec<&str> = versions
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        assert_eq!(listed, ["2.4.6-p3", "2.4.6"]);

        let first = &versions[0];
        assert_eq!(first["type"], "magento2-module");
        assert_eq!(first["require"]["php"], ">=8.1");
        assert!(first.get("source").is_none() && first.get("notification-url").is_none());
        assert_eq!(
            first["dist"]["url"],
            format!(
                "http://r.test/dist/acme/x/2.4.6.0-patch3/{}.zip",
                "a".repeat(64)
            )
        );
        assert_eq!(first["dist"]["shasum"], "b".repeat(40));
        assert_eq!(first["time"], "2026-05-01T10:00:00Z");
        assert_eq!(snapshot.dist("acme/x", "dev-main"), Some(&Dist::Withheld));
    }

    #[test]
    fn a_claimed_name_is_listed_and_empty_and_an_unknown_one_is_absent() {
        let records = [record("acme/y", "1.0.0", "1.0.0.0", VersionState::Pending)];
        let snapshot = Snapshot::build(&records, "http://r.test", None, at(1000));
        assert_eq!(
            body(&snapshot, "p2/acme/y.json"),
            json!({"packages": {"acme/y": []}})
        );
        assert_eq!(
            body(&snapshot, "p2/acme/y~dev.json"),
            json!({"packages": {"acme/y": []}})
        );
        assert!(snapshot.document("p2/acme/z.json").is_none());
        let root = body(&snapshot, ROOT);
        assert_eq!(root["available-packages"], json!(["acme/y"]));
        assert_eq!(
            root["security-advisories"]["api-url"],
            "http://r.test/api/security-advisories"
        );
    }

    #[test]
    fn stamps_stay_when_nothing_changed_and_strictly_increase_when_something_did() {
        let pending = [record("acme/x", "1.0.0", "1.0.0.0", VersionState::Pending)];
        let approved = [record("acme/x", "1.0.0", "1.0.0.0", VersionState::Approved)];
        let revoked = [record("acme/x", "1.0.0", "1.0.0.0", VersionState::Revoked)];
        let stamp = |s: &Snapshot| s.document("p2/acme/x.json").unwrap().stamp;

        let first = Snapshot::build(&pending, "http://r.test", None, at(1000));
        let same = Snapshot::build(&pending, "http://r.test", Some(&first), at(1005));
        assert_eq!(stamp(&same), at(1000));

        // Two changes within second 1005 still get two stamps.
        let second = Snapshot::build(&approved, "http://r.test", Some(&same), at(1005));
        let third = Snapshot::build(&revoked, "http://r.test", Some(&second), at(1005));
        assert_eq!((stamp(&second), stamp(&third)), (at(1005), at(1006)));
        // The root's names stayed the same, yet its stamp moved with p2.
        assert_eq!(third.document(ROOT).unwrap().stamp, at(1006));
    }

    #[test]
    fn the_root_stamp_moves_with_any_p2_file_and_only_then() {
        let x = |state| record("acme/x", "1.0.0", "1.0.0.0", state);
        let y_pending = record("acme/y", "2.0.0", "2.0.0.0", VersionState::Pending);
        let root = |s: &Snapshot| s.document(ROOT).unwrap().stamp;
        let first = Snapshot::build(&[x(VersionState::Pending)], "http://r.test", None, at(1000));

        // A pending version of a name already known: nothing served changed.
        let pending_again = [
            x(VersionState::Pending),
            record("acme/x", "1.1.0", "1.1.0.0", VersionState::Pending),
        ];
        let quiet = Snapshot::build(&pending_again, "http://r.test", Some(&first), at(1010));
        assert_eq!(root(&quiet), at(1000));

        // An approval changes p2/acme/x.json only; the root moves too.
        let approved = [x(VersionState::Approved), pending_again[1].clone()];
        let approval = Snapshot::build(&approved, "http://r.test", Some(&quiet), at(1020));
        assert_eq!(root(&approval), at(1020));
        assert_eq!(
            approval.document(ROOT).unwrap().body,
            first.document(ROOT).unwrap().body
        );

        // A new name changes the root's bytes, as before.
        let more = [approved[0].clone(), approved[1].clone(), y_pending];
        let claimed = Snapshot::build(&more, "http://r.test", Some(&approval), at(1020));
        assert_eq!(root(&claimed), at(1021), "same second: one past the last");
    }

    #[test]
    fn a_revoked_version_is_gone_with_its_reason() {
        let mut revoked = record("acme/x", "1.0.0", "1.0.0.0", VersionState::Revoked);
        revoked.decisions.push(formulary_store::DecisionRef {
            index: 7,
            key_id: "k".into(),
            reviewer: "alice".into(),
            verdict: Verdict::Revoke,
            time: "2026-05-02T10:00:00Z".into(),
            base_version: None,
            note: Some("phones home".into()),
            policy_rule: None,
        });
        let snapshot = Snapshot::build(&[revoked], "http://r.test", None, at(1000));
        let Some(Dist::Revoked { message }) = snapshot.dist("acme/x", "1.0.0.0") else {
            panic!("not revoked");
        };
        assert!(
            message.contains("alice") && message.contains("phones home"),
            "{message}"
        );
        assert_eq!(snapshot.advisories("acme/x").unwrap().len(), 1);
        assert_eq!(snapshot.states()["revoked"], 1);
    }
}
