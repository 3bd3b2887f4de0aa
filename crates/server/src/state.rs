//! The state every handler shares: the registry, the settings, the
//! published snapshot and the counters.
//!
//! The snapshot is swapped whole: readers take an `Arc` of the current one
//! and keep it for the request, so a republish never shows a request half
//! of the old files and half of the new. Republishes themselves take turns,
//! so that a slow one cannot replace a newer snapshot with an older one.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use formulary_registry::{Registry, RegistryError};

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
    metrics: Metrics,
}

impl AppState {
    /// The state for a server bound to `bound`, with its first snapshot
    /// published. URLs use `settings.base_url`, else `http://bound`.
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
            metrics: Metrics::default(),
        }));
        state.republish()?;
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

    /// Call after a token is made or revoked through the API; like
    /// [`AppState::republish`], off the async threads.
    ///
    /// Today every request reads the tokens from the store, so there is
    /// nothing to refresh. Whatever keeps tokens (or accepted credentials)
    /// in memory must be rebuilt or cleared here: a revoked token has to
    /// be refused on the very next request, and a new one accepted.
    pub fn tokens_changed(&self) {
        tracing::debug!("tokens changed");
    }
}
