//! Which page a piece of frontend code runs on, as far as a scanner can
//! tell: the file's path, the layout handles that include a template
//! (`checkout_index_index.xml`, `<update handle="customer_account"/>`),
//! or a script's own check for a checkout URL.

use regex::Regex;
use std::sync::LazyLock;

use super::Report;
use crate::detector::Extension;
use crate::file::{FileKind, SourceFile};

/// Words in paths and layout handles that mark pages a tag must not see.
const SENSITIVE: &[&str] = &[
    "checkout",
    "onepage",
    "multishipping",
    "customer_account",
    "customer-account",
    "customer/account",
    "sales_order",
    "sales_guest",
    "patient",
    "portal",
    "payment",
    "prescription",
    "appointment",
    "vault_cards",
];

/// Files read when looking for layouts or host names, at most.
const MAX_FILES: usize = 4000;

/// Bytes read per file when looking, at most.
const MAX_BYTES: usize = 2 << 20;

fn sensitive(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    SENSITIVE.iter().find(|w| lower.contains(*w)).copied()
}

/// Whether `path` is a layout file (`view/<area>/layout/*.xml`).
pub fn is_layout(path: &str) -> bool {
    (path.contains("/layout/") || path.contains("/page_layout/")) && path.ends_with(".xml")
}

/// The sensitive handle of a layout file: its own name or a handle it
/// pulls in with `<update handle="…"/>`.
pub fn of_layout(path: &str, text: &str) -> Option<String> {
    static UPDATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"<update\s+handle\s*=\s*["']([^"']+)"#).expect("update-handle pattern")
    });
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".xml");
    let handles = std::iter::once(stem).chain(
        UPDATE
            .captures_iter(text)
            .filter_map(|c| c.get(1).map(|m| m.as_str())),
    );
    let mut handles = handles.filter(|h| sensitive(h).is_some());
    handles.next().map(|h| format!("layout handle {h}"))
}

/// Why the page `file` runs on is sensitive, if it is.
pub fn of_file(file: &SourceFile, ext: &dyn Extension, gated: bool) -> Option<String> {
    if let Some(word) = sensitive(&file.path) {
        return Some(format!("path mentions {word}"));
    }
    if gated {
        return Some("the script checks for a checkout URL".into());
    }
    if file.kind != FileKind::Phtml {
        return None;
    }
    let (_, template) = file.path.split_once("templates/")?;
    let reference = format!("::{template}");
    let layouts = ext.paths().iter().filter(|p| is_layout(p)).take(MAX_FILES);
    layouts
        .filter_map(|p| Some((p, ext.read(p)?)))
        .find_map(|(p, bytes)| {
            let text = String::from_utf8_lossy(&bytes);
            text.contains(&reference)
                .then(|| of_layout(p, &text))
                .flatten()
        })
}

static TAG_SRC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?i)<(?:script|img|iframe|form|link|css)(?-u:\b)[^>]*?(?-u:\b)(?:src|action|href)\s*=\s*"#,
        r#"["'](?:https?:)?//([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)"#
    ))
    .expect("tag-src pattern")
});

/// Reports the hosts that template or layout tags load from.
pub fn tag_hosts(text: &str, report: &mut Report<'_>) {
    for host in TAG_SRC.captures_iter(text).filter_map(|c| c.get(1)) {
        if host.as_str().contains('.') {
            report.host(host.as_str());
        }
    }
}

/// Whether the module names `host` in its PHP or its `etc/` XML: the
/// host of the module's own gateway, not a stranger's. The CSP allowlist
/// and setup patches do not count, since a skimmer's author edits those
/// too (to let the host through, or to plant a loader in the footer).
pub fn module_names_host(ext: &dyn Extension, own: &str, host: &str) -> bool {
    let candidates = ext.paths().iter().filter(|p| {
        let config = p.ends_with(".xml") && p.contains("etc/") && !p.ends_with("csp_whitelist.xml");
        let code = p.ends_with(".php") && !p.starts_with("Setup/") && !p.contains("/Setup/");
        p.as_str() != own && (code || config)
    });
    candidates.take(MAX_FILES).any(|p| {
        ext.read(p).is_some_and(|bytes| {
            let bytes = &bytes[..bytes.len().min(MAX_BYTES)];
            String::from_utf8_lossy(bytes)
                .to_ascii_lowercase()
                .contains(host)
        })
    })
}
