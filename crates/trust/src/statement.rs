//! Statements: the documented JSON form of everything the log records.
//!
//! Every change to who may decide and to where a version stands is a
//! statement, signed by the key that made it and appended to the log:
//!
//! | kind | signed by | says |
//! |---|---|---|
//! | `ingest` | the requester's key, or the registry key | this archive was taken in, with these findings |
//! | `decision` | a reviewer or admin key | approve, reject or revoke this exact archive |
//! | `key-trust` | the registry key or an admin key | accept this public key in this role |
//! | `key-revoke` | the registry key or an admin key | stop accepting this key from here on |
//! | `policy` | the registry key | the review policy in force from here on |
//!
//! Because the policy and the keys are in the log too, the state of every
//! version can be rebuilt from the log alone, and an auditor can judge each
//! decision by the policy and keys in force at its position (never by a
//! clock that a signer could set back).
//!
//! A statement names its subject by content: the archive's sha256 and sha1
//! and the tree hash of its files, beside the name and version. A re-upload
//! with other bytes under the same version is another subject, which no
//! earlier approval covers. The full format is in `docs/statements.md`.

use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::keys::SigningKey;

/// The `_type` of every statement this version writes.
pub const STATEMENT_TYPE: &str = "https://formulary.dev/statement/v1";

/// One signed fact in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The key id of the key that signs this statement.
    pub signer: String,
    /// When it was made, RFC 3339 UTC, as the signer's clock says. Shown to
    /// people; never used to decide validity (log position does that).
    pub time: String,
    /// What the statement says.
    #[serde(flatten)]
    pub body: Body,
}

/// The kinds of statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Body {
    /// An archive was ingested and is pending review.
    Ingest(IngestBody),
    /// A reviewer's verdict on one archive.
    Decision(DecisionBody),
    /// A key is trusted in a role.
    KeyTrust(KeyTrustBody),
    /// A key is no longer trusted.
    KeyRevoke(KeyRevokeBody),
    /// The review policy from this position on.
    Policy(PolicyBody),
}

/// Exactly which archive a statement is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// `vendor/name`.
    pub package: String,
    /// The version as published.
    pub version: String,
    /// Composer's normalized version.
    pub version_normalized: String,
    /// sha256 hex of the archive bytes.
    pub sha256: String,
    /// sha1 hex of the archive bytes (Composer's `shasum`).
    pub sha1: String,
    /// The tree hash of the unpacked files.
    pub tree_hash: String,
}

/// An `ingest` statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestBody {
    /// The archive.
    #[serde(flatten)]
    pub subject: Subject,
    /// sha256 hex of the scan's findings, as [`findings_digest`] makes it.
    pub findings_digest: String,
    /// The most severe standing finding, if any (`critical` … `info`).
    pub max_severity: Option<String>,
}

/// What a reviewer decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The archive may be served.
    Approve,
    /// The archive must never be served.
    Reject,
    /// A served archive is withdrawn, for good.
    Revoke,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
            Verdict::Revoke => "revoke",
        })
    }
}

/// A `decision` statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionBody {
    /// The log origin of the registry the decision is for. A reviewer
    /// trusted by two registries (staging and production, say) signs for
    /// one of them; the other refuses the statement, so an approval cannot
    /// be replayed where it was not given.
    pub registry: String,
    /// The archive decided on.
    #[serde(flatten)]
    pub subject: Subject,
    /// The verdict.
    pub verdict: Verdict,
    /// For a delta review: the approved version the reviewer diffed from.
    #[serde(default)]
    pub base_version: Option<String>,
    /// sha256 hex of the findings the reviewer was shown.
    pub findings_digest: String,
    /// The reviewer's note (approve) or reason (reject, revoke).
    #[serde(default)]
    pub note: Option<String>,
    /// For an automatic approval: the policy rule that allowed it.
    #[serde(default)]
    pub policy_rule: Option<String>,
}

/// What a trusted key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Approves, rejects and revokes versions.
    Reviewer,
    /// Takes in upstream versions; approves only what policy allows.
    Intake,
    /// Decides like a reviewer and manages keys.
    Admin,
}

impl Role {
    /// Parses `reviewer`, `intake` or `admin`.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "reviewer" => Some(Role::Reviewer),
            "intake" => Some(Role::Intake),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Reviewer => "reviewer",
            Role::Intake => "intake",
            Role::Admin => "admin",
        })
    }
}

/// A `key-trust` statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTrustBody {
    /// The trusted key's id.
    pub key_id: String,
    /// Its public key, base64.
    pub public_key: String,
    /// The person or system it belongs to; approvals count by name.
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// A `key-revoke` statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRevokeBody {
    /// The key no longer trusted.
    pub key_id: String,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A `policy` statement: the review rules from this log position on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyBody {
    /// Distinct reviewers (not the requester) an ordinary version needs.
    pub reviewers: u32,
    /// Distinct reviewers a version with a finding at or above
    /// `high_risk_severity` needs.
    pub high_risk_reviewers: u32,
    /// The severity from which a version counts as high risk.
    pub high_risk_severity: String,
    /// The rule under which an intake key may approve on its own; absent
    /// when automatic intake approvals are off. Left out of the JSON when
    /// absent, so policies logged before intake existed keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake: Option<IntakeRule>,
}

