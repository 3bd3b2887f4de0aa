//! Evidence bundles: the whole log in one file an auditor checks offline.
//!
//! `formulary log export` writes a bundle; `formulary verify --bundle`
//! checks one with nothing but the file (and, ideally, the registry's
//! public key pinned from elsewhere). A bundle holds every log entry,
//! verbatim, so the checker can replay the statements and rebuild every
//! version's state itself; the registry's checkpoint over them; and, for
//! the audit period (`--since`), the checkpoint before the period with a
//! consistency proof to the end, and an inclusion proof per statement in
//! the period. That pair is what proves the period's population of changes
//! is complete and append-only. The format is in `docs/evidence-bundle.md`.
//!
//! `verify composer.lock` runs on the same path: against the data folder
//! it exports a bundle in memory first, so there is one verifier.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use formulary_store::{FileDigest, KeyRecord, VersionState};
use formulary_trust::merkle::{self, Hash};
use formulary_trust::note::{Checkpoint, NoteVerifier};
use formulary_trust::statement::Statement;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::client_state::ClientState;
use crate::ledger::Ledger;
use crate::replay::{leaf_hashes, replay};
use crate::transparency::{b64, check_extends};
use crate::{Registry, RegistryError};

/// The `format` of bundles this version writes.
pub const BUNDLE_FORMAT: &str = "formulary-evidence/v1";

/// An evidence bundle (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The log's origin.
    pub origin: String,
    /// The registry's checkpoint key, as a signed-note verifier string.
    pub registry_key: String,
    /// When the bundle was made.
    pub exported_at: String,
    /// The signed checkpoint over all of `entries`.
    pub checkpoint: String,
    /// Every log entry, base64 of the envelope bytes; index = position.
    pub entries: Vec<String>,
    /// The keys as the registry lists them (the checker rebuilds its own).
    pub keys: Vec<KeyRecord>,
    /// The audit period, when `--since` was given.
    pub period: Option<Period>,
    /// File lists of approved and revoked archives, by archive sha256.
    pub files: BTreeMap<String, Vec<FileDigest>>,
}

/// The statements of an audit period and the proofs that tie them down.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Period {
    /// The period's start, RFC 3339.
    pub since: String,
    /// The checkpoint before the first statement of the period (none when
    /// the period starts with the log).
    pub start_checkpoint: Option<String>,
    /// Consistency proof from `start_checkpoint` to `checkpoint`, base64.
    pub consistency: Vec<String>,
    /// Each statement in the period with its inclusion proof.
    pub statements: Vec<PeriodStatement>,
}

/// One statement of the period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodStatement {
    /// Its log index.
    pub index: u64,
    /// Its inclusion proof against the bundle's checkpoint, base64.
    pub proof: Vec<String>,
}

/// What checking a bundle established.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    /// The log's origin.
    pub origin: String,
    /// Entries checked.
    pub size: u64,
    /// The root the checkpoint signs, base64.
    pub root: String,
    /// The registry key id.
    pub registry_key_id: String,
    /// Whether the registry key was pinned by the caller rather than taken
    /// from the bundle.
    pub key_pinned: bool,
    /// Versions by state, as the replay found them.
    pub versions: BTreeMap<String, usize>,
    /// Keys the log trusted, revoked ones included.
    pub keys: usize,
    /// The period's start, statements and start size, if there is one.
    pub period: Option<PeriodReport>,
    /// The checkpoint size this client saw before, if any.
    pub previous_size: Option<u64>,
}

/// The period part of a [`BundleReport`].
#[derive(Debug, Clone, Serialize)]
pub struct PeriodReport {
    /// Start of the period.
    pub since: String,
    /// Log size before the period.
    pub start_size: u64,
    /// Statements in the period, each with a verified inclusion proof.
    pub statements: usize,
}

/// A bundle that checked out: the report and the replayed state.
#[derive(Debug, Clone)]
pub struct Verified {
    /// What was checked.
    pub report: BundleReport,
    /// Every key, version, ban and the policy, from the replay.
    pub ledger: Ledger,
    /// The checkpoint the state is under.
    pub checkpoint: Checkpoint,
    /// Leaf hashes, for per-statement inclusion proofs.
    pub leaves: Vec<Hash>,
    /// File lists by archive sha256.
    pub files: BTreeMap<String, Vec<FileDigest>>,
}

