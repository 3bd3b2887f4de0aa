//! `formulary intake` through the library, against a static Composer v2
//! repository on loopback, with the registry's clock injected.
//!
//! The story of the issue: acme/rx 1.0.0 is approved by a reviewer; the
//! vendor then publishes 1.0.1 (a clean patch: intake approves it), 1.0.2
//! (contacts a new host: queued), 1.1.0 (a minor release: queued by
//! policy) and 1.0.3 (its zip does not match its shasum: refused). Around
//! it: a Magento `-pN` patch, the cooldown, a second run, bytes changed
//! upstream, an untrusted vendor, a dry run, and the judge on replay.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use formulary_registry::{
    ClientState, Config, DataDir, DecisionRequest, IntakeEntry, IntakeOptions, IntakeReport,
    IntakeSettings, Outcome, Refusal, Registry, RegistryError, TrackSettings, UpstreamConfig,
};
use formulary_store::VersionState;
use formulary_trust::statement::{Body, DecisionBody, Role, Statement, Verdict};
use formulary_trust::SigningKey;
use support::{publish, Release, Site};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The registry's "now" when a world starts.
const NOW: OffsetDateTime = datetime!(2026-09-10 12:00 UTC);

/// A PHP class that calls a host the earlier versions never named.
const CALLS_HOME: &str = "<?php\nnamespace Acme\\Rx\\Model;\nclass Client\n{\n    \
    public function ping() { return file_get_contents('https://api.newhost.test/v1/ping'); }\n}\n";

/// A plain class, the same in every version that has it.
const RATE: &str = "<?php\nnamespace Acme\\Rx\\Model;\nclass Rate\n{\n    public function get() { return 3; }\n}\n";

struct World {
    _tmp: tempfile::TempDir,
    site: Site,
    registry: Registry,
    alice: SigningKey,
    robot: SigningKey,
    now: Arc<Mutex<OffsetDateTime>>,
}

impl World {
    /// A registry following `track` (package, constraint) on a fresh
    /// upstream, trusting `vendors`, with a reviewer and an intake key.
    fn new(track: &[(&str, &str)], vendors: &[&str]) -> World {
        World::with_webhook(track, vendors, None)
    }

    /// As [`World::new`], announcing queued versions to `webhook`.
    fn with_webhook(track: &[(&str, &str)], vendors: &[&str], webhook: Option<&str>) -> World {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start();
        let now = Arc::new(Mutex::new(NOW));
        let clock = {
            let now = Arc::clone(&now);
            Arc::new(move || *now.lock().unwrap())
        };
        let dir = DataDir::new(tmp.path().join("data"));
        let intake = IntakeSettings {
            trusted_vendors: vendors.iter().map(|v| v.to_string()).collect(),
            track: track
                .iter()
                .map(|(p, c)| TrackSettings {
                    package: p.to_string(),
                    constraint: c.to_string(),
                })
                .collect(),
            webhook: webhook.map(str::to_string),
            ..IntakeSettings::default()
        };
        let config = Config {
            upstream: vec![UpstreamConfig {
                url: site.base.clone(),
            }],
            intake: Some(intake),
            ..Config::default()
        };
        let registry = Registry::init(dir.clone())
            .unwrap()
            .with_clock(clock)
            .with_config(config)
            .unwrap();
        let robot = SigningKey::generate();
        formulary_trust::write_private_key(&dir.keys_dir().join("intake.key"), &robot).unwrap();
        registry
            .trust_key(&robot.public(), "intake", Role::Intake)
            .unwrap();
        let alice = SigningKey::generate();
        registry
            .trust_key(&alice.public(), "alice", Role::Reviewer)
            .unwrap();
        World {
            _tmp: tmp,
            site,
            registry,
            alice,
            robot,
            now,
        }
    }

    fn intake(&self) -> IntakeReport {
        self.registry.intake(IntakeOptions::default()).unwrap()
    }

    fn dry_run(&self) -> IntakeReport {
        self.registry
            .intake(IntakeOptions { dry_run: true })
            .unwrap()
    }

