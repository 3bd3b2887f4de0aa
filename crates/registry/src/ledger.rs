//! Judging statements: whether a signed statement may enter the log, and
//! what it changes.
//!
//! This is the one place the review rules live. The same [`judge`] runs
//! when a statement is recorded (to refuse it before anything is written)
//! and when the log is replayed (by `log verify`, by `verify --bundle`, by
//! the rebuild test). A log that was accepted entry by entry therefore
//! replays to the same state, and a log that was edited afterwards fails
//! the replay at the first entry that no longer follows the rules.
//!
//! Everything [`judge`] looks at comes from a [`LedgerView`]: the keys, the
//! versions, the banned digests and the policy *as of the entry's log
//! position*. That is what makes key revocation positional: a key revoked
//! at index 40 signed validly at index 39, and no statement after 40 can
//! claim otherwise by setting its clock back.

use std::collections::{BTreeMap, HashMap};

use formulary_store::{Ban, DecisionRef, KeyRecord, VersionState};
use formulary_trust::envelope::Envelope;
use formulary_trust::statement::{
    Body, DecisionBody, IngestBody, KeyRevokeBody, KeyTrustBody, PolicyBody, Role, Statement,
    Subject, Verdict,
};
use formulary_trust::PublicKey;
use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;

mod intake;

pub use intake::{is_patch_successor, PATCH_FAST_TRACK};

/// The part of a version record that the log alone determines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionStatus {
    /// Name, version and content digests.
    pub subject: Subject,
    /// Where it stands.
    pub state: VersionState,
    /// The key that requested the ingest; `None` for the registry itself.
    pub requested_by: Option<String>,
    /// The most severe finding at ingest.
    pub max_severity: Option<String>,
    /// Digest of the findings at ingest.
    pub findings_digest: String,
    /// Log index of the ingest statement.
    pub ingest_index: u64,
    /// Every decision so far, in log order.
    pub decisions: Vec<DecisionRef>,
}

/// What the judge needs to know about the registry at one log position.
pub trait LedgerView {
    /// The registry's own key: it signs ingests for the local operator,
    /// key changes and policy.
    fn registry_key(&self) -> &PublicKey;
    /// A trusted (or once-trusted) key.
    fn key(&self, key_id: &str) -> Result<Option<KeyRecord>, Refusal>;
    /// A version by package and normalized version.
    fn version(&self, package: &str, normalized: &str) -> Result<Option<VersionStatus>, Refusal>;
    /// The ban on an archive digest, if any.
    fn ban(&self, sha256: &str) -> Result<Option<Ban>, Refusal>;
    /// The policy in force; `None` before the first policy statement.
    fn policy(&self) -> Result<Option<PolicyBody>, Refusal>;
}

/// What an accepted statement changes.
#[derive(Clone, Debug, Default)]
pub struct Effects {
    /// The new or updated version status.
    pub version: Option<VersionStatus>,
    /// The new or updated key record.
    pub key: Option<KeyRecord>,
    /// A digest banned from approval.
    pub ban: Option<Ban>,
    /// A new policy.
    pub policy: Option<PolicyBody>,
    /// The name of the signer, for the audit trail.
    pub signer_name: String,
}

/// The policy that holds before any policy statement: one reviewer, two
/// for a version with a high or critical finding.
pub fn default_policy() -> PolicyBody {
    PolicyBody {
        reviewers: 1,
        high_risk_reviewers: 2,
        high_risk_severity: "high".to_string(),
        intake: None,
    }
}

