//! Access tokens for the server: what the store keeps of each one.
//!
//! A token lets a Composer client or a remote `formulary` command act
//! within one scope. The store never sees a secret: `formulary-registry`
//! makes it, shows it once and hands us only its sha256, so a copy of the
//! data folder (a backup, a stolen disk) cannot be replayed against the
//! server. Records live in the `tokens` tree, keyed by name.
//!
//! Tokens are not review state, so they stay out of the signed log; each
//! change is its own sled transaction with its audit entry, flushed before
//! we return, like an ingest.

use serde::{Deserialize, Serialize};
use sled::transaction::{abort, ConflictableTransactionResult, TransactionError};
use sled::Transactional as _;

use crate::blobs::check_sha256;
use crate::error::StoreError;
use crate::records::{decode, encode, AuditEntry};
use crate::versions::append_audit;
use crate::Store;

/// Tree of access tokens: name to [`TokenRecord`].
pub const TOKENS_TREE: &str = "tokens";

type TxResult<T> = ConflictableTransactionResult<T, StoreError>;

/// One access token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// What people call it; also the http-basic user name.
    pub name: String,
    /// What it may do: `read`, `intake`, `review` or `admin`. The store
    /// keeps the word; `formulary-registry` gives it meaning.
    pub scope: String,
    /// SHA-256 hex of the secret.
    pub sha256: String,
    /// When it was made, RFC 3339 UTC.
    pub created_at: String,
    /// When it was revoked; a revoked token is never accepted again.
    #[serde(default)]
    pub revoked_at: Option<String>,
}

impl TokenRecord {
    /// `token NAME`, for the audit trail and messages.
    fn subject(&self) -> String {
        subject(&self.name)
    }
}

impl Store {
    /// Stores a new token, recording `who` made it.
    ///
    /// Refuses with [`StoreError::TokenExists`] while another token of
    /// that name is still accepted; the name of a revoked token may be
    /// given to a new one (the audit trail keeps both).
    pub fn insert_token(&self, rec: &TokenRecord, who: &str) -> Result<(), StoreError> {
        check_sha256(&rec.sha256)?;
        let key = rec.name.as_bytes();
        let value = encode(&rec.subject(), rec)?;
        // The hash stays out of the trail: it is not a secret, but
        // nothing reads it there and `token list` never shows it either.
        let entry = self.token_audit(who, "token-created", rec);

        let t = &self.trees;
        let result = (&t.tokens, &t.audit, &t.meta).transaction(|(tokens, audit, meta)| {
            if let Some(existing) = tokens.get(key)? {
                let existing = decode_token(key, &existing)?;
                if existing.revoked_at.is_none() {
                    return abort(StoreError::TokenExists {
                        name: rec.name.clone(),
                    });
                }
            }
            tokens.insert(key, value.as_slice())?;
            append_audit(audit, meta, entry.clone())
        });
        self.token_tx(result)?;
        self.flush()?;
        tracing::debug!(token = %rec.name, scope = %rec.scope, "token created");
        Ok(())
    }

    /// Every token, revoked ones included, sorted by name.
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let mut tokens = Vec::new();
        for item in self.trees.tokens.iter() {
            let (key, value) = item.map_err(|e| self.db_err(e))?;
            tokens.push(decode(TOKENS_TREE, &key, &value)?);
        }
        Ok(tokens)
    }

    /// Revokes the token called `name` as of `when`, recording `who`.
    ///
    /// Returns the record as it now stands. A token already revoked is
    /// returned unchanged, and nothing is written.
    pub fn revoke_token(
        &self,
        name: &str,
        when: &str,
        who: &str,
    ) -> Result<TokenRecord, StoreError> {
        let key = name.as_bytes();
        let t = &self.trees;
        let result = (&t.tokens, &t.audit, &t.meta).transaction(|(tokens, audit, meta)| {
            let Some(existing) = tokens.get(key)? else {
                return abort(StoreError::UnknownToken {
                    name: name.to_string(),
                });
            };
            let mut rec = decode_token(key, &existing)?;
            if rec.revoked_at.is_some() {
                return Ok((rec, false));
            }
            rec.revoked_at = Some(when.to_string());
            let value = encode(&rec.subject(), &rec).or_else(abort)?;
            tokens.insert(key, value)?;
            append_audit(audit, meta, self.token_audit(who, "token-revoked", &rec))?;
            Ok((rec, true))
        });
        let (rec, changed) = self.token_tx(result)?;
        if changed {
            self.flush()?;
            tracing::debug!(token = %name, "token revoked");
        }
        Ok(rec)
    }

    /// The audit entry for a change to a token.
    fn token_audit(&self, who: &str, what: &str, rec: &TokenRecord) -> AuditEntry {
        AuditEntry {
            seq: 0, // set inside the transaction
            when: self.now(),
            who: who.to_string(),
            what: what.to_string(),
            subject: rec.subject(),
            detail: serde_json::json!({
                "scope": rec.scope,
                "revoked_at": rec.revoked_at,
            }),
        }
    }

    /// A transaction's outcome as a store result.
    fn token_tx<T>(
        &self,
        result: Result<T, TransactionError<StoreError>>,
    ) -> Result<T, StoreError> {
        result.map_err(|err| match err {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => self.db_err(e),
        })
    }
}

