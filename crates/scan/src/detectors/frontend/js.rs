//! JavaScript as the frontend rules see it: a tree-sitter syntax tree plus
//! the few facts the rules ask about (calls, `new`, assignments), and a
//! small evaluator that folds string expressions the way skimmers hide
//! them (`'\x68ttps'`, `atob('…')`, `String.fromCharCode(…)`, reversed
//! joins, constants held in variables).
//!
//! tree-sitter recovers from syntax errors, so a broken or truncated
//! bundle still yields a tree whose readable parts are checked; only a
//! parse that runs past its time budget gives no tree, and then the text
//! rules alone run.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tree_sitter::{Node, ParseOptions, Parser, Tree};

use super::decode::{decode_base64, percent_decode, unescape};

/// Files above this size get the text rules only: a multi-megabyte bundle
/// is vendored library code, and its tree would cost more than it tells.
const MAX_PARSE_BYTES: usize = 4 << 20;

/// A parse that takes longer than this is abandoned.
const PARSE_BUDGET: Duration = Duration::from_secs(2);

/// How deep the string evaluator follows nested expressions.
const MAX_DEPTH: usize = 48;

/// Parses a script (a `.js` file or a template's `<script>` block).
/// `None` when it is too large or the parse ran out of time.
pub fn parse(src: &str) -> Option<Tree> {
    let tree = if src.len() > MAX_PARSE_BYTES {
        None
    } else {
        parse_tree(src)
    };
    if tree.is_none() {
        tracing::debug!(bytes = src.len(), "javascript not parsed; text rules only");
    }
    tree
}

fn parse_tree(src: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_javascript::LANGUAGE.into())
        .ok()?;
    let deadline = Instant::now() + PARSE_BUDGET;
    let mut over_time = |_: &tree_sitter::ParseState| Instant::now() > deadline;
    let options = ParseOptions::new().progress_callback(&mut over_time);
    let bytes = src.as_bytes();
    let mut read = |at: usize, _| bytes.get(at..).unwrap_or_default();
    parser.parse_with_options(&mut read, None, Some(options))
}

/// A string value folded from an expression.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Str {
    /// The text; unknown parts are left out.
    pub text: String,
    /// It went through an escape, a decoder or char codes on the way.
    pub decoded: bool,
    /// Every part was known.
    pub complete: bool,
}

/// The nodes of a tree the rules look at, gathered in one walk.
pub struct Facts<'t> {
    /// The script's text.
    pub src: &'t str,
    /// `f(…)`, `a.b(…)`.
    pub calls: Vec<Node<'t>>,
    /// `new X(…)`.
    pub news: Vec<Node<'t>>,
    /// `a = b`, `a.b = c`, `a[b] = c`.
    pub assigns: Vec<Node<'t>>,
    /// `key: value` in object literals.
    pub pairs: Vec<Node<'t>>,
    /// String and template literals.
    pub strings: Vec<Node<'t>>,
    /// Names bound once to a foldable string (`var HOST = '…'`).
    consts: HashMap<String, Str>,
    /// Names bound to `localStorage`/`sessionStorage`.
    pub storage_aliases: HashMap<String, &'static str>,
}