/// Judges the envelope at log position `index` against `view`.
///
/// `verified` says the envelope's signature was already checked against
/// the key its hint names (a replay checks all signatures in parallel
/// first); the key's trust at `index` is checked either way.
pub fn judge(
    view: &impl LedgerView,
    index: u64,
    envelope: &Envelope,
    verified: Option<&[u8]>,
) -> Result<(Statement, Effects), Refusal> {
    let signer = signer_of(view, envelope.signer_hint(), index)?;
    let payload = match verified {
        Some(p) => p.to_vec(),
        None => envelope.verify(&signer.key).map_err(Refusal::Envelope)?,
    };
    let statement = Statement::from_bytes(&payload).map_err(Refusal::Statement)?;
    check_time(&statement.time)?;
    if statement.signer != signer.id {
        return Err(Refusal::SignerMismatch {
            claimed: statement.signer,
            signed: signer.id,
        });
    }
    let mut effects = match &statement.body {
        Body::Ingest(b) => ingest(view, &signer, &statement, b, index)?,
        Body::Decision(b) => decision(view, &signer, &statement, b, index)?,
        Body::KeyTrust(b) => key_trust(view, &signer, b, index)?,
        Body::KeyRevoke(b) => key_revoke(view, &signer, b, index)?,
        Body::Policy(b) => policy(&signer, b)?,
    };
    effects.signer_name = signer.name;
    Ok((statement, effects))
}

/// The key behind a signature hint, as trusted at `index`.
pub struct Signer {
    /// Its key id.
    pub id: String,
    /// Its public key.
    pub key: PublicKey,
    /// Its name (`registry` for the registry key).
    pub name: String,
    /// Its role; `None` for the registry key.
    pub role: Option<Role>,
}

/// Finds the key a statement at `index` claims to be signed with.
pub fn signer_of(view: &impl LedgerView, hint: &str, index: u64) -> Result<Signer, Refusal> {
    let registry = view.registry_key();
    if hint == registry.key_id() {
        return Ok(Signer {
            id: hint.to_string(),
            key: *registry,
            name: "registry".to_string(),
            role: None,
        });
    }
    let Some(record) = view.key(hint)? else {
        return Err(Refusal::UnknownKey(hint.to_string()));
    };
    if !record.valid_at(index) {
        return Err(Refusal::KeyRevoked {
            key_id: record.key_id,
            name: record.name,
            at: record.revoked_at.unwrap_or(record.trusted_at),
        });
    }
    Ok(Signer {
        id: record.key_id,
        key: record.public_key,
        name: record.name,
        role: Some(record.role),
    })
}

fn ingest(
    view: &impl LedgerView,
    signer: &Signer,
    statement: &Statement,
    body: &IngestBody,
    index: u64,
) -> Result<Effects, Refusal> {
    let s = &body.subject;
    if view.version(&s.package, &s.version_normalized)?.is_some() {
        return Err(Refusal::AlreadyIngested(label(s)));
    }
    let requested_by = signer.role.map(|_| signer.id.clone());
    tracing::debug!(subject = %label(s), requester = %signer.name, time = %statement.time, "ingest accepted");
    Ok(Effects {
        version: Some(VersionStatus {
            subject: s.clone(),
            state: VersionState::Pending,
            requested_by,
            max_severity: body.max_severity.clone(),
            findings_digest: body.findings_digest.clone(),
            ingest_index: index,
            decisions: Vec::new(),
        }),
        ..Effects::default()
    })
}

fn decision(
    view: &impl LedgerView,
    signer: &Signer,
    statement: &Statement,
    body: &DecisionBody,
    index: u64,
) -> Result<Effects, Refusal> {
    check_decider(signer, body)?;
    let s = &body.subject;
    let here = origin_for(view.registry_key());
    if body.registry != here {
        return Err(Refusal::OtherRegistry {
            subject: label(s),
            named: body.registry.clone(),
            here,
        });
    }
    let mut status = view
        .version(&s.package, &s.version_normalized)?
        .ok_or_else(|| Refusal::UnknownVersion(label(s)))?;
    check_same_archive(&status.subject, s)?;
    if body.findings_digest != status.findings_digest {
        return Err(Refusal::StaleFindings(label(s)));
    }
    if let Some(base) = &body.base_version {
        check_base(view, s, base)?;
    }
    if let Some(note) = &body.note {
        check_text("note", note)?;
    }
    status.decisions.push(DecisionRef {
        index,
        key_id: signer.id.clone(),
        reviewer: signer.name.clone(),
        verdict: body.verdict,
        time: statement.time.clone(),
        base_version: body.base_version.clone(),
        note: body.note.clone(),
        policy_rule: body.policy_rule.clone(),
    });
    let policy = view.policy()?.unwrap_or_else(default_policy);
    match body.verdict {
        Verdict::Approve if signer.role == Some(Role::Intake) => {
            intake::approve(view, signer, status, &policy, body)
        }
        Verdict::Approve => approve(view, signer, status, &policy),
        Verdict::Reject => end(status, VersionState::Pending, VersionState::Rejected, index),
        Verdict::Revoke => end(status, VersionState::Approved, VersionState::Revoked, index),
    }
}

