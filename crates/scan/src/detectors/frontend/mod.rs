//! The frontend family: what an extension's browser code does with
//! tokens, personal data and card data.
//!
//! It reads `.js` files, the `<script>` blocks of `.phtml` and `.html`
//! templates, `requirejs-config.js` and layout XML. JavaScript is parsed
//! with tree-sitter (error-tolerant, so minified and broken bundles still
//! give a tree); tags, URLs and disguised strings are also matched in the
//! raw text so that nothing depends on a parse succeeding. Host look-alikes
//! are checked in every text file, PHP included, since a skimmer's loader
//! often hides in a PHP string.
//!
//! Rules: browser storage of tokens and personal data ([`storage`]),
//! tracking tags ([`tracking`]), RequireJS mixins on checkout
//! ([`requirejs`]), skimmers, data channels and look-alike hosts
//! ([`skimmer`]).

mod decode;
mod hosts;
mod js;
mod page;
mod requirejs;
mod rules;
mod script;
mod signals;
mod skimmer;
mod storage;
mod tracking;
mod words;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::capability::{Capability, CapabilityKind};
use crate::context;
use crate::detector::{Detector, Extension, Sink};
use crate::file::{FileKind, SourceFile};
use crate::finding::{Finding, Location};
use crate::rules::RuleInfo;

pub use rules::RULES;
use rules::{
    RULE_LOOKALIKE, RULE_MIXIN, RULE_SKIMMER, RULE_STORAGE_PHI, RULE_STORAGE_TOKEN, RULE_TRACKING,
    RULE_TRACKING_DATA, RULE_WEBSOCKET,
};

use js::Facts;
use signals::{Signals, Target};
use skimmer::SeenHost;

/// The frontend detector.
#[derive(Debug, Default)]
pub struct FrontendDetector;

impl Detector for FrontendDetector {
    fn name(&self) -> &'static str {
        "frontend"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn check(&self, file: &SourceFile, ext: &dyn Extension, out: &mut Sink) {
        if file.kind == FileKind::Binary {
            return;
        }
        let text = file.text();
        let mut report = Report::new(&file.path, &text, out);
        match file.kind {
            FileKind::Js => {
                let scripts = vec![(0, Cow::Borrowed(text.as_ref()))];
                scan_scripts(file, &text, scripts, ext, &mut report);
            }
            FileKind::Phtml | FileKind::Html => {
                let blocks = script::blocks(&text);
                let scripts = blocks
                    .into_iter()
                    .map(|b| (b.start, Cow::Owned(b.code)))
                    .collect();
                scan_scripts(file, &text, scripts, ext, &mut report);
            }
            FileKind::Xml if page::is_layout(&file.path) => {
                let page = page::of_layout(&file.path, &text);
                tracking::check(&text, page.as_deref(), &mut report);
                page::tag_hosts(&text, &mut report);
                lookalike_hosts(&text, &Signals::default(), &mut report);
            }
            _ => lookalike_hosts(&text, &Signals::default(), &mut report),
        }
    }
}

/// The script rules, then the file-level rules over the signals of all
/// the file's scripts.
fn scan_scripts(
    file: &SourceFile,
    text: &str,
    scripts: Vec<(usize, Cow<'_, str>)>,
    ext: &dyn Extension,
    report: &mut Report<'_>,
) {
    let mut signals = Signals::default();
    let config = requirejs::is_config(&file.path);
    for (base, code) in &scripts {
        if !config && !worth_parsing(code) {
            continue;
        }
        let Some(tree) = js::parse(code) else {
            continue;
        };
        let facts = Facts::gather(&tree, code);
        report.base = *base;
        storage::check(&facts, report);
        if config {
            requirejs::check(&facts, &file.path, ext, report);
        }
        signals.gather(&facts, *base);
    }
    report.base = 0;
    if tracking::present(text) {
        let page = page::of_file(file, ext, !signals.gating.is_empty());
        tracking::check(text, page.as_deref(), report);
    }
    page::tag_hosts(text, report);
    let module_uses = |host: &str| page::module_names_host(ext, &file.path, host);
    skimmer::check(&signals, &module_uses, report);
    for sink in &signals.sinks {
        if let Target::Host { host, .. } = &sink.target {
            report.host(host);
        }
    }
    lookalike_hosts(text, &signals, report);
}

/// Words without which no syntax rule can fire: storage and cookies,
/// data channels, decoders, card fields. A URL check only matters with a
/// checkout word next to it (or a decoder, already in the list). Parsing
/// is the costly step, so library code that mentions none of them is left
/// to the text rules.
static PARSE_TRIGGERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let words = [
        "storage",
        "cookie",
        "websocket",
        "rtcpeerconnection",
        "atob",
        "fromcharcode",
        "\\x",
        "\\u00",
        "unescape",
        "card",
        "cvv",
        "cvc",
        "cc_",
        "cc-",
        "ccnum",
        "security_code",
        "expir",
        "exp_",
    ];
    case_insensitive(&words)
});

