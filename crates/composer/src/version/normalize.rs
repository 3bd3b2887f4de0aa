//! Composer's `VersionParser::normalize`, ported rule for rule.
//!
//! Composer accepts a wide and quirky range of version strings (`v1.2`,
//! `2.4.6-p3`, `1.0.x-dev`, `2026.08.30`, `1.0-STABLE`) and turns each into
//! one normal form that `version_compare` can order. We keep Composer's
//! regular expressions, in the same order, so that what Composer accepts we
//! accept and what it refuses we refuse. They run over bytes with Unicode
//! off, because PHP's PCRE (without `/u`) matches bytes and ASCII classes.
//!
//! Two PCRE habits are written out by hand: `$` also matches before a final
//! newline (we write `\n?\z`), and possessive quantifiers (`\d++`) are
//! dropped where no backtracking could change the match, which holds for
//! every pattern here because what follows them can never start with a
//! digit.

use super::php;
use regex::bytes::{Captures, Regex};
use std::sync::LazyLock;

/// Builds one of the fixed patterns below.
///
/// The patterns are constants checked by the unit tests, so a failure here
/// is a bug in this file, not bad input.
pub(crate) fn pattern(re: &str) -> Regex {
    Regex::new(re).unwrap_or_else(|e| panic!("built-in pattern {re:?} is invalid: {e}"))
}

/// The stability modifier shared by every version pattern: separator,
/// stability word, its number, and a trailing `dev`.
pub(crate) const MODIFIER: &str =
    r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?[0-9]+)*)?)?([.-]?dev)?";

/// `source as alias`: Composer keeps the source and drops the alias.
pub(crate) static ALIAS: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?-u)^([^,\s]+) +as +([^,\s]+)\n?\z"));

/// A trailing `@stability` flag.
pub(crate) static FLAG: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i-u)@(?:stable|RC|beta|alpha|dev)\n?\z"));

/// Build metadata (`+build.5`), which carries no order.
static BUILD: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?-u)^([^,\s+]+)\+[^\s]+\n?\z"));

/// Classical `major[.minor[.patch[.build]]]` with a modifier.
static CLASSICAL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"(?i-u)^v?([0-9]{{1,5}})(\.[0-9]+)?(\.[0-9]+)?(\.[0-9]+)?{MODIFIER}\n?\z"
    ))
});

/// Date versions such as `2026.08.30` or `20260830-1200`.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"(?i-u)^v?([0-9]{{4}}(?:[.:-]?[0-9]{{2}}){{1,6}}(?:[.:-]?[0-9]{{1,3}})?){MODIFIER}\n?\z"
    ))
});

/// Anything ending in `dev`, tried as a numeric branch (`1.2.x-dev`).
static DEV_SUFFIX: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i-u)(.*?)[.-]?dev\n?\z"));

/// A numeric branch name: `1`, `1.2`, `v1.x`, `1.2.*`.
static BRANCH: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i-u)^v?([0-9]+)(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?\n?\z",
    )
});

/// Why [`normalize`] refused a string: Composer would refuse it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a version in any form Composer knows.
    NotAVersion,
    /// `X as Y` where the alias `Y` is not an exact version.
    BadAlias,
    /// `X as Y` where the source `X` is not an exact version or `dev-` branch.
    BadAliasSource,
}

/// Normalizes `input` exactly as Composer's `VersionParser::normalize`.
pub(crate) fn normalize(input: &str) -> Result<String, Refusal> {
    let full = php::trim(input).as_bytes();
    let mut version = full;
    if let Some(c) = ALIAS.captures(version) {
        version = group(&c, 1);
    }
    if let Some(m) = FLAG.find(version) {
        version = &version[..m.start()];
    }
    if let Some(done) = named_branch(version) {
        return Ok(done);
    }
    if let Some(c) = BUILD.captures(version) {
        version = group(&c, 1);
    }
    if let Some(done) = numeric(version) {
        return Ok(done);
    }
    if let Some(done) = numeric_branch(version) {
        return Ok(done);
    }
    Err(alias_refusal(full, version))
}

