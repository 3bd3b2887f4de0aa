//! Replaying a log: from its entries alone to the state of every version.
//!
//! A replay is how anyone checks the registry without trusting it: given
//! the entries and the registry's public key, it checks every signature,
//! judges every statement with the same rules the registry used when it
//! recorded them ([`crate::ledger::judge`]), and ends with the keys, bans,
//! policy and version states the log implies. `log verify` compares that
//! with the store; `verify --bundle` and `verify composer.lock` rely on it.
//!
//! Signatures are the slow part (tens of microseconds each), so they are
//! checked in parallel first, each against the key its hint names as the
//! log introduced it; the sequential pass then only judges, and also
//! checks that the key was trusted at the entry's position.

use std::collections::HashMap;

use formulary_trust::envelope::Envelope;
use formulary_trust::merkle::{self, Hash};
use formulary_trust::statement::{Body, Statement};
use formulary_trust::PublicKey;
use rayon::prelude::*;

use crate::ledger::{self, Ledger};
use crate::refusal::Refusal;

/// Why a log does not replay.
#[derive(Debug, thiserror::Error)]
#[error("log entry {index} does not verify: {reason}")]
pub struct ReplayError {
    /// The first bad entry.
    pub index: u64,
    /// What is wrong with it.
    pub reason: Refusal,
}

/// The leaf hash of every entry, computed in parallel.
pub fn leaf_hashes(entries: &[Vec<u8>]) -> Vec<Hash> {
    entries.par_iter().map(|e| merkle::leaf_hash(e)).collect()
}

/// Replays `entries` (index = position) from an empty ledger, checking
/// every signature.
pub fn replay(registry: PublicKey, entries: &[Vec<u8>]) -> Result<Ledger, ReplayError> {
    replay_from(registry, entries, 0)
}

/// Like [`replay`], but trusts the signatures of the first `verified`
/// entries: the caller has shown that they are byte for byte the entries
/// it replayed in full before (their root is the root of a checkpoint it
/// verified, and the log is consistent with it). They are still judged.
pub fn replay_from(
    registry: PublicKey,
    entries: &[Vec<u8>],
    verified: usize,
) -> Result<Ledger, ReplayError> {
    let envelopes = parse_all(entries)?;
    let payloads = verify_all(&registry, &envelopes, verified)?;
    let mut ledger = Ledger::new(registry);
    for (index, (envelope, payload)) in envelopes.iter().zip(&payloads).enumerate() {
        let index = index as u64;
        let (_, effects) = ledger::judge(&ledger, index, envelope, Some(payload))
            .map_err(|reason| ReplayError { index, reason })?;
        ledger.apply(effects);
    }
    Ok(ledger)
}

fn parse_all(entries: &[Vec<u8>]) -> Result<Vec<Envelope>, ReplayError> {
    entries
        .par_iter()
        .enumerate()
        .map(|(index, bytes)| {
            Envelope::from_bytes(bytes).map_err(|e| ReplayError {
                index: index as u64,
                reason: Refusal::Envelope(e),
            })
        })
        .collect()
}

/// Checks every signature from index `verified` on against the key its
/// hint names; returns the payloads.
fn verify_all(
    registry: &PublicKey,
    envelopes: &[Envelope],
    verified: usize,
) -> Result<Vec<Vec<u8>>, ReplayError> {
    let keys = introduced_keys(registry, envelopes);
    envelopes
        .par_iter()
        .enumerate()
        .map(|(index, envelope)| {
            let fail = |reason| ReplayError {
                index: index as u64,
                reason,
            };
            if index < verified {
                return envelope
                    .payload_bytes()
                    .map_err(|e| fail(Refusal::Envelope(e)));
            }
            let hint = envelope.signer_hint();
            let key = keys
                .get(hint)
                .ok_or_else(|| fail(Refusal::UnknownKey(hint.to_string())))?;
            envelope.verify(key).map_err(|e| fail(Refusal::Envelope(e)))
        })
        .collect()
}

/// Every public key the log introduces (trusted or not yet judged), by
/// id, plus the registry's. Which of them were valid where is the
/// sequential pass's job.
fn introduced_keys(registry: &PublicKey, envelopes: &[Envelope]) -> HashMap<String, PublicKey> {
    let mut keys = HashMap::from([(registry.key_id(), *registry)]);
    for envelope in envelopes {
        let Ok(payload) = envelope.payload_bytes() else {
            continue;
        };
        let Ok(statement) = Statement::from_bytes(&payload) else {
            continue;
        };
        if let Body::KeyTrust(body) = statement.body {
            if let Ok(key) = PublicKey::from_base64(&body.public_key) {
                // The judge checks the id belongs to the key; a mismatch
                // here only means no signature verifies under that id.
                keys.entry(key.key_id()).or_insert(key);
            }
        }
    }
    keys
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use formulary_trust::statement::{KeyTrustBody, PolicyBody, Role};
    use formulary_trust::SigningKey;

    fn registry() -> SigningKey {
        SigningKey::from_seed(&[1; 32])
    }

    fn signed(key: &SigningKey, body: Body) -> Vec<u8> {
        let statement = Statement::new(&key.key_id(), "2026-12-04T10:00:00Z", body);
        statement.sign(key).to_bytes()
    }

    fn trust(key: &SigningKey, name: &str) -> Body {
        Body::KeyTrust(KeyTrustBody {
            key_id: key.key_id(),
            public_key: key.public().to_base64(),
            name: name.to_string(),
            role: Role::Reviewer,
        })
    }

    #[test]
    fn a_key_trusted_by_the_registry_replays() {
        let alice = SigningKey::from_seed(&[2; 32]);
        let entries = vec![signed(&registry(), trust(&alice, "alice"))];
        let ledger = replay(registry().public(), &entries).unwrap();
        assert_eq!(ledger.keys[&alice.key_id()].name, "alice");
    }

    #[test]
    fn a_statement_signed_by_an_unknown_key_fails_at_its_index() {
        let mallory = SigningKey::from_seed(&[9; 32]);
        let policy = Body::Policy(PolicyBody {
            reviewers: 1,
            high_risk_reviewers: 1,
            high_risk_severity: "high".into(),
            intake: None,
        });
        let entries = vec![
            signed(&registry(), policy.clone()),
            signed(&mallory, policy),
        ];
        let err = replay(registry().public(), &entries).unwrap_err();
        assert_eq!(err.index, 1);
        assert!(matches!(err.reason, Refusal::UnknownKey(_)));
    }

    #[test]
    fn a_reviewer_cannot_trust_keys() {
        let alice = SigningKey::from_seed(&[2; 32]);
        let bob = SigningKey::from_seed(&[3; 32]);
        let entries = vec![
            signed(&registry(), trust(&alice, "alice")),
            signed(&alice, trust(&bob, "bob")),
        ];
        let err = replay(registry().public(), &entries).unwrap_err();
        assert_eq!(err.index, 1);
        assert!(err.to_string().contains("only an admin key"), "{err}");
    }
}
