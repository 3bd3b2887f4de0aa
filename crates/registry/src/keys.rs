//! Keys the registry accepts: trusting and revoking them.
//!
//! Trusting or revoking a key is itself a statement in the log, signed by
//! the registry key on the local operator's behalf (an admin key does the
//! same through the server). That is what lets `log verify` and an auditor
//! tell, for every decision, whether its key was trusted at that position.

use formulary_store::KeyRecord;
use formulary_trust::statement::{Body, KeyRevokeBody, KeyTrustBody, Role};
use formulary_trust::PublicKey;

use crate::{Registry, RegistryError};

impl Registry {
    /// Trusts `key` under `name` in `role`; returns its record.
    pub fn trust_key(
        &self,
        key: &PublicKey,
        name: &str,
        role: Role,
    ) -> Result<KeyRecord, RegistryError> {
        let body = Body::KeyTrust(KeyTrustBody {
            key_id: key.key_id(),
            public_key: key.to_base64(),
            name: name.to_string(),
            role,
        });
        let _guard = self.write_lock();
        let statement = self.registry_statement(body);
        self.append(&statement.sign(&self.registry_key), None)?;
        tracing::debug!(key_id = %key.key_id(), %name, %role, "key trusted");
        self.key(&key.key_id())
    }

    /// Revokes a trusted key from this log position on; what it signed
    /// before stays valid.
    pub fn revoke_key(
        &self,
        key_id: &str,
        reason: Option<&str>,
    ) -> Result<KeyRecord, RegistryError> {
        let key_id = self.resolve_key_id(key_id)?;
        let body = Body::KeyRevoke(KeyRevokeBody {
            key_id: key_id.clone(),
            reason: reason.map(str::to_string),
        });
        let _guard = self.write_lock();
        let statement = self.registry_statement(body);
        self.append(&statement.sign(&self.registry_key), None)?;
        tracing::debug!(%key_id, "key revoked");
        self.key(&key_id)
    }

    /// Every key ever trusted, in the order they were trusted.
    pub fn keys(&self) -> Result<Vec<KeyRecord>, RegistryError> {
        let mut keys = self.store.keys()?;
        keys.sort_by_key(|k| k.trusted_at);
        Ok(keys)
    }

    /// One key's record.
    pub fn key(&self, key_id: &str) -> Result<KeyRecord, RegistryError> {
        self.store
            .key(key_id)?
            .ok_or_else(|| RegistryError::UnknownKey(key_id.to_string()))
    }

    /// A full key id from a unique prefix of at least 8 characters, so
    /// that people can type the short ids `key list` shows.
    fn resolve_key_id(&self, prefix: &str) -> Result<String, RegistryError> {
        let matches: Vec<String> = self
            .store
            .keys()?
            .into_iter()
            .map(|k| k.key_id)
            .filter(|id| prefix.len() >= 8 && id.starts_with(prefix))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(RegistryError::UnknownKey(prefix.to_string())),
        }
    }
}