/// Who may sign which decision. Reviewers and admins decide in their own
/// name, so their statements never quote a policy rule; an intake key only
/// ever approves, quoting the rule it approves under (which
/// `intake::approve` then checks); the registry key decides nothing.
fn check_decider(signer: &Signer, body: &DecisionBody) -> Result<(), Refusal> {
    let name = signer.name.clone();
    match (signer.role, body.verdict, &body.policy_rule) {
        (Some(Role::Reviewer | Role::Admin), _, None) => Ok(()),
        (Some(Role::Reviewer | Role::Admin), _, Some(rule)) => Err(Refusal::ReviewerQuotesRule {
            name,
            rule: rule.clone(),
        }),
        (Some(Role::Intake), Verdict::Approve, Some(_)) => Ok(()),
        (Some(Role::Intake), Verdict::Approve, None) => Err(Refusal::NotADecider {
            name,
            role: Role::Intake.to_string(),
        }),
        (Some(Role::Intake), verdict, _) => Err(Refusal::IntakeVerdict { name, verdict }),
        (None, _, _) => Err(Refusal::NotADecider {
            name,
            role: "registry".to_string(),
        }),
    }
}

/// An approval needs a pending version whose archive was never rejected
/// or revoked.
fn check_approvable(view: &impl LedgerView, status: &VersionStatus) -> Result<(), Refusal> {
    let subject = label(&status.subject);
    if let Some(ban) = view.ban(&status.subject.sha256)? {
        return Err(Refusal::Banned {
            subject,
            sha256: ban.sha256,
            state: ban.state,
            earlier: ban.subject,
            index: ban.index,
        });
    }
    if status.state != VersionState::Pending {
        return Err(Refusal::WrongState {
            subject,
            state: status.state,
            verdict: Verdict::Approve,
        });
    }
    Ok(())
}

/// The requester never approves what they asked for: not with the key
/// that signed the ingest, nor with another key under the same name.
fn check_not_requester(
    view: &impl LedgerView,
    signer: &Signer,
    status: &VersionStatus,
) -> Result<(), Refusal> {
    let requester = requester_name(view, status)?;
    if status.requested_by.as_deref() == Some(signer.id.as_str())
        || requester.as_deref() == Some(signer.name.as_str())
    {
        return Err(Refusal::RequesterApproves {
            subject: label(&status.subject),
            name: signer.name.clone(),
        });
    }
    Ok(())
}

fn approve(
    view: &impl LedgerView,
    signer: &Signer,
    mut status: VersionStatus,
    policy: &PolicyBody,
) -> Result<Effects, Refusal> {
    let subject = label(&status.subject);
    check_approvable(view, &status)?;
    check_not_requester(view, signer, &status)?;
    let requester = requester_name(view, &status)?;
    let earlier = &status.decisions[..status.decisions.len() - 1];
    if earlier.iter().any(|d| d.reviewer == signer.name) {
        return Err(Refusal::SecondApproval {
            subject,
            name: signer.name.clone(),
        });
    }
    let progress = Progress::of(&status, policy, requester.as_deref());
    if progress.missing() == 0 {
        status.state = VersionState::Approved;
        tracing::debug!(%subject, approvers = ?progress.approvers, "approval threshold met");
    }
    Ok(Effects {
        version: Some(status),
        ..Effects::default()
    })
}

