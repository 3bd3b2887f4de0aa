//! The last checkpoint this client saw, per log origin.
//!
//! A log that shows each reader a different history (a fork) or rewinds
//! is only caught by someone who remembers what they saw before. Like Go's
//! checksum-database client, `formulary log verify` and `formulary verify`
//! keep the newest checkpoint they verified, and require every later one to
//! be consistent with it: same history, only longer.
//!
//! The file is the checkpoint's signed note, verbatim, at
//! `<state dir>/<origin with '/' as '_'>.checkpoint`, written to a temporary
//! name and renamed, so a crash leaves the old one or the new one.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::RegistryError;

/// Where a client keeps the checkpoints it has seen.
#[derive(Debug, Clone)]
pub struct ClientState {
    dir: PathBuf,
}

impl ClientState {
    /// State kept in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> ClientState {
        ClientState { dir: dir.into() }
    }

    /// The default folder: `$XDG_STATE_HOME/formulary`, else
    /// `~/.local/state/formulary`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir).join("formulary"));
        }
        let home = std::env::var_os("HOME")?;
        Some(PathBuf::from(home).join(".local/state/formulary"))
    }

    /// The file for `origin`.
    pub fn path_for(&self, origin: &str) -> PathBuf {
        let safe: String = origin
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.checkpoint"))
    }

    /// The last checkpoint seen for `origin`, if any.
    pub fn load(&self, origin: &str) -> Result<Option<String>, RegistryError> {
        let path = self.path_for(origin);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(RegistryError::Io { path, source }),
        }
    }

    /// Remembers `note` as the last checkpoint seen for `origin`.
    pub fn save(&self, origin: &str, note: &str) -> Result<(), RegistryError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RegistryError::Io { path, source }
        };
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let path = self.path_for(origin);
        let tmp = path.with_extension("checkpoint.tmp");
        let mut file = fs::File::create(&tmp).map_err(io(&tmp))?;
        file.write_all(note.as_bytes()).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
        fs::rename(&tmp, &path).map_err(io(&path))
    }
}
