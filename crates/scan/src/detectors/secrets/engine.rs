//! The compiled rule table: `rules.toml` parsed once, every regex built
//! once, and one Aho-Corasick automaton over every rule's keywords.
//!
//! Scanning a file is one pass of the automaton (which keywords occur?)
//! and then only the regexes of the rules those keywords belong to. Most
//! files wake up a handful of rules; a file with no keyword costs one pass.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::Regex;
use serde::Deserialize;

use super::catalogue::RULES;
use super::filters::{self, Checks, NameFilter, Validator};
use crate::file::FileKind;
use crate::rules::RuleInfo;

/// The rule table as reviewers read it.
pub(super) const TABLE: &str = include_str!("rules.toml");

/// What `{assign}` stands for in a rule's regex: an optional closing
/// quote, an assignment or call, and an optional opening quote.
const ASSIGN: &str = r#"['"]?\s*(?:=>|:=|=|:|,|>|\()\s*['"]?"#;

/// What `{secret_word}` stands for: the words a secret's name holds, in
/// the three cases code uses.
const SECRET_WORD: &str = "(?:key|Key|KEY|secret|Secret|SECRET|token|Token|TOKEN|pass|Pass|PASS\
                           |pwd|Pwd|PWD|auth|Auth|AUTH|credential|Credential|CREDENTIAL)";

/// A rule's regex with its `{assign}` and `{secret_word}` spelled out.
fn expand(regex: &str) -> String {
    regex
        .replace("{assign}", ASSIGN)
        .replace("{secret_word}", SECRET_WORD)
}

/// `rules.toml`, deserialized.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Table {
    /// The patterns, in priority order.
    pub rule: Vec<RawRule>,
    /// The name filter of the generic rule.
    pub generic: NameFilterSpec,
}

/// One `[[rule]]` of `rules.toml` (fields documented there).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub code: String,
    pub keywords: Vec<String>,
    pub regex: String,
    #[serde(default = "first_group")]
    pub group: usize,
    pub name_group: Option<usize>,
    #[serde(default)]
    pub entropy: f64,
    #[serde(default)]
    pub needs_digit: bool,
    #[serde(default)]
    pub min_classes: usize,
    #[serde(default)]
    pub checks: Checks,
    pub validate: Option<Validator>,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub boundary: Boundary,
    // The examples are read only by the tests that check them.
    #[cfg_attr(not(test), allow(dead_code))]
    pub example_path: Option<String>,
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub tp: Vec<String>,
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub fp: Vec<String>,
}

fn first_group() -> usize {
    1
}

/// `[generic]` of `rules.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NameFilterSpec {
    pub words: Vec<String>,
    pub suffixes: Vec<String>,
    pub stop_parts: Vec<String>,
    pub stop_contains: Vec<String>,
    pub value_stops: Vec<String>,
}

/// Which sides of a secret must not touch a word character.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Boundary {
    /// Neither side.
    #[default]
    Both,
    /// Only after the secret.
    End,
    /// Neither is checked.
    None,
}

/// One compiled pattern.
struct Pattern {
    info: &'static RuleInfo,
    regex: Regex,
    group: usize,
    name_group: Option<usize>,
    entropy: f64,
    needs_digit: bool,
    min_classes: usize,
    checks: Checks,
    validate: Option<Validator>,
    kinds: Vec<FileKind>,
    stopwords: Vec<String>,
    allow: Vec<Regex>,
    boundary: Boundary,
}

/// A secret found in a file's text.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// The rule that found it.
    pub rule: &'static RuleInfo,
    /// Where the secret itself is, in bytes.
    pub span: Range<usize>,
    /// Lower wins when two hits overlap.
    pub priority: usize,
}

/// Every pattern, compiled, with the keyword prefilter.
pub(super) struct Engine {
    patterns: Vec<Pattern>,
    /// `None` only when the automaton failed to build (see `errors`).
    prefilter: Option<AhoCorasick>,
    /// For each keyword (by automaton pattern id), the patterns it wakes.
    wakes: Vec<Vec<usize>>,
    names: NameFilter,
    /// Rules that failed to load (each also logged); a test keeps this empty.
    #[cfg_attr(not(test), allow(dead_code))]
    pub errors: Vec<String>,
}