/// A reject (from pending) or revoke (from approved): final, and the
/// archive digest is banned from approval for good.
fn end(
    mut status: VersionStatus,
    from: VersionState,
    to: VersionState,
    index: u64,
) -> Result<Effects, Refusal> {
    let subject = label(&status.subject);
    if status.state != from {
        let verdict = match to {
            VersionState::Revoked => Verdict::Revoke,
            _ => Verdict::Reject,
        };
        return Err(Refusal::WrongState {
            subject,
            state: status.state,
            verdict,
        });
    }
    status.state = to;
    let ban = Ban {
        sha256: status.subject.sha256.clone(),
        state: to,
        index,
        subject: subject.clone(),
    };
    Ok(Effects {
        version: Some(status),
        ban: Some(ban),
        ..Effects::default()
    })
}

fn key_trust(
    view: &impl LedgerView,
    signer: &Signer,
    body: &KeyTrustBody,
    index: u64,
) -> Result<Effects, Refusal> {
    check_key_manager(signer)?;
    check_key_name(&body.name)?;
    let key =
        PublicKey::from_base64(&body.public_key).map_err(|e| Refusal::BadKey(e.to_string()))?;
    if key.key_id() != body.key_id {
        return Err(Refusal::BadKey(format!(
            "key id {} does not belong to the public key (its id is {})",
            body.key_id,
            key.key_id()
        )));
    }
    if key.key_id() == view.registry_key().key_id() {
        return Err(Refusal::BadKey(
            "the registry key cannot also be a reviewer, intake or admin key".to_string(),
        ));
    }
    if let Some(existing) = view.key(&body.key_id)? {
        return Err(Refusal::KeyKnown {
            key_id: existing.key_id,
            name: existing.name,
            revoked: existing.revoked_at.is_some(),
        });
    }
    Ok(Effects {
        key: Some(KeyRecord {
            key_id: body.key_id.clone(),
            name: body.name.clone(),
            role: body.role,
            public_key: key,
            trusted_at: index,
            revoked_at: None,
            revoke_reason: None,
        }),
        ..Effects::default()
    })
}

fn key_revoke(
    view: &impl LedgerView,
    signer: &Signer,
    body: &KeyRevokeBody,
    index: u64,
) -> Result<Effects, Refusal> {
    check_key_manager(signer)?;
    let Some(mut record) = view.key(&body.key_id)? else {
        return Err(Refusal::UnknownKey(body.key_id.clone()));
    };
    if record.revoked_at.is_some() {
        return Err(Refusal::KeyKnown {
            key_id: record.key_id,
            name: record.name,
            revoked: true,
        });
    }
    record.revoked_at = Some(index);
    record.revoke_reason = body.reason.clone();
    Ok(Effects {
        key: Some(record),
        ..Effects::default()
    })
}

fn policy(signer: &Signer, body: &PolicyBody) -> Result<Effects, Refusal> {
    if signer.role.is_some() {
        return Err(Refusal::NotRegistry(signer.name.clone()));
    }
    if let Some(rule) = &body.intake {
        intake::check_rule(rule)?;
    }
    if body.reviewers == 0 || body.high_risk_reviewers == 0 {
        return Err(Refusal::BadPolicy(
            "every threshold must be at least 1".to_string(),
        ));
    }
    if severity_rank(&body.high_risk_severity).is_none() {
        return Err(Refusal::BadPolicy(format!(
            "high_risk_severity {:?} is not critical, high, medium, low or info",
            body.high_risk_severity
        )));
    }
    Ok(Effects {
        policy: Some(body.clone()),
        ..Effects::default()
    })
}

/// Statement times are RFC 3339 in UTC, to the second
/// (`2026-12-04T10:00:00Z`), so that every reader compares them the same
/// way.
fn check_time(time: &str) -> Result<(), Refusal> {
    use time::format_description::well_known::Rfc3339;
    let parsed = time::OffsetDateTime::parse(time, &Rfc3339);
    match parsed {
        Ok(t) if t.offset().is_utc() && time.ends_with('Z') => Ok(()),
        _ => Err(Refusal::BadText {
            field: "time",
            reason: format!("{time:?} is not an RFC 3339 UTC time such as 2026-12-04T10:00:00Z"),
        }),
    }
}

