//! What one intake run did, version by version: the summary the CLI
//! prints as a table or JSON, and the server logs as one line.

use serde::{Deserialize, Serialize};

/// What became of one upstream version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Approved under the intake rule (with `--dry-run`: would be).
    Approved,
    /// Pending, waiting for a reviewer; the reasons say why.
    Queued,
    /// Not taken in: its bytes do not match what the upstream promised,
    /// or changed under a version already stored.
    Refused,
    /// Stored before with the same bytes; nothing to do.
    Unchanged,
}

impl Outcome {
    /// The word the table prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Queued => "queued",
            Outcome::Refused => "refused",
            Outcome::Unchanged => "unchanged",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One upstream version and what intake did with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeEntry {
    /// `vendor/name`.
    pub package: String,
    /// The version as the upstream writes it.
    pub version: String,
    /// What became of it.
    pub outcome: Outcome,
    /// The approved version it was compared with, if any.
    pub base: Option<String>,
    /// Why it is queued or refused (every failed condition), or what the
    /// approval rests on.
    pub reasons: Vec<String>,
    /// The diff's one-line verdict against the base, when there was a diff.
    pub verdict: Option<String>,
    /// The log index of the intake approval, when one was recorded.
    pub approval_index: Option<u64>,
}

/// A tracked package the run could not look at, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeError {
    /// The package or `vendor/*` pattern.
    pub package: String,
    /// What went wrong, on one line.
    pub error: String,
}

/// Everything one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeReport {
    /// Whether this was `--dry-run` (nothing written, nothing sent).
    pub dry_run: bool,
    /// The rule approvals quote (`patch-fast-track`).
    pub rule: String,
    /// Every upstream version in a tracked range, in run order.
    pub entries: Vec<IntakeEntry>,
    /// Packages that could not be listed or fetched.
    pub errors: Vec<IntakeError>,
    /// Things that did not stop the run (a webhook that failed).
    pub warnings: Vec<String>,
}

impl IntakeReport {
    /// How many entries had `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.entries.iter().filter(|e| e.outcome == outcome).count()
    }

    /// Whether something waits for a reviewer or was refused: what cron
    /// and CI should alert on.
    pub fn needs_attention(&self) -> bool {
        self.count(Outcome::Queued) + self.count(Outcome::Refused) > 0
    }

    /// `approved 1, queued 2, refused 1, unchanged 14, errors 0`.
    pub fn summary_line(&self) -> String {
        let (approve, queue, refuse) = if self.dry_run {
            ("would approve", "would queue", "would refuse")
        } else {
            ("approved", "queued", "refused")
        };
        format!(
            "{approve} {}, {queue} {}, {refuse} {}, unchanged {}, errors {}",
            self.count(Outcome::Approved),
            self.count(Outcome::Queued),
            self.count(Outcome::Refused),
            self.count(Outcome::Unchanged),
            self.errors.len()
        )
    }
}
