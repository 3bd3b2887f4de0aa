//! `/metrics` in the Prometheus text format, kept by hand: a few counters
//! and one histogram do not need a metrics library.
//!
//! - `formulary_http_requests_total{route,status}`: every request, by the
//!   route it matched (the pattern, e.g. `/p2/{vendor}/{file}`, so the
//!   label set stays small) and its status;
//! - `formulary_http_request_duration_seconds{route}`: latency histogram;
//! - `formulary_metadata_not_modified_total`: metadata answered with 304,
//!   the sign that Composer clients revalidate their caches;
//! - `formulary_install_notifications_total`: installs Composer reported
//!   through `notify-batch`;
//! - `formulary_versions{state}`: stored versions by review state, as of
//!   the last republish.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The route label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The server's counters.
///
/// Every request updates its route's entry under one lock; the entry is
/// made on the route's first request, so the lock is held for a lookup
/// and a few additions, with no allocation.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<String, RouteStats>>,
    not_modified: AtomicU64,
    install_notifications: AtomicU64,
}

/// One route's requests by status, and its latency.
#[derive(Debug, Default)]
struct RouteStats {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Counts per bucket (not cumulative); the last is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn record(&self, route: &str, status: u16, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&le| seconds <= le)
            .unwrap_or(BUCKETS.len());
        let mut routes = lock(&self.routes);
        let stats = match routes.get_mut(route) {
            Some(stats) => stats,
            None => routes.entry(route.to_string()).or_default(),
        };
        *stats.statuses.entry(status).or_default() += 1;
        let histogram = &mut stats.latency;
        histogram.buckets[bucket] += 1;
        histogram.sum += seconds;
        histogram.count += 1;
    }

    /// Counts one 304.
    pub fn not_modified(&self) {
        self.not_modified.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts installs reported by `notify-batch`.
    pub fn installs_notified(&self, count: u64) {
        self.install_notifications
            .fetch_add(count, Ordering::Relaxed);
    }

    /// The text exposition, with the version counts given.
    pub fn render(&self, versions: &BTreeMap<String, u64>) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        self.render_latency(&mut out);
        let not_modified = self.not_modified.load(Ordering::Relaxed);
        let installs = self.install_notifications.load(Ordering::Relaxed);
        counter(
            &mut out,
            "formulary_metadata_not_modified_total",
            "Metadata requests answered 304 Not Modified.",
            not_modified,
        );
        counter(
            &mut out,
            "formulary_install_notifications_total",
            "Installs reported by Composer through notify-batch.",
            installs,
        );
        out.push_str("# HELP formulary_versions Stored versions by review state.\n");
        out.push_str("# TYPE formulary_versions gauge\n");
        for (state, n) in versions {
            let _ = writeln!(out, "formulary_versions{{state=\"{state}\"}} {n}");
        }
        out
    }

    fn render_requests(&self, out: &mut String) {
        out.push_str("# HELP formulary_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE formulary_http_requests_total counter\n");
        for (route, stats) in lock(&self.routes).iter() {
            let route = escape(route);
            for (status, n) in &stats.statuses {
                let _ = writeln!(
                    out,
                    "formulary_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
    }

    fn render_latency(&self, out: &mut String) {
        let name = "formulary_http_request_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time to answer a request, by route.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (route, stats) in lock(&self.routes).iter() {
            let route = escape(route);
            let h = &stats.latency;
            let mut cumulative = 0;
            for (i, n) in h.buckets.iter().enumerate() {
                cumulative += n;
                let le = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(
                    out,
                    "{name}_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", h.count);
        }
    }
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot();
    let text = state.metrics().render(snapshot.states());
    let content_type = "text/plain; version=0.0.4; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    let _ = writeln!(out, "{name} {value}");
}

/// Label values escape backslash, quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Counters stay usable after a panic elsewhere; at worst one is off by one.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_counts_routes_statuses_and_buckets() {
        let metrics = Metrics::default();
        metrics.record("/p2/{vendor}/{file}", 200, Duration::from_micros(300));
        metrics.record("/p2/{vendor}/{file}", 304, Duration::from_millis(20));
        metrics.not_modified();
        let versions = BTreeMap::from([("approved".to_string(), 2)]);
        let text = metrics.render(&versions);
        assert!(text.contains(
            "formulary_http_requests_total{route=\"/p2/{vendor}/{file}\",status=\"304\"} 1"
        ));
        assert!(text.contains(
            "formulary_http_request_duration_seconds_bucket{route=\"/p2/{vendor}/{file}\",le=\"0.001\"} 1"
        ));
        assert!(text.contains(
            "formulary_http_request_duration_seconds_bucket{route=\"/p2/{vendor}/{file}\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("formulary_metadata_not_modified_total 1"));
        assert!(text.contains("formulary_versions{state=\"approved\"} 2"));
    }
}
