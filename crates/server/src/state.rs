//! The state every handler shares: the registry, the settings, the
//! published snapshot, the token table and the counters.
//!
//! The snapshot is swapped whole: readers take an `Arc` of the current one
//! and keep it for the request, so a republish never shows a request half
//! of the old files and half of the new. Republishes themselves take turns,
//! so that a slow one cannot replace a newer snapshot with an older one.
//!
//! The active tokens are held the same way. Every request but `/healthz`
//! is authenticated, and reading the tokens from the store for each one
//! (a sled scan and a JSON decode per token, on the async threads) cost
//! more than answering a p2 file from memory; so the table is read at
//! start and again whenever the registry's token generation moves on,
//! that is after a token is made or revoked: through the API (which reads
//! them again at once, off the async threads), or through the library by
//! whoever shares our `Registry` (tests do; the next request reads them).
//! Another process cannot change them while we run: the store is ours.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use formulary_registry::{Credential, Registry, RegistryError, Scope, TokenTable};

use crate::metrics::Metrics;
use crate::publish::Snapshot;
use crate::settings::Settings;

/// What handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    registry: Arc<Registry>,
    settings: Settings,
    base_url: String,
    snapshot: RwLock<Arc<Snapshot>>,
    publishing: Mutex<()>,
    tokens: RwLock<Arc<TokenTable>>,
    reading_tokens: Mutex<()>,
    metrics: Metrics,
}

impl AppState {
    /// The state for a server bound to `bound`, with its first snapshot
    /// published and the tokens read. URLs use `settings.base_url`, else
    /// `http://bound`.
    /// This reads the whole store: call it off the async threads.
    pub fn new(
        registry: Arc<Registry>,
        settings: Settings,
        bound: SocketAddr,
    ) -> Result<AppState, RegistryError> {
        let base_url = settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"));
        let state = AppState(Arc::new(Inner {
            registry,
            settings,
            base_url,
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            publishing: Mutex::new(()),
            tokens: RwLock::default(),
            reading_tokens: Mutex::new(()),
            metrics: Metrics::default(),
        }));
        state.republish()?;
        let tokens = Arc::new(state.0.registry.token_table()?);
        *state.0.tokens.write().unwrap_or_else(|e| e.into_inner()) = tokens;
        Ok(state)
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.0.registry
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The URL every published link starts with, no trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.0.base_url
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// The snapshot as of now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        let current = self.0.snapshot.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&current)
    }

    /// Rebuilds the snapshot from the store and swaps it in. Call after
    /// every change to the registry; it reads the store, so call it off
    /// the async threads.
    pub fn republish(&self) -> Result<(), RegistryError> {
        let _turn = self.0.publishing.lock().unwrap_or_else(|e| e.into_inner());
        let records = self.0.registry.store().versions()?;
        let previous = self.snapshot();
        let next = Snapshot::build(
            &records,
            &self.0.base_url,
            Some(&previous),
            SystemTime::now(),
        );
        *self.0.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        tracing::debug!(versions = records.len(), "republished");
        Ok(())
    }

    /// The name and scope of the active token this credential proves, or
    /// `None`, from the table in memory.
    pub fn authenticate(&self, credential: &Credential) -> Option<(String, Scope)> {
        self.tokens().authenticate(credential)
    }

    /// Call after a token is made or revoked through the API; like
    /// [`AppState::republish`], off the async threads. The table is read
    /// again here, so that the next request need not.
    pub fn tokens_changed(&self) {
        self.tokens();
    }

    /// The token table, read again first if a token was made or revoked
    /// since it was read.
    ///
    /// Should the store fail to give the tokens, we refuse every
    /// credential rather than go on accepting one that may just have
    /// been revoked; the next request tries again.
    fn tokens(&self) -> Arc<TokenTable> {
        let current = self.current_tokens();
        if current.generation() == self.0.registry.token_generation() {
            return current;
        }
        match self.reload_tokens() {
            Ok(table) => table,
            Err(err) => {
                tracing::warn!(
                    %err,
                    "cannot read the tokens after a change; refusing every credential"
                );
                Arc::default()
            }
        }
    }

    fn current_tokens(&self) -> Arc<TokenTable> {
        let table = self.0.tokens.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&table)
    }

    /// Reads the active tokens from the store and swaps them in, unless
    /// another request did while we waited our turn. Reloads take turns,
    /// as republishes do, so a slow one cannot put back a table read
    /// before a later change.
    fn reload_tokens(&self) -> Result<Arc<TokenTable>, RegistryError> {
        let _turn = self
            .0
            .reading_tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let current = self.current_tokens();
        if current.generation() == self.0.registry.token_generation() {
            return Ok(current);
        }
        let table = Arc::new(self.0.registry.token_table()?);
        tracing::debug!(active = table.len(), "tokens read");
        *self.0.tokens.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&table);
        Ok(table)
    }
}
