//! The review rules, judged statement by statement on an in-memory ledger:
//! the same judge the registry runs before recording and `log verify`
//! runs on replay.

#![allow(clippy::unwrap_used)]

use formulary_registry::ledger::{default_policy, judge, Ledger, Progress, PATCH_FAST_TRACK};
use formulary_registry::Refusal;
use formulary_store::VersionState;
use formulary_trust::statement::{
    Body, DecisionBody, IngestBody, IntakeRule, KeyRevokeBody, KeyTrustBody, PolicyBody, Role,
    Statement, Subject, Verdict,
};
use formulary_trust::SigningKey;

/// A ledger and the keys of a small team.
struct Team {
    ledger: Ledger,
    next: u64,
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

impl Team {
    fn new() -> Team {
        Team {
            ledger: Ledger::new(key(1).public()),
            next: 0,
        }
    }

    /// Judges `body` signed by `signer` at the next position, applying it
    /// if accepted.
    fn say(&mut self, signer: &SigningKey, body: Body) -> Result<u64, Refusal> {
        let statement = Statement::new(&signer.key_id(), "2026-12-04T10:00:00Z", body);
        let index = self.next;
        let (_, effects) = judge(&self.ledger, index, &statement.sign(signer), None)?;
        self.ledger.apply(effects);
        self.next += 1;
        Ok(index)
    }

    fn trust(&mut self, who: &SigningKey, name: &str, role: Role) {
        let registry = self.registry_key();
        let body = Body::KeyTrust(KeyTrustBody {
            key_id: who.key_id(),
            public_key: who.public().to_base64(),
            name: name.into(),
            role,
        });
        self.say(&registry, body).unwrap();
    }

    fn ingest(&mut self, signer: &SigningKey, version: &str, severity: Option<&str>) {
        let body = Body::Ingest(IngestBody {
            subject: subject(version),
            findings_digest: "f".repeat(64),
            max_severity: severity.map(str::to_string),
        });
        self.say(signer, body).unwrap();
    }

    fn decide(
        &mut self,
        who: &SigningKey,
        version: &str,
        verdict: Verdict,
    ) -> Result<u64, Refusal> {
        let body = Body::Decision(decision(version, verdict));
        self.say(who, body)
    }

