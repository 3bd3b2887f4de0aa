//! The small pieces of PHP that Composer's version rules stand on.
//!
//! Composer orders versions with PHP's built-in `version_compare`, trims
//! input with PHP's `trim`, and computes range bounds with PHP's loose
//! string arithmetic (`"007" + 1`). To agree with Composer byte for byte we
//! port those three behaviours here instead of approximating them; the
//! differential test runs them against a real PHP.

use std::cmp::Ordering;

/// PHP's `trim()` with its default character set: space, tab, newline,
/// carriage return, NUL and vertical tab (not form feed, not Unicode
/// spaces).
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B'])
}

/// PHP's `version_compare($a, $b)`, as an [`Ordering`].
///
/// PHP reads its arguments as C strings, so anything after a NUL byte is
/// ignored; we do the same.
pub fn version_compare(a: &str, b: &str) -> Ordering {
    compare_c(until_nul(a.as_bytes()), until_nul(b.as_bytes()))
}

fn until_nul(s: &[u8]) -> &[u8] {
    match s.iter().position(|&c| c == 0) {
        Some(end) => &s[..end],
        None => s,
    }
}

/// The comparison proper, over canonicalized forms.
fn compare_c(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return (!a.is_empty()).cmp(&!b.is_empty());
    }
    let (ca, cb) = (canonical_or_verbatim(a), canonical_or_verbatim(b));
    let pa: Vec<&[u8]> = ca.split(|&c| c == b'.').collect();
    let pb: Vec<&[u8]> = cb.split(|&c| c == b'.').collect();
    let (order, i, j) = walk_parts(&pa, &pb);
    if order != Ordering::Equal {
        return order;
    }

    // One side has parts left: a number there makes it the larger, a
    // word is ranked against a number (`1.0-alpha` < `1.0` < `1.0-patch`).
    match (i, j) {
        (Some(i), _) => rest_against_number(&pa[i..]),
        (None, Some(j)) => rest_against_number(&pb[j..]).reverse(),
        (None, None) => Ordering::Equal,
    }
}

/// Walks both part lists together, the way PHP's `strchr` loop does: it
/// stops at the first difference, at the end of either string, or after
/// either side's last part. Returns the order found and, for each side,
/// where its unread parts start (`None` once its last part was read).
fn walk_parts(pa: &[&[u8]], pb: &[&[u8]]) -> (Ordering, Option<usize>, Option<usize>) {
    let unread = |parts: &[&[u8]], k: usize| k + 1 < parts.len() || !parts[k].is_empty();
    let (mut i, mut j) = (Some(0), Some(0));
    while let (Some(ii), Some(jj)) = (i, j) {
        if !unread(pa, ii) || !unread(pb, jj) {
            break;
        }
        let order = compare_parts(pa[ii], pb[jj]);
        if order != Ordering::Equal {
            return (order, i, j);
        }
        i = (ii + 1 < pa.len()).then_some(ii + 1);
        j = (jj + 1 < pb.len()).then_some(jj + 1);
    }
    (Ordering::Equal, i, j)
}

/// PHP leaves a version starting with `#` as it is; others are canonicalized.
fn canonical_or_verbatim(v: &[u8]) -> Vec<u8> {
    if v[0] == b'#' {
        v.to_vec()
    } else {
        canonicalize(v)
    }
}

/// How the remaining parts of the longer version rank against "a number".
fn rest_against_number(rest: &[&[u8]]) -> Ordering {
    if rest[0].first().is_some_and(u8::is_ascii_digit) {
        Ordering::Greater
    } else {
        compare_c(&rest.join(&b'.'), b"#N#")
    }
}