/// Notes and reasons are shown to reviewers and auditors on terminals;
/// a control character (a newline, an escape sequence) could forge or
/// hide a line of that output.
fn check_text(field: &'static str, text: &str) -> Result<(), Refusal> {
    let reason = if text.chars().any(char::is_control) {
        "it contains control characters (newlines, escapes); write it on one line"
    } else if text.chars().count() > 2000 {
        "it is longer than 2000 characters"
    } else {
        return Ok(());
    };
    Err(Refusal::BadText {
        field,
        reason: reason.to_string(),
    })
}

/// Approvals count by key name, so names must be plain: ASCII letters,
/// digits and `.`, `_`, `-`, `@`, 1 to 64 of them. That rules out
/// look-alikes (`alice` and `alice` with a zero-width space counting as two
/// people), forged output lines, and the reserved name `registry`.
fn check_key_name(name: &str) -> Result<(), Refusal> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    let ok = !name.is_empty() && name.len() <= 64 && name.chars().all(plain);
    if !ok || name == "registry" {
        return Err(Refusal::BadKey(format!(
            "key name {:?} is not allowed: use 1 to 64 ASCII letters, digits, `.`, `_`, `-` \
             or `@` (and not `registry`)",
            name
        )));
    }
    Ok(())
}

/// Key changes come from the registry key (the local operator) or an admin.
fn check_key_manager(signer: &Signer) -> Result<(), Refusal> {
    match signer.role {
        None | Some(Role::Admin) => Ok(()),
        Some(role) => Err(Refusal::NotKeyManager {
            name: signer.name.clone(),
            role,
        }),
    }
}

/// A decision must name the stored archive exactly.
fn check_same_archive(stored: &Subject, named: &Subject) -> Result<(), Refusal> {
    let fields = [
        ("version", &stored.version, &named.version),
        ("sha256", &stored.sha256, &named.sha256),
        ("sha1", &stored.sha1, &named.sha1),
        ("tree hash", &stored.tree_hash, &named.tree_hash),
    ];
    for (field, want, got) in fields {
        if want != got {
            return Err(Refusal::OtherArchive {
                subject: label(stored),
                field,
                stored: want.clone(),
                named: got.clone(),
            });
        }
    }
    Ok(())
}

/// The base of a delta review must be an approved version of the package
/// that sorts below the version decided on, in Composer's order: a diff
/// from a later version reviews nothing that leads to this one.
fn check_base(
    view: &impl LedgerView,
    subject: &formulary_trust::statement::Subject,
    base: &str,
) -> Result<(), Refusal> {
    let package = &subject.package;
    let normalized = formulary_composer::version::normalize(base)
        .map_err(|_| Refusal::BadBase(format!("{package} {base}: not a Composer version")))?;
    match view.version(package, &normalized)? {
        Some(v) if v.state == VersionState::Approved => check_below(subject, base),
        Some(v) => Err(Refusal::BadBase(format!(
            "{package} {base} is {}, not approved",
            v.state
        ))),
        None => Err(Refusal::BadBase(format!("{package} {base} is not stored"))),
    }
}

fn check_below(subject: &formulary_trust::statement::Subject, base: &str) -> Result<(), Refusal> {
    use formulary_composer::Version;
    let below = match (Version::parse(base), Version::parse(&subject.version)) {
        (Ok(base), Ok(target)) => base < target,
        _ => false,
    };
    if below {
        return Ok(());
    }
    Err(Refusal::BadBase(format!(
        "{} {base} does not sort below {} in Composer's version order",
        subject.package, subject.version
    )))
}

fn requester_name(
    view: &impl LedgerView,
    status: &VersionStatus,
) -> Result<Option<String>, Refusal> {
    match &status.requested_by {
        Some(id) => Ok(view.key(id)?.map(|k| k.name)),
        None => Ok(None),
    }
}

/// Approvals so far against what policy asks of a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Distinct people who approved (the requester never counts).
    pub approvers: Vec<String>,
    /// How many the policy needs.
    pub required: u32,
    /// Whether the version counts as high risk.
    pub high_risk: bool,
}

