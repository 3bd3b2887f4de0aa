//! Undoing the cheap disguises of strings: escapes, base64, percent
//! encoding, HTML entities and char-code lists.
//!
//! Skimmer authors hide hosts and URL checks this way so that a grep for
//! `checkout` or a domain finds nothing; every decoder here is total (bad
//! input yields `None` or the input unchanged) and bounded by its input.

use base64::Engine;
use regex::Regex;
use std::sync::LazyLock;

/// Resolves the escapes of a JS string body. The flag says whether a
/// `\x`/`\u` escape or an octal escape was used, which is rare in honest
/// code outside of non-ASCII text.
pub fn unescape(body: &str) -> (String, bool) {
    let mut out = String::with_capacity(body.len());
    let mut decoded = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else { break };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                push_code(&mut out, u32::from_str_radix(&hex, 16).ok());
                decoded = true;
            }
            'u' => {
                let hex: String = if chars.peek() == Some(&'{') {
                    chars.next();
                    chars.by_ref().take_while(|c| *c != '}').collect()
                } else {
                    chars.by_ref().take(4).collect()
                };
                let code = u32::from_str_radix(&hex, 16).ok();
                decoded |= code.is_some_and(|c| c < 0x80);
                push_code(&mut out, code);
            }
            '0'..='7' => {
                let mut oct = e.to_string();
                while oct.len() < 3 && chars.peek().is_some_and(|c| ('0'..='7').contains(c)) {
                    oct.extend(chars.next());
                }
                decoded |= oct != "0";
                push_code(&mut out, u32::from_str_radix(&oct, 8).ok());
            }
            '\n' => {}
            other => out.push(other),
        }
    }
    (out, decoded)
}

fn push_code(out: &mut String, code: Option<u32>) {
    if let Some(c) = code.and_then(char::from_u32) {
        out.push(c);
    }
}

/// Decodes standard or URL-safe base64 into printable UTF-8 text.
pub fn decode_base64(text: &str) -> Option<String> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(clean.as_bytes()).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || c.is_whitespace())
        .then_some(text)
}

/// Decodes `%hh` sequences, keeping anything malformed as it is.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

static ESCAPE_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\[0-7]{3}|&#x?[0-9a-fA-F]{2,4};)+")
        .expect("escape-run pattern")
});

static CHAR_CODES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)[0-9]{2,3}(?:[ \t]*,[ \t]*[0-9]{2,3}){7,}(?-u:\b)")
        .expect("char-code pattern")
});

/// Text hidden in `text` as escape runs (`\x6a\x71…`, `&#106;&#113;…`) or
/// as lists of character codes (`106,113,117,…`): each decoded piece with
/// the byte offset where it starts. Pieces shorter than four characters
/// are ignored.
pub fn hidden_strings(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for m in ESCAPE_RUN.find_iter(text) {
        let decoded = decode_entities(&unescape(m.as_str()).0);
        if decoded.chars().count() >= 4 {
            out.push((m.start(), decoded));
        }
    }
    for m in CHAR_CODES.find_iter(text) {
        let codes: Option<String> = m
            .as_str()
            .split(',')
            .map(|n| {
                n.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|c| (32..127).contains(c))
            })
            .map(|c| c.and_then(char::from_u32))
            .collect();
        if let Some(decoded) = codes {
            out.push((m.start(), decoded));
        }
    }
    out
}

fn decode_entities(text: &str) -> String {
    static ENTITY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"&#(x?)([0-9a-fA-F]{2,4});").expect("entity pattern"));
    ENTITY
        .replace_all(text, |c: &regex::Captures<'_>| {
            let radix = if c[1].is_empty() { 10 } else { 16 };
            u32::from_str_radix(&c[2], radix)
                .ok()
                .and_then(char::from_u32)
                .map(String::from)
                .unwrap_or_default()
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_and_say_so() {
        assert_eq!(unescape(r"\x63heckout"), ("checkout".to_string(), true));
        assert_eq!(unescape(r"\u0063\u{68}"), ("ch".to_string(), true));
        assert_eq!(unescape(r"it\'s\n"), ("it's\n".to_string(), false));
    }

    #[test]
    fn base64_must_decode_to_text() {
        assert_eq!(decode_base64("Y2hlY2tvdXQ=").as_deref(), Some("checkout"));
        assert_eq!(decode_base64("////"), None);
    }

    #[test]
    fn hidden_strings_come_out_of_escape_runs_and_code_lists() {
        let text = r#"a = "\x6a\x71\x75\x65\x72\x79"; b = [106,113,117,101,114,121,46,116]"#;
        let found: Vec<String> = hidden_strings(text).into_iter().map(|(_, s)| s).collect();
        assert_eq!(found, ["jquery", "jquery.t"]);
        let entities = hidden_strings("&#106;&#113;&#117;&#101;");
        assert_eq!(entities[0].1, "jque");
    }
}