/// The engine, built on first use.
pub(super) fn engine() -> &'static Engine {
    static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::load);
    &ENGINE
}

/// Parses `rules.toml`.
pub(super) fn table() -> Result<Table, toml::de::Error> {
    toml::from_str(TABLE)
}

impl Engine {
    fn load() -> Engine {
        let mut errors = Vec::new();
        let table = match table() {
            Ok(table) => table,
            Err(err) => {
                tracing::error!(%err, "secrets: rules.toml does not parse; no pattern rule runs");
                errors.push(format!("rules.toml: {err}"));
                Table {
                    rule: Vec::new(),
                    generic: NameFilterSpec::empty(),
                }
            }
        };
        let names = NameFilter::new(&table.generic, &mut errors);
        let mut patterns = Vec::new();
        let mut keywords = Vec::new();
        for raw in &table.rule {
            match compile(raw) {
                Ok(pattern) => {
                    patterns.push(pattern);
                    keywords.push(raw.keywords.as_slice());
                }
                Err(err) => {
                    tracing::error!(code = %raw.code, %err, "secrets: rule skipped");
                    errors.push(format!("{}: {err}", raw.code));
                }
            }
        }
        let (prefilter, wakes) = prefilter(&keywords, &mut errors);
        Engine {
            patterns,
            prefilter,
            wakes,
            names,
            errors,
        }
    }

    /// Every secret a pattern finds in `text`, before overlaps are settled.
    pub(super) fn find(&self, text: &str, kind: FileKind) -> Vec<Hit> {
        let Some(prefilter) = &self.prefilter else {
            return Vec::new();
        };
        let mut awake = vec![false; self.patterns.len()];
        for found in prefilter.find_overlapping_iter(text) {
            for &index in &self.wakes[found.pattern().as_usize()] {
                awake[index] = true;
            }
        }
        let mut hits = Vec::new();
        for (index, pattern) in self.patterns.iter().enumerate() {
            if !awake[index] || !pattern.applies_to(kind) {
                continue;
            }
            for caps in pattern.regex.captures_iter(text) {
                if let Some(span) = self.accept(pattern, text, &caps) {
                    hits.push(Hit {
                        rule: pattern.info,
                        span,
                        priority: index,
                    });
                }
            }
        }
        hits
    }

    /// The priority of the first pattern reporting `code` (or last place),
    /// so that a path rule can rank just ahead of it.
    pub(super) fn priority_of(&self, code: &str) -> usize {
        self.patterns
            .iter()
            .position(|p| p.info.code == code)
            .unwrap_or(usize::MAX)
    }

    /// The secret's span, if this match survives every filter.
    fn accept(&self, p: &Pattern, text: &str, caps: &regex::Captures) -> Option<Range<usize>> {
        let found = caps.get(p.group)?;
        let name = match p.name_group {
            Some(group) => Some(caps.get(group)?.as_str()),
            None => None,
        };
        if name.is_some_and(|n| !self.names.holds_secret(n)) {
            return None;
        }
        let mut span = found.range();
        if let Some(validator) = p.validate {
            span = filters::validate(validator, text, span)?;
        }
        if !bounded(text, &span, p.boundary) {
            return None;
        }
        let keep = self.looks_real(p, &text[span.clone()], name);
        if !keep {
            tracing::debug!(code = p.info.code, "secrets: match dropped by a filter");
        }
        keep.then_some(span)
    }

    /// The value tests: not a placeholder, random enough, not stopped.
    fn looks_real(&self, p: &Pattern, secret: &str, name: Option<&str>) -> bool {
        let lower = secret.to_ascii_lowercase();
        !filters::is_placeholder(secret, p.checks)
            && filters::entropy(secret) >= p.entropy
            && (!p.needs_digit || secret.bytes().any(|b| b.is_ascii_digit()))
            && filters::char_classes(secret) >= p.min_classes
            && !p.stopwords.iter().any(|w| lower.contains(w.as_str()))
            && !p.allow.iter().any(|re| re.is_match(secret))
            && name.is_none_or(|n| self.names.accepts_value(n, secret))
    }
}

