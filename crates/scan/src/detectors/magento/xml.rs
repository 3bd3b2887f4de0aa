//! Small helpers over roxmltree shared by the XML checks: parsing with a
//! `file-unreadable` finding on failure, positions, snippets, children.

use roxmltree::{Document, Node};

use crate::detector::Sink;
use crate::finding::{Finding, Location};
use crate::rules::{RuleInfo, SCANNER_RULES};

/// Parses `text`, or reports the file as unreadable and returns `None`.
///
/// We keep roxmltree's default of refusing DTDs: Magento configuration
/// never declares one, and entity tricks in a vetted extension are
/// themselves worth a reviewer's look.
pub fn parse<'a>(path: &str, text: &'a str, out: &mut Sink) -> Option<Document<'a>> {
    match Document::parse(text) {
        Ok(doc) => Some(doc),
        Err(err) => {
            let pos = err.pos();
            let at = Location {
                path: path.to_string(),
                line: pos.row,
                column: pos.col,
            };
            out.finding(unreadable(at, &format!("not well-formed XML: {err}")));
            None
        }
    }
}

/// The scanner's `file-unreadable` finding at `at`, saying `why`.
pub fn unreadable(at: Location, why: &str) -> Finding {
    let message = format!(
        "{} could not be parsed ({why}), so it was not checked",
        at.path
    );
    let evidence = format!("unreadable:{why}");
    Finding::new(file_unreadable(), at, message, why.to_string(), &evidence)
}

fn file_unreadable() -> &'static RuleInfo {
    // The core table always holds this code; the fallback only keeps the
    // function total.
    SCANNER_RULES
        .iter()
        .find(|r| r.code == "file-unreadable")
        .unwrap_or(&SCANNER_RULES[0])
}

/// The location of a byte offset in the document.
pub fn location(doc: &Document, path: &str, offset: usize) -> Location {
    let pos = doc.text_pos_at(offset);
    Location {
        path: path.to_string(),
        line: pos.row,
        column: pos.col,
    }
}

/// The location where `node` starts.
pub fn node_location(doc: &Document, path: &str, node: Node) -> Location {
    location(doc, path, node.range().start)
}

/// The first line of `node`'s source, trimmed to a readable length.
pub fn snippet(doc: &Document, node: Node) -> String {
    let source = &doc.input_text()[node.range()];
    let line = source.lines().next().unwrap_or("").trim();
    shorten(line, 160)
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}…")
}

/// The element children of `node` with local name `name`.
pub fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The first element child of `node` named `name`.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The element descendants of `node` (itself included) named `name`.
pub fn descendants<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.descendants()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text inside `node` (all text descendants joined).
pub fn text(node: Node) -> String {
    let joined: String = node
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    joined.trim().to_string()
}

/// A class name as di.xml and webapi.xml write it, without a leading `\`.
pub fn class_name(raw: &str) -> &str {
    raw.trim().trim_start_matches('\\')
}

/// A finding of `rule` at `node` with `message`; the snippet is the
/// element's first line and the evidence `evidence`.
pub fn finding_at(
    rule: &RuleInfo,
    doc: &Document,
    path: &str,
    node: Node,
    message: String,
    evidence: &str,
) -> Finding {
    Finding::new(
        rule,
        node_location(doc, path, node),
        message,
        snippet(doc, node),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_file_is_one_unreadable_finding_with_its_position() {
        let mut out = Sink::default();
        let doc = parse(
            "etc/di.xml",
            "<config>\n  <type name=\"x\">\n</config>",
            &mut out,
        );
        assert!(doc.is_none());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].code, "file-unreadable");
        assert_eq!(out.findings[0].location.line, 3);
    }

    #[test]
    fn positions_and_snippets_come_from_the_source() {
        let text = "<config>\n    <event name=\"a\">\n    </event>\n</config>";
        let doc = Document::parse(text).expect("test XML parses");
        let event = descendants(doc.root(), "event").next().expect("an event");
        let at = node_location(&doc, "etc/events.xml", event);
        assert_eq!((at.line, at.column), (2, 5));
        assert_eq!(snippet(&doc, event), "<event name=\"a\">");
    }
}
