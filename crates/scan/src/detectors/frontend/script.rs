//! The JavaScript inside templates: `<script>` blocks of `.phtml` and
//! `.html` files, cut out with their byte offsets so that findings point
//! at the template's own lines.
//!
//! PHP tags inside a block (`var url = '<?= $block->getUrl() ?>';`) are
//! replaced by `0` and spaces of the same length: the JS parser sees a
//! harmless value, offsets stay exact, and a tag that sat between quotes
//! leaves a string that still parses.

use regex::Regex;
use std::sync::LazyLock;

static OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<script(?-u:\b)([^>]*)>").expect("script-open pattern"));
static CLOSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)</script\s*>").expect("script-close pattern"));
static TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?-u:\b)type\s*=\s*["']?([^"'\s>]+)"#).expect("script-type pattern")
});

/// One script block: its code (PHP blanked) and where it starts.
#[derive(Debug, PartialEq, Eq)]
pub struct Block {
    /// Byte offset of the code in the template.
    pub start: usize,
    /// The code, as long as the original.
    pub code: String,
}

/// The JavaScript blocks of a template. Blocks of other types
/// (`text/x-magento-init` JSON, `text/x-magento-template`, JSON-LD) are
/// left to the text rules.
pub fn blocks(template: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = OPEN.captures_at(template, from) {
        let (Some(whole), attrs) = (open.get(0), open.get(1).map_or("", |a| a.as_str())) else {
            break;
        };
        let start = whole.end();
        let end = CLOSE
            .find_at(template, start)
            .map_or(template.len(), |m| m.start());
        from = end.max(start);
        if is_javascript(attrs) && end > start {
            out.push(Block {
                start,
                code: blank_php(&template[start..end]),
            });
        }
        if from >= template.len() {
            break;
        }
    }
    out
}

fn is_javascript(attrs: &str) -> bool {
    let Some(kind) = TYPE.captures(attrs).and_then(|c| c.get(1)) else {
        return true;
    };
    let kind = kind.as_str().to_ascii_lowercase();
    matches!(
        kind.as_str(),
        "text/javascript" | "application/javascript" | "module" | "text/ecmascript"
    )
}

/// Replaces each `<?php … ?>` / `<?= … ?>` with `0` and spaces (newlines
/// kept), so the text keeps its length and its line breaks.
pub fn blank_php(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(open) = rest.find("<?") {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let close = tail.find("?>").map_or(tail.len(), |c| c + 2);
        out.push('0');
        out.extend(tail[1..close].chars().map(blank_char));
        // Multi-byte characters become several spaces, one per byte.
        out.extend(std::iter::repeat_n(
            ' ',
            close - 1 - tail[1..close].chars().count(),
        ));
        rest = &tail[close..];
    }
    out.push_str(rest);
    out
}

fn blank_char(c: char) -> char {
    if c == '\n' || c == '\r' {
        c
    } else {
        ' '
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_blocks_keep_offsets_and_blank_php() {
        let t = "<p>x</p>\n<script>\nvar u = '<?= $b->getUrl() ?>';\n</script>";
        let found = blocks(t);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start, t.find("<script>").unwrap_or(0) + 8);
        assert_eq!(
            found[0].code.len(),
            t.len() - found[0].start - "</script>".len()
        );
        let blanked = format!(
            "var u = '0{}';",
            " ".repeat("<?= $b->getUrl() ?>".len() - 1)
        );
        assert!(found[0].code.contains(&blanked), "{:?}", found[0].code);
    }

    #[test]
    fn magento_init_json_is_not_javascript() {
        let t = "<script type=\"text/x-magento-init\">{\"*\": {}}</script>\
                 <script type='text/javascript'>a()</script>";
        let found = blocks(t);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "a()");
    }

    #[test]
    fn blanking_keeps_length_with_wide_characters() {
        let code = "x = '<?= __('Grüße') ?>';\n";
        assert_eq!(blank_php(code).len(), code.len());
    }
}
