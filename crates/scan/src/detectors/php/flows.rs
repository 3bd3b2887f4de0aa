//! Family 3: personal, health and card data reaching logs, the network,
//! public files, cookies, caches and stored payment records.
//!
//! The engine decides *what* reaches a sink; this module decides what a
//! reviewer should be told about it: which rule, how bad, how sure.

use crate::finding::{Confidence, Severity};

use super::report::{Emit, Report, SinkSite};
use super::rules;
use super::sinks::SinkKind;
use super::value::{kind, Taint, UNKNOWN};

/// Where a file write lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Under `pub/`: anyone with the URL can read it.
    Public,
    /// `var/log/*` or a `.log` file.
    Log,
    /// `var/`, `generated/`, `/tmp`: private to the server.
    Private,
    Unknown,
}

/// Classifies a file path as far as it is known.
pub fn place(path: Option<&str>) -> Place {
    let Some(path) = path.and_then(super::capabilities::normalize_path) else {
        return Place::Unknown;
    };
    if path.starts_with("pub/") {
        Place::Public
    } else if path.starts_with("var/log/") || path.ends_with(".log") {
        Place::Log
    } else if ["var/", "generated/", "app/etc/", "tmp/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        Place::Private
    } else {
        Place::Unknown
    }
}

/// Reports personal or card data reaching a data sink.
pub fn sink(
    report: &mut Report<'_>,
    site: &SinkSite,
    taint: &Taint,
    via: Option<&str>,
    gateway: bool,
) {
    let card = taint.has(kind::CARD);
    let phi = taint.has(kind::PHI);
    if !card && !phi && !taint.has(kind::HASHED) {
        return;
    }
    let bits = if card {
        kind::CARD
    } else if phi {
        kind::PHI
    } else {
        kind::HASHED
    };
    let mut confidence = if site.by_name || taint.only_weak(bits) {
        Confidence::Medium
    } else {
        Confidence::High
    };
    let subject = describe(taint, bits);
    let via = via.map(|m| format!(" through {m}()")).unwrap_or_default();
    let (rule, severity, extra) = match site.kind {
        SinkKind::Log if card => (&rules::CARD_DATA_TO_LOG, None, String::new()),
        SinkKind::Log if phi => (&rules::PHI_TO_LOG, None, String::new()),
        SinkKind::Http => {
            let plain = site.url.as_deref().is_some_and(|u| {
                u.get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
            });
            if gateway && !plain {
                tracing::debug!(
                    path = report.path,
                    "card data to a payment gateway over TLS: expected"
                );
                return;
            }
            let extra = destination(site.url.as_deref(), plain);
            if card {
                (&rules::CARD_DATA_TO_HTTP, None, extra)
            } else if phi {
                (&rules::PHI_TO_HTTP, None, extra)
            } else {
                let note =
                    format!("{extra}; a hash of an email or phone number is still an identifier");
                (&rules::PHI_TO_HTTP, Some(Severity::Medium), note)
            }
        }
        SinkKind::File => {
            let to = site
                .path
                .as_deref()
                .map(|p| format!(" (writes {})", p.replace(UNKNOWN, "…")))
                .unwrap_or_default();
            match (place(site.path.as_deref()), card) {
                (Place::Log, true) => (&rules::CARD_DATA_TO_LOG, None, to),
                (Place::Log, false) if phi => (&rules::PHI_TO_LOG, None, to),
                (Place::Public, true) => (&rules::CARD_DATA_TO_FILE, None, to),
                (Place::Public, false) if phi => {
                    (&rules::PHI_TO_FILE, None, format!("{to}, a public folder"))
                }
                (Place::Private, true) => (&rules::CARD_DATA_TO_FILE, None, to),
                (Place::Unknown, true) => {
                    confidence = Confidence::Medium;
                    (&rules::CARD_DATA_TO_FILE, None, to)
                }
                (Place::Unknown, false) if phi => {
                    confidence = Confidence::Low;
                    (&rules::PHI_TO_FILE, Some(Severity::Medium), to)
                }
                _ => return,
            }
        }
        SinkKind::Cookie if card || phi => (
            &rules::PHI_TO_COOKIE,
            card.then_some(Severity::Critical),
            String::new(),
        ),
        SinkKind::Cache if card || phi => (
            &rules::PHI_TO_CACHE,
            card.then_some(Severity::Critical),
            String::new(),
        ),
        SinkKind::Persist if card && site.unnamed_key => {
            confidence = Confidence::Low;
            let note = " under keys the code does not name; check none is a card field";
            (
                &rules::CARD_DATA_PERSISTED,
                Some(Severity::High),
                note.to_string(),
            )
        }
        SinkKind::Persist if card => (&rules::CARD_DATA_PERSISTED, None, String::new()),
        _ => return,
    };
    let message = format!("{subject} {} {}{via}{extra}", verb(&subject), site.label);
    let emit = Emit {
        confidence: Some(confidence),
        severity,
        ..Emit::at(site.span, message)
    };
    report.emit(rule, emit);
}

/// Names the sources of `bits`: `customer email (getEmail) and customer
/// telephone (getTelephone)`.
pub fn describe(taint: &Taint, bits: u16) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for origin in taint.origins_of(bits) {
        match groups.iter_mut().find(|(what, _)| *what == origin.what) {
            Some((_, vias)) => vias.push(&origin.via),
            None => groups.push((&origin.what, vec![&origin.via])),
        }
    }
    let names: Vec<String> = groups
        .iter()
        .map(|(what, vias)| format!("{what} ({})", vias.join(", ")))
        .collect();
    match names.as_slice() {
        [] => "sensitive data".to_string(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

/// `reaches` after one source, `reach` after several.
pub fn verb(subject: &str) -> &'static str {
    if subject.contains(" and ") {
        "reach"
    } else {
        "reaches"
    }
}

/// ` at host`, and whether the connection is plain HTTP.
fn destination(url: Option<&str>, plain: bool) -> String {
    let host = url.and_then(super::capabilities::host_of);
    match (host, plain) {
        (Some(h), true) => format!(" at {h} over plain HTTP"),
        (Some(h), false) => format!(" at {h}"),
        (None, true) => " over plain HTTP".to_string(),
        (None, false) => String::new(),
    }
}
