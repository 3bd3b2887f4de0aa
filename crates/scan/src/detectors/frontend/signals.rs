//! What a script does that matters for skimming and exfiltration: where
//! it sends data (network sinks and their targets), whether it reads card
//! fields or whole forms, whether it checks that it runs on checkout, and
//! which hosts it hides in decoded strings.
//!
//! Offsets here are file offsets (the script's base added), so signals of
//! several `<script>` blocks of one template can be judged together.

use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

use super::hosts::host_of;
use super::js::{Facts, Str};

/// Where a network call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A literal host; `hidden` when it was decoded from an escape,
    /// `atob` or char codes.
    Host { host: String, hidden: bool },
    /// A path on the store itself (`/rest/…`, `url.build(…)`).
    Store,
    /// Computed at run time; `hidden` when decoders are involved.
    Unknown { hidden: bool },
}

/// One network call.
#[derive(Debug, Clone)]
pub struct NetSink {
    /// File offset of the call.
    pub at: usize,
    /// `fetch`, `XMLHttpRequest`, `WebSocket`…
    pub kind: &'static str,
    /// Where it goes.
    pub target: Target,
    /// The call's source text.
    pub text: String,
    /// File offsets of the innermost function around the call (the whole
    /// script at top level).
    pub scope: (usize, usize),
}

impl NetSink {
    /// Whether a card field is read in the same function as this call.
    pub fn near(&self, reads: &[(usize, String)]) -> bool {
        reads
            .iter()
            .any(|(at, _)| (self.scope.0..self.scope.1).contains(at))
    }
}

/// Everything the skimmer and exfiltration rules ask of one file.
#[derive(Debug, Default)]
pub struct Signals {
    /// Network calls.
    pub sinks: Vec<NetSink>,
    /// Reads of card fields: offset and the field named.
    pub card_reads: Vec<(usize, String)>,
    /// Reads of whole forms (`querySelectorAll('input')`, `serialize()`).
    pub form_reads: Vec<usize>,
    /// Checks that the page is checkout (`location.href.indexOf('checkout')`).
    pub gating: Vec<usize>,
    /// `something.send(…)` calls (WebSocket, data channel, XHR).
    pub sends: bool,
    /// `createDataChannel(…)` calls.
    pub data_channel: bool,
    /// Strings decoded from disguises, with their offsets.
    pub hidden_strings: Vec<(usize, String)>,
    /// Reads cookies, storage or customer data (what a channel would carry).
    pub reads_page_data: bool,
}

/// Text that shows a script reading page or customer data.
const PAGE_DATA: &[&str] = &[
    "document.cookie",
    "getItem(",
    "customerData",
    "customer-data",
    "billingAddress",
    "shippingAddress",
    ".value",
    ".val()",
];

static CARD_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:^|[^a-z0-9])cc[_-]?(?:number|num|cid|cvv|cvc|exp|owner)",
        r"|card[_-]?(?:number|num|no|cvv|cvc|code|holder|exp)",
        r"|(?:^|[^a-z])cv[vc]2?(?:[^a-z]|$)|security[_-]?code|cardnumber",
        r"|exp(?:iry|iration)?[_-]?(?:month|year|date)"
    ))
    .expect("card-field pattern")
});

const GATE_WORDS: &[&str] = &["checkout", "onestep", "onepage", "firecheckout", "opc"];

const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

impl Signals {
    /// Adds the signals of one parsed script starting at `base`.
    pub fn gather(&mut self, facts: &Facts<'_>, base: usize) {
        self.reads_page_data |= PAGE_DATA.iter().any(|m| facts.src.contains(m));
        for call in &facts.calls {
            self.call(facts, *call, base);
        }
        for new in &facts.news {
            self.construct(facts, *new, base);
        }
        for assign in &facts.assigns {
            self.assignment(facts, *assign, base);
        }
        for string in &facts.strings {
            self.string(facts, *string, base);
        }
    }

