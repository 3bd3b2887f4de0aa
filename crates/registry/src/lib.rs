//! The formulary application: the one crate that knows every stage.
//!
//! It turns a source into a stored, pending version: fetch the archive,
//! unpack it into a private temporary folder under the configured limits,
//! check that its `composer.json` agrees with what the source said, then keep
//! the original bytes once under their sha256 and record the version. The
//! command line and (later) the server are thin faces over this crate.

mod config;
mod error;
mod ingest;
mod init;
mod layout;

pub use config::{Config, FetchSettings, UpstreamConfig};
pub use error::RegistryError;
pub use ingest::{IngestOutcome, IngestReport};
pub use layout::DataDir;

use formulary_store::Store;

/// An opened registry: its data folder, its settings and its store.
///
/// Opening takes the store's lock, so one process at a time holds a
/// registry; see [`formulary_store::Store::open`].
pub struct Registry {
    dir: DataDir,
    config: Config,
    store: Store,
}

impl Registry {
    /// Makes a new registry in `dir` (see [`init::init`]) and opens it.
    ///
    /// The store made by `init` is kept open rather than closed and opened
    /// again: sled releases its file lock from a background thread some
    /// time after a database is dropped, so reopening at once in the same
    /// process could find its own lock still held.
    pub fn init(dir: DataDir) -> Result<Registry, RegistryError> {
        let store = init::init(&dir)?;
        let config = Config::load(&dir.config_file())?;
        Ok(Registry { dir, config, store })
    }

    /// Opens an existing registry: reads `formulary.toml`, then the store.
    pub fn open(dir: DataDir) -> Result<Registry, RegistryError> {
        if !dir.config_file().is_file() {
            return Err(RegistryError::NotInitialised {
                dir: dir.root().to_path_buf(),
            });
        }
        let config = Config::load(&dir.config_file())?;
        let store = Store::open(dir.root())?;
        Ok(Registry { dir, config, store })
    }

    /// The data folder this registry lives in.
    pub fn dir(&self) -> &DataDir {
        &self.dir
    }

    /// The settings read from `formulary.toml`.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The underlying store, for read-only listings.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
