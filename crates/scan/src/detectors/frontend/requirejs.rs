//! `requirejs-checkout-mixin`: `requirejs-config.js` entries that wrap,
//! replace or preload checkout and payment components.
//!
//! A mixin on `Magento_Checkout/js/action/place-order` sees every order
//! as it is placed, card fields included; `map` and `paths` entries swap
//! a core component for the module's own; `deps` loads a script on every
//! page. This is the canonical place to plant a skimmer, so each such
//! entry is worth a look (`medium`), and one whose code makes network
//! calls is `high`.

use tree_sitter::Node;

use super::js::{parse, Facts};
use super::signals::{Signals, Target};
use super::{Report, RULE_MIXIN};
use crate::detector::Extension;
use crate::finding::Severity;

/// Component prefixes that handle checkout and payment data.
const SENSITIVE: &[&str] = &[
    "Magento_Checkout/",
    "Magento_Payment/",
    "Magento_Vault/",
    "Magento_Braintree/",
    "PayPal_Braintree/",
    "Magento_Paypal/",
];

/// Whether `path` is a RequireJS configuration file.
pub fn is_config(path: &str) -> bool {
    path.rsplit('/').next() == Some("requirejs-config.js")
}

/// One entry that touches a sensitive component.
struct Entry<'t> {
    node: Node<'t>,
    how: &'static str,
    target: String,
    module: Option<String>,
}

/// Reports the sensitive entries of one `requirejs-config.js`.
pub fn check(facts: &Facts<'_>, path: &str, ext: &dyn Extension, report: &mut Report<'_>) {
    for entry in entries(facts) {
        let mut severity = Severity::Medium;
        let mut note = String::new();
        if let Some(call) = entry
            .module
            .as_deref()
            .and_then(|m| network_call(path, m, ext))
        {
            severity = Severity::High;
            note = format!("; its code makes a network call ({call})");
        }
        let module = entry
            .module
            .as_deref()
            .map_or_else(String::new, |m| format!(" with {m}"));
        let message = format!("RequireJS {} {}{module}{note}", entry.how, entry.target);
        let evidence = format!("{} {}{module}", entry.how, entry.target);
        let finding = report.finding(RULE_MIXIN, entry.node.start_byte(), message, &evidence);
        report.push(finding.with_severity(severity));
    }
}

fn entries<'t>(facts: &Facts<'t>) -> Vec<Entry<'t>> {
    let mut out = Vec::new();
    for pair in &facts.pairs {
        let (Some(key), Some(value)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        match name(facts, key).as_str() {
            "mixins" => mixins(facts, value, &mut out),
            "map" => {
                for (_, inner) in pairs_of(facts, value) {
                    replaced(facts, inner, "map replaces", &mut out);
                }
            }
            "paths" => replaced(facts, value, "paths replace", &mut out),
            "deps" if value.kind() == "array" => {
                let mut cursor = value.walk();
                for dep in value.named_children(&mut cursor) {
                    let target = facts.fold(dep).map(|s| s.text).unwrap_or_default();
                    if is_sensitive(&target) {
                        out.push(Entry {
                            node: dep,
                            how: "deps loads",
                            target,
                            module: None,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn mixins<'t>(facts: &Facts<'t>, value: Node<'t>, out: &mut Vec<Entry<'t>>) {
    for (target, mixin_list) in pairs_of(facts, value) {
        if !is_sensitive(&target.1) {
            continue;
        }
        for ((node, module), enabled) in pairs_of(facts, mixin_list) {
            if facts.text(enabled) != "false" {
                let target = target.1.clone();
                out.push(Entry {
                    node,
                    how: "mixin on",
                    target,
                    module: Some(module),
                });
            }
        }
    }
}

fn replaced<'t>(facts: &Facts<'t>, object: Node<'t>, how: &'static str, out: &mut Vec<Entry<'t>>) {
    for ((node, target), value) in pairs_of(facts, object) {
        if is_sensitive(&target) {
            let module = facts.fold(value).map(|s| s.text);
            out.push(Entry {
                node,
                how,
                target,
                module,
            });
        }
    }
}

/// The `(key node, key name), value` pairs of an object literal.
fn pairs_of<'t>(facts: &Facts<'t>, object: Node<'t>) -> Vec<((Node<'t>, String), Node<'t>)> {
    if object.kind() != "object" {
        return Vec::new();
    }
    let mut cursor = object.walk();
    let children: Vec<Node<'t>> = object.named_children(&mut cursor).collect();
    children
        .into_iter()
        .filter_map(|pair| {
            let key = pair.child_by_field_name("key")?;
            Some(((pair, name(facts, key)), pair.child_by_field_name("value")?))
        })
        .collect()
}

fn name(facts: &Facts<'_>, key: Node<'_>) -> String {
    facts
        .fold(key)
        .map_or_else(|| facts.text(key).to_string(), |s| s.text)
}

fn is_sensitive(target: &str) -> bool {
    SENSITIVE.iter().any(|p| target.starts_with(p))
}

/// The first network call of the module's own file for `module`
/// (`Vendor_Module/js/place-order-mixin`), if it makes one.
fn network_call(config_path: &str, module: &str, ext: &dyn Extension) -> Option<String> {
    let file = resolve(config_path, module, ext)?;
    let bytes = ext.read(&file)?;
    let text = String::from_utf8_lossy(&bytes);
    let tree = parse(&text)?;
    let facts = Facts::gather(&tree, &text);
    let mut signals = Signals::default();
    signals.gather(&facts, 0);
    let sink = signals.sinks.iter().find(|s| s.target != Target::Store)?;
    let line = text[..sink.at.min(text.len())].matches('\n').count() + 1;
    Some(format!("{} at {file}:{line}", sink.kind))
}

/// `Vendor_Module/js/x` → `view/<area>/web/js/x.js` next to the config
/// (the area's own folder first, then `base`).
fn resolve(config_path: &str, module: &str, ext: &dyn Extension) -> Option<String> {
    let (_, rest) = module.split_once('/')?;
    let dir = config_path.rsplit_once('/').map_or("", |(d, _)| d);
    let base = dir
        .rsplit_once('/')
        .map_or(String::from("base"), |(p, _)| format!("{p}/base"));
    let rest = rest.trim_end_matches(".js");
    let candidates = [
        format!("{dir}/web/{rest}.js"),
        format!("{base}/web/{rest}.js"),
    ];
    candidates
        .into_iter()
        .find(|c| ext.paths().iter().any(|p| p == c.trim_start_matches('/')))
        .map(|c| c.trim_start_matches('/').to_string())
}