    fn call(&mut self, facts: &Facts<'_>, call: Node<'_>, base: usize) {
        let Some(callee) = call.child_by_field_name("function") else {
            return;
        };
        let path = facts.path(callee);
        let (object, method) = path.rsplit_once('.').unwrap_or(("", path.as_str()));
        let args = facts.args(call);
        let arg = |i: usize| args.get(i).copied();
        let at = base + call.start_byte();
        if let Some(Str {
            text,
            decoded: true,
            ..
        }) = facts.fold(call)
        {
            self.hidden_strings.push((at, text));
        }
        let sink = |kind, target: Option<Node<'_>>| NetSink {
            at,
            kind,
            target: target.map_or(Target::Unknown { hidden: false }, |t| target_of(facts, t)),
            text: facts.text(call).to_string(),
            scope: scope(facts, call, base),
        };
        match (object, method) {
            ("" | "window", "fetch") => self.sinks.push(sink("fetch", arg(0))),
            (_, "sendBeacon") => self.sinks.push(sink("sendBeacon", arg(0))),
            (_, "open") if args.len() >= 2 && is_http_method(facts, arg(0)) => {
                self.sinks.push(sink("XMLHttpRequest", arg(1)));
            }
            ("$" | "jQuery" | "axios", "ajax" | "post" | "get" | "getJSON" | "getScript") => {
                let url = arg(0).map(|a| object_field(facts, a, "url").unwrap_or(a));
                self.sinks.push(sink("jQuery.ajax", url));
            }
            (_, "setAttribute")
                if arg(0)
                    .and_then(|a| facts.fold(a))
                    .is_some_and(|s| s.text == "src") =>
            {
                self.sinks.push(sink("src attribute", arg(1)));
            }
            (_, "send") => self.sends = true,
            (_, "createDataChannel") => self.data_channel = true,
            (_, "serialize" | "serializeArray") => self.form_reads.push(at),
            (_, "querySelectorAll" | "getElementsByTagName") => {
                let all = arg(0)
                    .and_then(|a| facts.fold(a))
                    .map(|s| s.text.to_ascii_lowercase());
                if all.is_some_and(|t| {
                    t.contains("input") || t.contains("form") || t.contains("select")
                }) {
                    self.form_reads.push(at);
                }
            }
            (_, "indexOf" | "includes" | "search" | "match" | "test" | "startsWith")
                if is_gate(facts, call, callee, &args) =>
            {
                self.gating.push(at);
            }
            _ => {}
        }
    }

    fn construct(&mut self, facts: &Facts<'_>, new: Node<'_>, base: usize) {
        let Some(ctor) = new.child_by_field_name("constructor") else {
            return;
        };
        let name = facts.path(ctor);
        let name = name.trim_start_matches("window.");
        let args = facts.args(new);
        let (kind, target) = match name {
            "WebSocket" => ("WebSocket", args.first().map(|a| target_of(facts, *a))),
            "EventSource" => ("EventSource", args.first().map(|a| target_of(facts, *a))),
            "RTCPeerConnection" | "webkitRTCPeerConnection" => (
                "RTCPeerConnection",
                Some(ice_target(facts, args.first().copied())),
            ),
            "FormData" => {
                self.form_reads.push(base + new.start_byte());
                return;
            }
            _ => return,
        };
        self.sinks.push(NetSink {
            at: base + new.start_byte(),
            kind,
            target: target.unwrap_or(Target::Unknown { hidden: false }),
            text: facts.text(new).to_string(),
            scope: scope(facts, new, base),
        });
    }

    /// `img.src = 'https://…?' + data`, `script.src = …`, `form.action = …`.
    fn assignment(&mut self, facts: &Facts<'_>, assign: Node<'_>, base: usize) {
        let (Some(left), Some(right)) = (
            assign.child_by_field_name("left"),
            assign.child_by_field_name("right"),
        ) else {
            return;
        };
        let path = facts.path(left);
        let kind = match path.rsplit('.').next() {
            Some("src") if left.kind() == "member_expression" => "src assignment",
            Some("action") if left.kind() == "member_expression" => "form action",
            _ => return,
        };
        let target = target_of(facts, right);
        if matches!(target, Target::Store) {
            return;
        }
        self.sinks.push(NetSink {
            at: base + assign.start_byte(),
            kind,
            target,
            text: facts.text(assign).to_string(),
            scope: scope(facts, assign, base),
        });
    }

    fn string(&mut self, facts: &Facts<'_>, string: Node<'_>, base: usize) {
        let Some(value) = facts.fold(string) else {
            return;
        };
        let at = base + string.start_byte();
        if value.decoded {
            self.hidden_strings.push((at, value.text.clone()));
        }
        if is_read_position(string) {
            if let Some(m) = CARD_FIELD.find(&value.text) {
                let field = m
                    .as_str()
                    .trim_matches(|c: char| !c.is_ascii_alphanumeric());
                self.card_reads.push((at, field.to_string()));
            }
        }
    }
}

/// The innermost function around `node`, as file offsets.
fn scope(facts: &Facts<'_>, node: Node<'_>, base: usize) -> (usize, usize) {
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent.kind().contains("function") || parent.kind() == "method_definition" {
            return (base + parent.start_byte(), base + parent.end_byte());
        }
        current = parent.parent();
    }
    (base, base + facts.src.len())
}

