//! Which approved version a new one is compared with, through the
//! library: the nearest below in Composer's order, the smallest delta
//! among the three nearest, and what `review show` carries.

#![allow(clippy::unwrap_used)]

use std::io::Write;

use formulary_fetch::{FetchConfig, Fetcher, Source};
use formulary_registry::{DataDir, DecisionRequest, Registry, ReviewView};
use formulary_trust::statement::{Role, Verdict};
use formulary_trust::SigningKey;
use time::OffsetDateTime;

/// Thirty lines of a class, `kind` saying which variant.
fn class(kind: &str) -> String {
    let mut text = format!("<?php\nnamespace Acme\\Rx\\Model;\n\nclass Rate\n{{\n    // {kind}\n");
    for i in 0..30 {
        text.push_str(&format!(
            "    public function get{kind}{i}() {{ return {i}; }}\n"
        ));
    }
    text.push_str("}\n");
    text
}

struct World {
    _tmp: tempfile::TempDir,
    registry: Registry,
    fetcher: Fetcher,
    alice: SigningKey,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let registry = Registry::init(DataDir::new(tmp.path().join("data"))).unwrap();
        let alice = SigningKey::generate();
        registry
            .trust_key(&alice.public(), "alice", Role::Reviewer)
            .unwrap();
        let fetcher = Fetcher::new(FetchConfig::default()).unwrap();
        World {
            _tmp: tmp,
            registry,
            fetcher,
            alice,
        }
    }

    /// Ingests acme/rx at `version` with `Model/Rate.php` of `kind`.
    fn ingest(&self, version: &str, kind: &str) {
        let manifest = serde_json::json!({
            "name": "acme/rx",
            "version": version,
            "type": "magento2-module",
            "license": "MIT",
        });
        let files = [
            (
                "composer.json",
                serde_json::to_vec_pretty(&manifest).unwrap(),
            ),
            ("Model/Rate.php", class(kind).into_bytes()),
        ];
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, bytes) in files {
            zip.start_file(path, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(&bytes).unwrap();
        }
        let path = self._tmp.path().join(format!("rx-{version}.zip"));
        std::fs::write(&path, zip.finish().unwrap().into_inner()).unwrap();
        let source = Source::ZipFile(path);
        let now = OffsetDateTime::now_utc();
        self.registry.ingest(&self.fetcher, &source, now).unwrap();
    }

    fn approve(&self, version: &str) {
        let request = DecisionRequest {
            package: "acme/rx".to_string(),
            version: version.to_string(),
            verdict: Verdict::Approve,
            base_version: None,
            note: None,
        };
        self.registry.decide(&request, &self.alice).unwrap();
    }

    fn base_of(&self, version: &str) -> Option<String> {
        let chosen = self
            .registry
            .delta_from_nearest("acme/rx", version)
            .unwrap();
        chosen.map(|(base, _)| base.version)
    }
}

#[test]
fn the_nearest_approved_version_below_follows_composer_order() {
    let world = World::new();
    for version in ["1.0.0", "1.0.0-p1", "1.0.1", "1.0.2"] {
        world.ingest(version, "a");
    }
    world.approve("1.0.0");
    world.approve("1.0.0-p1");
    world.approve("1.0.2");

    let nearest = world.registry.nearest_approved("acme/rx", "1.0.1").unwrap();

    // A Magento-style patch release sorts after its release (SemVer would
    // put it before); 1.0.2 is approved but above.
    assert_eq!(nearest.unwrap().version, "1.0.0-p1");
    assert_eq!(world.base_of("1.0.1").as_deref(), Some("1.0.0-p1"));
}

#[test]
fn with_nothing_approved_below_there_is_no_base() {
    let world = World::new();
    world.ingest("1.0.0", "a");
    world.ingest("1.0.1", "a");
    world.approve("1.0.1");

    assert!(world
        .registry
        .nearest_approved("acme/rx", "1.0.0")
        .unwrap()
        .is_none());
    assert_eq!(world.base_of("1.0.0"), None);
    let view = world.registry.review_show("acme/rx", "1.0.0").unwrap();
    assert_eq!(view.delta, None);
}

