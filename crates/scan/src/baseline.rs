//! A reviewer's baseline: findings they have read and accepted, kept in a
//! TOML file outside the extension.
//!
//! Inline ignore comments in vetted code are never honoured (the vendor
//! would be marking their own homework); the baseline is where the
//! reviewer's decisions live instead. We use the loose model: an entry
//! names a finding by its fingerprint only, with no line number, so the
//! file does not churn when code moves and one entry covers every finding
//! with that fingerprint. Each entry carries who decided, why, and
//! optionally the last day it holds.
//!
//! ```toml
//! [[suppress]]
//! fingerprint = "9f2c…"          # from the JSON or SARIF report
//! reason = "Sandbox key, documented as public by the gateway"
//! who = "dana@pharmacy.example"
//! expires = 2026-06-30           # optional; a TOML date or a string
//! code = "secret-generic-assignment"  # optional, for readers only
//! path = "etc/config.xml"        # optional, for readers only
//! ```
//!
//! Applying it moves matched findings to the report's `suppressed` list,
//! reports each expired entry (`baseline-entry-expired`, which fails the
//! scan) and each entry that matched nothing (`baseline-entry-unused`):
//! a stale suppression would silently hide the next real finding.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use time::macros::format_description;
use time::Date;

use crate::finding::{Finding, Location};
use crate::report::{ScanReport, Suppressed, Suppression};
use crate::rules;

/// A baseline file that cannot be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The file could not be read.
    #[error("baseline {}: {source}; check the path given to --baseline", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a valid baseline; every problem is listed.
    #[error("baseline {}: {problems}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, `; `-separated.
        problems: String,
    },
}

/// A loaded baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// How findings about the baseline itself name the file.
    name: String,
    entries: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The finding's fingerprint (hex sha256).
    pub fingerprint: String,
    /// Why it is accepted.
    pub reason: String,
    /// Who accepted it.
    pub who: String,
    /// The last day the entry holds.
    pub expires: Option<Date>,
    /// The entry's line in the file, for findings about it.
    pub line: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    suppress: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    fingerprint: toml::Spanned<String>,
    reason: String,
    who: String,
    expires: Option<toml::Value>,
    #[allow(dead_code)]
    code: Option<String>,
    #[allow(dead_code)]
    path: Option<String>,
}

impl Baseline {
    /// Reads and checks the baseline at `path`.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path.display().to_string();
        Baseline::parse(&name, &text).map_err(|problems| BaselineError::Invalid {
            path: path.to_path_buf(),
            problems: problems.join("; "),
        })
    }

    /// Parses baseline `text`; `name` is how reports refer to the file.
    /// Returns every problem at once rather than the first.
    pub fn parse(name: &str, text: &str) -> Result<Baseline, Vec<String>> {
        let raw: RawFile = toml::from_str(text).map_err(|e| vec![one_line(&e.to_string())])?;
        let mut problems = Vec::new();
        let entries = raw
            .suppress
            .into_iter()
            .filter_map(|r| entry(r, text).map_err(|p| problems.push(p)).ok());
        let entries: Vec<Entry> = entries.collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Baseline {
            name: name.to_string(),
            entries,
        })
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Applies the baseline to `report` as of `today`: suppresses matched
    /// findings and reports expired and unused entries.
    pub fn apply(&self, report: &mut ScanReport, today: Date) {
        let mut used = vec![false; self.entries.len()];
        let findings = std::mem::take(&mut report.findings);
        for finding in findings {
            match self.active_entry(&finding.fingerprint, today) {
                Some(i) => {
                    used[i] = true;
                    report
                        .suppressed
                        .push(suppressed(finding, &self.entries[i]));
                }
                None => report.findings.push(finding),
            }
        }
        for (entry, used) in self.entries.iter().zip(used) {
            if is_expired(entry, today) {
                report.findings.push(self.expired(entry));
            } else if !used {
                report.findings.push(self.unused(entry));
            }
        }
        report.normalize();
    }

    /// The first unexpired entry for `fingerprint`. An expired entry
    /// suppresses nothing: the finding comes back for a fresh look.
    fn active_entry(&self, fingerprint: &str, today: Date) -> Option<usize> {
        let matches = |e: &Entry| e.fingerprint == fingerprint && !is_expired(e, today);
        self.entries.iter().position(matches)
    }

    fn expired(&self, entry: &Entry) -> Finding {
        let date = entry.expires.map(format_date).unwrap_or_default();
        let message = format!(
            "The baseline entry for {} expired on {date} (accepted by {}: {})",
            short(&entry.fingerprint),
            entry.who,
            entry.reason
        );
        self.about(entry, "baseline-entry-expired", message)
    }

    fn unused(&self, entry: &Entry) -> Finding {
        let message = format!(
            "The baseline entry for {} matched no finding (accepted by {}: {})",
            short(&entry.fingerprint),
            entry.who,
            entry.reason
        );
        self.about(entry, "baseline-entry-unused", message)
    }

    fn about(&self, entry: &Entry, code: &str, message: String) -> Finding {
        let rule = rules::find(code).unwrap_or(&rules::SCANNER_RULES[0]);
        let at = Location {
            path: self.name.clone(),
            line: entry.line,
            column: 1,
        };
        let snippet = format!("fingerprint = \"{}\"", entry.fingerprint);
        Finding::new(rule, at, message, snippet, &entry.fingerprint)
    }
}

fn entry(raw: RawEntry, text: &str) -> Result<Entry, String> {
    let span = raw.fingerprint.span();
    let line = Location::at_offset("", text, span.start).line;
    let fingerprint = raw.fingerprint.into_inner();
    let problem = |what: &str| format!("entry at line {line}: {what}");
    if fingerprint.len() != 64 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(problem(
            "fingerprint is not 64 hex digits (copy it from the JSON report)",
        ));
    }
    if raw.reason.trim().is_empty() || raw.who.trim().is_empty() {
        return Err(problem("reason and who must say why and by whom"));
    }
    let expires = raw
        .expires
        .map(|v| parse_date(&v))
        .transpose()
        .map_err(|e| problem(&e))?;
    let fingerprint = fingerprint.to_ascii_lowercase();
    Ok(Entry {
        fingerprint,
        reason: raw.reason,
        who: raw.who,
        expires,
        line,
    })
}

/// `expires` as a TOML date (`2026-06-30`) or a string (`"2026-06-30"`).
fn parse_date(value: &toml::Value) -> Result<Date, String> {
    let text = match value {
        toml::Value::Datetime(d) if d.time.is_none() => d.to_string(),
        toml::Value::String(s) => s.clone(),
        other => return Err(format!("expires = {other} is not a date like 2026-06-30")),
    };
    Date::parse(&text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("expires = {text:?} is not a date like 2026-06-30"))
}

/// An entry holds through its expiry day and lapses the day after.
fn is_expired(entry: &Entry, today: Date) -> bool {
    entry.expires.is_some_and(|last| today > last)
}

fn suppressed(finding: Finding, entry: &Entry) -> Suppressed {
    let suppression = Suppression {
        kind: "external".to_string(),
        reason: entry.reason.clone(),
        who: entry.who.clone(),
        expires: entry.expires.map(format_date),
    };
    Suppressed {
        finding,
        suppression,
    }
}

fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

fn short(fingerprint: &str) -> String {
    fingerprint.chars().take(12).collect()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
