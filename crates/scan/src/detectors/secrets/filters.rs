//! The tests a match must pass before it is reported: not a placeholder,
//! random enough, assigned to a name that holds a secret, and for a few
//! shapes (JWTs, PEM blocks, Basic credentials) a look inside.
//!
//! Documentation and sample configs are full of `YOUR_API_KEY`, `xxxx`,
//! `${TOKEN}` and test-mode keys; a reviewer who sees them reported learns
//! to skip the secrets section, so we drop them here rather than ranking
//! them low.

use std::collections::HashSet;
use std::ops::Range;

use base64::Engine as _;
use regex::Regex;
use serde::Deserialize;

use super::engine::NameFilterSpec;

/// Which placeholder tests apply to a rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Checks {
    /// Template markers, placeholder words, runs and sequences.
    #[default]
    Full,
    /// Template and ellipsis markers only: long encoded bodies (keys,
    /// tokens) contain short words and runs by chance.
    Templates,
}

/// An extra look inside a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Validator {
    /// The header decodes to JSON naming a signing algorithm.
    Jwt,
    /// The armour holds a real base64 body.
    Pem,
    /// The value decodes to `user:password` with a password.
    BasicAuth,
}

/// Markers of a value filled in later: templates, variables, elisions.
const TEMPLATE_MARKERS: &[&str] = &[
    "${", "{{", "}}", "{$", "%env(", "<", ">", "...", "…", "xxxx", "XXXX",
];

/// Words that mark a made-up or non-production value. A random base62
/// token of 40 characters holds one of the four-letter ones by chance
/// about once in four thousand: a miss we accept for quiet reports.
#[rustfmt::skip]
const PLACEHOLDER_WORDS: &[&str] = &[
    "your", "xxxx", "****", "####", "change", "replace", "example", "sample",
    "dummy", "placeholder", "test", "fake", "redacted", "mock", "demo",
    "sandbox", "password", "passwd",
];

/// Digests of empty input (MD5, SHA-1, SHA-256): test suites and sample
/// configs use them as stand-in keys.
const EMPTY_DIGESTS: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
];

/// Whether `secret` is a placeholder, template or test value.
pub(super) fn is_placeholder(secret: &str, checks: Checks) -> bool {
    if secret.len() < 4 || TEMPLATE_MARKERS.iter().any(|m| secret.contains(m)) {
        return true;
    }
    let variable = secret
        .strip_prefix('$')
        .and_then(|rest| rest.chars().next());
    if variable.is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '{') {
        return true;
    }
    if checks == Checks::Templates {
        return false;
    }
    let lower = secret.to_ascii_lowercase();
    PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
        || EMPTY_DIGESTS.iter().any(|d| lower.contains(d))
        || longest_run(&lower) >= 6
        || longest_sequence(&lower) >= 6
        || distinct(&lower) < 4
        || repeats_short_unit(&lower)
}

/// The longest run of one repeated character (`000000`).
fn longest_run(text: &str) -> usize {
    runs(text.as_bytes(), |a, b| a == b)
}

/// The longest run of consecutive characters up or down (`123456`, `fedcba`).
fn longest_sequence(text: &str) -> usize {
    let bytes = text.as_bytes();
    let up = runs(bytes, |a, b| {
        a.is_ascii_alphanumeric() && b == a.wrapping_add(1)
    });
    let down = runs(bytes, |a, b| {
        a.is_ascii_alphanumeric() && b == a.wrapping_sub(1)
    });
    up.max(down)
}

/// The length of the longest stretch where each byte relates to the last.
fn runs(bytes: &[u8], related: impl Fn(u8, u8) -> bool) -> usize {
    let (mut best, mut current) = (usize::from(!bytes.is_empty()), 1);
    for pair in bytes.windows(2) {
        current = if related(pair[0], pair[1]) {
            current + 1
        } else {
            1
        };
        best = best.max(current);
    }
    best
}