/// The automatic-approval rule a `policy` statement puts in force.
///
/// The judge re-checks the parts it can see in the log (the rule's name,
/// the base version, patch level, the vendor); the release age and the
/// scan delta are the intake's own claim, bounded by `block_severity`
/// where the log's severities allow (`docs/statements.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeRule {
    /// The rule's name, which intake decisions quote as `policy_rule`
    /// (`patch-fast-track`).
    pub rule: String,
    /// Vendors (the part of a package name before `/`) whose patch
    /// releases the rule covers.
    pub trusted_vendors: Vec<String>,
    /// Seconds that must pass after the upstream release before the rule
    /// approves a version.
    pub min_release_age_secs: u64,
    /// A new finding at or above this severity keeps a version for a
    /// reviewer.
    pub block_severity: String,
}

impl Statement {
    /// A statement of this version's type.
    pub fn new(signer: &str, time: &str, body: Body) -> Statement {
        Statement {
            statement_type: STATEMENT_TYPE.to_string(),
            signer: signer.to_string(),
            time: time.to_string(),
            body,
        }
    }

    /// The statement's JSON bytes, as signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain data of strings and numbers always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses a payload; refuses another `_type`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Statement, String> {
        let statement: Statement = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if statement.statement_type != STATEMENT_TYPE {
            return Err(format!(
                "statement type {:?} is not {STATEMENT_TYPE:?}",
                statement.statement_type
            ));
        }
        Ok(statement)
    }

    /// Signs the statement with `key`, whose id must be [`Statement::signer`].
    pub fn sign(&self, key: &SigningKey) -> Envelope {
        Envelope::sign(&self.to_bytes(), key)
    }

    /// The archive this statement is about, if it is about one.
    pub fn subject(&self) -> Option<&Subject> {
        match &self.body {
            Body::Ingest(b) => Some(&b.subject),
            Body::Decision(b) => Some(&b.subject),
            _ => None,
        }
    }

    /// The kind, as written in the JSON (`decision`, `key-trust`, …).
    pub fn kind(&self) -> &'static str {
        match self.body {
            Body::Ingest(_) => "ingest",
            Body::Decision(_) => "decision",
            Body::KeyTrust(_) => "key-trust",
            Body::KeyRevoke(_) => "key-revoke",
            Body::Policy(_) => "policy",
        }
    }
}

/// The digest of a scan's findings that statements carry: sha256 hex over
/// the sorted fingerprints, one per line. Fingerprints survive lines moving
/// and re-serialization, so the digest changes only when what was found
/// changes.
pub fn findings_digest<'a>(fingerprints: impl IntoIterator<Item = &'a str>) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&str> = fingerprints.into_iter().collect();
    sorted.sort_unstable();
    let mut hasher = Sha256::new();
    for fp in sorted {
        hasher.update(fp.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn subject() -> Subject {
        Subject {
            package: "acme/pay".into(),
            version: "1.2.1".into(),
            version_normalized: "1.2.1.0".into(),
            sha256: "a".repeat(64),
            sha1: "b".repeat(40),
            tree_hash: "c".repeat(64),
        }
    }

    #[test]
    fn a_decision_reads_as_documented_flat_json() {
        let s = Statement::new(
            "k1",
            "2026-12-04T10:00:00Z",
            Body::Decision(DecisionBody {
                registry: "formulary/test".into(),
                subject: subject(),
                verdict: Verdict::Approve,
                base_version: Some("1.2.0".into()),
                findings_digest: findings_digest(["f2", "f1"]),
                note: Some("checked the new observer".into()),
                policy_rule: None,
            }),
        );
        let json: serde_json::Value = serde_json::from_slice(&s.to_bytes()).unwrap();
        assert_eq!(json["_type"], STATEMENT_TYPE);
        assert_eq!(json["kind"], "decision");
        assert_eq!(json["package"], "acme/pay");
        assert_eq!(json["verdict"], "approve");
        assert_eq!(json["base_version"], "1.2.0");
        assert_eq!(Statement::from_bytes(&s.to_bytes()).unwrap(), s);
    }

    #[test]
    fn a_signed_statement_verifies_with_its_signer() {
        let key = SigningKey::from_seed(&[7; 32]);
        let s = Statement::new(
            &key.key_id(),
            "2026-12-04T10:00:00Z",
            Body::KeyRevoke(KeyRevokeBody {
                key_id: "old".into(),
                reason: None,
            }),
        );
        let payload = s.sign(&key).verify(&key.public()).unwrap();
        assert_eq!(
            Statement::from_bytes(&payload).unwrap().kind(),
            "key-revoke"
        );
    }

    #[test]
    fn the_findings_digest_ignores_order_but_not_content() {
        assert_eq!(findings_digest(["a", "b"]), findings_digest(["b", "a"]));
        assert_ne!(findings_digest(["a", "b"]), findings_digest(["a"]));
        assert_eq!(
            findings_digest(std::iter::empty()),
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b""))
        );
    }

    #[test]
    fn another_statement_type_is_refused() {
        let text = br#"{"_type":"https://in-toto.io/Statement/v1","signer":"k","time":"t","kind":"policy","reviewers":1,"high_risk_reviewers":2,"high_risk_severity":"high"}"#;
        assert!(Statement::from_bytes(text).unwrap_err().contains("in-toto"));
    }
}
