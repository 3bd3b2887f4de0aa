//! `formulary intake`: follow upstream packages, take in their new
//! versions, and approve the patch releases the intake rule covers.
//!
//! For each `[[intake.track]]` entry the run lists the upstream's
//! versions in range ([`plan`]), fetches the new ones (the upstream's
//! shasum checked), ingests them signed by the intake key, diffs each
//! against the nearest approved version, and checks the rule
//! ([`evaluate`]). A version that passes is approved by a decision the
//! intake key signs, quoting the rule and the base; the judge checks that
//! decision again, as it does on every replay. Everything else stays
//! pending for a reviewer, with every reason it did not pass, and is
//! announced to the webhook ([`webhook`]). The run's summary is a
//! [`IntakeReport`].
//!
//! A run is idempotent: versions stored with the bytes the upstream lists
//! are left alone, except pending ones the intake key took in and nobody
//! has decided on, which are evaluated again (a cooldown passes). A
//! version whose upstream bytes changed under a number already stored is
//! refused and reported loudly.

mod diffing;
mod evaluate;
mod key;
mod plan;
mod report;
mod run;
mod webhook;

pub use evaluate::DeltaFacts;
pub use report::{IntakeEntry, IntakeError, IntakeReport, Outcome};
pub use run::IntakeOptions;