    fn approve(&self, package: &str, version: &str) {
        let request = DecisionRequest {
            package: package.into(),
            version: version.into(),
            verdict: Verdict::Approve,
            base_version: None,
            note: Some("read it all".into()),
        };
        self.registry.decide(&request, &self.alice).unwrap();
    }

    fn state(&self, package: &str, version: &str) -> VersionState {
        self.registry
            .version_record(package, version)
            .unwrap()
            .state
    }

    fn log_size(&self) -> u64 {
        self.registry.store().log_size().unwrap()
    }

    fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }

    /// Replays the whole log with the judge and compares it with the store.
    fn verify_log(&self) {
        let state = ClientState::new(self._tmp.path().join("client-state"));
        self.registry.verify_log(&state, true).unwrap();
    }
}

/// acme/rx at `version`, released `days` before [`NOW`].
fn rx(version: &str, days: i64, extra: &[(&str, &str)]) -> Release {
    Release::new("acme/rx", version, NOW - Duration::days(days), extra)
}

fn find<'r>(report: &'r IntakeReport, version: &str) -> &'r IntakeEntry {
    report
        .entries
        .iter()
        .find(|e| e.version == version)
        .unwrap_or_else(|| panic!("{version} not in {report:#?}"))
}

fn reasons(entry: &IntakeEntry) -> String {
    entry.reasons.join(" | ")
}

/// The world of the issue's story after 1.0.0 was approved by alice.
fn approved_base() -> World {
    let world = World::new(&[("acme/rx", "^1.0")], &["acme"]);
    publish(&world.site, &[rx("1.0.0", 30, &[("Model/Rate.php", RATE)])]);
    let first = world.intake();
    let entry = find(&first, "1.0.0");
    assert_eq!(entry.outcome, Outcome::Queued);
    assert!(reasons(entry).contains("no approved version"), "{entry:?}");
    world.approve("acme/rx", "1.0.0");
    world
}

/// The four new releases of the story.
fn story_releases() -> Vec<Release> {
    let mut corrupt = rx("1.0.3", 5, &[("Model/Rate.php", RATE)]);
    corrupt.shasum = support::sha1_hex(b"what the vendor meant to publish");
    let patched = RATE.replace("3;", "4;");
    vec![
        rx("1.0.0", 30, &[("Model/Rate.php", RATE)]),
        rx("1.0.1", 5, &[("Model/Rate.php", &patched)]),
        rx(
            "1.0.2",
            5,
            &[
                ("Model/Rate.php", &patched),
                ("Model/Client.php", CALLS_HOME),
            ],
        ),
        rx("1.1.0", 5, &[("Model/Rate.php", &patched)]),
        corrupt,
    ]
}

#[test]
fn the_issue_story_approves_the_clean_patch_and_queues_or_refuses_the_rest() {
    let world = approved_base();
    publish(&world.site, &story_releases());

    let report = world.intake();

    assert_eq!(find(&report, "1.0.0").outcome, Outcome::Unchanged);

    let patch = find(&report, "1.0.1");
    assert_eq!(patch.outcome, Outcome::Approved, "{patch:#?}");
    assert_eq!(patch.base.as_deref(), Some("1.0.0"));
    assert_eq!(world.state("acme/rx", "1.0.1"), VersionState::Approved);
    let record = world.registry.version_record("acme/rx", "1.0.1").unwrap();
    let decision = record.decisions.last().unwrap();
    assert_eq!(decision.policy_rule.as_deref(), Some("patch-fast-track"));
    assert_eq!(decision.base_version.as_deref(), Some("1.0.0"));
    assert_eq!(decision.reviewer, "intake");
    assert_eq!(Some(decision.index), patch.approval_index);

    let host = find(&report, "1.0.2");
    assert_eq!(host.outcome, Outcome::Queued);
    assert_eq!(host.base.as_deref(), Some("1.0.1"));
    assert!(reasons(host).contains("api.newhost.test"), "{host:#?}");
    assert_eq!(world.state("acme/rx", "1.0.2"), VersionState::Pending);

    let minor = find(&report, "1.1.0");
    assert_eq!(minor.outcome, Outcome::Queued);
    assert!(
        reasons(minor).contains("not a patch release of approved 1.0.1"),
        "{minor:#?}"
    );

    let corrupt = find(&report, "1.0.3");
    assert_eq!(corrupt.outcome, Outcome::Refused);
    assert!(
        reasons(corrupt).contains("does not match the upstream's shasum"),
        "{corrupt:#?}"
    );
    let missing = world.registry.version_record("acme/rx", "1.0.3");
    assert!(matches!(missing, Err(RegistryError::UnknownVersion { .. })));

    assert!(report.needs_attention());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    world.verify_log();
}