    fn state(&self, version: &str) -> VersionState {
        let key = ("acme/pay".to_string(), format!("{version}.0"));
        self.ledger.versions[&key].state
    }
}

/// The origin of the test registry's log (seed 1 is its key).
fn origin() -> String {
    formulary_registry::ledger::origin_for(&key(1).public())
}

/// A decision on `version` as an honest reviewer signs it: for this
/// registry, naming the findings the ingest recorded.
fn decision(version: &str, verdict: Verdict) -> DecisionBody {
    DecisionBody {
        registry: origin(),
        subject: subject(version),
        verdict,
        base_version: None,
        findings_digest: "f".repeat(64),
        note: None,
        policy_rule: None,
    }
}

fn subject(version: &str) -> Subject {
    Subject {
        package: "acme/pay".into(),
        version: version.into(),
        version_normalized: format!("{version}.0"),
        sha256: format!("{:0>64}", version.replace('.', "")),
        sha1: "b".repeat(40),
        tree_hash: "c".repeat(64),
    }
}

#[test]
fn one_reviewer_approves_an_ordinary_version() {
    let mut team = Team::new();
    let alice = key(2);
    team.trust(&alice, "alice", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);
    team.decide(&alice, "1.0.0", Verdict::Approve).unwrap();
    assert_eq!(team.state("1.0.0"), VersionState::Approved);
}

#[test]
fn a_critical_finding_needs_two_people_not_two_keys() {
    let mut team = Team::new();
    let (alice, alice_laptop, bob) = (key(2), key(3), key(4));
    team.trust(&alice, "alice", Role::Reviewer);
    team.trust(&alice_laptop, "alice", Role::Reviewer);
    team.trust(&bob, "bob", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", Some("critical"));

    team.decide(&alice, "1.0.0", Verdict::Approve).unwrap();
    assert_eq!(team.state("1.0.0"), VersionState::Pending);
    let again = team.decide(&alice_laptop, "1.0.0", Verdict::Approve);
    assert!(matches!(again, Err(Refusal::SecondApproval { .. })));
    team.decide(&bob, "1.0.0", Verdict::Approve).unwrap();
    assert_eq!(team.state("1.0.0"), VersionState::Approved);
}

#[test]
fn the_requester_is_never_an_approver() {
    let mut team = Team::new();
    let (alice, bob) = (key(2), key(4));
    team.trust(&alice, "alice", Role::Reviewer);
    team.trust(&bob, "bob", Role::Reviewer);
    team.ingest(&alice, "1.0.0", None);
    let err = team.decide(&alice, "1.0.0", Verdict::Approve).unwrap_err();
    assert!(matches!(err, Refusal::RequesterApproves { .. }), "{err}");
    team.decide(&bob, "1.0.0", Verdict::Approve).unwrap();
    assert_eq!(team.state("1.0.0"), VersionState::Approved);
}

#[test]
fn revocation_is_judged_by_log_position_not_by_clock() {
    let mut team = Team::new();
    let alice = key(2);
    team.trust(&alice, "alice", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);
    team.ingest(&registry, "1.0.1", None);
    team.decide(&alice, "1.0.0", Verdict::Approve).unwrap();
    let revoke = Body::KeyRevoke(KeyRevokeBody {
        key_id: alice.key_id(),
        reason: Some("laptop stolen".into()),
    });
    team.say(&registry, revoke).unwrap();

    // Same timestamp as before the revocation: position decides.
    let err = team.decide(&alice, "1.0.1", Verdict::Approve).unwrap_err();
    assert!(matches!(err, Refusal::KeyRevoked { .. }), "{err}");
    assert_eq!(team.state("1.0.0"), VersionState::Approved);
}

#[test]
fn rejected_and_revoked_archives_stay_out_for_good() {
    let mut team = Team::new();
    let (alice, bob) = (key(2), key(4));
    team.trust(&alice, "alice", Role::Reviewer);
    team.trust(&bob, "bob", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);
    team.ingest(&registry, "1.0.1", None);

    team.decide(&alice, "1.0.0", Verdict::Reject).unwrap();
    let err = team.decide(&bob, "1.0.0", Verdict::Approve).unwrap_err();
    assert!(matches!(err, Refusal::Banned { .. }), "{err}");

    team.decide(&alice, "1.0.1", Verdict::Approve).unwrap();
    team.decide(&bob, "1.0.1", Verdict::Revoke).unwrap();
    assert_eq!(team.state("1.0.1"), VersionState::Revoked);
    let err = team.decide(&alice, "1.0.1", Verdict::Approve).unwrap_err();
    assert!(matches!(err, Refusal::Banned { .. }), "{err}");
}

#[test]
fn verdicts_must_fit_the_state() {
    let mut team = Team::new();
    let alice = key(2);
    team.trust(&alice, "alice", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);
    let err = team.decide(&alice, "1.0.0", Verdict::Revoke).unwrap_err();
    assert!(err.to_string().contains("rejected, not revoked"), "{err}");
    team.decide(&alice, "1.0.0", Verdict::Approve).unwrap();
    let err = team.decide(&alice, "1.0.0", Verdict::Reject).unwrap_err();
    assert!(err.to_string().contains("revoked, not rejected"), "{err}");
}

#[test]
fn only_reviewers_and_admins_decide_and_only_admins_manage_keys() {
    let mut team = Team::new();
    let (robot, alice, mallory) = (key(5), key(2), key(9));
    team.trust(&robot, "intake-bot", Role::Intake);
    team.trust(&alice, "alice", Role::Reviewer);
    team.ingest(&robot, "1.0.0", None);
    let err = team.decide(&robot, "1.0.0", Verdict::Approve).unwrap_err();
    assert!(matches!(err, Refusal::NotADecider { .. }), "{err}");
    // Quoting a rule, it is judged by the rule: here there is none.
    let body = Body::Decision(DecisionBody {
        policy_rule: Some(PATCH_FAST_TRACK.into()),
        ..decision("1.0.0", Verdict::Approve)
    });
    let err = team.say(&robot, body).unwrap_err();
    assert!(err.to_string().contains("has no intake rule"), "{err}");
    let registry = team.registry_key();
    let err = team
        .decide(&registry, "1.0.0", Verdict::Approve)
        .unwrap_err();
    assert!(matches!(err, Refusal::NotADecider { .. }), "{err}");

    let body = Body::KeyTrust(KeyTrustBody {
        key_id: mallory.key_id(),
        public_key: mallory.public().to_base64(),
        name: "mallory".into(),
        role: Role::Admin,
    });
    let err = team.say(&alice, body).unwrap_err();
    assert!(matches!(err, Refusal::NotKeyManager { .. }), "{err}");
    let err = team
        .decide(&mallory, "1.0.0", Verdict::Approve)
        .unwrap_err();
    assert!(matches!(err, Refusal::UnknownKey(_)), "{err}");
}

#[test]
fn a_logged_policy_changes_the_thresholds_from_its_position_on() {
    let mut team = Team::new();
    let (alice, bob) = (key(2), key(4));
    team.trust(&alice, "alice", Role::Reviewer);
    team.trust(&bob, "bob", Role::Reviewer);
    let registry = team.registry_key();
    let strict = Body::Policy(PolicyBody {
        reviewers: 2,
        high_risk_reviewers: 3,
        high_risk_severity: "medium".into(),
        intake: None,
    });
    team.say(&registry, strict).unwrap();
    team.ingest(&registry, "1.0.0", None);
    team.decide(&alice, "1.0.0", Verdict::Approve).unwrap();
    assert_eq!(team.state("1.0.0"), VersionState::Pending);
    team.decide(&bob, "1.0.0", Verdict::Approve).unwrap();
    assert_eq!(team.state("1.0.0"), VersionState::Approved);

    let zero = Body::Policy(PolicyBody {
        reviewers: 0,
        high_risk_reviewers: 1,
        high_risk_severity: "high".into(),
        intake: None,
    });
    assert!(matches!(
        team.say(&registry, zero),
        Err(Refusal::BadPolicy(_))
    ));
    let from_alice = Body::Policy(PolicyBody {
        reviewers: 1,
        high_risk_reviewers: 1,
        high_risk_severity: "high".into(),
        intake: None,
    });
    assert!(matches!(
        team.say(&alice, from_alice),
        Err(Refusal::NotRegistry(_))
    ));
}

#[test]
fn a_decision_must_name_the_stored_bytes_and_the_shown_findings() {
    let mut team = Team::new();
    let alice = key(2);
    team.trust(&alice, "alice", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);

    let mut other = subject("1.0.0");
    other.sha1 = "d".repeat(40);
    let body = Body::Decision(DecisionBody {
        subject: other,
        ..decision("1.0.0", Verdict::Approve)
    });
    let err = team.say(&alice, body).unwrap_err();
    assert!(
        matches!(err, Refusal::OtherArchive { field: "sha1", .. }),
        "{err}"
    );

    let body = Body::Decision(DecisionBody {
        findings_digest: "0".repeat(64),
        ..decision("1.0.0", Verdict::Approve)
    });
    let err = team.say(&alice, body).unwrap_err();
    assert!(matches!(err, Refusal::StaleFindings(_)), "{err}");
}

#[test]
fn a_decision_for_another_registry_is_refused() {
    let mut team = Team::new();
    let alice = key(2);
    team.trust(&alice, "alice", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);
    let staging = formulary_registry::ledger::origin_for(&key(7).public());
    let body = Body::Decision(DecisionBody {
        registry: staging,
        ..decision("1.0.0", Verdict::Approve)
    });
    let err = team.say(&alice, body).unwrap_err();
    assert!(matches!(err, Refusal::OtherRegistry { .. }), "{err}");
    assert_eq!(team.state("1.0.0"), VersionState::Pending);
}

#[test]
fn a_statement_cannot_claim_another_signer() {
    let mut team = Team::new();
    let (alice, bob) = (key(2), key(4));
    team.trust(&alice, "alice", Role::Reviewer);
    team.trust(&bob, "bob", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);
    let body = Body::Decision(decision("1.0.0", Verdict::Approve));
    // Bob signs a statement that says Alice made it.
    let statement = Statement::new(&alice.key_id(), "2026-12-04T10:00:00Z", body);
    let err = judge(&team.ledger, team.next, &statement.sign(&bob), None).unwrap_err();
    assert!(matches!(err, Refusal::SignerMismatch { .. }), "{err}");
}

impl Team {
    /// The registry's own key (seed 1).
    fn registry_key(&self) -> SigningKey {
        key(1)
    }
}

#[test]
fn key_names_are_plain_so_look_alikes_cannot_count_twice() {
    let mut team = Team::new();
    let registry = team.registry_key();
    for name in ["alice\u{200b}", "x y", "a+b", "", "registry", "line\nbreak"] {
        let body = Body::KeyTrust(KeyTrustBody {
            key_id: key(3).key_id(),
            public_key: key(3).public().to_base64(),
            name: name.into(),
            role: Role::Reviewer,
        });
        let err = team.say(&registry, body).unwrap_err();
        assert!(matches!(err, Refusal::BadKey(_)), "{name:?}: {err}");
    }
}

#[test]
fn notes_with_control_characters_and_odd_times_are_refused() {
    let mut team = Team::new();
    let alice = key(2);
    team.trust(&alice, "alice", Role::Reviewer);
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.0", None);
    let decision = |note: &str| {
        Body::Decision(DecisionBody {
            note: Some(note.into()),
            ..decision("1.0.0", Verdict::Approve)
        })
    };
    let err = team
        .say(&alice, decision("fine\n#99 approve by carol"))
        .unwrap_err();
    assert!(
        matches!(err, Refusal::BadText { field: "note", .. }),
        "{err}"
    );

    for time in ["yesterday", "2026-12-04T10:00:00+05:00"] {
        let statement = Statement::new(&alice.key_id(), time, decision("ok"));
        let err = judge(&team.ledger, team.next, &statement.sign(&alice), None).unwrap_err();
        assert!(
            matches!(err, Refusal::BadText { field: "time", .. }),
            "{time}: {err}"
        );
    }
    team.say(&alice, decision("read it all")).unwrap();
    assert_eq!(team.state("1.0.0"), VersionState::Approved);
}

// ---------------------------------------------------------------------
// The intake rule
// ---------------------------------------------------------------------

/// A policy whose intake rule trusts `vendors`.
fn fast_track(vendors: &[&str]) -> Body {
    Body::Policy(PolicyBody {
        reviewers: 1,
        high_risk_reviewers: 2,
        high_risk_severity: "high".into(),
        intake: Some(IntakeRule {
            rule: PATCH_FAST_TRACK.into(),
            trusted_vendors: vendors.iter().map(|v| v.to_string()).collect(),
            min_release_age_secs: 3 * 86_400,
            block_severity: "medium".into(),
        }),
    })
}

/// An approval as the intake run signs it: quoting the rule, from `base`.
fn intake_approval(version: &str, base: Option<&str>) -> Body {
    Body::Decision(DecisionBody {
        base_version: base.map(str::to_string),
        policy_rule: Some(PATCH_FAST_TRACK.into()),
        ..decision(version, Verdict::Approve)
    })
}

/// A team with alice (reviewer) and the intake robot, the rule in force
/// for `acme`, and 1.0.0 approved by alice.
fn intake_team() -> (Team, SigningKey) {
    let mut team = Team::new();
    let (robot, alice) = (key(5), key(2));
    team.trust(&robot, "intake-bot", Role::Intake);
    team.trust(&alice, "alice", Role::Reviewer);
    let registry = team.registry_key();
    team.say(&registry, fast_track(&["acme"])).unwrap();
    team.ingest(&registry, "1.0.0", None);
    team.decide(&alice, "1.0.0", Verdict::Approve).unwrap();
    (team, robot)
}

#[test]
fn the_intake_key_approves_a_patch_of_an_approved_version_on_its_own() {
    let (mut team, robot) = intake_team();
    team.ingest(&robot, "1.0.1", None);
    team.say(&robot, intake_approval("1.0.1", Some("1.0.0")))
        .unwrap();
    assert_eq!(team.state("1.0.1"), VersionState::Approved);

    // The rule is not a person: no reviewer is counted for it.
    let key = ("acme/pay".to_string(), "1.0.1.0".to_string());
    let status = &team.ledger.versions[&key];
    let progress = Progress::of(status, &default_policy(), None);
    assert!(progress.approvers.is_empty(), "{progress:?}");
}

#[test]
fn the_intake_key_cannot_approve_a_minor_release_or_one_without_a_base() {
    let (mut team, robot) = intake_team();
    team.ingest(&robot, "1.1.0", None);
    let err = team
        .say(&robot, intake_approval("1.1.0", Some("1.0.0")))
        .unwrap_err();
    assert!(err.to_string().contains("not a patch release"), "{err}");
    let err = team
        .say(&robot, intake_approval("1.1.0", None))
        .unwrap_err();
    assert!(err.to_string().contains("no base version"), "{err}");
    assert_eq!(team.state("1.1.0"), VersionState::Pending);

    // Nor a patch of a version nobody approved.
    team.ingest(&robot, "1.0.1", None);
    team.ingest(&robot, "1.0.2", None);
    let err = team
        .say(&robot, intake_approval("1.0.2", Some("1.0.1")))
        .unwrap_err();
    assert!(matches!(err, Refusal::BadBase(_)), "{err}");
}

#[test]
fn the_intake_key_must_quote_the_rule_in_force_for_a_trusted_vendor() {
    let (mut team, robot) = intake_team();
    team.ingest(&robot, "1.0.1", None);
    let other_rule = Body::Decision(DecisionBody {
        base_version: Some("1.0.0".into()),
        policy_rule: Some("anything-goes".into()),
        ..decision("1.0.1", Verdict::Approve)
    });
    let err = team.say(&robot, other_rule).unwrap_err();
    assert!(err.to_string().contains("anything-goes"), "{err}");

    let registry = team.registry_key();
    team.say(&registry, fast_track(&["magento"])).unwrap();
    let err = team
        .say(&robot, intake_approval("1.0.1", Some("1.0.0")))
        .unwrap_err();
    assert!(err.to_string().contains("\"acme\" is not on"), "{err}");

    let no_rule = Body::Policy(PolicyBody {
        intake: None,
        ..match fast_track(&[]) {
            Body::Policy(p) => p,
            _ => unreachable!(),
        }
    });
    team.say(&registry, no_rule).unwrap();
    let err = team
        .say(&robot, intake_approval("1.0.1", Some("1.0.0")))
        .unwrap_err();
    assert!(err.to_string().contains("no intake rule"), "{err}");
    assert_eq!(team.state("1.0.1"), VersionState::Pending);
}

#[test]
fn a_new_finding_at_the_blocking_severity_is_refused_when_the_log_shows_it() {
    let (mut team, robot) = intake_team();
    // 1.0.0 had no finding; 1.0.1 has a high one: it must be new.
    team.ingest(&robot, "1.0.1", Some("high"));
    let err = team
        .say(&robot, intake_approval("1.0.1", Some("1.0.0")))
        .unwrap_err();
    assert!(
        err.to_string().contains("had none at or above medium"),
        "{err}"
    );
    // Below the blocking severity, the log cannot tell; the run's delta did.
    team.ingest(&robot, "1.0.2", Some("low"));
    team.say(&robot, intake_approval("1.0.2", Some("1.0.0")))
        .unwrap();
    assert_eq!(team.state("1.0.2"), VersionState::Approved);
}

#[test]
fn intake_keys_never_reject_or_revoke_and_reviewers_never_quote_a_rule() {
    let (mut team, robot) = intake_team();
    team.ingest(&robot, "1.0.1", None);
    let err = team.decide(&robot, "1.0.1", Verdict::Reject).unwrap_err();
    assert!(matches!(err, Refusal::IntakeVerdict { .. }), "{err}");
    let err = team.decide(&robot, "1.0.0", Verdict::Revoke).unwrap_err();
    assert!(matches!(err, Refusal::IntakeVerdict { .. }), "{err}");

    let alice = key(2);
    let err = team
        .say(&alice, intake_approval("1.0.1", Some("1.0.0")))
        .unwrap_err();
    assert!(matches!(err, Refusal::ReviewerQuotesRule { .. }), "{err}");
    assert_eq!(team.state("1.0.1"), VersionState::Pending);
}

#[test]
fn a_version_another_key_of_the_intake_name_requested_is_not_self_approved() {
    let (mut team, robot) = intake_team();
    let twin = key(6);
    team.trust(&twin, "intake-bot", Role::Intake);
    team.ingest(&twin, "1.0.1", None);
    let err = team
        .say(&robot, intake_approval("1.0.1", Some("1.0.0")))
        .unwrap_err();
    assert!(matches!(err, Refusal::RequesterApproves { .. }), "{err}");
    // A version the operator took in is the intake key's to approve.
    let registry = team.registry_key();
    team.ingest(&registry, "1.0.2", None);
    team.say(&robot, intake_approval("1.0.2", Some("1.0.0")))
        .unwrap();
    assert_eq!(team.state("1.0.2"), VersionState::Approved);
}

#[test]
fn a_policy_with_an_unknown_intake_rule_is_refused() {
    let mut team = Team::new();
    let registry = team.registry_key();
    let odd = match fast_track(&["acme"]) {
        Body::Policy(mut p) => {
            if let Some(rule) = p.intake.as_mut() {
                rule.rule = "approve-everything".into();
            }
            Body::Policy(p)
        }
        _ => unreachable!(),
    };
    let err = team.say(&registry, odd).unwrap_err();
    assert!(matches!(err, Refusal::BadPolicy(_)), "{err}");
}