impl<'t> Facts<'t> {
    /// Walks `tree` once and gathers its facts.
    pub fn gather(tree: &'t Tree, src: &'t str) -> Facts<'t> {
        let mut facts = Facts {
            src,
            calls: Vec::new(),
            news: Vec::new(),
            assigns: Vec::new(),
            pairs: Vec::new(),
            strings: Vec::new(),
            consts: HashMap::new(),
            storage_aliases: HashMap::new(),
        };
        let mut declarators = Vec::new();
        each_node(tree, |node| match node.kind() {
            "call_expression" => facts.calls.push(node),
            "new_expression" => facts.news.push(node),
            "assignment_expression" => facts.assigns.push(node),
            "pair" => facts.pairs.push(node),
            "string" | "template_string" => facts.strings.push(node),
            "variable_declarator" => declarators.push(node),
            _ => {}
        });
        facts.bind(&declarators);
        facts
    }

    /// Records names bound to strings or to browser storage. A name bound
    /// twice to different values (minified code reuses `a`, `b`…) is
    /// dropped: we would rather know nothing than the wrong thing.
    fn bind(&mut self, declarators: &[Node<'t>]) {
        let mut ambiguous = Vec::new();
        for decl in declarators {
            let (Some(name), Some(value)) = (
                decl.child_by_field_name("name"),
                decl.child_by_field_name("value"),
            ) else {
                continue;
            };
            let name = self.text(name).to_string();
            if let Some(area) = storage_area(&self.path(value)) {
                self.storage_aliases.insert(name.clone(), area);
            }
            let Some(folded) = self.fold(value) else {
                continue;
            };
            match self.consts.get(&name) {
                Some(seen) if *seen != folded => ambiguous.push(name),
                _ => {
                    self.consts.insert(name, folded);
                }
            }
        }
        for name in ambiguous {
            self.consts.remove(&name);
        }
    }

    /// The source text of `node`.
    pub fn text(&self, node: Node<'_>) -> &'t str {
        self.src.get(node.byte_range()).unwrap_or_default()
    }

    /// The dotted path of a callee or member chain: `window.localStorage.setItem`,
    /// `$().find`, `a.b.c`; `?` for parts that are not names.
    pub fn path(&self, node: Node<'_>) -> String {
        let mut out = String::new();
        self.path_into(node, &mut out, 0);
        out
    }

    fn path_into(&self, node: Node<'_>, out: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            out.push('?');
            return;
        }
        match node.kind() {
            "identifier" | "property_identifier" | "this" | "shorthand_property_identifier" => {
                out.push_str(self.text(node));
            }
            "member_expression" | "subscript_expression" => {
                let object = node.child_by_field_name("object");
                if let Some(object) = object {
                    self.path_into(object, out, depth + 1);
                }
                out.push('.');
                let key = node
                    .child_by_field_name("property")
                    .or_else(|| node.child_by_field_name("index"));
                match key.map(|k| (k, self.fold(k))) {
                    Some((_, Some(s))) => out.push_str(&s.text),
                    Some((k, None)) if k.kind() == "property_identifier" => {
                        out.push_str(self.text(k));
                    }
                    _ => out.push('?'),
                }
            }
            "call_expression" => {
                if let Some(f) = node.child_by_field_name("function") {
                    self.path_into(f, out, depth + 1);
                }
                out.push_str("()");
            }
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.path_into(inner, out, depth + 1),
                None => out.push('?'),
            },
            _ => out.push('?'),
        }
    }

    /// The arguments of a call or `new`, in order.
    pub fn args<'n>(&self, node: Node<'n>) -> Vec<Node<'n>> {
        let Some(list) = node.child_by_field_name("arguments") else {
            return Vec::new();
        };
        let mut cursor = list.walk();
        list.named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect()
    }

    /// Folds `node` into a string, if it is built from literals.
    pub fn fold(&self, node: Node<'_>) -> Option<Str> {
        self.fold_at(node, 0)
    }

    fn fold_at(&self, node: Node<'_>, depth: usize) -> Option<Str> {
        if depth > MAX_DEPTH {
            return None;
        }
        match node.kind() {
            "string" => Some(self.literal(node)),
            "template_string" => Some(self.template(node)),
            "parenthesized_expression" => self.fold_at(node.named_child(0)?, depth + 1),
            "identifier" => self.consts.get(self.text(node)).cloned(),
            "binary_expression" => self.concat(node, depth),
            "call_expression" => self.fold_call(node, depth),
            _ => None,
        }
    }

    fn literal(&self, node: Node<'_>) -> Str {
        let raw = self.text(node);
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default();
        let (text, decoded) = unescape(inner);
        Str {
            text,
            decoded,
            complete: true,
        }
    }

    fn template(&self, node: Node<'_>) -> Str {
        let mut out = Str {
            complete: true,
            ..Str::default()
        };
        let mut cursor = node.walk();
        for part in node.named_children(&mut cursor) {
            match part.kind() {
                "string_fragment" => out.text.push_str(self.text(part)),
                "escape_sequence" => {
                    let (t, d) = unescape(self.text(part));
                    out.text.push_str(&t);
                    out.decoded |= d;
                }
                _ => out.complete = false,
            }
        }
        out
    }

    fn concat(&self, node: Node<'_>, depth: usize) -> Option<Str> {
        let op = node.child_by_field_name("operator").map(|o| self.text(o));
        if op != Some("+") {
            return None;
        }
        let left = node
            .child_by_field_name("left")
            .and_then(|l| self.fold_at(l, depth + 1));
        let right = node
            .child_by_field_name("right")
            .and_then(|r| self.fold_at(r, depth + 1));
        if left.is_none() && right.is_none() {
            return None;
        }
        let (l, r) = (left.unwrap_or_default(), right.unwrap_or_default());
        let complete = l.complete && r.complete;
        Some(Str {
            text: l.text + &r.text,
            decoded: l.decoded || r.decoded,
            complete,
        })
    }

    fn fold_call(&self, node: Node<'_>, depth: usize) -> Option<Str> {
        let callee = node.child_by_field_name("function")?;
        let path = self.path(callee);
        let args = self.args(node);
        let first = || args.first().and_then(|a| self.fold_at(*a, depth + 1));
        let name = path.rsplit('.').next().unwrap_or_default();
        let decoded = match (path.as_str(), name) {
            ("atob" | "window.atob", _) => decode_base64(&first()?.text)?,
            ("String.fromCharCode", _) => self.char_codes(&args)?,
            ("String.fromCharCode.apply", _) => self.char_codes(&self.elements(*args.get(1)?))?,
            ("decodeURIComponent" | "decodeURI" | "unescape", _) => percent_decode(&first()?.text),
            (_, "join") => return self.fold_join(callee, &args, depth),
            (_, "concat") => return self.fold_concat(callee, &args, depth),
            (_, "toLowerCase" | "toString" | "trim") => {
                return self.fold_at(callee.child_by_field_name("object")?, depth + 1)
            }
            _ => return None,
        };
        Some(Str {
            text: decoded,
            decoded: true,
            complete: true,
        })
    }

    /// `['a','b'].join('')` and `'olleh'.split('').reverse().join('')`.
    fn fold_join(&self, callee: Node<'_>, args: &[Node<'_>], depth: usize) -> Option<Str> {
        let sep = match args.first() {
            Some(a) => self.fold_at(*a, depth + 1)?.text,
            None => ",".to_string(),
        };
        let object = callee.child_by_field_name("object")?;
        if object.kind() == "array" {
            let parts: Option<Vec<Str>> = self
                .elements(object)
                .iter()
                .map(|e| self.fold_at(*e, depth + 1))
                .collect();
            let parts = parts?;
            let decoded = parts.iter().any(|p| p.decoded);
            let text = parts
                .into_iter()
                .map(|p| p.text)
                .collect::<Vec<_>>()
                .join(&sep);
            return Some(Str {
                text,
                decoded: decoded || sep.is_empty(),
                complete: true,
            });
        }
        // The reversed-string idiom.
        let reverse = object.child_by_field_name("function")?;
        let split = reverse.child_by_field_name("object")?;
        if self.path(reverse).ends_with(".reverse") && self.path(split).ends_with(".split()") {
            let source = split
                .child_by_field_name("function")?
                .child_by_field_name("object")?;
            let s = self.fold_at(source, depth + 1)?;
            let text: String = s.text.chars().rev().collect();
            return Some(Str {
                text,
                decoded: true,
                complete: s.complete,
            });
        }
        None
    }

    fn fold_concat(&self, callee: Node<'_>, args: &[Node<'_>], depth: usize) -> Option<Str> {
        let mut out = self.fold_at(callee.child_by_field_name("object")?, depth + 1)?;
        for arg in args {
            let part = self.fold_at(*arg, depth + 1).unwrap_or_default();
            out.complete &= part.complete;
            out.decoded |= part.decoded;
            out.text.push_str(&part.text);
        }
        Some(out)
    }

    fn elements<'n>(&self, array: Node<'n>) -> Vec<Node<'n>> {
        let mut cursor = array.walk();
        array
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect()
    }

    fn char_codes(&self, args: &[Node<'_>]) -> Option<String> {
        let mut out = String::new();
        for arg in args {
            let text = self.text(*arg);
            let code = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => text.parse::<u32>().ok()?,
            };
            out.push(char::from_u32(code)?);
        }
        Some(out)
    }
}

/// Calls `f` on every node of `tree`, in document order, without recursion
/// (minified bundles nest deeper than a stack should).
pub fn each_node<'t>(tree: &'t Tree, mut f: impl FnMut(Node<'t>)) {
    let mut cursor = tree.walk();
    loop {
        f(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// `localStorage` or `sessionStorage` when a member path ends in one
/// (`window.localStorage`, `$.initNamespaceStorage().localStorage`).
pub fn storage_area(path: &str) -> Option<&'static str> {
    let last = path.rsplit('.').next().unwrap_or(path);
    match last {
        "localStorage" => Some("localStorage"),
        "sessionStorage" => Some("sessionStorage"),
        _ => None,
    }
}