impl Pattern {
    fn applies_to(&self, kind: FileKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// Whether the secret at `span` stands alone on the sides `boundary` asks:
/// a letter, digit or `_` next to it would make it part of a longer token.
fn bounded(text: &str, span: &Range<usize>, boundary: Boundary) -> bool {
    let bytes = text.as_bytes();
    let is_word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let before = span.start.checked_sub(1).and_then(|i| bytes.get(i));
    let after = bytes.get(span.end);
    match boundary {
        Boundary::Both => !before.is_some_and(is_word) && !after.is_some_and(is_word),
        Boundary::End => !after.is_some_and(is_word),
        Boundary::None => true,
    }
}

fn compile(raw: &RawRule) -> Result<Pattern, String> {
    let info = RULES
        .iter()
        .find(|r| r.code == raw.code)
        .ok_or_else(|| format!("code {} is not in the catalogue", raw.code))?;
    if raw.keywords.is_empty() {
        return Err("a pattern rule needs at least one keyword".to_string());
    }
    let regex = Regex::new(&expand(&raw.regex)).map_err(|e| e.to_string())?;
    let groups = regex.captures_len();
    if raw.group >= groups || raw.name_group.is_some_and(|g| g >= groups) {
        return Err(format!("the regex has only {} groups", groups - 1));
    }
    let allow = raw
        .allow
        .iter()
        .map(|a| Regex::new(a).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let kinds = raw
        .kinds
        .iter()
        .map(|k| kind_named(k))
        .collect::<Result<_, _>>()?;
    Ok(Pattern {
        info,
        regex,
        group: raw.group,
        name_group: raw.name_group,
        entropy: raw.entropy,
        needs_digit: raw.needs_digit,
        min_classes: raw.min_classes,
        checks: raw.checks,
        validate: raw.validate,
        kinds,
        stopwords: raw
            .stopwords
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .collect(),
        allow,
        boundary: raw.boundary,
    })
}

fn kind_named(name: &str) -> Result<FileKind, String> {
    Ok(match name {
        "php" => FileKind::Php,
        "phtml" => FileKind::Phtml,
        "js" => FileKind::Js,
        "xml" => FileKind::Xml,
        "graphql" => FileKind::Graphql,
        "json" => FileKind::Json,
        "html" => FileKind::Html,
        "other" => FileKind::OtherText,
        _ => return Err(format!("unknown file kind {name}")),
    })
}

/// One automaton over every keyword; `wakes[k]` lists the patterns that
/// keyword `k` belongs to (`keywords[i]` are pattern `i`'s keywords).
fn prefilter(
    keywords: &[&[String]],
    errors: &mut Vec<String>,
) -> (Option<AhoCorasick>, Vec<Vec<usize>>) {
    let mut literals: Vec<String> = Vec::new();
    let mut wakes: Vec<Vec<usize>> = Vec::new();
    for (index, own) in keywords.iter().enumerate() {
        for keyword in own.iter() {
            let keyword = keyword.to_ascii_lowercase();
            match literals.iter().position(|k| *k == keyword) {
                Some(at) => wakes[at].push(index),
                None => {
                    literals.push(keyword);
                    wakes.push(vec![index]);
                }
            }
        }
    }
    // A DFA: some keywords (`key`, `pass`, `://`) occur on most lines of
    // Magento code, so the search is match-heavy; on a tree of public
    // extensions the DFA ran about four times faster than the default NFA.
    let built = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&literals);
    match built {
        Ok(automaton) => (Some(automaton), wakes),
        Err(err) => {
            errors.push(format!("keyword automaton: {err}"));
            (None, Vec::new())
        }
    }
}

impl NameFilterSpec {
    fn empty() -> NameFilterSpec {
        NameFilterSpec {
            words: Vec::new(),
            suffixes: Vec::new(),
            stop_parts: Vec::new(),
            stop_contains: Vec::new(),
            value_stops: Vec::new(),
        }
    }
}