fn distinct(text: &str) -> usize {
    text.chars().collect::<HashSet<_>>().len()
}

/// `abababab`, `12341234`: a unit of up to four characters, repeated.
fn repeats_short_unit(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 8
        && (1..=4).any(|unit| bytes.iter().enumerate().all(|(i, b)| *b == bytes[i % unit]))
}

/// Shannon entropy of the characters of `text`, in bits per character.
pub(super) fn entropy(text: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in text.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// How many of lowercase, uppercase, digits and other characters occur.
pub(super) fn char_classes(text: &str) -> usize {
    let bytes = text.as_bytes();
    let has = |f: fn(&u8) -> bool| usize::from(bytes.iter().any(f));
    has(u8::is_ascii_lowercase)
        + has(u8::is_ascii_uppercase)
        + has(u8::is_ascii_digit)
        + has(|b| !b.is_ascii_alphanumeric())
}

/// Runs `validator` on the match at `span`; returns the secret's span
/// (possibly trimmed) if the match is what it looks like.
pub(super) fn validate(
    validator: Validator,
    text: &str,
    span: Range<usize>,
) -> Option<Range<usize>> {
    let found = &text[span.clone()];
    let ok = match validator {
        Validator::Jwt => is_signed_jwt(found),
        Validator::Pem => return pem_body(found).map(|r| span.start + r.start..span.start + r.end),
        Validator::BasicAuth => is_basic_credential(found),
    };
    ok.then_some(span)
}

/// A JWT whose header is JSON naming an algorithm other than `none`, and
/// whose payload is JSON too.
fn is_signed_jwt(token: &str) -> bool {
    let mut parts = token.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .ok()
    };
    let json = |bytes: Vec<u8>| serde_json::from_slice::<serde_json::Value>(&bytes).ok();
    let header = decode(header).and_then(json);
    let alg = header
        .as_ref()
        .and_then(|h| h.get("alg"))
        .and_then(|a| a.as_str());
    let payload_is_json = decode(payload)
        .and_then(json)
        .is_some_and(|p| p.is_object());
    alg.is_some_and(|a| !a.eq_ignore_ascii_case("none")) && payload_is_json
}

/// The base64 body of a PEM block, without leading and trailing blanks or
/// JSON-escaped newlines; `None` if it holds fewer than 64 base64 characters.
fn pem_body(body: &str) -> Option<Range<usize>> {
    let base64_chars = body
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        .count();
    if base64_chars < 64 || body.contains("...") {
        return None;
    }
    let mut start = 0;
    let mut end = body.len();
    loop {
        let rest = &body[start..end];
        if rest.starts_with("\\n") || rest.starts_with("\\r") {
            start += 2;
        } else if rest.starts_with(|c: char| c.is_ascii_whitespace()) {
            start += 1;
        } else if rest.ends_with("\\n") || rest.ends_with("\\r") {
            end -= 2;
        } else if rest.ends_with(|c: char| c.is_ascii_whitespace()) {
            end -= 1;
        } else {
            return Some(start..end);
        }
    }
}

/// `user:password` in base64, with a password that is not a placeholder.
fn is_basic_credential(encoded: &str) -> bool {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok();
    let text = decoded.and_then(|d| String::from_utf8(d).ok());
    let Some((_, password)) = text.as_deref().and_then(|t| t.split_once(':')) else {
        return false;
    };
    password.len() >= 4 && !is_placeholder(password, Checks::Full)
}

/// Decides whether an identifier names a secret, for the generic rule.
pub(super) struct NameFilter {
    words: HashSet<String>,
    suffixes: Vec<String>,
    stop_parts: HashSet<String>,
    stop_contains: Vec<String>,
    value_stops: Vec<Regex>,
}

