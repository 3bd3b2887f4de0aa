//! `malware-js-skimmer`, `malware-websocket-exfiltration` and
//! `malware-lookalike-host`: judging a file's signals.
//!
//! A skimmer reads card fields (or, gated on checkout, whole forms) and
//! sends them somewhere. Honest payment code does read card fields, then
//! hands them to the provider's own script or posts them to the store; so
//! a send to a payment provider, to the store itself, or to a host the
//! module names in its PHP or configuration is not a finding. A send to
//! any other host, to a hidden one, or by image beacon is.

use std::collections::HashSet;

use super::hosts::{is_payment_provider, lookalike};
use super::signals::{NetSink, Signals, Target};
use super::{Report, RULE_LOOKALIKE, RULE_SKIMMER, RULE_WEBSOCKET};
use crate::finding::{Confidence, Severity};

/// At most this many skimmer findings per file; one is enough to act.
const MAX_PER_FILE: usize = 3;

/// Reports skimmers and data channels. `module_uses` says whether the
/// module names a host outside its frontend code.
pub fn check(signals: &Signals, module_uses: &dyn Fn(&str) -> bool, report: &mut Report<'_>) {
    let reported = skimmers(signals, module_uses, report);
    channels(signals, &reported, report);
}

fn skimmers(
    signals: &Signals,
    module_uses: &dyn Fn(&str) -> bool,
    report: &mut Report<'_>,
) -> Vec<usize> {
    let gated = !signals.gating.is_empty();
    let reads_cards = !signals.card_reads.is_empty();
    let reads_forms_on_checkout = gated && !signals.form_reads.is_empty();
    if !reads_cards && !reads_forms_on_checkout {
        return Vec::new();
    }
    let mut reported = Vec::new();
    for sink in &signals.sinks {
        if reported.len() >= MAX_PER_FILE {
            break;
        }
        let Some((severity, confidence, whither)) =
            classify(sink, gated, &signals.card_reads, module_uses)
        else {
            continue;
        };
        if !reads_cards && confidence == Confidence::Low {
            continue;
        }
        let what = match signals.card_reads.first() {
            Some((_, field)) => format!("reads the card field `{field}`"),
            None => "reads whole forms on checkout".to_string(),
        };
        let gate = if gated {
            ", only on checkout pages,"
        } else {
            ""
        };
        let message = format!(
            "Script {what}{gate} and sends data by {} {whither}",
            sink.kind
        );
        let finding = report.finding(RULE_SKIMMER, sink.at, message, &sink.text);
        let confidence = if gated { Confidence::High } else { confidence };
        report.push(finding.with_severity(severity).with_confidence(confidence));
        reported.push(sink.at);
    }
    reported
}

/// Severity, confidence and a phrase for where a sink sends data, or
/// `None` when the destination is one an honest payment form uses.
fn classify(
    sink: &NetSink,
    gated: bool,
    card_reads: &[(usize, String)],
    module_uses: &dyn Fn(&str) -> bool,
) -> Option<(Severity, Confidence, String)> {
    let found = |severity, confidence, whither: String| Some((severity, confidence, whither));
    match &sink.target {
        Target::Host { host, hidden } => {
            let stranger = *hidden || lookalike(host).is_some();
            if is_payment_provider(host) || (!stranger && module_uses(host)) {
                tracing::debug!(
                    host,
                    "card data goes to a provider or the module's own host"
                );
                return None;
            }
            let how = if *hidden { "a hidden host" } else { "the host" };
            found(
                Severity::Critical,
                Confidence::High,
                format!("to {how} {host}"),
            )
        }
        Target::Unknown { hidden: true } => found(
            Severity::Critical,
            Confidence::High,
            "to a hidden destination".into(),
        ),
        // A computed URL is what every script loader and API helper uses;
        // it counts on a checkout gate, or in the function that reads cards.
        Target::Unknown { hidden: false } if gated => found(
            Severity::Critical,
            Confidence::Medium,
            "to a computed destination".into(),
        ),
        Target::Unknown { hidden: false } if sink.near(card_reads) => {
            let whither = "to a URL computed at run time; check where it points";
            found(Severity::Medium, Confidence::Low, whither.into())
        }
        Target::Unknown { hidden: false } | Target::Store => None,
    }
}

/// WebSocket and WebRTC channels that carry page data to a literal host.
fn channels(signals: &Signals, reported: &[usize], report: &mut Report<'_>) {
    let gated = !signals.gating.is_empty();
    let reads = !signals.card_reads.is_empty() || !signals.form_reads.is_empty();
    let reads = reads || signals.reads_page_data;
    for sink in &signals.sinks {
        if reported.contains(&sink.at) {
            continue;
        }
        let (host, hidden) = match &sink.target {
            Target::Host { host, hidden } => (Some(host.as_str()), *hidden),
            Target::Unknown { hidden } => (None, *hidden),
            Target::Store => continue,
        };
        let carries = match sink.kind {
            "WebSocket" => signals.sends && reads && (host.is_some() || hidden),
            "RTCPeerConnection" => signals.data_channel,
            _ => false,
        };
        if !carries {
            continue;
        }
        let whither = host.map_or_else(|| "a hidden host".to_string(), |h| h.to_string());
        let message = format!(
            "{} channel to {whither} carries data read from the page",
            sink.kind
        );
        let finding = report.finding(RULE_WEBSOCKET, sink.at, message, &sink.text);
        let severity = if gated {
            Severity::Critical
        } else {
            Severity::High
        };
        let confidence = if reads && (gated || hidden) {
            Confidence::High
        } else if reads {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        report.push(finding.with_severity(severity).with_confidence(confidence));
    }
}

/// A host seen in a file, and how it was seen.
#[derive(Debug, Clone)]
pub struct SeenHost {
    /// File offset.
    pub at: usize,
    /// Lowercased host.
    pub host: String,
    /// It was decoded from a disguise.
    pub hidden: bool,
    /// A network call goes there.
    pub contacted: bool,
}

/// Reports each look-alike host once per file.
pub fn lookalikes(hosts: &[SeenHost], gated: bool, report: &mut Report<'_>) {
    let mut checked: HashSet<&str> = HashSet::new();
    for seen in hosts {
        if !checked.insert(&seen.host) {
            continue;
        }
        let Some(reason) = lookalike(&seen.host) else {
            continue;
        };
        let hidden = if seen.hidden {
            ", hidden in an encoded string"
        } else {
            ""
        };
        let message = format!(
            "Host {} looks like a well-known host ({reason}){hidden}",
            seen.host
        );
        let finding = report.finding(RULE_LOOKALIKE, seen.at, message, &seen.host);
        let severity = if gated {
            Severity::Critical
        } else {
            Severity::High
        };
        let confidence = if seen.hidden || seen.contacted {
            Confidence::High
        } else {
            Confidence::Medium
        };
        report.push(finding.with_severity(severity).with_confidence(confidence));
    }
}
