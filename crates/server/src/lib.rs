//! formulary-server: the registry over HTTP.
//!
//! Composer talks to formulary the way it talks to any Composer v2
//! repository (`packages.json`, `p2/` metadata, dists, security
//! advisories), and sees approved versions only. The other formulary
//! commands reach a running server through a JSON API on the same port
//! (`--server URL`), because sled lets one process hold the data folder.
//! This crate is a thin face over `formulary-registry`: it decides nothing
//! about review, it only publishes what the registry holds and forwards
//! what clients send.
//!
//! | route | scope | module |
//! |---|---|---|
//! | `GET /packages.json`, `GET /p2/VENDOR/NAME[~dev].json`, `POST /downloads` | read | [`metadata`] |
//! | `GET /dist/VENDOR/NAME/VERSION/SHA256.zip` | read | [`dists`] |
//! | `POST` or `GET /api/security-advisories` | read | [`advisories`] |
//! | `/api/v1/...` | per route | [`api`] |
//! | `GET /metrics` | read | [`metrics`] |
//! | `GET /healthz` | none | |
//!
//! Metadata is rendered once per change into an in-memory snapshot
//! ([`publish`]); requests are answered from it without touching the store.

pub mod advisories;
pub mod api;
pub mod auth;
pub mod dists;
pub mod errors;
mod intake;
pub mod metadata;
pub mod metrics;
mod observe;
pub mod publish;
mod settings;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use formulary_registry::{Registry, Scope};
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use errors::{ApiError, ServeError};
pub use settings::Settings;
pub use state::AppState;

/// Every route, with authentication, limits, metrics and request logs.
pub fn app(state: AppState) -> Router {
    let guard = middleware::from_fn_with_state((state.clone(), Scope::Read), auth::require);
    // Metadata is answered from the snapshot in memory: these handlers
    // never wait, so a timeout could never fire, and arming its timer
    // cost each p2 request about a tenth of its time under load.
    let from_memory = Router::new()
        .route("/packages.json", get(metadata::root))
        .route("/p2/{vendor}/{file}", get(metadata::p2))
        .route_layer(guard.clone());
    let composer = Router::new()
        .route(
            "/dist/{vendor}/{name}/{version}/{file}",
            get(dists::download),
        )
        .route("/downloads", post(metadata::notify_batch))
        .route(
            "/api/security-advisories",
            get(advisories::get).post(advisories::post),
        )
        .route("/metrics", get(metrics::render))
        .route_layer(guard);
    let settings = state.settings();
    let timeout =
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, settings.request_timeout);
    let may_wait = Router::new()
        .route("/healthz", get(healthz))
        .merge(composer)
        .merge(api::routes(&state))
        .layer(timeout);
    Router::new()
        .merge(from_memory)
        .merge(may_wait)
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::request,
        ))
        .with_state(state)
}

/// Binds `settings.listen`, publishes the registry, calls `on_listening`
/// with the bound address, and serves until SIGTERM or SIGINT, letting
/// requests in flight finish.
pub async fn serve(
    registry: Arc<Registry>,
    settings: Settings,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let listener = TcpListener::bind(&settings.listen)
        .await
        .map_err(|source| ServeError::Bind {
            listen: settings.listen.clone(),
            source,
        })?;
    let bound = listener.local_addr()?;
    let publish = tokio::task::spawn_blocking(move || AppState::new(registry, settings, bound));
    let state = publish
        .await
        .map_err(|e| ServeError::Io(std::io::Error::other(e)))??;
    tracing::info!(%bound, base_url = state.base_url(), "listening");
    on_listening(bound);
    let intake = state
        .settings()
        .intake_every
        .map(|period| tokio::spawn(intake::every(state.clone(), period)));
    let served = serve_until(listener, state, shutdown_signal()).await;
    // A run in progress on the blocking pool finishes (its writes are
    // transactions); no new one starts.
    if let Some(task) = intake {
        task.abort();
    }
    served
}

/// Serves `state` on `listener` until `shutdown` completes.
pub async fn serve_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    // Nagle off, so a response written in two pieces never waits on the
    // client's delayed ACK (40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(%err, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// `GET /healthz`: the process is up and serving.
async fn healthz() -> Response {
    Json(serde_json::json!({ "status": "ok" })).into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route on this server")
}
