//! `js-storage-token` and `js-storage-phi`: credentials and personal data
//! written to `localStorage`, `sessionStorage` or a script-set cookie.
//!
//! Browser storage outlives the session, is shared by every script on the
//! origin (one XSS or one compromised tag reads it all) and stays on
//! shared devices, which is why a patient's name or a bearer token does
//! not belong there. A UI preference does: we judge by the words of the
//! key and of the stored expression, never by the bare fact of a write.

use tree_sitter::Node;

use super::js::{storage_area, Facts};
use super::words::{phi_term, split, token_term};
use super::{Report, RULE_STORAGE_PHI, RULE_STORAGE_TOKEN};
use crate::finding::Confidence;

/// One write to browser storage.
struct Write<'t> {
    node: Node<'t>,
    area: &'static str,
    key_words: Vec<String>,
    key_label: String,
    value: Option<Node<'t>>,
}

/// Reports the token and personal-data writes of one script.
pub fn check(facts: &Facts<'_>, report: &mut Report<'_>) {
    for write in writes(facts) {
        let names = write.value.map_or_else(Vec::new, |v| value_names(facts, v));
        judge(facts, &write, &names, report);
    }
}

fn judge(facts: &Facts<'_>, write: &Write<'_>, names: &[Vec<String>], report: &mut Report<'_>) {
    let expr = facts.text(write.node);
    let token = token_term(&write.key_words).map(|t| (t, Confidence::High));
    let token = token.or_else(|| {
        names
            .iter()
            .find_map(|n| token_term(n))
            .map(|t| (t, Confidence::Medium))
    });
    if let Some((term, confidence)) = token {
        let message = format!(
            "{} stores a {term} under {}; any script on the page can read it",
            write.area, write.key_label
        );
        let finding = report.finding(RULE_STORAGE_TOKEN, write.node.start_byte(), message, expr);
        report.push(finding.with_confidence(confidence));
        return;
    }
    let phi = phi_term(&write.key_words).map(|t| (t, Confidence::High));
    let phi = phi.or_else(|| {
        names
            .iter()
            .find_map(|n| phi_term(n))
            .map(|t| (t, Confidence::Medium))
    });
    if let Some((term, confidence)) = phi {
        let message = format!(
            "{} keeps personal data ({term}) under {}; it stays on the device after logout",
            write.area, write.key_label
        );
        let finding = report.finding(RULE_STORAGE_PHI, write.node.start_byte(), message, expr);
        report.push(finding.with_confidence(confidence));
    }
}

fn writes<'t>(facts: &Facts<'t>) -> Vec<Write<'t>> {
    let mut out = Vec::new();
    for call in &facts.calls {
        let Some(callee) = call.child_by_field_name("function") else {
            continue;
        };
        let path = facts.path(callee);
        let Some((object, method)) = path.rsplit_once('.') else {
            continue;
        };
        let area = storage_area(object).or_else(|| facts.storage_aliases.get(object).copied());
        let (Some(area), "setItem" | "set") = (area, method) else {
            continue;
        };
        let args = facts.args(*call);
        let Some(key) = args.first() else { continue };
        let (key_words, key_label) = key_words(facts, *key);
        out.push(Write {
            node: *call,
            area,
            key_words,
            key_label,
            value: args.get(1).copied(),
        });
    }
    for assign in &facts.assigns {
        if let Some(write) = property_write(facts, *assign) {
            out.push(write);
        }
    }
    out
}

/// `localStorage.token = v`, `localStorage['token'] = v` and
/// `document.cookie = 'token=' + v`.
fn property_write<'t>(facts: &Facts<'t>, assign: Node<'t>) -> Option<Write<'t>> {
    let left = assign.child_by_field_name("left")?;
    let value = assign.child_by_field_name("right");
    let path = facts.path(left);
    if path == "document.cookie" {
        let text = value
            .and_then(|v| facts.fold(v))
            .map(|s| s.text)
            .unwrap_or_default();
        let name = text.split('=').next().unwrap_or_default().to_string();
        let label = format!("the cookie '{name}'");
        return Some(Write {
            node: assign,
            area: "a script-set cookie",
            key_words: split(&name),
            key_label: label,
            value,
        });
    }
    if !matches!(left.kind(), "member_expression" | "subscript_expression") {
        return None;
    }
    let object = facts.path(left.child_by_field_name("object")?);
    let area = storage_area(&object).or_else(|| facts.storage_aliases.get(&object).copied())?;
    let key = left
        .child_by_field_name("property")
        .or_else(|| left.child_by_field_name("index"))?;
    let (key_words, key_label) = key_words(facts, key);
    Some(Write {
        node: assign,
        area,
        key_words,
        key_label,
        value,
    })
}

/// Words of a key: its folded value and, for a named constant, the name
/// too (`TOKEN_KEY` says as much as the string it holds).
fn key_words(facts: &Facts<'_>, key: Node<'_>) -> (Vec<String>, String) {
    let folded = facts.fold(key).map(|s| s.text);
    let name = facts.text(key);
    let mut words = split(folded.as_deref().unwrap_or_default());
    if folded.is_none() || key.kind() == "identifier" {
        words.extend(split(name));
    }
    let label = match folded {
        Some(text) => format!("'{text}'"),
        None => name.to_string(),
    };
    (words, label)
}

/// The names in a stored expression: each identifier and each member
/// chain (`response.patientName`, `customerData`, `quote.guestEmail`),
/// string contents left out. We judge each name alone, so that
/// `JSON.stringify(customer)` is a customer record while
/// `JSON.stringify(preferences)` is not.
fn value_names(facts: &Facts<'_>, value: Node<'_>) -> Vec<Vec<String>> {
    let mut names = Vec::new();
    let mut cursor = value.walk();
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        if names.len() > 64 {
            break;
        }
        match node.kind() {
            "identifier" | "property_identifier" | "shorthand_property_identifier" => {
                names.push(split(facts.text(node)));
            }
            "member_expression" => {
                names.push(split(&facts.path(node)));
                stack.extend(node.named_children(&mut cursor));
            }
            "string" | "template_string" | "comment" => {}
            _ => stack.extend(node.named_children(&mut cursor)),
        }
    }
    names
}
