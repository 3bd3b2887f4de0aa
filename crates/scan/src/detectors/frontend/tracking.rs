//! `tracking-pixel` and `tracking-pixel-with-customer-data`: advertising
//! and analytics tags in scripts, templates and layouts.
//!
//! The HHS bulletin on online tracking (2022, updated 2024) treats a tag
//! on a page about a patient's care, account or checkout as a disclosure
//! to the tag's vendor. A tag alone is `low` (marketing pages may carry
//! one); on a checkout, account or patient page it is `high`, and a tag
//! call whose payload names the customer (email, phone, name) is worse.
//! We match by text, not syntax, so tags inside PHP strings, layout XML
//! and unparsable bundles are found too.

use regex::Regex;
use std::sync::LazyLock;

use super::words::{phi_term, split, MATCHING_KEYS};
use super::{Report, RULE_TRACKING, RULE_TRACKING_DATA};
use crate::finding::Severity;

/// A vendor's tag: the hosts its loader and beacons use, and the global
/// calls its snippet makes (patterns end at the opening parenthesis
/// when they are calls whose payload we read).
struct Tracker {
    vendor: &'static str,
    hosts: &'static [&'static str],
    calls: &'static [&'static str],
}

const TRACKERS: &[Tracker] = &[
    Tracker {
        vendor: "Meta (Facebook) Pixel",
        hosts: &["connect.facebook.net", "www.facebook.com/tr"],
        calls: &[r"(?-u:\b)fbq\s*\("],
    },
    Tracker {
        vendor: "Google tag / Tag Manager",
        hosts: &[
            "googletagmanager.com",
            "google-analytics.com",
            "analytics.google.com",
        ],
        calls: &[r"(?-u:\b)gtag\s*\(", r"(?-u:\b)dataLayer\.push\s*\("],
    },
    Tracker {
        vendor: "TikTok Pixel",
        hosts: &["analytics.tiktok.com"],
        calls: &[r"(?-u:\b)ttq\.(?:track|page|identify|load|instance)\s*\("],
    },
    Tracker {
        vendor: "Hotjar",
        hosts: &["static.hotjar.com", "script.hotjar.com"],
        calls: &[
            r"(?-u:\b)_hjSettings(?-u:\b)",
            r"(?-u:\b)hj\s*\(\s*['\x22]identify",
        ],
    },
    Tracker {
        vendor: "LinkedIn Insight Tag",
        hosts: &["snap.licdn.com", "px.ads.linkedin.com"],
        calls: &[
            r"(?-u:\b)_linkedin_partner_id(?-u:\b)",
            r"(?-u:\b)lintrk\s*\(",
        ],
    },
    Tracker {
        vendor: "Pinterest Tag",
        hosts: &["s.pinimg.com/ct", "ct.pinterest.com"],
        calls: &[r"(?-u:\b)pintrk\s*\("],
    },
    Tracker {
        vendor: "Snap Pixel",
        hosts: &["sc-static.net/scevent", "tr.snapchat.com"],
        calls: &[r"(?-u:\b)snaptr\s*\("],
    },
    Tracker {
        vendor: "Microsoft (Bing) UET",
        hosts: &["bat.bing.com"],
        calls: &[r"(?-u:\b)uetq\.push\s*\("],
    },
    Tracker {
        vendor: "Microsoft Clarity",
        hosts: &["clarity.ms"],
        calls: &[r"(?-u:\b)clarity\s*\(\s*['\x22](?:identify|set)"],
    },
    Tracker {
        vendor: "Adobe Experience Platform tags",
        hosts: &["assets.adobedtm.com"],
        calls: &[],
    },
];

/// One compiled pattern per vendor: its hosts or its calls.
static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    TRACKERS
        .iter()
        .map(|t| {
            let hosts = t.hosts.iter().map(|h| regex::escape(h));
            let all: Vec<String> = hosts.chain(t.calls.iter().map(|c| c.to_string())).collect();
            Regex::new(&all.join("|")).expect("tracker pattern")
        })
        .collect()
});