impl Registry {
    /// Makes a bundle of the whole log, with the period from `since`.
    pub fn export_bundle(&self, since: Option<OffsetDateTime>) -> Result<Bundle, RegistryError> {
        let entries = self.log_entries()?;
        let leaves = leaf_hashes(&entries);
        let size = leaves.len() as u64;
        let checkpoint = self.latest_checkpoint(size)?;
        let period = match since {
            Some(t) => Some(self.period(&entries, &leaves, t)?),
            None => None,
        };
        let mut files = BTreeMap::new();
        for rec in self.store.versions()? {
            let served = matches!(rec.state, VersionState::Approved | VersionState::Revoked);
            if served && !rec.files.is_empty() {
                files.insert(rec.sha256.clone(), rec.files.clone());
            }
        }
        Ok(Bundle {
            format: BUNDLE_FORMAT.to_string(),
            origin: self.origin(),
            registry_key: self.note_verifier().to_vkey(),
            exported_at: self.now_rfc3339(),
            checkpoint,
            entries: entries.iter().map(|e| BASE64.encode(e)).collect(),
            keys: self.keys()?,
            period,
            files,
        })
    }

    fn period(
        &self,
        entries: &[Vec<u8>],
        leaves: &[Hash],
        since: OffsetDateTime,
    ) -> Result<Period, RegistryError> {
        let first = entries
            .iter()
            .position(|e| statement_time(e).is_some_and(|t| t >= since))
            .unwrap_or(entries.len()) as u64;
        let (start_checkpoint, consistency) = if first == 0 {
            (None, Vec::new())
        } else {
            let proof = self.consistency_proof(first, None)?;
            (Some(proof.old_checkpoint), proof.hashes)
        };
        let mut statements = Vec::new();
        for index in first..leaves.len() as u64 {
            let proof = merkle::inclusion_proof(leaves, index)
                .map_err(|e| RegistryError::LogBroken(e.to_string()))?;
            statements.push(PeriodStatement {
                index,
                proof: proof.iter().map(b64).collect(),
            });
        }
        Ok(Period {
            since: since.format(&Rfc3339).unwrap_or_default(),
            start_checkpoint,
            consistency,
            statements,
        })
    }
}

/// The time a log entry's statement claims, if it parses.
fn statement_time(entry: &[u8]) -> Option<OffsetDateTime> {
    let envelope = formulary_trust::envelope::Envelope::from_bytes(entry).ok()?;
    let statement = Statement::from_bytes(&envelope.payload_bytes().ok()?).ok()?;
    OffsetDateTime::parse(&statement.time, &Rfc3339).ok()
}

/// Checks a bundle offline. `pinned` is the registry key the caller
/// trusts (a verifier string); without one the bundle's own key is used
/// and the report says so. `client`, when given, must have seen nothing
/// the bundle contradicts, and remembers the bundle's checkpoint.
pub fn verify_bundle(
    bundle: &Bundle,
    pinned: Option<&NoteVerifier>,
    client: Option<&ClientState>,
) -> Result<Verified, RegistryError> {
    let bad = |what: String| RegistryError::BundleBroken(what);
    if bundle.format != BUNDLE_FORMAT {
        return Err(bad(format!(
            "format {:?} is not {BUNDLE_FORMAT:?}",
            bundle.format
        )));
    }
    let verifier = registry_verifier(bundle, pinned)?;
    let checkpoint = Checkpoint::open(&bundle.checkpoint, &verifier)
        .map_err(|e| bad(format!("the checkpoint does not verify: {e}")))?;

    let entries = decode_entries(&bundle.entries)?;
    let leaves = leaf_hashes(&entries);
    if checkpoint.size != leaves.len() as u64 || merkle::root(&leaves) != checkpoint.root {
        return Err(bad(format!(
            "the {} entries do not hash to the signed checkpoint (size {}): \
             an entry was edited, removed, added or reordered",
            leaves.len(),
            checkpoint.size
        )));
    }
    let period = match &bundle.period {
        Some(p) => Some(check_period(p, &verifier, &checkpoint, &leaves)?),
        None => None,
    };
    let ledger = replay(verifier.key, &entries).map_err(|e| bad(e.to_string()))?;
    let previous_size = match client {
        Some(c) => check_client(c, &verifier, &leaves, &bundle.checkpoint)?,
        None => None,
    };
    let report = BundleReport {
        origin: checkpoint.origin.clone(),
        size: checkpoint.size,
        root: b64(&checkpoint.root),
        registry_key_id: verifier.key.key_id(),
        key_pinned: pinned.is_some(),
        versions: count_states(&ledger),
        keys: ledger.keys.len(),
        period,
        previous_size,
    };
    Ok(Verified {
        report,
        ledger,
        checkpoint,
        leaves,
        files: bundle.files.clone(),
    })
}