#[test]
fn a_second_run_changes_nothing() {
    let world = approved_base();
    publish(&world.site, &story_releases());
    let first = world.intake();
    let size = world.log_size();
    let versions = world.registry.store().versions().unwrap();

    let second = world.intake();

    assert_eq!(world.log_size(), size, "no statement was added");
    assert_eq!(world.registry.store().versions().unwrap(), versions);
    assert_eq!(find(&second, "1.0.1").outcome, Outcome::Unchanged);
    for version in ["1.0.2", "1.1.0"] {
        assert_eq!(find(&second, version).outcome, Outcome::Queued);
        assert_eq!(
            find(&second, version).reasons,
            find(&first, version).reasons
        );
    }
    assert_eq!(find(&second, "1.0.3").outcome, Outcome::Refused);
}

#[test]
fn a_magento_patch_follows_its_approved_predecessor() {
    let world = World::new(&[("magento/*", "~2.4.6")], &["magento"]);
    let module = |version: &str| {
        let released = NOW - Duration::days(10);
        Release::new(
            "magento/module-rx",
            version,
            released,
            &[("Model/Rate.php", RATE)],
        )
    };
    publish(&world.site, &[module("2.4.6-p1"), module("2.4.5")]);
    let first = world.intake();
    assert_eq!(first.entries.len(), 1, "2.4.5 is out of range: {first:#?}");
    world.approve("magento/module-rx", "2.4.6-p1");

    publish(&world.site, &[module("2.4.6-p1"), module("2.4.6-p2")]);
    let report = world.intake();

    let patch = find(&report, "2.4.6-p2");
    assert_eq!(patch.outcome, Outcome::Approved, "{patch:#?}");
    assert_eq!(patch.base.as_deref(), Some("2.4.6-p1"));
    assert_eq!(
        world.state("magento/module-rx", "2.4.6-p2"),
        VersionState::Approved
    );
}

#[test]
fn the_cooldown_holds_a_patch_until_the_clock_passes_it() {
    let world = approved_base();
    publish(
        &world.site,
        &[
            rx("1.0.0", 30, &[("Model/Rate.php", RATE)]),
            rx("1.0.1", 1, &[("Model/Rate.php", RATE)]),
        ],
    );

    let early = world.intake();
    let waiting = find(&early, "1.0.1");
    assert_eq!(waiting.outcome, Outcome::Queued);
    assert_eq!(waiting.reasons.len(), 1, "{waiting:#?}");
    assert!(
        reasons(waiting).contains("the rule waits 3d"),
        "{waiting:#?}"
    );
    assert_eq!(world.state("acme/rx", "1.0.1"), VersionState::Pending);

    world.advance(Duration::days(3));
    let later = world.intake();
    assert_eq!(find(&later, "1.0.1").outcome, Outcome::Approved);
    assert_eq!(world.state("acme/rx", "1.0.1"), VersionState::Approved);
    world.verify_log();
}

