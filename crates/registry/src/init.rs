//! `formulary init`: make a new data folder.
//!
//! It writes `formulary.toml` with commented defaults, makes the registry's
//! own signing key (private, 0600, in a 0700 folder) and creates the store.
//! A folder that already holds a registry is left alone: re-running init
//! must never replace a key that signed earlier checkpoints.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

use formulary_store::Store;
use formulary_trust::{read_private_key, write_private_key, SigningKey};

use crate::{Config, DataDir, RegistryError};

/// Creates the registry in `dir`; refuses if one is already there.
/// Returns the new store, still open.
pub fn init(dir: &DataDir) -> Result<Store, RegistryError> {
    if dir.config_file().exists() {
        return Err(RegistryError::AlreadyInitialised {
            dir: dir.root().to_path_buf(),
        });
    }
    make_dir(dir.root(), 0o755)?;
    make_dir(&dir.keys_dir(), 0o700)?;

    let key = registry_key(dir)?;
    let store = Store::create(dir.root())?;

    // The settings file goes last: its presence is what marks a registry
    // as initialised, so a failed init can simply be run again.
    let path = dir.config_file();
    fs::write(&path, Config::template()).map_err(|source| RegistryError::Io { path, source })?;
    tracing::debug!(dir = %dir.root().display(), key_id = %key.public().key_id(), "registry created");
    Ok(store)
}

/// Makes the registry key, or keeps the one a failed earlier init left.
fn registry_key(dir: &DataDir) -> Result<SigningKey, RegistryError> {
    let path = dir.registry_key();
    if path.exists() {
        return Ok(read_private_key(&path)?);
    }
    let key = SigningKey::generate();
    write_private_key(&path, &key)?;
    Ok(key)
}

fn make_dir(path: &std::path::Path, mode: u32) -> Result<(), RegistryError> {
    let io = |source| RegistryError::Io {
        path: path.to_path_buf(),
        source,
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .map_err(io)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io)
}