static GATE_WORDS: LazyLock<AhoCorasick> =
    LazyLock::new(|| case_insensitive(&["checkout", "onestep", "onepage", "opc"]));

fn case_insensitive(words: &[&str]) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .expect("word automaton")
}

fn worth_parsing(code: &str) -> bool {
    PARSE_TRIGGERS.is_match(code) || code.contains("location") && GATE_WORDS.is_match(code)
}

/// Hosts of the text, of disguised strings and of network calls, checked
/// for look-alikes.
fn lookalike_hosts(text: &str, signals: &Signals, report: &mut Report<'_>) {
    let mut seen = Vec::new();
    for sink in &signals.sinks {
        if let Target::Host { host, hidden } = &sink.target {
            seen.push(SeenHost {
                at: sink.at,
                host: host.clone(),
                hidden: *hidden,
                contacted: true,
            });
        }
    }
    let hidden = decode::hidden_strings(text)
        .into_iter()
        .chain(signals.hidden_strings.clone());
    for (at, decoded) in hidden {
        let bare = hosts::host_of(&decoded, true).map(|h| (0, h));
        for (_, host) in hosts::url_hosts(&decoded).into_iter().chain(bare) {
            seen.push(SeenHost {
                at,
                host,
                hidden: true,
                contacted: false,
            });
        }
    }
    for (at, host) in hosts::url_hosts(text) {
        seen.push(SeenHost {
            at,
            host,
            hidden: false,
            contacted: false,
        });
    }
    skimmer::lookalikes(&seen, !signals.gating.is_empty(), report);
}

/// Builds findings for one file and puts them in the sink, once each.
struct Report<'a> {
    path: &'a str,
    text: &'a str,
    /// Offset of the script being checked; rule offsets are relative to it.
    base: usize,
    out: &'a mut Sink,
    seen: HashSet<(String, u32, u32)>,
    hosts: HashSet<String>,
}

impl<'a> Report<'a> {
    fn new(path: &'a str, text: &'a str, out: &'a mut Sink) -> Report<'a> {
        Report {
            path,
            text,
            base: 0,
            out,
            seen: HashSet::new(),
            hosts: HashSet::new(),
        }
    }

    /// A finding for `rule` at `offset` (relative to the current script).
    /// `evidence` is the matched expression; its first line, shortened,
    /// is the snippet.
    fn finding(&self, rule: &RuleInfo, offset: usize, message: String, evidence: &str) -> Finding {
        let at = Location::at_offset(self.path, self.text, self.base + offset);
        Finding::new(rule, at, message, snippet(evidence), evidence)
    }

    /// Reports a finding once per code and place, after the context rules.
    fn push(&mut self, finding: Finding) {
        let at = &finding.location;
        if self.seen.insert((finding.code.clone(), at.line, at.column)) {
            self.out.finding(context::adjust(finding, self.path));
        }
    }

    /// Reports a host the code contacts, once per file.
    fn host(&mut self, host: &str) {
        let host = host.to_ascii_lowercase();
        if self.hosts.insert(host.clone()) {
            self.out
                .capability(Capability::new(CapabilityKind::Host, host, self.path));
        }
    }
}

/// The first line of `evidence`, at most 120 characters.
fn snippet(evidence: &str) -> String {
    let line = evidence
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if line.chars().count() <= 120 {
        return line.to_string();
    }
    let head: String = line.chars().take(119).collect();
    format!("{head}…")
}