/// A card-field name counts as read when it is passed to a call
/// (`querySelector('[name="payment[cc_number]"]')`), used as an index, or
/// bound to a name for later use; not when it is an object key or value
/// in configuration.
fn is_read_position(string: Node<'_>) -> bool {
    let mut node = string;
    for _ in 0..4 {
        let Some(parent) = node.parent() else {
            return false;
        };
        match parent.kind() {
            "arguments" | "subscript_expression" | "variable_declarator" => return true,
            "pair" | "object" | "array" | "expression_statement" => return false,
            _ => node = parent,
        }
    }
    false
}

fn is_http_method(facts: &Facts<'_>, node: Option<Node<'_>>) -> bool {
    let method = node
        .and_then(|n| facts.fold(n))
        .map(|s| s.text.to_ascii_uppercase());
    method.is_some_and(|m| HTTP_METHODS.contains(&m.as_str()))
}

/// `$.ajax({url: …})`: the value of a field of an object literal.
fn object_field<'n>(facts: &Facts<'_>, node: Node<'n>, field: &str) -> Option<Node<'n>> {
    if node.kind() != "object" {
        return None;
    }
    let mut cursor = node.walk();
    let pairs: Vec<Node<'n>> = node.named_children(&mut cursor).collect();
    pairs.into_iter().find_map(|pair| {
        let key = pair.child_by_field_name("key")?;
        let name = facts
            .fold(key)
            .map_or_else(|| facts.text(key).to_string(), |s| s.text);
        (name == field)
            .then(|| pair.child_by_field_name("value"))
            .flatten()
    })
}

/// Where a URL expression points.
pub fn target_of(facts: &Facts<'_>, node: Node<'_>) -> Target {
    let text = facts.text(node);
    let hidden = ["atob", "fromCharCode", "\\x", "\\u00", "unescape"]
        .iter()
        .any(|m| text.contains(m));
    if let Some(callee) = node.child_by_field_name("function") {
        let path = facts.path(callee);
        if path.ends_with(".build") || path.ends_with("getUrl") {
            return Target::Store;
        }
    }
    let Some(value) = facts.fold(node) else {
        return Target::Unknown { hidden };
    };
    if let Some(host) = host_of(&value.text, value.decoded) {
        return Target::Host {
            host,
            hidden: hidden || value.decoded,
        };
    }
    let relative = value.text.starts_with('/') && !value.text.starts_with("//");
    if relative || (value.complete && !value.text.contains(':')) {
        return Target::Store;
    }
    Target::Unknown {
        hidden: hidden || value.decoded,
    }
}

/// The STUN/TURN host of `new RTCPeerConnection({iceServers: …})`.
fn ice_target(facts: &Facts<'_>, config: Option<Node<'_>>) -> Target {
    let Some(config) = config else {
        return Target::Unknown { hidden: false };
    };
    let mut cursor = config.walk();
    let mut stack = vec![config];
    while let Some(node) = stack.pop() {
        if let Some(value) = facts.fold(node) {
            let url = value
                .text
                .split_once(':')
                .map_or(value.text.as_str(), |(_, rest)| rest);
            let host = url
                .trim_start_matches('/')
                .split([':', '/', '?'])
                .next()
                .unwrap_or_default();
            if let Some(host) = host_of(host, true) {
                return Target::Host {
                    host,
                    hidden: value.decoded,
                };
            }
        }
        stack.extend(node.named_children(&mut cursor));
    }
    Target::Unknown { hidden: false }
}

/// `location.href.indexOf('checkout')`, `/onestep/.test(location)` and
/// the same with the word decoded from a disguise.
fn is_gate(facts: &Facts<'_>, call: Node<'_>, callee: Node<'_>, args: &[Node<'_>]) -> bool {
    let text = facts.text(call);
    let location = ["location", "document.URL", "documentURI", "href"]
        .iter()
        .any(|w| text.contains(w));
    if !location {
        return false;
    }
    let object = callee.child_by_field_name("object");
    let mut parts: Vec<String> = Vec::new();
    for node in args.iter().copied().chain(object) {
        match node.kind() {
            "regex" => parts.push(facts.text(node).to_ascii_lowercase()),
            _ => parts.extend(facts.fold(node).map(|s| s.text.to_ascii_lowercase())),
        }
    }
    parts
        .iter()
        .any(|p| GATE_WORDS.iter().any(|w| p.contains(w)))
}
