//! Every request, counted in [`crate::metrics`] and logged, and every
//! error answer in our JSON form ([`crate::errors::json_errors`]): one
//! middleware, outside all the others, sees each request once routing has
//! named its route. (Each middleware layer costs a request a boxed future
//! and a clone of the service below it, so we keep few.)
//!
//! The log line is a single `info` event written when the answer is ready,
//! carrying method, route, path, status and latency; headers are never
//! logged, since they carry credentials. We used to open an `info` span
//! per request as well, and log inside it. At 64 connections that span
//! (its fields formatted when opened, entered and left on every poll)
//! and the line together took a quarter of the server's time per p2
//! request, so the span is now at `debug`: with `-v` the decision lines
//! logged while a request is answered still say which request they belong
//! to, and without it the span costs next to nothing.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use crate::errors;
use crate::metrics::UNMATCHED;
use crate::AppState;

/// The middleware: `from_fn_with_state(state, observe::request)`.
pub async fn request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    let method = request.method().clone();
    let uri = request.uri().clone();
    let span = tracing::debug_span!(
        "request",
        method = %method,
        route,
        path = uri.path(),
    );

    let response = next.run(request).instrument(span).await;
    let response = errors::json_errors(response);

    let latency = started.elapsed();
    let status = response.status().as_u16();
    state.metrics().record(route, status, latency);
    let latency_ms = latency.as_micros() as f64 / 1000.0;
    tracing::info!(
        method = %method,
        route,
        path = uri.path(),
        status,
        latency_ms,
        "answered"
    );
    response
}
