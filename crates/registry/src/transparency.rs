//! The log as the registry serves it: verification against the store,
//! inclusion and consistency proofs, and what `log show` lists.
//!
//! `log verify` trusts nothing it can recompute. It re-hashes every entry,
//! rebuilds the tree and compares the root with the registry's signed
//! checkpoints, replays every statement (signatures and rules), compares
//! the replayed state with the store's records, and finally checks that
//! the log is an extension of the last checkpoint this client saw. An
//! entry edited, removed or reordered in the database, a record changed
//! behind the log's back, or a log rewound since the last run each fail
//! one of these steps, and the error says which.

use formulary_trust::merkle::{self, Frontier, Hash};
use formulary_trust::note::{parse_note, Checkpoint, NoteVerifier};
use serde::{Deserialize, Serialize};

use crate::client_state::ClientState;
use crate::ledger::Ledger;
use crate::record::status_of;
use crate::replay::{leaf_hashes, replay_from};
use crate::{Registry, RegistryError};

/// What `log verify` checked.
#[derive(Debug, Clone, Serialize)]
pub struct LogReport {
    /// The log's origin line.
    pub origin: String,
    /// Entries in the log.
    pub size: u64,
    /// The root hash, base64 as in checkpoints.
    pub root: String,
    /// Signed checkpoints checked.
    pub checkpoints: usize,
    /// Versions whose stored state matched the replay.
    pub versions: usize,
    /// Keys whose stored record matched the replay.
    pub keys: usize,
    /// The size of the checkpoint this client saw last, if any.
    pub previous_size: Option<u64>,
    /// Statement signatures checked in this run: all of them with
    /// `full`, else those after the checkpoint this client verified last.
    pub signatures_checked: u64,
}

/// An inclusion proof for one statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The statement's index.
    pub index: u64,
    /// The tree size the proof is for.
    pub size: u64,
    /// The proof hashes, base64.
    pub hashes: Vec<String>,
    /// The signed checkpoint at `size`.
    pub checkpoint: String,
}

impl InclusionProof {
    /// The C2SP `tlog-proof` text form.
    pub fn to_tlog_proof(&self) -> String {
        let mut out = format!("c2sp.org/tlog-proof@v1\nindex {}\n", self.index);
        for h in &self.hashes {
            out.push_str(h);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }
}

/// A consistency proof between two checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub old_size: u64,
    /// The newer tree size.
    pub new_size: u64,
    /// The proof hashes, base64.
    pub hashes: Vec<String>,
    /// The signed checkpoint at `old_size`.
    pub old_checkpoint: String,
    /// The signed checkpoint at `new_size`.
    pub new_checkpoint: String,
}

impl Registry {
    /// The registry key as a signed-note verifier for its checkpoints.
    pub fn note_verifier(&self) -> NoteVerifier {
        // The origin is made of a key id, which is always a valid name.
        NoteVerifier {
            name: self.origin(),
            key: self.registry_public(),
        }
    }

    /// Every log entry, in order; a gap in the indices is an error.
    pub fn log_entries(&self) -> Result<Vec<Vec<u8>>, RegistryError> {
        let stored = self.store.log_entries()?;
        let mut entries = Vec::with_capacity(stored.len());
        for (expected, (index, bytes)) in stored.into_iter().enumerate() {
            if index != expected as u64 {
                return Err(broken(format!(
                    "log entry {expected} is missing (the next stored entry is {index})"
                )));
            }
            entries.push(bytes);
        }
        Ok(entries)
    }