#[test]
fn bytes_changed_upstream_under_a_stored_version_are_refused_and_nothing_changes() {
    let world = approved_base();
    publish(
        &world.site,
        &[
            rx("1.0.0", 30, &[("Model/Rate.php", RATE)]),
            rx("1.0.1", 5, &[("Model/Rate.php", RATE)]),
        ],
    );
    world.intake();
    let stored = world.registry.version_record("acme/rx", "1.0.1").unwrap();
    let size = world.log_size();

    // The vendor re-publishes 1.0.1 with other bytes and a matching shasum.
    let swapped = rx(
        "1.0.1",
        5,
        &[("Model/Rate.php", RATE), ("Model/Client.php", CALLS_HOME)],
    );
    publish(
        &world.site,
        &[rx("1.0.0", 30, &[("Model/Rate.php", RATE)]), swapped],
    );
    let report = world.intake();

    let entry = find(&report, "1.0.1");
    assert_eq!(entry.outcome, Outcome::Refused);
    assert!(
        reasons(entry).contains("upstream bytes changed under the same version"),
        "{entry:#?}"
    );
    assert_eq!(world.log_size(), size);
    assert_eq!(
        world.registry.version_record("acme/rx", "1.0.1").unwrap(),
        stored
    );
    // The stored version is never downloaded again, changed or not.
    let downloads = world
        .site
        .requests()
        .iter()
        .filter(|p| p.ends_with("/1.0.1.zip"))
        .count();
    assert_eq!(downloads, 1);
}

#[test]
fn a_vendor_off_the_trusted_list_is_queued() {
    let world = World::new(&[("acme/rx", "^1.0")], &["magento"]);
    publish(&world.site, &[rx("1.0.0", 30, &[("Model/Rate.php", RATE)])]);
    world.intake();
    world.approve("acme/rx", "1.0.0");
    publish(
        &world.site,
        &[
            rx("1.0.0", 30, &[("Model/Rate.php", RATE)]),
            rx("1.0.1", 5, &[("Model/Rate.php", RATE)]),
        ],
    );

    let entry = world
        .intake()
        .entries
        .into_iter()
        .find(|e| e.version == "1.0.1")
        .unwrap();

    assert_eq!(entry.outcome, Outcome::Queued);
    assert_eq!(
        entry.reasons,
        ["vendor acme is not in [intake] trusted_vendors"]
    );
}

#[test]
fn a_dry_run_says_what_it_would_do_and_writes_nothing() {
    let world = approved_base();
    publish(&world.site, &story_releases());
    let size = world.log_size();

    let report = world.dry_run();

    assert!(report.dry_run);
    assert_eq!(find(&report, "1.0.1").outcome, Outcome::Approved);
    assert_eq!(find(&report, "1.0.2").outcome, Outcome::Queued);
    assert_eq!(find(&report, "1.0.3").outcome, Outcome::Refused);
    assert_eq!(world.log_size(), size);
    for version in ["1.0.1", "1.0.2", "1.1.0"] {
        let stored = world.registry.version_record("acme/rx", version);
        assert!(stored.is_err(), "{version} was stored by a dry run");
    }
}

#[test]
fn the_judge_refuses_an_intake_approval_of_a_minor_release() {
    let world = approved_base();
    publish(&world.site, &story_releases());
    world.intake();

    // Forged by someone holding the intake key: 1.1.0 "from" 1.0.1.
    let record = world.registry.version_record("acme/rx", "1.1.0").unwrap();
    let body = Body::Decision(DecisionBody {
        registry: world.registry.origin(),
        subject: formulary_registry::status_of(&record).subject,
        verdict: Verdict::Approve,
        base_version: Some("1.0.1".into()),
        findings_digest: record.findings_digest.clone(),
        note: None,
        policy_rule: Some("patch-fast-track".into()),
    });
    let statement = Statement::new(&world.robot.key_id(), &world.registry.now_rfc3339(), body);
    let err = world
        .registry
        .record(&statement.sign(&world.robot))
        .unwrap_err();

    assert!(
        matches!(err, RegistryError::Refused(Refusal::IntakeRule { .. })),
        "{err}"
    );
    assert_eq!(world.state("acme/rx", "1.1.0"), VersionState::Pending);
    world.verify_log();
}