/// `dev-<name>` (any case of `dev-`) and the bare legacy branch names.
fn named_branch(version: &[u8]) -> Option<String> {
    if matches!(version, b"master" | b"trunk" | b"default") {
        return Some(format!("dev-{}", text(version)));
    }
    let prefix = version.get(..4)?;
    prefix
        .eq_ignore_ascii_case(b"dev-")
        .then(|| format!("dev-{}", text(&version[4..])))
}

/// Classical and date versions, with their modifier.
fn numeric(version: &[u8]) -> Option<String> {
    if let Some(c) = CLASSICAL.captures(version) {
        let mut out = text(group(&c, 1));
        for i in 2..=4 {
            let part = group(&c, i);
            out.push_str(if part.is_empty() {
                ".0"
            } else {
                text_ref(part)
            });
        }
        return Some(with_modifier(out, &c, 5));
    }
    let c = DATE.captures(version)?;
    let date: String = text(group(&c, 1))
        .chars()
        .map(|ch| if ch.is_ascii_digit() { ch } else { '.' })
        .collect();
    Some(with_modifier(date, &c, 2))
}

/// Appends the stability modifier found at capture `index` onwards.
///
/// Composer compares the word `stable` case-sensitively: `-stable` drops
/// the whole modifier (and any `-dev`), while `-STABLE` is kept as
/// `-stable`.
fn with_modifier(mut out: String, c: &Captures<'_>, index: usize) -> String {
    let word = group(c, index);
    if !word.is_empty() {
        if word == b"stable" {
            return out;
        }
        out.push('-');
        out.push_str(expand_stability(word));
        let number = text(group(c, index + 1));
        out.push_str(number.trim_start_matches(['.', '-']));
    }
    if !group(c, index + 2).is_empty() {
        out.push_str("-dev");
    }
    out
}

/// Long names for the short stability words; `p` and `pl` mean `patch`.
fn expand_stability(word: &[u8]) -> &'static str {
    match word.to_ascii_lowercase().as_slice() {
        b"a" | b"alpha" => "alpha",
        b"b" | b"beta" => "beta",
        b"p" | b"pl" | b"patch" => "patch",
        b"rc" => "RC",
        _ => "stable",
    }
}

/// `1.2.x-dev` and friends. A name that only works with a `dev-` prefix is
/// refused here: Composer wants `dev-feature`, not `feature-dev`.
fn numeric_branch(version: &[u8]) -> Option<String> {
    let c = DEV_SUFFIX.captures(version)?;
    let branch = normalize_branch(&text(group(&c, 1)));
    (!branch.contains("dev-")).then_some(branch)
}

/// Composer's `normalizeBranch`: numeric branches become
/// `N.9999999.9999999.9999999-dev`, anything else `dev-<name>`.
fn normalize_branch(name: &str) -> String {
    let name = php::trim(name);
    let Some(c) = BRANCH.captures(name.as_bytes()) else {
        return format!("dev-{name}");
    };
    let mut out = text(group(&c, 1));
    for i in 2..=4 {
        match c.get(i) {
            Some(part) => out.push_str(&text(part.as_bytes()).replace(['*', 'X'], "x")),
            None => out.push_str(".x"),
        }
    }
    format!("{}-dev", out.replace('x', "9999999"))
}

/// Composer's extra hint when the failing part came from an alias.
fn alias_refusal(full: &[u8], version: &[u8]) -> Refusal {
    let Some(c) = ALIAS.captures(full) else {
        return Refusal::NotAVersion;
    };
    let strip = |s: &[u8]| FLAG.find(s).map_or(s.len(), |m| m.start());
    let (source, alias) = (group(&c, 1), group(&c, 2));
    if &alias[..strip(alias)] == version {
        Refusal::BadAlias
    } else if &source[..strip(source)] == version {
        Refusal::BadAliasSource
    } else {
        Refusal::NotAVersion
    }
}

/// A capture group's bytes, empty when the group did not take part.
pub(crate) fn group<'h>(c: &Captures<'h>, i: usize) -> &'h [u8] {
    c.get(i).map_or(&[][..], |m| m.as_bytes())
}

/// Bytes cut at ASCII boundaries of a `&str`, back as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Like [`text`] for pure-ASCII captures (digits and dots).
fn text_ref(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}