fn registry_verifier(
    bundle: &Bundle,
    pinned: Option<&NoteVerifier>,
) -> Result<NoteVerifier, RegistryError> {
    let bad = |what: String| RegistryError::BundleBroken(what);
    let own =
        NoteVerifier::parse(&bundle.registry_key).map_err(|e| bad(format!("registry_key: {e}")))?;
    if let Some(pin) = pinned {
        if pin.key != own.key || pin.name != own.name {
            return Err(bad(format!(
                "the bundle is signed by registry key {} ({}), not the pinned {} ({})",
                own.key.key_id(),
                own.name,
                pin.key.key_id(),
                pin.name
            )));
        }
    }
    if own.name != bundle.origin {
        return Err(bad(
            "the registry key's name is not the log's origin".to_string()
        ));
    }
    Ok(own)
}

fn decode_entries(entries: &[String]) -> Result<Vec<Vec<u8>>, RegistryError> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            BASE64
                .decode(e)
                .map_err(|_| RegistryError::BundleBroken(format!("entry {i} is not base64")))
        })
        .collect()
}

fn check_period(
    period: &Period,
    verifier: &NoteVerifier,
    end: &Checkpoint,
    leaves: &[Hash],
) -> Result<PeriodReport, RegistryError> {
    let bad = |what: String| RegistryError::BundleBroken(what);
    let start_size = match &period.start_checkpoint {
        None => 0,
        Some(note) => {
            let start = Checkpoint::open(note, verifier).map_err(|e| {
                bad(format!(
                    "the period's start checkpoint does not verify: {e}"
                ))
            })?;
            let proof = decode_hashes(&period.consistency)?;
            merkle::verify_consistency(start.size, end.size, &start.root, &end.root, &proof)
                .map_err(|e| bad(format!("the period is not an append-only extension: {e}")))?;
            start.size
        }
    };
    for s in &period.statements {
        let leaf = leaves
            .get(s.index as usize)
            .ok_or_else(|| bad(format!("period statement {} is not in the log", s.index)))?;
        let proof = decode_hashes(&s.proof)?;
        merkle::verify_inclusion(leaf, s.index, end.size, &proof, &end.root)
            .map_err(|e| bad(format!("statement {}: inclusion proof fails: {e}", s.index)))?;
    }
    let expected = end.size.saturating_sub(start_size) as usize;
    if period.statements.len() != expected {
        return Err(bad(format!(
            "the period lists {} statements but the log grew by {expected}",
            period.statements.len()
        )));
    }
    Ok(PeriodReport {
        since: period.since.clone(),
        start_size,
        statements: period.statements.len(),
    })
}

fn decode_hashes(hashes: &[String]) -> Result<Vec<Hash>, RegistryError> {
    hashes
        .iter()
        .map(|h| {
            let bytes = BASE64.decode(h).ok();
            bytes
                .and_then(|b| <Hash>::try_from(b.as_slice()).ok())
                .ok_or_else(|| RegistryError::BundleBroken(format!("{h:?} is not a hash")))
        })
        .collect()
}

fn check_client(
    client: &ClientState,
    verifier: &NoteVerifier,
    leaves: &[Hash],
    latest: &str,
) -> Result<Option<u64>, RegistryError> {
    let previous = match client.load(&verifier.name)? {
        Some(saved) => Some(check_extends(verifier, &saved, leaves, latest)?),
        None => None,
    };
    client.save(&verifier.name, latest)?;
    Ok(previous)
}

fn count_states(ledger: &Ledger) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for status in ledger.versions.values() {
        *counts.entry(status.state.to_string()).or_insert(0) += 1;
    }
    counts
}
