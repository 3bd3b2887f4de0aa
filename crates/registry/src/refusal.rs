//! Why a statement was refused: at record time (nothing is written) or
//! during a replay (the log does not verify at that entry).
//!
//! Each message names the version, key or field concerned and what would
//! be accepted instead, so that a reviewer who is refused knows what to do.

use formulary_store::VersionState;
use formulary_trust::envelope::EnvelopeError;
use formulary_trust::statement::{Role, Verdict};

/// A statement the rules do not allow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The envelope or its signature is bad.
    #[error("{0}")]
    Envelope(EnvelopeError),
    /// The payload is not a statement.
    #[error("not a formulary statement: {0}")]
    Statement(String),
    /// The statement names another signer than the signature.
    #[error("the statement says it is signed by {claimed}, but key {signed} signed it")]
    SignerMismatch {
        /// The `signer` field.
        claimed: String,
        /// The envelope's key.
        signed: String,
    },
    /// Nobody trusted this key.
    #[error(
        "key {0} is not trusted by this registry; an admin adds it with \
         `formulary key trust FILE.pub --name NAME --role reviewer`"
    )]
    UnknownKey(String),
    /// The key was revoked before this position in the log.
    #[error(
        "key {key_id} ({name}) was revoked at log index {at}; its later statements are refused"
    )]
    KeyRevoked {
        /// The key.
        key_id: String,
        /// Whose it was.
        name: String,
        /// Where it was revoked.
        at: u64,
    },
    /// An ingest for a version already in the log.
    #[error("{0} is already ingested")]
    AlreadyIngested(String),
    /// A decision on a version the registry does not hold.
    #[error("{0} is not stored in this registry; see `formulary review list`")]
    UnknownVersion(String),
    /// The role may not decide.
    #[error(
        "{name} holds the role {role}; only reviewer and admin keys can approve, reject or revoke \
         (an intake key approves only through `formulary intake`, under the policy's intake rule)"
    )]
    NotADecider {
        /// The key's name.
        name: String,
        /// Its role.
        role: String,
    },
    /// The role may not manage keys.
    #[error(
        "{name}'s key has the {role} role; only an admin key or the registry operator manages keys"
    )]
    NotKeyManager {
        /// The key's name.
        name: String,
        /// Its role.
        role: Role,
    },
    /// Only the registry key sets policy.
    #[error("{0} cannot set policy; the registry records formulary.toml's policy itself")]
    NotRegistry(String),
    /// The decision names other bytes than the stored version.
    #[error(
        "the decision on {subject} names {field} {named}, but the stored archive has {stored}; \
         review the archive the registry holds (`formulary review show`)"
    )]
    OtherArchive {
        /// The version.
        subject: String,
        /// Which digest differs.
        field: &'static str,
        /// What is stored.
        stored: String,
        /// What the statement says.
        named: String,
    },
    /// A decision signed for another registry's log.
    #[error(
        "the decision on {subject} was signed for registry {named}, not this one ({here}); \
         sign it again against this registry"
    )]
    OtherRegistry {
        /// The version.
        subject: String,
        /// The registry the statement names.
        named: String,
        /// This registry's origin.
        here: String,
    },
    /// The reviewer saw other findings than the stored scan's.
    #[error("the findings digest in the decision on {0} is not the stored scan's; look again with `formulary review show`")]
    StaleFindings(String),
    /// A delta review's base is not an approved version.
    #[error(
        "--base: {0}; the base of a delta review is an approved version below the one decided"
    )]
    BadBase(String),
    /// The archive digest was rejected or revoked before.
    #[error(
        "{subject} cannot be approved: its archive sha256 {sha256} was {state} as {earlier} \
         at log index {index}, and that is final; publish a new version"
    )]
    Banned {
        /// The version.
        subject: String,
        /// The digest.
        sha256: String,
        /// rejected or revoked.
        state: VersionState,
        /// Which version it was banned as.
        earlier: String,
        /// The log index of the ban.
        index: u64,
    },
    /// The verdict does not fit the version's state.
    #[error("{subject} is {state}; it cannot take the verdict {verdict}{}", hint(*state, *verdict))]
    WrongState {
        /// The version.
        subject: String,
        /// Its state.
        state: VersionState,
        /// The refused verdict.
        verdict: Verdict,
    },
    /// The requester tried to approve.
    #[error("{name} requested {subject}, so another reviewer must approve it")]
    RequesterApproves {
        /// The version.
        subject: String,
        /// The requester.
        name: String,
    },
    /// The same person approved twice.
    #[error("{name} already approved {subject}; approvals count once per person, so another reviewer must add theirs")]
    SecondApproval {
        /// The version.
        subject: String,
        /// The reviewer.
        name: String,
    },
    /// A key statement with a bad key.
    #[error("{0}")]
    BadKey(String),
    /// A key trusted (or revoked) before.
    #[error("key {key_id} is already {} as {name}{}", if *revoked { "revoked" } else { "trusted" }, if *revoked { "; revoked keys stay revoked: make a new key with `formulary key new`" } else { "" })]
    KeyKnown {
        /// The key.
        key_id: String,
        /// Its name.
        name: String,
        /// Whether it was revoked.
        revoked: bool,
    },
    /// A statement field with text we refuse to record.
    #[error("the statement's {field} is refused: {reason}")]
    BadText {
        /// Which field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A statement dated too far from the registry's clock.
    #[error(
        "the statement is dated {time}, but the registry's clock says {now}; statements are \
         recorded within {minutes} minutes of when they are signed: check your clock and sign again"
    )]
    ClockSkew {
        /// The statement's time.
        time: String,
        /// The registry's time.
        now: String,
        /// The allowed skew.
        minutes: i64,
    },
    /// A reviewer's or admin's decision that quotes a policy rule.
    #[error(
        "{name}'s decision quotes policy rule {rule:?}; only an intake key's automatic \
         approval names a rule, a reviewer's decision stands in their own name"
    )]
    ReviewerQuotesRule {
        /// The key's name.
        name: String,
        /// The quoted rule.
        rule: String,
    },
    /// An intake key tried to reject or revoke.
    #[error(
        "{name} holds an intake key, which only approves under the policy's intake rule; \
         a {verdict} needs a reviewer or admin key"
    )]
    IntakeVerdict {
        /// The key's name.
        name: String,
        /// The refused verdict.
        verdict: Verdict,
    },
    /// An intake approval the rule in force does not cover.
    #[error("the intake approval of {subject} is refused: {reason}; it stays for a reviewer")]
    IntakeRule {
        /// The version.
        subject: String,
        /// Which condition failed.
        reason: String,
    },
    /// A policy statement with impossible values.
    #[error("policy refused: {0}")]
    BadPolicy(String),
    /// The store failed while looking something up.
    #[error(transparent)]
    Store(#[from] formulary_store::StoreError),
}

fn hint(state: VersionState, verdict: Verdict) -> &'static str {
    match (state, verdict) {
        (VersionState::Pending, Verdict::Revoke) => " (a pending version is rejected, not revoked)",
        (VersionState::Approved, Verdict::Reject) => {
            " (an approved version is revoked, not rejected)"
        }
        (VersionState::Approved, Verdict::Approve) => " (it is already approved)",
        _ => " (that is final)",
    }
}