static MATCHING_KEY: LazyLock<Regex> = LazyLock::new(|| {
    let keys = MATCHING_KEYS.join("|");
    Regex::new(&format!(r#"(?:^|[{{,])\s*['"]?({keys})['"]?\s*:"#)).expect("matching-key pattern")
});

/// Whether any tag's sign appears in `text` (a cheap test before the
/// page context, which may read layouts, is worked out).
pub fn present(text: &str) -> bool {
    PATTERNS.iter().any(|p| p.is_match(text))
}

/// Where the tag sits, when the page is one a tag must not see.
pub type Page<'p> = Option<&'p str>;

/// Reports each vendor's tag once per file, and every tag call that
/// carries customer data.
pub fn check(text: &str, page: Page<'_>, report: &mut Report<'_>) {
    for (tracker, pattern) in TRACKERS.iter().zip(PATTERNS.iter()) {
        let mut first = true;
        let mut with_data = 0;
        for m in pattern.find_iter(text) {
            if tracker.hosts.contains(&m.as_str()) {
                report.host(&full_host(text, m.start(), m.as_str()));
            }
            if first {
                first = false;
                tag_finding(tracker, m.start(), m.as_str(), page, report);
            }
            if with_data < 5 && m.as_str().ends_with('(') {
                let payload = call_payload(text, m.end() - 1);
                if let Some(term) = customer_data(payload) {
                    with_data += 1;
                    let call = &text[m.start()..m.end() - 1 + payload.len()];
                    data_finding(tracker, m.start(), call, &term, page, report);
                }
            }
        }
    }
}

fn tag_finding(tracker: &Tracker, at: usize, matched: &str, page: Page<'_>, r: &mut Report<'_>) {
    let (severity, whereabouts) = match page {
        Some(page) => (Severity::High, format!("on a sensitive page ({page})")),
        None => (Severity::Low, "on storefront pages".to_string()),
    };
    let message = format!("{} tag {whereabouts}", tracker.vendor);
    let evidence = format!("{} {matched}", tracker.vendor);
    let finding = r.finding(RULE_TRACKING, at, message, &evidence);
    r.push(finding.with_severity(severity));
}

fn data_finding(
    tracker: &Tracker,
    at: usize,
    call: &str,
    term: &str,
    page: Page<'_>,
    r: &mut Report<'_>,
) {
    let severity = if page.is_some() {
        Severity::Critical
    } else {
        Severity::High
    };
    let message = format!(
        "{} call sends customer data ({term}) to the vendor",
        tracker.vendor
    );
    let finding = r.finding(RULE_TRACKING_DATA, at, message, call);
    r.push(finding.with_severity(severity));
}

/// The whole host name around a matched host pattern
/// (`www.` + `googletagmanager.com`), without any path.
fn full_host(text: &str, start: usize, matched: &str) -> String {
    let before = &text.as_bytes()[..start];
    let label = |b: &u8| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-';
    let prefix = before.iter().rev().take_while(|b| label(b)).count();
    let host = matched.split('/').next().unwrap_or(matched);
    format!("{}{host}", &text[start - prefix..start])
}

/// The argument text of a call whose `(` is at `open`, up to its `)`
/// (bounded, so an unbalanced snippet cannot run to the end of a bundle).
fn call_payload(text: &str, open: usize) -> &str {
    let bytes = text.as_bytes();
    let limit = (open + 4000).min(bytes.len());
    let (mut depth, mut quote, mut i) = (0usize, None::<u8>, open);
    while i < limit {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if matches!(b, b'\'' | b'"' | b'`') => quote = Some(b),
            None if matches!(b, b'(' | b'[' | b'{') => depth += 1,
            None if matches!(b, b')' | b']' | b'}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return text.get(open..=i).unwrap_or_default();
                }
            }
            None => {}
        }
        i += 1;
    }
    text.get(open..limit).unwrap_or_default()
}

/// The customer-data term a payload carries, if any: an advanced-matching
/// key (`em`, `ph`…) or a name such as `customer.email` or
/// `$block->getCustomerTelephone()`. Literal strings other than PHP
/// tags are not read: an event name is not customer data.
fn customer_data(payload: &str) -> Option<String> {
    if let Some(key) = MATCHING_KEY.captures(payload).and_then(|c| c.get(1)) {
        return Some(format!("advanced-matching key `{}`", key.as_str()));
    }
    static NAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"[A-Za-z_$][\w$]*(?:(?:\.|\??->)[A-Za-z_$][\w$]*)*").expect("name pattern")
    });
    let code = code_view(payload);
    NAME.find_iter(&code)
        .find_map(|m| phi_term(&split(m.as_str())))
}

/// `payload` with the contents of string literals removed, except PHP
/// tags inside them (`'<?= $block->getEmail() ?>'`).
fn code_view(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len());
    let mut quote = None;
    let mut rest = payload;
    while let Some(c) = rest.chars().next() {
        if quote.is_some() && rest.starts_with("<?") {
            let end = rest.find("?>").map_or(rest.len(), |e| e + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == '\\' => {
                let mut chars = rest.chars();
                chars.next();
                chars.next();
                rest = chars.as_str();
                continue;
            }
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => quote = Some(c),
            None => out.push(c),
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_stops_at_the_closing_parenthesis() {
        let text = "fbq('track', 'Lead', {em: x}); other()";
        assert_eq!(call_payload(text, 3), "('track', 'Lead', {em: x})");
    }

    #[test]
    fn customer_data_comes_from_keys_names_and_php_not_event_names() {
        assert!(customer_data("('init', '1', {em: e})").is_some());
        assert!(customer_data("('set', 'user_data', {email: customer.email})").is_some());
        assert!(customer_data("('init', '<?= $block->getCustomerEmail() ?>')").is_some());
        assert_eq!(customer_data("('track', 'PageView')"), None);
        assert_eq!(
            customer_data("('event', 'purchase', {value: 12, items: items})"),
            None
        );
        assert_eq!(customer_data("({event: 'email_signup_click'})"), None);
    }
}