    /// `formulary log verify` (see the module docs).
    ///
    /// Unless `full`, the signatures of the entries up to the checkpoint
    /// this client verified last are not checked again: the consistency
    /// check shows those entries are byte for byte the ones whose
    /// signatures it checked then. Every entry is still judged and the
    /// state still compared.
    pub fn verify_log(&self, client: &ClientState, full: bool) -> Result<LogReport, RegistryError> {
        let entries = self.log_entries()?;
        let leaves = leaf_hashes(&entries);
        let checkpoints = self.check_checkpoints(&leaves)?;
        let latest = self.latest_checkpoint(leaves.len() as u64)?;
        let previous_size = self.check_client(client, &leaves, &latest)?;
        let verified = if full { 0 } else { previous_size.unwrap_or(0) };
        let ledger = replay_from(self.registry_public(), &entries, verified as usize)
            .map_err(|e| broken(e.to_string()))?;
        let (versions, keys) = self.compare_with_store(&ledger)?;
        client.save(&self.origin(), &latest)?;
        Ok(LogReport {
            origin: self.origin(),
            size: leaves.len() as u64,
            root: b64(&merkle::root(&leaves)),
            checkpoints,
            versions,
            keys,
            previous_size,
            signatures_checked: leaves.len() as u64 - verified,
        })
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries
    /// (default: the whole log).
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: Option<u64>,
    ) -> Result<InclusionProof, RegistryError> {
        let leaves = self.stored_leaves()?;
        let size = size.unwrap_or(leaves.len() as u64);
        if size > leaves.len() as u64 || index >= size {
            return Err(RegistryError::NoSuchEntry { index, size });
        }
        let proof = merkle::inclusion_proof(&leaves[..size as usize], index)
            .map_err(|e| broken(e.to_string()))?;
        Ok(InclusionProof {
            index,
            size,
            hashes: proof.iter().map(b64).collect(),
            checkpoint: self.latest_checkpoint(size)?,
        })
    }

    /// The consistency proof from the checkpoint at `old` entries to the
    /// one at `new` (default: the whole log).
    pub fn consistency_proof(
        &self,
        old: u64,
        new: Option<u64>,
    ) -> Result<ConsistencyProof, RegistryError> {
        let leaves = self.stored_leaves()?;
        let new = new.unwrap_or(leaves.len() as u64);
        if old == 0 || old > new || new > leaves.len() as u64 {
            return Err(RegistryError::NoSuchCheckpoints { old, new });
        }
        let proof = merkle::consistency_proof(&leaves[..new as usize], old)
            .map_err(|e| broken(e.to_string()))?;
        Ok(ConsistencyProof {
            old_size: old,
            new_size: new,
            hashes: proof.iter().map(b64).collect(),
            old_checkpoint: self.latest_checkpoint(old)?,
            new_checkpoint: self.latest_checkpoint(new)?,
        })
    }

    /// The signed checkpoint at `size` entries.
    pub fn latest_checkpoint(&self, size: u64) -> Result<String, RegistryError> {
        // Nothing is stored for the empty log; Ed25519 signatures are
        // deterministic, so signing it afresh gives the same note each time.
        if size == 0 {
            return Ok(self.sign_checkpoint(0, &merkle::empty_root()));
        }
        self.store
            .checkpoint(size)?
            .ok_or_else(|| broken(format!("no signed checkpoint for a log of {size} entries")))
    }