/// `token NAME`.
fn subject(name: &str) -> String {
    format!("token {name}")
}

/// Decodes a stored token inside a transaction.
fn decode_token(key: &[u8], bytes: &[u8]) -> TxResult<TokenRecord> {
    decode(TOKENS_TREE, key, bytes).or_else(abort)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::create(&tmp.path().join("data")).unwrap();
        (tmp, store)
    }

    fn token(name: &str, scope: &str) -> TokenRecord {
        TokenRecord {
            name: name.to_string(),
            scope: scope.to_string(),
            sha256: crate::sha256_hex(name.as_bytes()),
            created_at: "2026-05-01T10:00:00Z".to_string(),
            revoked_at: None,
        }
    }

    #[test]
    fn a_token_is_stored_and_listed_by_name() {
        let (_tmp, store) = store();
        store.insert_token(&token("ci", "read"), "local").unwrap();
        store
            .insert_token(&token("alice", "review"), "local")
            .unwrap();

        let names: Vec<String> = store
            .tokens()
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["alice", "ci"]);
        assert_eq!(store.tokens().unwrap()[1], token("ci", "read"));
    }

    #[test]
    fn a_name_in_use_is_refused_and_nothing_changes() {
        let (_tmp, store) = store();
        store.insert_token(&token("ci", "read"), "local").unwrap();
        let trail = store.audit_trail().unwrap().len();

        let err = store
            .insert_token(&token("ci", "admin"), "local")
            .unwrap_err();

        assert!(matches!(&err, StoreError::TokenExists { name } if name == "ci"));
        let message = err.to_string();
        assert!(
            message.contains("ci") && message.contains("revoke"),
            "{message}"
        );
        assert_eq!(store.tokens().unwrap(), [token("ci", "read")]);
        assert_eq!(store.audit_trail().unwrap().len(), trail);
    }

    #[test]
    fn revoking_stamps_the_time_and_frees_the_name() {
        let (_tmp, store) = store();
        store.insert_token(&token("ci", "read"), "local").unwrap();

        let revoked = store
            .revoke_token("ci", "2026-05-02T09:00:00Z", "local")
            .unwrap();
        assert_eq!(revoked.revoked_at.as_deref(), Some("2026-05-02T09:00:00Z"));

        store.insert_token(&token("ci", "intake"), "local").unwrap();
        assert_eq!(store.tokens().unwrap(), [token("ci", "intake")]);
    }

    #[test]
    fn revoking_twice_changes_nothing_the_second_time() {
        let (_tmp, store) = store();
        store.insert_token(&token("ci", "read"), "local").unwrap();
        store
            .revoke_token("ci", "2026-05-02T09:00:00Z", "local")
            .unwrap();
        let trail = store.audit_trail().unwrap().len();

        let again = store
            .revoke_token("ci", "2026-06-01T00:00:00Z", "local")
            .unwrap();

        assert_eq!(again.revoked_at.as_deref(), Some("2026-05-02T09:00:00Z"));
        assert_eq!(store.audit_trail().unwrap().len(), trail);
    }

    #[test]
    fn revoking_an_unknown_name_says_so() {
        let (_tmp, store) = store();
        let err = store.revoke_token("ghost", "2026-05-02T09:00:00Z", "local");
        assert!(matches!(err, Err(StoreError::UnknownToken { name }) if name == "ghost"));
    }

    #[test]
    fn the_audit_trail_names_the_token_but_not_its_hash() {
        let (_tmp, store) = store();
        let rec = token("ci", "read");
        store.insert_token(&rec, "admin-alice").unwrap();
        store
            .revoke_token("ci", "2026-05-02T09:00:00Z", "local")
            .unwrap();

        let trail = store.audit_trail().unwrap();
        let whats: Vec<&str> = trail.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(whats, ["token-created", "token-revoked"]);
        assert_eq!(trail[0].subject, "token ci");
        assert_eq!(trail[0].who, "admin-alice");
        let text = serde_json::to_string(&trail).unwrap();
        assert!(!text.contains(&rec.sha256), "{text}");
    }

    #[test]
    fn a_record_without_a_sha256_digest_is_refused() {
        let (_tmp, store) = store();
        let mut rec = token("ci", "read");
        rec.sha256 = "fml_not-a-digest".to_string();
        let err = store.insert_token(&rec, "local").unwrap_err();
        assert!(matches!(err, StoreError::InvalidDigest { .. }), "{err}");
        assert!(store.tokens().unwrap().is_empty());
    }

    #[test]
    fn tokens_survive_reopening() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        {
            let store = Store::create(&dir).unwrap();
            store.insert_token(&token("ci", "read"), "local").unwrap();
        }
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.tokens().unwrap(), [token("ci", "read")]);
    }
}
