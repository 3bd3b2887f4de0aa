//! The intake key: `[intake] key` in the data folder, which must be
//! trusted with role `intake` at the time of the run. We check it before
//! anything is fetched, so a run with an unusable key says what to run
//! rather than failing at its first approval.

use formulary_trust::statement::Role;
use formulary_trust::SigningKey;

use crate::config::IntakeSettings;
use crate::{Registry, RegistryError};

impl Registry {
    /// The intake key from `[intake] key`, which must be trusted now with
    /// role `intake`.
    pub(super) fn intake_key(
        &self,
        settings: &IntakeSettings,
    ) -> Result<SigningKey, RegistryError> {
        let path = self.dir.root().join(&settings.key);
        let unusable = |reason: String| RegistryError::IntakeKey {
            path: path.clone(),
            reason,
        };
        let key = formulary_trust::read_private_key(&path).map_err(|e| {
            unusable(format!(
                "{e}; make one with `formulary key new --name intake --out {}`",
                path.display()
            ))
        })?;
        let trust_it = format!(
            "trust it with `formulary key trust {}.pub --name intake --role intake`",
            path.display()
        );
        match self.store.key(&key.key_id())? {
            None => Err(unusable(format!(
                "key {} is not trusted; {trust_it}",
                key.key_id()
            ))),
            Some(k) if k.revoked_at.is_some() => Err(unusable(format!(
                "key {} ({}) was revoked; make a new key and {trust_it}",
                k.key_id, k.name
            ))),
            Some(k) if k.role != Role::Intake => Err(unusable(format!(
                "key {} ({}) is trusted as {}, not as an intake key",
                k.key_id, k.name, k.role
            ))),
            Some(_) => Ok(key),
        }
    }
}
