//! Recording statements: judge, then commit, one at a time.
//!
//! Every write to review state goes through [`Registry::append`]: the
//! statement is judged against the store as it is now (see
//! [`crate::ledger`]), and if the rules allow it, the statement and all it
//! changes are committed in one transaction with a new signed checkpoint.
//! A refused statement changes nothing.
//!
//! Before the first decision, and whenever `formulary.toml`'s policy
//! changes, the registry logs a `policy` statement of its own, so that the
//! log says which rules each decision was judged by.

use formulary_store::{Commit, Committed, KeyRecord, Store, VersionRecord, VersionWrite};
use formulary_trust::envelope::Envelope;
use formulary_trust::merkle::Hash;
use formulary_trust::note::Checkpoint;
use formulary_trust::statement::{Body, PolicyBody, Statement};
use formulary_trust::PublicKey;

use crate::ledger::{self, Effects, LedgerView, VersionStatus};
use crate::refusal::Refusal;
use crate::{Registry, RegistryError};

/// What recording a statement did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The statement's position in the log.
    pub index: u64,
    /// The statement.
    pub statement: Statement,
    /// The version's status afterwards, for statements about a version.
    pub version: Option<VersionStatus>,
}

impl Registry {
    /// Judges and records a signed statement (a decision or key change
    /// signed elsewhere, or one the registry made).
    pub fn record(&self, envelope: &Envelope) -> Result<Recorded, RegistryError> {
        let _guard = self.write_lock();
        // Read unverified, only to choose the steps below; an unreadable
        // statement goes straight to the judge, which says why.
        let claimed = envelope
            .payload_bytes()
            .ok()
            .and_then(|p| Statement::from_bytes(&p).ok());
        if let Some(statement) = &claimed {
            self.check_clock(statement)?;
        }
        if claimed.is_some_and(|s| matches!(s.body, Body::Decision(_))) {
            self.judge_under_configured_policy(envelope)?;
            self.ensure_policy()?;
        }
        self.append(envelope, None)
    }

    /// Judges a decision under formulary.toml's policy without writing
    /// anything. A decision may be the one that makes the registry log a
    /// new policy; we judge it first so that a refused decision leaves no
    /// policy statement behind. Callers hold the write lock.
    fn judge_under_configured_policy(&self, envelope: &Envelope) -> Result<(), RegistryError> {
        let wanted = self.config.policy_body();
        let view = StoreView::new(&self.store, self.registry_public());
        let policy_due = view.policy()?.as_ref() != Some(&wanted);
        // When a policy statement is due, the decision lands after it.
        let index = self.store.log_size()? + u64::from(policy_due);
        let view = view.with_policy(wanted);
        ledger::judge(&view, index, envelope, None)?;
        Ok(())
    }

    /// Records a statement, inserting `new_version` for an ingest.
    /// Callers hold the write lock.
    pub(crate) fn append(
        &self,
        envelope: &Envelope,
        new_version: Option<VersionRecord>,
    ) -> Result<Recorded, RegistryError> {
        let index = self.store.log_size()?;
        let view = StoreView::new(&self.store, self.registry_public());
        let (statement, effects) = ledger::judge(&view, index, envelope, None)?;
        let commit = self.commit_for(envelope, &statement, &effects, new_version)?;
        let sign = |size: u64, root: &Hash| self.sign_checkpoint(size, root);
        match self.store.commit(&commit, &sign)? {
            Committed::At(at) => {
                tracing::debug!(index = at, kind = statement.kind(), signer = %effects.signer_name, "statement recorded");
                Ok(Recorded {
                    index: at,
                    statement,
                    version: effects.version,
                })
            }
            Committed::AlreadyPresent => Err(Refusal::AlreadyIngested(commit.subject).into()),
        }
    }

    /// A statement signed elsewhere must be dated close to now: its time
    /// places it in an audit period (`log export --since`), so a signer
    /// must not be able to date it into or out of one. Statements the
    /// registry signs itself are dated by its own clock.
    fn check_clock(&self, statement: &Statement) -> Result<(), RegistryError> {
        const MINUTES: i64 = 10;
        use time::format_description::well_known::Rfc3339;
        let Ok(time) = time::OffsetDateTime::parse(&statement.time, &Rfc3339) else {
            return Ok(());
        };
        if (time - (self.clock)()).whole_minutes().abs() > MINUTES {
            return Err(Refusal::ClockSkew {
                time: statement.time.clone(),
                now: self.now_rfc3339(),
                minutes: MINUTES,
            }
            .into());
        }
        Ok(())
    }

    /// Logs formulary.toml's policy if the log does not already hold it.
    /// Callers hold the write lock.
    pub(crate) fn ensure_policy(&self) -> Result<(), RegistryError> {
        let wanted = self.config.policy_body();
        let view = StoreView::new(&self.store, self.registry_public());
        if view.policy()? == Some(wanted.clone()) {
            return Ok(());
        }
        tracing::debug!(?wanted, "logging the policy in force");
        let statement = self.registry_statement(Body::Policy(wanted));
        self.append(&statement.sign(&self.registry_key), None)?;
        Ok(())
    }

    /// A statement signed by the registry key, dated now.
    pub(crate) fn registry_statement(&self, body: Body) -> Statement {
        Statement::new(&self.registry_key.key_id(), &self.now_rfc3339(), body)
    }