#[test]
fn the_smallest_delta_among_the_nearest_wins_over_the_nearest() {
    let world = World::new();
    world.ingest("1.0.0", "a");
    world.ingest("1.1.0", "b");
    world.ingest("1.1.1", "a");
    world.approve("1.0.0");
    world.approve("1.1.0");

    // 1.1.1 went back to 1.0.0's code: that diff is the one to read.
    assert_eq!(world.base_of("1.1.1").as_deref(), Some("1.0.0"));
}

#[test]
fn equal_deltas_go_to_the_nearer_version() {
    let world = World::new();
    for version in ["1.0.0", "1.0.1", "1.0.2"] {
        world.ingest(version, "a");
    }
    world.approve("1.0.0");
    world.approve("1.0.1");

    assert_eq!(world.base_of("1.0.2").as_deref(), Some("1.0.1"));
}

#[test]
fn only_the_three_nearest_are_candidates() {
    let world = World::new();
    world.ingest("1.0.0", "a");
    for (version, kind) in [("1.1.0", "b"), ("1.2.0", "c"), ("1.3.0", "d")] {
        world.ingest(version, kind);
    }
    world.ingest("1.4.0", "a");
    for version in ["1.0.0", "1.1.0", "1.2.0", "1.3.0"] {
        world.approve(version);
    }

    // 1.0.0 would be the smallest diff, but it is fourth nearest.
    let base = world.base_of("1.4.0").unwrap();
    assert_ne!(base, "1.0.0");
}

#[test]
fn review_show_carries_the_summary_and_reads_back_without_it() {
    let world = World::new();
    world.ingest("1.0.0", "a");
    world.ingest("1.0.1", "b");
    world.approve("1.0.0");

    let view = world.registry.review_show("acme/rx", "1.0.1").unwrap();

    let delta = view.delta.as_ref().unwrap();
    assert_eq!(delta.base, "1.0.0");
    assert_eq!(delta.summary.old, "acme/rx@1.0.0");
    assert_eq!(delta.summary.files.len(), 2, "the class and composer.json");
    assert!(delta.summary.files.iter().all(|f| f.hunks.is_empty()));
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["delta"]["base"], "1.0.0");
    assert!(json["delta"]["verdict"]["line"]
        .as_str()
        .unwrap()
        .starts_with("CLEAN: 2 files changed"));

    // A server from before deltas sends no "delta": still a view.
    let mut old_server = json;
    old_server.as_object_mut().unwrap().remove("delta");
    let back: ReviewView = serde_json::from_value(old_server).unwrap();
    assert_eq!(back.delta, None);
}

#[test]
fn an_explicit_base_is_diffed_as_asked() {
    let world = World::new();
    world.ingest("1.0.0", "a");
    world.ingest("1.0.1", "b");

    let delta = world.registry.delta("acme/rx", "1.0.0", "1.0.1").unwrap();

    assert_eq!(
        (delta.old.as_str(), delta.new.as_str()),
        ("acme/rx@1.0.0", "acme/rx@1.0.1")
    );
    let err = world
        .registry
        .delta("acme/rx", "0.9.0", "1.0.1")
        .unwrap_err();
    assert!(err.to_string().contains("not stored"), "{err}");
}

/// Regression: `approve --base v1.0` logged the base as typed, so the log
/// named one version two ways.
#[test]
fn a_delta_approval_names_its_base_as_stored_whatever_the_spelling() {
    let world = World::new();
    world.ingest("1.0.0", "a");
    world.ingest("1.0.1", "b");
    world.approve("1.0.0");

    let request = DecisionRequest {
        package: "acme/rx".to_string(),
        version: "1.0.1".to_string(),
        verdict: Verdict::Approve,
        base_version: Some("v1.0".to_string()),
        note: None,
    };
    world.registry.decide(&request, &world.alice).unwrap();

    let shown = world.registry.review_view("acme/rx", "1.0.1").unwrap();
    assert_eq!(shown.decisions[0].base_version.as_deref(), Some("1.0.0"));
}