impl Progress {
    /// Counts the approvals of `status` under `policy`.
    pub fn of(status: &VersionStatus, policy: &PolicyBody, requester: Option<&str>) -> Progress {
        let mut approvers: Vec<String> = Vec::new();
        for d in &status.decisions {
            // An automatic approval counts as the rule, never as a person.
            let counts = d.verdict == Verdict::Approve
                && d.policy_rule.is_none()
                && status.requested_by.as_deref() != Some(d.key_id.as_str())
                && requester != Some(d.reviewer.as_str());
            if counts && !approvers.contains(&d.reviewer) {
                approvers.push(d.reviewer.clone());
            }
        }
        let high_risk = is_high_risk(status.max_severity.as_deref(), &policy.high_risk_severity);
        let required = if high_risk {
            policy.high_risk_reviewers
        } else {
            policy.reviewers
        };
        Progress {
            approvers,
            required,
            high_risk,
        }
    }

    /// Approvals still needed.
    pub fn missing(&self) -> u32 {
        self.required.saturating_sub(self.approvers.len() as u32)
    }
}

/// Whether `max` is at or above `threshold` (both severity names).
pub fn is_high_risk(max: Option<&str>, threshold: &str) -> bool {
    match (max.and_then(severity_rank), severity_rank(threshold)) {
        (Some(found), Some(limit)) => found >= limit,
        _ => false,
    }
}

/// Severities in rising order; `None` for an unknown name.
pub fn severity_rank(name: &str) -> Option<u8> {
    ["info", "low", "medium", "high", "critical"]
        .iter()
        .position(|s| *s == name)
        .map(|p| p as u8)
}

/// The log origin of the registry whose key is `registry`:
/// `formulary/<key id>`. Checkpoints carry it, and decisions name it.
pub fn origin_for(registry: &PublicKey) -> String {
    format!("formulary/{}", registry.key_id())
}

/// `acme/pay 1.2.1`.
pub fn label(subject: &Subject) -> String {
    format!("{} {}", subject.package, subject.version)
}

/// The state a replay builds: a [`LedgerView`] held in memory.
#[derive(Clone, Debug)]
pub struct Ledger {
    registry: PublicKey,
    /// Keys by id.
    pub keys: HashMap<String, KeyRecord>,
    /// Versions by (package, normalized version).
    pub versions: BTreeMap<(String, String), VersionStatus>,
    /// Banned digests.
    pub bans: HashMap<String, Ban>,
    /// The policy in force.
    pub policy: Option<PolicyBody>,
}

impl Ledger {
    /// An empty ledger for a log signed by `registry`.
    pub fn new(registry: PublicKey) -> Ledger {
        Ledger {
            registry,
            keys: HashMap::new(),
            versions: BTreeMap::new(),
            bans: HashMap::new(),
            policy: None,
        }
    }

    /// Applies the effects of an accepted statement.
    pub fn apply(&mut self, effects: Effects) {
        if let Some(v) = effects.version {
            let key = (
                v.subject.package.clone(),
                v.subject.version_normalized.clone(),
            );
            self.versions.insert(key, v);
        }
        if let Some(k) = effects.key {
            self.keys.insert(k.key_id.clone(), k);
        }
        if let Some(b) = effects.ban {
            self.bans.insert(b.sha256.clone(), b);
        }
        if let Some(p) = effects.policy {
            self.policy = Some(p);
        }
    }
}

impl LedgerView for Ledger {
    fn registry_key(&self) -> &PublicKey {
        &self.registry
    }
    fn key(&self, key_id: &str) -> Result<Option<KeyRecord>, Refusal> {
        Ok(self.keys.get(key_id).cloned())
    }
    fn version(&self, package: &str, normalized: &str) -> Result<Option<VersionStatus>, Refusal> {
        let key = (package.to_string(), normalized.to_string());
        Ok(self.versions.get(&key).cloned())
    }
    fn ban(&self, sha256: &str) -> Result<Option<Ban>, Refusal> {
        Ok(self.bans.get(sha256).cloned())
    }
    fn policy(&self) -> Result<Option<PolicyBody>, Refusal> {
        Ok(self.policy.clone())
    }
}