#[test]
fn a_changed_intake_table_logs_a_new_policy_before_the_next_approval() {
    let world = approved_base();
    publish(
        &world.site,
        &[
            rx("1.0.0", 30, &[("Model/Rate.php", RATE)]),
            rx("1.0.1", 5, &[("Model/Rate.php", RATE)]),
        ],
    );
    assert_eq!(find(&world.intake(), "1.0.1").outcome, Outcome::Approved);

    let World {
        _tmp: tmp,
        site,
        registry,
        now,
        ..
    } = world;
    let mut config = registry.config().clone();
    if let Some(intake) = config.intake.as_mut() {
        intake.trusted_vendors.push("magento".into());
    }
    let registry = registry.with_config(config).unwrap();
    publish(
        &site,
        &[
            rx("1.0.0", 30, &[("Model/Rate.php", RATE)]),
            rx("1.0.1", 5, &[("Model/Rate.php", RATE)]),
            rx("1.0.2", 5, &[("Model/Rate.php", RATE)]),
        ],
    );
    let report = registry.intake(IntakeOptions::default()).unwrap();
    assert_eq!(find(&report, "1.0.2").outcome, Outcome::Approved);

    let policies: Vec<Vec<String>> = registry
        .log_entries()
        .unwrap()
        .iter()
        .filter_map(|bytes| {
            let envelope = formulary_trust::envelope::Envelope::from_bytes(bytes).ok()?;
            let statement = Statement::from_bytes(&envelope.payload_bytes().ok()?).ok()?;
            match statement.body {
                Body::Policy(p) => Some(p.intake?.trusted_vendors),
                _ => None,
            }
        })
        .collect();
    assert_eq!(
        policies,
        [
            vec!["acme".to_string()],
            vec!["acme".into(), "magento".into()]
        ]
    );
    drop((site, now));
    let state = ClientState::new(tmp.path().join("client-state"));
    registry.verify_log(&state, true).unwrap();
}

#[test]
fn a_run_with_a_key_not_trusted_for_intake_stops_and_says_what_to_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let config = Config {
        intake: Some(IntakeSettings::default()),
        ..Config::default()
    };
    let registry = Registry::init(dir.clone())
        .unwrap()
        .with_config(config)
        .unwrap();
    let err = registry.intake(IntakeOptions::default()).unwrap_err();
    assert!(err.to_string().contains("formulary key new"), "{err}");

    let reviewer = SigningKey::generate();
    formulary_trust::write_private_key(&dir.keys_dir().join("intake.key"), &reviewer).unwrap();
    let err = registry.intake(IntakeOptions::default()).unwrap_err();
    assert!(err.to_string().contains("--role intake"), "{err}");
    registry
        .trust_key(&reviewer.public(), "bob", Role::Reviewer)
        .unwrap();
    let err = registry.intake(IntakeOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("trusted as reviewer, not as an intake key"),
        "{err}"
    );
}

#[test]
fn a_webhook_that_fails_is_a_warning_that_names_no_secret_and_is_tried_again() {
    // Nothing listens on port 9 of loopback; the path holds the secret.
    let hook = "http://127.0.0.1:9/services/T0/B0/hook-secret-xyz";
    let world = World::with_webhook(&[("acme/rx", "^1.0")], &["acme"], Some(hook));
    publish(&world.site, &[rx("1.0.0", 30, &[("Model/Rate.php", RATE)])]);

    let report = world.intake();

    assert_eq!(find(&report, "1.0.0").outcome, Outcome::Queued);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let warning = &report.warnings[0];
    assert!(
        warning.contains("webhook at 127.0.0.1 for acme/rx 1.0.0: "),
        "{warning}"
    );
    assert!(warning.contains("refused"), "the cause, named: {warning}");
    assert!(
        !report.warnings[0].contains("hook-secret"),
        "{:?}",
        report.warnings
    );
    // Not recorded as announced, so the next run tries again.
    assert_eq!(world.intake().warnings.len(), 1);
}
