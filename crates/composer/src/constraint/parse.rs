//! The constraint grammar, ported from composer/semver's
//! `parseConstraints` and `parseConstraint`.
//!
//! The order of the checks is Composer's and matters: alias, `@flag`,
//! `#ref`, wildcard, tilde, caret, x-range, hyphen range, then a plain
//! comparison. Bounds are written the way Composer writes them, down to its
//! quirks (`<1.0-RC1` becomes `< 1.0.0.0-RC1-dev`), because a bound that is
//! "more correct" than Composer's would admit a different set of versions.

use super::{ConstraintError, Node, Op};
use crate::version::{
    add_one, group, normalize, pattern, php_trim, text, Stability, VersionError, ALIAS, MODIFIER,
};
use regex::bytes::{Captures, Regex};
use std::sync::LazyLock;

/// One version inside a range, with its modifier or `.x-dev` tail.
/// Groups: 1-4 numbers, 5 stability word, 6 its number, 7 `dev`, 8 `x-dev`.
fn version_re() -> String {
    let numbers = r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?";
    format!(r"{numbers}(?:{MODIFIER}|\.([xX*][.-]?dev))(?:\+[^\s]+)?")
}

static OR_SPLIT: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?-u)\s*\|\|?\s*"));
static FLAG: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i-u)^([^,\s]*?)@(stable|RC|beta|alpha|dev)\n?\z"));
static REF: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i-u)^(dev-[^,\s@]+?|[^,\s@]+?\.x-dev)#.+\n?\z"));
static STAR: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i-u)^(v)?[xX*](\.[xX*])*\n?\z"));
static TILDE: LazyLock<Regex> =
    LazyLock::new(|| pattern(&format!(r"(?i-u)^~>?{}\n?\z", version_re())));
static CARET: LazyLock<Regex> =
    LazyLock::new(|| pattern(&format!(r"(?i-u)^\^{}\n?\z", version_re())));
static X_RANGE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?-u)^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.[xX*])+\n?\z"));
static HYPHEN: LazyLock<Regex> = LazyLock::new(|| {
    let v = version_re();
    pattern(&format!(r"(?i-u)^({v}) +- +({v})\n?\z"))
});
static BASIC: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?-u)^(<>|!=|>=?|<=?|==?)?\s*(.*)"));
static DEV_NAME: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?-u)^[0-9a-zA-Z./-]+\n?\z"));
static HAS_MODIFIER: LazyLock<Regex> =
    LazyLock::new(|| pattern(&format!(r"(?-u)-{MODIFIER}\n?\z")));

/// What one call of [`parse`] is working on, for errors and flags.
struct Ctx<'a> {
    input: &'a str,
    flag: Option<Stability>,
}

