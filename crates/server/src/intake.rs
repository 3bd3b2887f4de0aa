//! `formulary serve --intake-every DURATION`: the intake run of
//! `formulary intake`, on a schedule, inside the server that holds the
//! data folder.
//!
//! The first run starts as the server starts, then one every period; a
//! run that takes longer than the period delays the next rather than
//! overlapping it. Each run goes to the blocking pool, logs one summary
//! line, and republishes the snapshot, so an approval it made is served
//! at once.

use std::time::Duration;

use formulary_registry::IntakeOptions;
use tokio::time::MissedTickBehavior;

use crate::state::AppState;

/// Runs intake every `period` until the task is aborted.
pub(crate) async fn every(state: AppState, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let run = state.clone();
        if let Err(err) = tokio::task::spawn_blocking(move || run_once(&run)).await {
            tracing::warn!(%err, "the intake run stopped unexpectedly");
        }
    }
}

fn run_once(state: &AppState) {
    match state.registry().intake(IntakeOptions::default()) {
        Ok(report) => {
            tracing::info!(summary = %report.summary_line(), "intake run");
            for e in &report.errors {
                tracing::warn!(package = %e.package, error = %e.error, "intake could not handle it");
            }
        }
        Err(err) => tracing::warn!(%err, "intake could not run"),
    }
    if let Err(err) = state.republish() {
        tracing::warn!(%err, "cannot republish after the intake run");
    }
}
