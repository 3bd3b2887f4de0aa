//! The formulary application: the one crate that knows every stage.
//!
//! It turns a source into a stored, pending version: fetch the archive,
//! unpack it into a private temporary folder under the configured limits,
//! check that its `composer.json` agrees with what the source said, then keep
//! the original bytes once under their sha256 and record the version. The
//! command line and (later) the server are thin faces over this crate.

mod bundle;
mod client_state;
mod config;
mod delta;
mod error;
mod ingest;
mod init;
mod intake;
mod keys;
mod layout;
pub mod ledger;
pub mod lockcheck;
mod record;
mod refusal;
pub mod replay;
mod review;
mod tokens;
mod transparency;

pub use bundle::{verify_bundle, Bundle, BundleReport, Verified};
pub use client_state::ClientState;
pub use config::{
    Config, FetchSettings, HumanDuration, IntakeSettings, PolicySettings, ServerSettings,
    TrackSettings, UpstreamConfig,
};
pub use delta::ReviewDelta;
pub use error::RegistryError;
pub use ingest::{IngestOutcome, IngestReport};
pub use intake::{DeltaFacts, IntakeEntry, IntakeError, IntakeOptions, IntakeReport, Outcome};
pub use layout::DataDir;
pub use record::{status_of, Recorded};
pub use refusal::Refusal;
pub use review::{DecisionRequest, ReviewView};
pub use tokens::{Credential, NewToken, Scope, TokenSecret, TokenTable, TokenView, SECRET_PREFIX};
pub use transparency::{ConsistencyProof, InclusionProof, LogReport};

use std::sync::{Arc, Mutex, MutexGuard};

use formulary_store::Store;
use formulary_trust::{read_private_key, SigningKey};
use time::OffsetDateTime;

/// The source of "now" for statements; tests inject a fixed one.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// An opened registry: its data folder, its settings and its store.
///
/// Opening takes the store's lock, so one process at a time holds a
/// registry; see [`formulary_store::Store::open`].
pub struct Registry {
    dir: DataDir,
    config: Config,
    store: Store,
    registry_key: SigningKey,
    clock: Clock,
    /// Serializes judge-then-commit, so no two statements are judged
    /// against the same log position.
    write: Mutex<()>,
    /// Built on first use and kept: compiling the rules costs more than
    /// scanning a small extension.
    scanner: std::sync::OnceLock<formulary_scan::Scanner>,
    /// Counts the tokens made and revoked through this registry, so that
    /// a server holding them in memory knows to read them again.
    token_generation: std::sync::atomic::AtomicU64,
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
        Registry::assemble(dir, store)
    }

    /// Opens an existing registry: reads `formulary.toml`, then the store.
    pub fn open(dir: DataDir) -> Result<Registry, RegistryError> {
        if !dir.config_file().is_file() {
            return Err(RegistryError::NotInitialised {
                dir: dir.root().to_path_buf(),
            });
        }
        Config::load(&dir.config_file())?;
        let store = Store::open(dir.root())?;
        Registry::assemble(dir, store)
    }

    fn assemble(dir: DataDir, store: Store) -> Result<Registry, RegistryError> {
        let config = Config::load(&dir.config_file())?;
        let registry_key = read_private_key(&dir.registry_key())?;
        Ok(Registry {
            dir,
            config,
            store,
            registry_key,
            clock: Arc::new(OffsetDateTime::now_utc),
            write: Mutex::new(()),
            scanner: std::sync::OnceLock::new(),
            token_generation: Default::default(),
        })
    }

    /// Replaces the settings read from `formulary.toml` (for embedding
    /// and tests), checked as `formulary.toml` is.
    pub fn with_config(mut self, config: Config) -> Result<Registry, RegistryError> {
        config.check().map_err(|reason| RegistryError::Config {
            path: self.dir.config_file(),
            reason,
        })?;
        self.config = config;
        Ok(self)
    }

    /// Replaces the clock that dates statements and that intake counts
    /// release ages against.
    pub fn with_clock(mut self, clock: Clock) -> Registry {
        self.clock = clock;
        self
    }

    /// Now, to the second, as RFC 3339 UTC.
    pub fn now_rfc3339(&self) -> String {
        use time::format_description::well_known::Rfc3339;
        let now = (self.clock)();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        now.format(&Rfc3339).unwrap_or_default()
    }

    fn write_lock(&self) -> MutexGuard<'_, ()> {
        // A panic while holding the lock left no partial write (commits
        // are transactions), so a poisoned lock is safe to take over.
        self.write.lock().unwrap_or_else(|e| e.into_inner())
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