impl Ctx<'_> {
    fn normalize(&self, part: &[u8], version: &str) -> Result<String, ConstraintError> {
        normalize(version).map_err(|source| self.invalid(part, source))
    }

    fn invalid(&self, part: &[u8], source: VersionError) -> ConstraintError {
        ConstraintError::InvalidVersion {
            constraint: self.input.to_string(),
            part: text(part),
            source,
        }
    }

    /// Keeps the least stable flag seen (`@dev` beats `@beta`).
    fn note_flag(&mut self, word: &[u8]) {
        let found = Stability::from_name(&text(word));
        self.flag = match (self.flag, found) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Parses a whole constraint: `||` groups of `,`/space-joined pieces.
pub(super) fn parse(input: &str) -> Result<(Node, Option<Stability>), ConstraintError> {
    let mut ctx = Ctx { input, flag: None };
    let mut groups = Vec::new();
    for or_part in OR_SPLIT.split(php_trim(input).as_bytes()) {
        let mut nodes = Vec::new();
        for piece in and_split(or_part) {
            nodes.extend(parse_piece(piece, &mut ctx)?);
        }
        groups.push(match nodes.len() {
            1 => nodes.remove(0),
            _ => Node::All(nodes),
        });
    }
    Ok((join_or(groups), ctx.flag))
}

/// Composer's `MultiConstraint::create` for `||` groups, including its one
/// optimisation: `[>= a < b] || [>= b < c]` becomes `[>= a < c]`.
fn join_or(groups: Vec<Node>) -> Node {
    let mut merged: Vec<Node> = Vec::new();
    for group in groups {
        match merged.last_mut().and_then(|left| merge(left, &group)) {
            Some(joined) => {
                merged.pop();
                merged.push(joined);
            }
            None => merged.push(group),
        }
    }
    match merged.len() {
        1 => merged.remove(0),
        _ => Node::AnyOf(merged),
    }
}

/// Joins two adjacent ranges when the first ends where the second starts.
/// Composer compares the rendered bounds as text, and so do we.
fn merge(left: &Node, right: &Node) -> Option<Node> {
    let (Node::All(l), Node::All(r)) = (left, right) else {
        return None;
    };
    let ([l0, l1], [r0, r1]) = (l.as_slice(), r.as_slice()) else {
        return None;
    };
    let [l0s, l1s, r0s, r1s] = [l0, l1, r0, r1].map(Node::composer_string);
    let joins = l0s.starts_with(">=")
        && l1s.starts_with('<')
        && r0s.starts_with(">=")
        && r1s.starts_with('<')
        && l1s.get(2..) == r0s.get(3..);
    joins.then(|| Node::All(vec![l0.clone(), r1.clone()]))
}

/// Splits on `,` or spaces between pieces, as Composer's pattern
/// `(?<!^|as|[=>< ,]) *(?<!-)[, ](?!-) *(?!,|as|$)` does. The look-arounds
/// keep `>= 1.0`, `1.0 - 2.0` and `1.0 as 2.0` in one piece.
fn and_split(s: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let (mut last, mut pos) = (0, 0);
    while pos < s.len() {
        match separator_at(s, pos) {
            Some(end) => {
                pieces.push(&s[last..pos]);
                last = end;
                pos = end;
            }
            None => pos += 1,
        }
    }
    pieces.push(&s[last..]);
    pieces
}

/// The end of a separator starting at `start`, trying the longest runs
/// of spaces first like the backtracking regex.
fn separator_at(s: &[u8], start: usize) -> Option<usize> {
    if start == 0 || s[..start].ends_with(b"as") || b"=>< ,".contains(&s[start - 1]) {
        return None;
    }
    let spaces_from = |i: usize| s[i..].iter().take_while(|&&c| c == b' ').count();
    for p in (start..=start + spaces_from(start)).rev() {
        let sep_ok = p < s.len()
            && matches!(s[p], b',' | b' ')
            && s[p - 1] != b'-'
            && s.get(p + 1) != Some(&b'-');
        if !sep_ok {
            continue;
        }
        let after = p + 1;
        for q in (after..=after + spaces_from(after)).rev() {
            let rest = &s[q..];
            let at_end = rest.is_empty() || rest == b"\n";
            if !(at_end || rest.starts_with(b",") || rest.starts_with(b"as")) {
                return Some(q);
            }
        }
    }
    None
}

/// One piece (`^1.2`, `>=1.0@beta`, `1.0 - 2.0`) into its bounds.
fn parse_piece(piece: &[u8], ctx: &mut Ctx<'_>) -> Result<Vec<Node>, ConstraintError> {
    let (c, modifier) = strip_decorations(piece, ctx);
    if let Some(m) = STAR.captures(c) {
        let versioned = set(&m, 1) || set(&m, 2);
        let node = match versioned {
            true => atom(Op::Ge, "0.0.0.0-dev"),
            false => Node::Any,
        };
        return Ok(vec![node]);
    }
    if let Some(m) = TILDE.captures(c) {
        return tilde(c, &m, ctx);
    }
    if let Some(m) = CARET.captures(c) {
        return caret(c, &m, ctx);
    }
    if let Some(m) = X_RANGE.captures(c) {
        return Ok(x_range(&m));
    }
    if let Some(m) = HYPHEN.captures(c) {
        return hyphen(&m, ctx);
    }
    basic(c, modifier, ctx).map(|node| vec![node])
}

/// Drops what does not take part in matching: an `as` alias, an `@flag`
/// (noted, and returned as the modifier a bare bound gets) and a `#ref`.
fn strip_decorations<'p>(piece: &'p [u8], ctx: &mut Ctx<'_>) -> (&'p [u8], &'p [u8]) {
    let mut c = piece;
    if let Some(m) = ALIAS.captures(c) {
        c = group(&m, 1);
    }
    let mut modifier: &[u8] = b"";
    if let Some(m) = FLAG.captures(c) {
        let (rest, word) = (group(&m, 1), group(&m, 2));
        ctx.note_flag(word);
        if word != b"stable" {
            modifier = word;
        }
        c = if rest.is_empty() { b"*" } else { rest };
    }
    if let Some(m) = REF.captures(c) {
        c = group(&m, 1);
    }
    (c, modifier)
}

fn atom(op: Op, version: &str) -> Node {
    Node::Atom(op, version.to_string())
}

/// True when capture `i` took part and is not empty.
fn set(m: &Captures<'_>, i: usize) -> bool {
    !group(m, i).is_empty()
}

/// The four numeric captures starting at `first`.
fn numbers<'h>(m: &Captures<'h>, first: usize) -> [&'h [u8]; 4] {
    [0, 1, 2, 3].map(|k| group(m, first + k))
}

/// Composer's `manipulateVersionString`: zero every part after
/// `position` and, when asked, add one to the part at `position`.
fn bump(parts: [&[u8]; 4], position: usize, increment: bool) -> String {
    let part = |i: usize| {
        let digits = text(parts[i - 1]);
        match i.cmp(&position) {
            std::cmp::Ordering::Greater => "0".to_string(),
            std::cmp::Ordering::Equal if increment => add_one(&digits),
            _ => digits,
        }
    };
    format!("{}.{}.{}.{}", part(1), part(2), part(3), part(4))
}

/// The lower bound of `~` and `^`: the written version, taken down to its
/// `-dev` when it carries no stability of its own.
fn range_low(c: &[u8], m: &Captures<'_>, ctx: &Ctx<'_>) -> Result<Node, ConstraintError> {
    let bare = !set(m, 5) && !set(m, 7) && !set(m, 8);
    let suffix = if bare { "-dev" } else { "" };
    let low = ctx.normalize(c, &format!("{}{suffix}", text(&c[1..])))?;
    Ok(Node::Atom(Op::Ge, low))
}