impl NameFilter {
    /// Builds the filter from `[generic]`; a bad value-stop regex is
    /// recorded in `errors` and left out.
    pub(super) fn new(spec: &NameFilterSpec, errors: &mut Vec<String>) -> NameFilter {
        let lower = |list: &[String]| {
            list.iter()
                .map(|w| w.to_ascii_lowercase())
                .collect::<Vec<_>>()
        };
        let mut value_stops = Vec::new();
        for source in &spec.value_stops {
            match Regex::new(source) {
                Ok(re) => value_stops.push(re),
                Err(err) => errors.push(format!("generic value_stops {source}: {err}")),
            }
        }
        NameFilter {
            words: lower(&spec.words).into_iter().collect(),
            suffixes: lower(&spec.suffixes),
            stop_parts: lower(&spec.stop_parts).into_iter().collect(),
            stop_contains: lower(&spec.stop_contains),
            value_stops,
        }
    }

    /// Whether `name` (`API_KEY`, `clientSecret`, `x-api-key`) holds a secret.
    pub(super) fn holds_secret(&self, name: &str) -> bool {
        let parts = name_parts(name);
        let whole = name.to_ascii_lowercase();
        if self
            .stop_contains
            .iter()
            .any(|s| whole.contains(s.as_str()))
        {
            return false;
        }
        if parts.iter().any(|p| self.stop_parts.contains(p)) {
            return false;
        }
        parts
            .iter()
            .any(|part| self.part_holds_secret(part, parts.len()))
    }

    fn part_holds_secret(&self, part: &str, parts: usize) -> bool {
        if part == "key" {
            return parts > 1;
        }
        self.words.contains(part)
            || self
                .suffixes
                .iter()
                .any(|s| part.len() > s.len() && part.ends_with(s.as_str()))
    }

    /// Whether `value`, assigned to `name`, may be a secret: not a shape
    /// that never is (UUID, config path, URL, file name, encrypted value),
    /// and not an echo of the name (`$donationToken = 'donation_token_1'`
    /// is a label, not a token).
    pub(super) fn accepts_value(&self, name: &str, value: &str) -> bool {
        let lower = value.to_ascii_lowercase();
        let echoes = name_parts(name)
            .iter()
            .any(|p| p.len() >= 4 && lower.contains(p.as_str()));
        !echoes && !is_camel_words(value) && !self.value_stops.iter().any(|re| re.is_match(value))
    }
}

/// Whether `value` reads as camelCase words (`seeSourceQty1InGrid`,
/// `Vendor_vendor-module2`): it has capitals, every capital starts a
/// lowercase word, and words of three letters or more make up most of it.
/// A random mixed-case token breaks the first rule within a few capitals
/// (two capitals in a row, a capital before a digit).
fn is_camel_words(value: &str) -> bool {
    let chars: Vec<char> = value.chars().collect();
    let capitals_start_words = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_ascii_uppercase())
        .all(|(i, _)| chars.get(i + 1).is_some_and(char::is_ascii_lowercase));
    if !chars.iter().any(char::is_ascii_uppercase) || !capitals_start_words {
        return false;
    }
    let words = name_parts(&value.replace(|c: char| !c.is_ascii_alphabetic(), "_"));
    let long: usize = words.iter().filter(|w| w.len() >= 3).map(String::len).sum();
    long * 10 >= chars.len() * 6
}

/// Splits an identifier at `_ - :` and camelCase humps, lowercased. Only
/// the last `.`-separated segment counts: in `config.clientSecret` the
/// name is `clientSecret`.
pub(super) fn name_parts(name: &str) -> Vec<String> {
    let last = name.rsplit('.').find(|s| !s.is_empty()).unwrap_or(name);
    let mut parts = Vec::new();
    for word in last.split(['_', '-', ':']).filter(|w| !w.is_empty()) {
        let chars: Vec<char> = word.chars().collect();
        let mut current = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let hump = c.is_uppercase()
                && prev.is_some_and(|p| {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
                });
            if hump && !current.is_empty() {
                parts.push(std::mem::take(&mut current).to_lowercase());
            }
            current.push(c);
        }
        if !current.is_empty() {
            parts.push(current.to_lowercase());
        }
    }
    parts
}
