//! Turning a [`Delta`] into what people and tools read: text for a
//! terminal, JSON (`formulary-diff/v1`, documented in `docs/diff.md`) and
//! one self-contained HTML page.
//!
//! Everything shown came from an archive, which is hostile input. Text
//! output shows control characters and the Unicode direction overrides
//! that can make code read differently from how it runs ("Trojan
//! Source") as visible escapes, so that a line cannot forge terminal
//! output or hide what it does; HTML output escapes them too, and escapes
//! markup. JSON escapes what JSON must and leaves the rest to its reader.

pub mod html;
pub mod json;
pub mod text;

use std::borrow::Cow;

use crate::delta::{Delta, DeltaSummary};

/// The value of the JSON document's `schema` field.
pub const SCHEMA: &str = "formulary-diff/v1";

/// The whole report as text: the summary, then every unified diff.
/// `color` adds ANSI colours (the caller decides: a terminal, and no
/// `NO_COLOR`).
pub fn text(delta: &Delta, color: bool) -> String {
    text::delta(delta, color)
}

/// The summary alone as text (what `review show` prints).
pub fn summary_text(summary: &DeltaSummary, color: bool) -> String {
    text::summary(summary, color)
}

/// The report as a `formulary-diff/v1` JSON document, pretty-printed.
pub fn json(delta: &Delta) -> String {
    json::document(delta)
}

/// The report as one HTML page with no external references.
pub fn html(delta: &Delta) -> String {
    html::page(delta)
}

/// `text` with control characters (but tab) and bidirectional controls
/// shown as `\u{…}` escapes.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Characters a reader cannot see for what they are.
fn is_hidden(c: char) -> bool {
    let bidi = matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    );
    (c.is_control() && c != '\t') || bidi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_direction_overrides_become_visible() {
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("if (x\u{202e}) {"), "if (x\\u{202e}) {");
        assert_eq!(printable("tab\there"), "tab\there");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }
}