/// `~1.2.3` allows the last given part to grow: `>=1.2.3 <1.3`.
fn tilde(c: &[u8], m: &Captures<'_>, ctx: &Ctx<'_>) -> Result<Vec<Node>, ConstraintError> {
    if c.starts_with(b"~>") {
        return Err(ConstraintError::TildeArrow {
            constraint: ctx.input.to_string(),
        });
    }
    let mut position = (2..=4).rev().find(|&i| set(m, i)).unwrap_or(1);
    if set(m, 8) {
        position += 1;
    }
    let low = range_low(c, m, ctx)?;
    let high = bump(numbers(m, 1), position.saturating_sub(1).max(1), true);
    Ok(vec![low, Node::Atom(Op::Lt, format!("{high}-dev"))])
}

/// `^1.2.3` keeps the left-most non-zero part fixed: `>=1.2.3 <2.0`.
fn caret(c: &[u8], m: &Captures<'_>, ctx: &Ctx<'_>) -> Result<Vec<Node>, ConstraintError> {
    let position = if group(m, 1) != b"0" || !set(m, 2) {
        1
    } else if group(m, 2) != b"0" || !set(m, 3) {
        2
    } else {
        3
    };
    let low = range_low(c, m, ctx)?;
    let high = bump(numbers(m, 1), position, true);
    Ok(vec![low, Node::Atom(Op::Lt, format!("{high}-dev"))])
}

/// `1.2.*` covers `>=1.2.0.0-dev <1.3.0.0-dev`; `0.*` only the upper bound.
fn x_range(m: &Captures<'_>) -> Vec<Node> {
    let position = (2..=3).rev().find(|&i| set(m, i)).unwrap_or(1);
    let parts = [group(m, 1), group(m, 2), group(m, 3), b""];
    let low = format!("{}-dev", bump(parts, position, false));
    let high = Node::Atom(Op::Lt, format!("{}-dev", bump(parts, position, true)));
    if low == "0.0.0.0-dev" {
        vec![high]
    } else {
        vec![Node::Atom(Op::Ge, low), high]
    }
}

/// `1.0 - 2.1` is inclusive; a partial upper end (`1.0 - 2`) means
/// "anything starting with it": `< 3.0.0.0-dev`.
fn hyphen(m: &Captures<'_>, ctx: &Ctx<'_>) -> Result<Vec<Node>, ConstraintError> {
    let (from, to) = (group(m, 1), group(m, 10));
    let bare_low = !set(m, 6) && !set(m, 8) && !set(m, 9);
    let mut low = ctx.normalize(from, &text(from))?;
    if bare_low {
        low.push_str("-dev");
    }
    let high_normal = ctx.normalize(to, &text(to))?;
    let exact_high = (set(m, 12) && set(m, 13)) || set(m, 15) || set(m, 17) || set(m, 18);
    let high = if exact_high {
        Node::Atom(Op::Le, high_normal)
    } else {
        let position = if set(m, 12) { 2 } else { 1 };
        let bumped = bump(numbers(m, 11), position, true);
        Node::Atom(Op::Lt, format!("{bumped}-dev"))
    };
    Ok(vec![Node::Atom(Op::Ge, low), high])
}

/// A plain comparison: `>=1.0`, `!=2.0`, `1.2.3`, `dev-main`.
fn basic(c: &[u8], modifier: &[u8], ctx: &Ctx<'_>) -> Result<Node, ConstraintError> {
    let m = BASIC.captures(c);
    let (op_text, written) = m
        .as_ref()
        .map_or((&b""[..], c), |m| (group(m, 1), group(m, 2)));
    let mut version = match normalize(&text(written)) {
        Ok(v) => v,
        // `feature-dev` is read as `dev-feature`, but only for plain names.
        Err(e) => match written.strip_suffix(b"-dev") {
            Some(name) if DEV_NAME.is_match(written) => {
                ctx.normalize(c, &format!("dev-{}", text(name)))?
            }
            _ => return Err(ctx.invalid(c, e)),
        },
    };
    let op = operator(op_text);
    if !matches!(op, Op::Eq)
        && !modifier.is_empty()
        && Stability::of_normalized(&version) == Stability::Stable
    {
        version = format!("{version}-{}", text(modifier));
    } else if matches!(op_text, b"<" | b">=")
        && !HAS_MODIFIER.is_match(&written.to_ascii_lowercase())
        && !written.starts_with(b"dev-")
    {
        // `<2.4.7` must exclude 2.4.7's pre-releases too: `< 2.4.7.0-dev`.
        version.push_str("-dev");
    }
    Ok(Node::Atom(op, version))
}

fn operator(op: &[u8]) -> Op {
    match op {
        b"<>" | b"!=" => Op::Ne,
        b"<" => Op::Lt,
        b"<=" => Op::Le,
        b">" => Op::Gt,
        b">=" => Op::Ge,
        _ => Op::Eq,
    }
}