/// PHP's `php_canonicalize_version`: `-`, `_`, `+` and other symbols become
/// `.`, and a `.` is put between a run of digits and a run of letters.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let digit = |c: u8| c.is_ascii_digit();
    let non_digit = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut out = Vec::with_capacity(v.len() * 2);
    out.push(v[0]);
    let mut prev = v[0];
    for &c in &v[1..] {
        let last_dot = out.last() == Some(&b'.');
        if matches!(c, b'-' | b'_' | b'+') {
            if !last_dot {
                out.push(b'.');
            }
        } else if (non_digit(prev) && digit(c)) || (digit(prev) && non_digit(c)) {
            if !last_dot {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if !last_dot {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// Compares one part of each version: numbers by value, words by rank,
/// and a number against a word as if the number were the `#` form.
fn compare_parts(a: &[u8], b: &[u8]) -> Ordering {
    let a_num = a.first().is_some_and(u8::is_ascii_digit);
    let b_num = b.first().is_some_and(u8::is_ascii_digit);
    match (a_num, b_num) {
        (true, true) => strtol(a).cmp(&strtol(b)),
        (false, false) => special_rank(a).cmp(&special_rank(b)),
        (true, false) => special_rank(b"#N#").cmp(&special_rank(b)),
        (false, true) => special_rank(a).cmp(&special_rank(b"#N#")),
    }
}

/// PHP's special version forms. A word takes the rank of the first form
/// it *starts with*, so `patch` ranks as `p` and `develop` as `dev`;
/// anything else ranks below `dev`.
fn special_rank(form: &[u8]) -> i8 {
    const FORMS: [(&[u8], i8); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |&(_, rank)| rank)
}

/// C's `strtol` on a run of digits: saturates at `i64::MAX` as glibc does.
fn strtol(digits: &[u8]) -> i64 {
    digits
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0i64, |n, &c| {
            n.saturating_mul(10).saturating_add(i64::from(c - b'0'))
        })
}

/// PHP's `$digits + 1` for a string of ASCII digits, as PHP would then
/// print it: an integer while it fits in 64 bits, else a float printed with
/// 14 significant digits (`1.0E+20`).
pub(crate) fn add_one(digits: &str) -> String {
    match digits.parse::<i64>().ok().and_then(|n| n.checked_add(1)) {
        Some(n) => n.to_string(),
        None => php_float_string(digits.parse::<f64>().unwrap_or(f64::MAX) + 1.0),
    }
}

/// PHP's string form of a large float (`precision` = 14): `9.2233720368548E+18`.
fn php_float_string(value: f64) -> String {
    let sci = format!("{value:.13e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = mantissa.trim_end_matches('0');
    let mantissa = match mantissa.strip_suffix('.') {
        Some(whole) => format!("{whole}.0"),
        None => mantissa.to_string(),
    };
    let exponent = exponent.trim_start_matches('-');
    let sign = if sci.contains("e-") { '-' } else { '+' };
    format!("{mantissa}E{sign}{exponent}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn numbers_compare_by_value_not_text() {
        assert_eq!(version_compare("1.10", "1.9"), Greater);
        assert_eq!(version_compare("01.0", "1.0"), Equal);
    }

    #[test]
    fn patch_ranks_above_release_and_prerelease_below() {
        assert_eq!(version_compare("2.4.6.0-patch3", "2.4.6.0"), Greater);
        assert_eq!(version_compare("2.4.6.0-alpha1", "2.4.6.0"), Less);
        assert_eq!(version_compare("2.4.6.0-dev", "2.4.6.0-alpha"), Less);
        assert_eq!(version_compare("2.4.6.0-RC1", "2.4.6.0-beta9"), Greater);
    }

    #[test]
    fn unknown_words_rank_below_dev() {
        assert_eq!(version_compare("1.0-stable", "1.0-dev"), Less);
    }

    #[test]
    fn empty_string_is_smallest() {
        assert_eq!(version_compare("", "0"), Less);
        assert_eq!(version_compare("", ""), Equal);
    }

    #[test]
    fn adding_one_overflows_into_php_float_text() {
        assert_eq!(add_one("007"), "8");
        assert_eq!(add_one("99999999999999999999"), "1.0E+20");
        assert_eq!(add_one("9223372036854775807"), "9.2233720368548E+18");
    }

    #[test]
    fn trim_keeps_form_feed_like_php() {
        assert_eq!(trim(" \t1.0\0\n"), "1.0");
        assert_eq!(trim("\x0C1.0"), "\x0C1.0");
    }
}
