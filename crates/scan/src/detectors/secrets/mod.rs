//! Secrets: keys, tokens and passwords an extension carries in its files.
//!
//! Anything shipped in a package is public: every store that installs it,
//! and every mirror, has the key. So a live credential in an extension is
//! leaked the day it is released, whatever the code does with it.
//!
//! The family has three parts:
//!
//! - pattern rules, kept as data in `rules.toml` (vendor key formats, PEM
//!   blocks, JWTs, credentials in URLs and DSNs, and a generic
//!   "secret-looking name = random-looking literal" rule at low confidence),
//!   run by `engine` behind a keyword prefilter;
//! - path rules (`paths`): an `app/etc/env.php`, `.env` or `auth.json`
//!   should never ship at all;
//! - filters (`filters`): placeholders, template values and test-mode keys
//!   are dropped, not reported low.
//!
//! A finding points at the secret itself (line and column), shows only its
//! first four characters and length, and is fingerprinted on the secret, so
//! it keeps its identity when lines move.

mod catalogue;
mod engine;
mod filters;
mod paths;
#[cfg(test)]
mod tests;

use crate::context;
use crate::detector::{Detector, Extension, Sink};
use crate::file::{FileKind, SourceFile};
use crate::finding::{redact, Finding, Location};
use crate::rules::RuleInfo;

pub use catalogue::RULES;
use engine::Hit;

/// The secrets detector family.
#[derive(Debug, Default, Clone, Copy)]
pub struct Secrets;

impl Detector for Secrets {
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn check(&self, file: &SourceFile, _ext: &dyn Extension, out: &mut Sink) {
        for finding in scan(file) {
            out.finding(context::adjust(finding, &file.path));
        }
    }
}

/// Every secret in `file`, before context adjustments.
fn scan(file: &SourceFile) -> Vec<Finding> {
    let mut findings: Vec<Finding> = paths::env_file(&file.path).into_iter().collect();
    if file.kind == FileKind::Binary {
        return findings;
    }
    let text = file.text();
    let engine = engine::engine();
    let mut hits = engine.find(&text, file.kind);
    // A shipped auth.json credential ranks after the vendor formats (a
    // Marketplace key says more) but before the generic rule.
    let auth_rank = engine
        .priority_of("secret-generic-assignment")
        .saturating_sub(1);
    hits.extend(paths::auth_json(&file.path, &text, auth_rank));
    for hit in settle(hits) {
        findings.push(to_finding(&file.path, &text, &hit));
    }
    findings
}

/// Hides the secrets of `file` wherever another detector's finding on it
/// quotes them. The other families build messages and snippets from the
/// code they matched (a Composer script's command, a line of PHP), and a
/// key can sit inside that text; the secret's own finding shows it
/// redacted, and no other finding may show more.
pub(crate) fn hide_in_other_findings(file: &SourceFile, findings: &mut [Finding]) {
    let is_secret = |f: &Finding| RULES.iter().any(|r| r.code == f.code);
    if !findings.iter().any(is_secret) || file.kind == FileKind::Binary {
        return;
    }
    let text = file.text();
    let hits = settle(engine::engine().find(&text, file.kind));
    let secrets: Vec<&str> = hits.iter().map(|h| &text[h.span.clone()]).collect();
    for finding in findings.iter_mut().filter(|f| !is_secret(f)) {
        for secret in &secrets {
            if finding.message.contains(secret) || finding.snippet.contains(secret) {
                let shown = redact(secret);
                finding.message = finding.message.replace(secret, &shown);
                finding.snippet = finding.snippet.replace(secret, &shown);
            }
        }
    }
}

/// Keeps one hit per secret: where hits overlap, the rule listed first in
/// `rules.toml` wins (vendor formats before the generic rule). The result
/// is in file order.
fn settle(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by_key(|h| (h.priority, h.span.start));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        let overlaps = kept
            .iter()
            .any(|k| hit.span.start < k.span.end && k.span.start < hit.span.end);
        if !overlaps {
            kept.push(hit);
        }
    }
    kept.sort_by_key(|h| h.span.start);
    kept
}

fn to_finding(path: &str, text: &str, hit: &Hit) -> Finding {
    let secret = &text[hit.span.clone()];
    let shown = redact(secret);
    let location = Location::at_offset(path, text, hit.span.start);
    let message = format!("{}: {shown}", hit.rule.summary);
    Finding::new(hit.rule, location, message, shown, secret)
}
