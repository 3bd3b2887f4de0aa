//! Where things live inside a data folder.
//!
//! The layout is part of formulary's contract with operators (backups,
//! permissions), so every path is named here once.

use std::path::{Path, PathBuf};

/// A registry data folder: `--data DIR`, else `FORMULARY_DATA`, else
/// `./registry-data`.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Wraps a folder path; nothing is read or created yet.
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `formulary.toml`: policy, upstreams, limits.
    pub fn config_file(&self) -> PathBuf {
        self.root.join("formulary.toml")
    }

    /// `keys/`: the registry's own signing key lives here.
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }

    /// `keys/registry.key`: the registry's private signing key (0600).
    pub fn registry_key(&self) -> PathBuf {
        self.keys_dir().join("registry.key")
    }

    /// `auth.json` beside the settings: upstream credentials, Composer's form.
    pub fn auth_file(&self) -> PathBuf {
        self.root.join("auth.json")
    }

    /// `intake-announced.json`: which queued versions `formulary intake`
    /// has announced to its webhook, and with which reasons.
    pub fn intake_announced(&self) -> PathBuf {
        self.root.join("intake-announced.json")
    }
}