    /// The stored leaf hashes, in order.
    fn stored_leaves(&self) -> Result<Vec<Hash>, RegistryError> {
        let stored = self.store.leaf_hashes()?;
        stored
            .into_iter()
            .enumerate()
            .map(|(i, (index, bytes))| {
                let hash: Hash = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| broken(format!("stored leaf hash {index} is not 32 bytes")))?;
                if index != i as u64 {
                    return Err(broken(format!("leaf hash {i} is missing")));
                }
                Ok(hash)
            })
            .collect()
    }

    /// Every stored checkpoint must match the root of the entries at its
    /// size, and the newest must be signed by the registry.
    ///
    /// We check the signature of the newest checkpoint only. The older ones
    /// are the same key's signatures over roots we recompute here anyway;
    /// checking each one cost as much as all the statements' signatures
    /// together (half of `log verify` at 100,000 entries) and proves
    /// nothing the recomputed roots do not. A client that is handed an older
    /// checkpoint (a proof's, a bundle's) checks its signature then.
    fn check_checkpoints(&self, leaves: &[Hash]) -> Result<usize, RegistryError> {
        let stored = self.store.checkpoints()?;
        let size = leaves.len() as u64;
        if stored.last().map(|(s, _)| *s) != Some(size) && !leaves.is_empty() {
            return Err(broken(format!(
                "the newest signed checkpoint does not cover all {size} entries: \
                 entries were added or removed outside formulary"
            )));
        }
        if let Some((size, note)) = stored.last() {
            Checkpoint::open(note, &self.note_verifier()).map_err(|e| {
                broken(format!(
                    "the checkpoint for size {size} does not verify: {e}"
                ))
            })?;
        }
        let mut frontier = Frontier::new();
        for (size, note) in &stored {
            let checkpoint = unverified_checkpoint(note).map_err(|e| {
                broken(format!("the checkpoint for size {size} is unreadable: {e}"))
            })?;
            if checkpoint.size != *size || checkpoint.origin != self.origin() {
                return Err(broken(format!(
                    "the checkpoint stored under size {size} is for another tree"
                )));
            }
            let Some(prefix) = leaves.get(frontier.size() as usize..*size as usize) else {
                return Err(broken(format!(
                    "a signed checkpoint covers {size} entries but the log holds {}: entries were removed",
                    leaves.len()
                )));
            };
            prefix.iter().for_each(|leaf| frontier.push(*leaf));
            if frontier.root() != checkpoint.root {
                return Err(broken(format!(
                    "the entries up to {size} do not hash to the root the registry signed at that size: \
                     an entry was edited, removed or reordered"
                )));
            }
        }
        Ok(stored.len())
    }

    /// The store's records must be exactly what the log implies.
    fn compare_with_store(&self, ledger: &Ledger) -> Result<(usize, usize), RegistryError> {
        let records = self.store.versions()?;
        for rec in &records {
            let key = (rec.name.to_string(), rec.version_normalized.clone());
            match ledger.versions.get(&key) {
                Some(status) if *status == status_of(rec) => {}
                Some(status) => {
                    return Err(broken(format!(
                        "{} {} is {} in the store but {} by the log",
                        rec.name, rec.version, rec.state, status.state
                    )))
                }
                None => {
                    return Err(broken(format!(
                        "{} {} is in the store but no log entry ingested it",
                        rec.name, rec.version
                    )))
                }
            }
        }
        if records.len() != ledger.versions.len() {
            return Err(broken(format!(
                "the log ingested {} versions but the store holds {}",
                ledger.versions.len(),
                records.len()
            )));
        }
        let keys = self.store.keys()?;
        for key in &keys {
            if ledger.keys.get(&key.key_id) != Some(key) {
                return Err(broken(format!(
                    "key {} ({}) in the store is not what the log says",
                    key.key_id, key.name
                )));
            }
        }
        if keys.len() != ledger.keys.len() {
            return Err(broken(
                "the store is missing keys the log trusted".to_string(),
            ));
        }
        Ok((records.len(), keys.len()))
    }

    /// The log must extend the last checkpoint this client verified.
    fn check_client(
        &self,
        client: &ClientState,
        leaves: &[Hash],
        latest: &str,
    ) -> Result<Option<u64>, RegistryError> {
        let Some(saved) = client.load(&self.origin())? else {
            return Ok(None);
        };
        check_extends(&self.note_verifier(), &saved, leaves, latest).map(Some)
    }
}

/// Checks that the log of `leaves` extends the `saved` checkpoint; returns
/// its size. A rewound or forked log is a security error, not a warning.
pub(crate) fn check_extends(
    verifier: &NoteVerifier,
    saved: &str,
    leaves: &[Hash],
    latest: &str,
) -> Result<u64, RegistryError> {
    let saved_cp = Checkpoint::open(saved, verifier).map_err(|e| {
        broken(format!(
            "the checkpoint saved by this client does not verify: {e}"
        ))
    })?;
    let size = leaves.len() as u64;
    let fork = |detail: String| RegistryError::Fork {
        detail,
        saved: saved.to_string(),
        latest: latest.to_string(),
    };
    if saved_cp.size > size {
        return Err(fork(format!(
            "this client saw {} entries before, and the log now has {size}",
            saved_cp.size
        )));
    }
    if saved_cp.size == 0 {
        return Ok(0);
    }
    // The proof a client without the entries would be sent; we hold the
    // entries, so we make it ourselves and check it the same way.
    let proof =
        merkle::consistency_proof(leaves, saved_cp.size).map_err(|e| broken(e.to_string()))?;
    let root = merkle::root(leaves);
    if merkle::verify_consistency(saved_cp.size, size, &saved_cp.root, &root, &proof).is_err() {
        return Err(fork(format!(
            "the first {} entries no longer hash to the root this client saw",
            saved_cp.size
        )));
    }
    Ok(saved_cp.size)
}

/// A checkpoint's body, read without checking its signature.
fn unverified_checkpoint(note: &str) -> Result<Checkpoint, formulary_trust::note::NoteError> {
    Checkpoint::parse_body(&parse_note(note)?.text)
}

/// Base64, as checkpoints write hashes.
pub(crate) fn b64(hash: &Hash) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hash)
}

fn broken(detail: String) -> RegistryError {
    RegistryError::LogBroken(detail)
}
