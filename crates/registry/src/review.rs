//! The reviewer's side: what a version looks like under review, and the
//! decision statements reviewers sign.
//!
//! A decision names the stored archive by all its digests and the digest
//! of the findings the reviewer was shown. The statement is built here from
//! the stored record, signed by the reviewer's own key (locally, in the
//! CLI; a private key never reaches the registry), and recorded through
//! [`Registry::record`], which checks it like any other.

use formulary_composer::PackageName;
use formulary_store::{DecisionRef, VersionRecord, VersionState};
use formulary_trust::statement::{Body, DecisionBody, Statement, Verdict};
use formulary_trust::SigningKey;
use serde::{Deserialize, Serialize};

use crate::ledger::Progress;
use crate::record::{status_of, Recorded};
use crate::{Registry, RegistryError};

/// What a reviewer asks to record.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    /// `vendor/name`.
    pub package: String,
    /// The version, any spelling Composer normalizes the same.
    pub version: String,
    /// approve, reject or revoke.
    pub verdict: Verdict,
    /// For a delta review: the approved version diffed from.
    pub base_version: Option<String>,
    /// The note or reason.
    pub note: Option<String>,
}

/// One version as `formulary review show` presents it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewView {
    /// `vendor/name`.
    pub package: String,
    /// The version as published.
    pub version: String,
    /// Composer's normalized form.
    pub version_normalized: String,
    /// Where it stands.
    pub state: VersionState,
    /// Archive sha256.
    pub sha256: String,
    /// Archive sha1 (Composer's shasum).
    pub sha1: String,
    /// Tree hash of the files.
    pub tree_hash: String,
    /// Archive size in bytes.
    pub size: u64,
    /// When it was ingested.
    pub ingested_at: String,
    /// Who requested it: a key name, or `registry` for the local operator.
    pub requested_by: String,
    /// Where it came from.
    pub provenance: serde_json::Value,
    /// The most severe standing finding.
    pub max_severity: Option<String>,
    /// The scan's standing findings.
    pub findings: serde_json::Value,
    /// What the extension can do.
    pub capabilities: serde_json::Value,
    /// Decisions so far.
    pub decisions: Vec<DecisionRef>,
    /// Approvals counted against the policy.
    pub progress: Progress,
    /// What policy still requires, in words; empty when nothing does.
    pub requires: Vec<String>,
    /// The changes since the nearest approved version below this one
    /// (`review show`); `null` when there is none, and in the views
    /// other commands build for themselves.
    #[serde(default)]
    pub delta: Option<crate::ReviewDelta>,
}

impl Registry {
    /// The stored record of `package` at `version`, or a clear error.
    pub fn version_record(
        &self,
        package: &str,
        version: &str,
    ) -> Result<VersionRecord, RegistryError> {
        let name = PackageName::parse(package)?;
        let unknown = || RegistryError::UnknownVersion {
            package: package.to_string(),
            version: version.to_string(),
        };
        let Ok(normalized) = formulary_composer::version::normalize(version) else {
            return Err(unknown());
        };
        self.store.version(&name, &normalized)?.ok_or_else(unknown)
    }

    /// The statement for `request`, to be signed by `signer_key_id`.
    pub fn decision_statement(
        &self,
        request: &DecisionRequest,
        signer_key_id: &str,
    ) -> Result<Statement, RegistryError> {
        let record = self.version_record(&request.package, &request.version)?;
        let status = status_of(&record);
        let body = Body::Decision(DecisionBody {
            registry: self.origin(),
            subject: status.subject,
            verdict: request.verdict,
            base_version: self.stored_spelling(&request.package, request.base_version.as_deref()),
            findings_digest: record.findings_digest.clone(),
            note: request.note.clone(),
            policy_rule: None,
        });
        Ok(Statement::new(signer_key_id, &self.now_rfc3339(), body))
    }

    /// A base version as the registry stores it (`1.0.0` for `v1.0`), so
    /// the log names it one way whatever the reviewer typed; as typed when
    /// it is not stored (the judge then refuses it, naming it).
    fn stored_spelling(&self, package: &str, base: Option<&str>) -> Option<String> {
        let base = base?;
        match self.version_record(package, base) {
            Ok(record) => Some(record.version),
            Err(_) => Some(base.to_string()),
        }
    }

    /// Builds, signs with `key` and records a decision.
    pub fn decide(
        &self,
        request: &DecisionRequest,
        key: &SigningKey,
    ) -> Result<Recorded, RegistryError> {
        let statement = self.decision_statement(request, &key.key_id())?;
        self.record(&statement.sign(key))
    }

    /// `formulary review show`.
    pub fn review_view(&self, package: &str, version: &str) -> Result<ReviewView, RegistryError> {
        let record = self.version_record(package, version)?;
        let status = status_of(&record);
        let requester = match &record.requested_by {
            Some(id) => self.store.key(id)?.map_or(id.clone(), |k| k.name),
            None => "registry".to_string(),
        };
        let policy = self.config.policy_body();
        let named = record.requested_by.as_ref().map(|_| requester.as_str());
        let progress = Progress::of(&status, &policy, named);
        let requires = requirements(&record, &progress, &requester);
        Ok(ReviewView {
            package: record.name.to_string(),
            version: record.version.clone(),
            version_normalized: record.version_normalized.clone(),
            state: record.state,
            sha256: record.sha256.clone(),
            sha1: record.sha1.clone(),
            tree_hash: record.tree_hash.clone(),
            size: record.size,
            ingested_at: record.ingested_at.clone(),
            requested_by: requester,
            provenance: record.provenance.clone(),
            max_severity: record.max_severity.clone(),
            findings: record.scan["findings"].clone(),
            capabilities: record.scan["capabilities"].clone(),
            decisions: record.decisions.clone(),
            progress,
            requires,
            delta: None,
        })
    }
}

/// What policy still asks of a version, in words.
fn requirements(record: &VersionRecord, progress: &Progress, requester: &str) -> Vec<String> {
    if record.state != VersionState::Pending || progress.missing() == 0 {
        return Vec::new();
    }
    let why = if progress.high_risk {
        format!(
            "its scan found a {} finding",
            record.max_severity.as_deref().unwrap_or("serious")
        )
    } else {
        "policy asks it of every version".to_string()
    };
    let mut others = vec![requester.to_string()];
    others.extend(progress.approvers.iter().cloned());
    others.retain(|n| n != "registry");
    let besides = if others.is_empty() {
        String::new()
    } else {
        format!(" other than {}", others.join(", "))
    };
    vec![format!(
        "{} more approval{} from a reviewer{besides} ({} of {} needed: {why})",
        progress.missing(),
        if progress.missing() == 1 { "" } else { "s" },
        progress.approvers.len(),
        progress.required,
    )]
}
