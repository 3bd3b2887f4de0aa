//! Keeps `docs/scan-rules.md` and the rule catalogue in step.
//!
//! Every code in `rules::all()` has a section on the page, made from its
//! catalogue row, and the page documents no code the catalogue lacks.
//! When they drift the test prints exactly what to paste or delete. To
//! rewrite the whole rule part of the page from the catalogue instead:
//!
//! ```sh
//! FORMULARY_WRITE_RULES_DOC=1 cargo test -p formulary-scan --test rules_doc
//! ```
//!
//! Everything above the marker line is prose kept by hand.

use std::collections::BTreeMap;
use std::path::PathBuf;

use formulary_scan::rules::{self, Family, RuleInfo};

/// Where the generated part of the page starts.
const MARKER: &str =
    "<!-- Generated from the rule catalogue: see crates/scan/tests/rules_doc.rs -->";

const FAMILIES: [Family; 8] = [
    Family::Secrets,
    Family::Malware,
    Family::PhiFlow,
    Family::MagentoConfig,
    Family::Frontend,
    Family::Transport,
    Family::Manifest,
    Family::Scanner,
];

fn page_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/scan-rules.md")
}

fn family_title(family: Family) -> &'static str {
    match family {
        Family::Secrets => "Secrets",
        Family::Malware => "Malware and backdoors",
        Family::PhiFlow => "PHI and card-data flows",
        Family::MagentoConfig => "Magento configuration",
        Family::Frontend => "Frontend",
        Family::Transport => "Transport and sessions",
        Family::Manifest => "Composer manifest and install time",
        Family::Scanner => "The scanner's own findings",
    }
}

/// One rule's section, exactly as the page should hold it.
fn section(rule: &RuleInfo) -> String {
    let cwe = rule.cwe.map_or(String::new(), |id| {
        format!(" · [CWE-{id}](https://cwe.mitre.org/data/definitions/{id}.html)")
    });
    let confidence = format!("{:?}", rule.confidence).to_lowercase();
    let stop = if rule.summary.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    };
    format!(
        "### `{}`\n\n{}{stop}\n\n**Default:** {} severity, {confidence} confidence{cwe}\n\n{}\n",
        rule.code, rule.summary, rule.severity, rule.help
    )
}

/// The generated part: a heading per family, a section per rule.
fn generated(catalogue: &[&RuleInfo]) -> String {
    let mut out = format!("{MARKER}\n");
    for family in FAMILIES {
        let members: Vec<_> = catalogue.iter().filter(|r| r.family == family).collect();
        if members.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {}\n", family_title(family)));
        for rule in members {
            out.push_str(&format!("\n{}", section(rule)));
        }
    }
    out
}

/// The sections on the page, by code.
fn documented(page: &str) -> BTreeMap<String, String> {
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in page.lines() {
        let heading = line.strip_prefix("### `").and_then(|r| r.strip_suffix('`'));
        if heading.is_some() || line.starts_with("## ") {
            sections.extend(current.take());
        }
        if let Some(code) = heading {
            current = Some((code.to_string(), String::new()));
        }
        if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    sections.extend(current);
    sections
}

#[test]
fn every_rule_is_documented_and_every_documented_rule_exists() {
    let catalogue = rules::all();
    let path = page_path();
    let page = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("FORMULARY_WRITE_RULES_DOC").is_some() {
        let intro = page.split(MARKER).next().unwrap_or_default();
        let written = std::fs::write(&path, format!("{intro}{}", generated(&catalogue)));
        assert!(written.is_ok(), "cannot write {}", path.display());
        return;
    }
    let on_page = documented(&page);
    let mut problems = Vec::new();
    for rule in &catalogue {
        let expected = section(rule);
        match on_page.get(rule.code) {
            None => {
                let under = family_title(rule.family);
                problems.push(format!(
                    "ADD this section under `## {under}`:\n\n{expected}"
                ))
            }
            Some(text) if text.trim() != expected.trim() => problems.push(format!(
                "REPLACE the section of `{}` with:\n\n{expected}",
                rule.code
            )),
            Some(_) => {}
        }
    }
    for code in on_page.keys() {
        if rules::find(code).is_none() {
            problems.push(format!(
                "REMOVE the section of `{code}`: no rule has that code"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/scan-rules.md is out of step with the rule catalogue.\n\
         Fix it by hand as below, or regenerate the rule part with\n  \
         FORMULARY_WRITE_RULES_DOC=1 cargo test -p formulary-scan --test rules_doc\n\n{}",
        problems.join("\n---\n\n")
    );
}

#[test]
fn the_page_parser_finds_sections_and_stops_at_headings() {
    let page = "# Title\n\n### `a-b`\n\ntext\n\n## Family\n\n### `c`\n\nmore\n";
    let sections = documented(page);
    assert_eq!(sections.keys().collect::<Vec<_>>(), ["a-b", "c"]);
    assert_eq!(sections["a-b"], "### `a-b`\n\ntext\n\n");
}