    /// The signed checkpoint for a log of `size` entries with `root`.
    pub(crate) fn sign_checkpoint(&self, size: u64, root: &Hash) -> String {
        let checkpoint = Checkpoint {
            origin: self.origin(),
            size,
            root: *root,
        };
        // The origin is built from a key id, so it is always a valid name.
        checkpoint.sign(&self.registry_key).unwrap_or_default()
    }

    /// The log's origin line: `formulary/<registry key id>`.
    pub fn origin(&self) -> String {
        ledger::origin_for(&self.registry_public())
    }

    /// The registry's public key.
    pub fn registry_public(&self) -> PublicKey {
        self.registry_key.public()
    }

    fn commit_for(
        &self,
        envelope: &Envelope,
        statement: &Statement,
        effects: &Effects,
        new_version: Option<VersionRecord>,
    ) -> Result<Commit, RegistryError> {
        let version = match (&effects.version, new_version) {
            (Some(status), Some(mut rec)) => {
                apply_status(&mut rec, status);
                Some(VersionWrite::Insert(rec))
            }
            (Some(status), None) => Some(VersionWrite::Update(self.updated(status)?)),
            (None, _) => None,
        };
        let policy = effects.policy.as_ref().map(encode_policy);
        Ok(Commit {
            entry: envelope.to_bytes(),
            version,
            key: effects.key.clone(),
            ban: effects.ban.clone(),
            policy,
            who: effects.signer_name.clone(),
            what: what(statement),
            subject: subject_of(statement),
        })
    }

    /// The stored record with the status a decision gave it.
    fn updated(&self, status: &VersionStatus) -> Result<VersionRecord, RegistryError> {
        let s = &status.subject;
        let name = formulary_composer::PackageName::parse(&s.package)?;
        let mut rec = self
            .store
            .version(&name, &s.version_normalized)?
            .ok_or_else(|| Refusal::UnknownVersion(ledger::label(s)))?;
        apply_status(&mut rec, status);
        Ok(rec)
    }
}

/// Copies what the log decides into a full version record.
fn apply_status(rec: &mut VersionRecord, status: &VersionStatus) {
    rec.state = status.state;
    rec.requested_by = status.requested_by.clone();
    rec.max_severity = status.max_severity.clone();
    rec.findings_digest = status.findings_digest.clone();
    rec.decisions = status.decisions.clone();
}

fn encode_policy(policy: &PolicyBody) -> Vec<u8> {
    serde_json::to_vec(policy).unwrap_or_default()
}

/// The audit trail's `what`: `ingest`, `decision-approve`, `key-trust`, …
fn what(statement: &Statement) -> String {
    match &statement.body {
        Body::Decision(d) => format!("decision-{}", d.verdict),
        _ => statement.kind().to_string(),
    }
}

/// The audit trail's `subject`.
fn subject_of(statement: &Statement) -> String {
    match &statement.body {
        Body::Ingest(b) => ledger::label(&b.subject),
        Body::Decision(b) => ledger::label(&b.subject),
        Body::KeyTrust(b) => format!("key {} ({})", b.key_id, b.name),
        Body::KeyRevoke(b) => format!("key {}", b.key_id),
        Body::Policy(_) => "policy".to_string(),
    }
}

/// The store, seen by the judge.
pub(crate) struct StoreView<'a> {
    store: &'a Store,
    registry: PublicKey,
    /// A policy to judge by instead of the stored one.
    policy: Option<PolicyBody>,
}

impl<'a> StoreView<'a> {
    pub(crate) fn new(store: &'a Store, registry: PublicKey) -> StoreView<'a> {
        StoreView {
            store,
            registry,
            policy: None,
        }
    }

    /// The same view, judging by `policy` as if it were logged.
    fn with_policy(self, policy: PolicyBody) -> StoreView<'a> {
        StoreView {
            policy: Some(policy),
            ..self
        }
    }
}

impl LedgerView for StoreView<'_> {
    fn registry_key(&self) -> &PublicKey {
        &self.registry
    }

    fn key(&self, key_id: &str) -> Result<Option<KeyRecord>, Refusal> {
        Ok(self.store.key(key_id)?)
    }

    fn version(&self, package: &str, normalized: &str) -> Result<Option<VersionStatus>, Refusal> {
        let Ok(name) = formulary_composer::PackageName::parse(package) else {
            return Ok(None);
        };
        let record = self.store.version(&name, normalized);
        Ok(record?.map(|r| status_of(&r)))
    }

    fn ban(&self, sha256: &str) -> Result<Option<formulary_store::Ban>, Refusal> {
        Ok(self.store.ban(sha256)?)
    }

    fn policy(&self) -> Result<Option<PolicyBody>, Refusal> {
        if let Some(policy) = &self.policy {
            return Ok(Some(policy.clone()));
        }
        let Some(bytes) = self.store.policy()? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Refusal::BadPolicy(format!("stored policy is unreadable: {e}")))
    }
}

/// What the log determines of a stored record.
pub fn status_of(rec: &VersionRecord) -> VersionStatus {
    VersionStatus {
        subject: formulary_trust::statement::Subject {
            package: rec.name.to_string(),
            version: rec.version.clone(),
            version_normalized: rec.version_normalized.clone(),
            sha256: rec.sha256.clone(),
            sha1: rec.sha1.clone(),
            tree_hash: rec.tree_hash.clone(),
        },
        state: rec.state,
        requested_by: rec.requested_by.clone(),
        max_severity: rec.max_severity.clone(),
        findings_digest: rec.findings_digest.clone(),
        ingest_index: rec.ingest_index.unwrap_or(u64::MAX),
        decisions: rec.decisions.clone(),
    }
}
