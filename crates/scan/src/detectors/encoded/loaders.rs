//! `malware-encoded-file`: the loader stubs of PHP encoders.
//!
//! An encoded file is a short PHP stub that checks for the encoder's
//! loader extension and hands it an opaque payload. We recognise the
//! stubs by their marker words near the top of the file, and (except for
//! Zend Guard's unmistakable first line) also require the payload, so a
//! system-check helper that merely asks `extension_loaded('ionCube
//! Loader')` is not taken for an encoded file.

use super::{finding_at, RULE_ENCODED_FILE};
use crate::file::{FileKind, SourceFile};
use crate::finding::Finding;

/// How far into a file the stub's markers are looked for.
const HEAD: usize = 16 * 1024;

/// A run this long without whitespace, or binary bytes, is a payload.
const PAYLOAD_RUN: usize = 200;

/// Or this many lines of nothing but base64, each at least
/// [`PAYLOAD_LINE`] long (ionCube wraps its payload at 76 columns).
const PAYLOAD_LINES: usize = 4;
const PAYLOAD_LINE: usize = 60;

/// (encoder, marker) pairs, compared case-insensitively.
const MARKERS: &[(&str, &str)] = &[
    ("ionCube", "ioncube loader"),
    ("ionCube", "ioncube_loader"),
    ("SourceGuardian", "sg_load("),
    ("SourceGuardian", "sourceguardian"),
    ("phpSHIELD", "phpshield"),
    ("Nu-Coder", "nu-coder"),
];

/// Reports a file encoded by a known PHP encoder.
pub fn check(file: &SourceFile) -> Option<Finding> {
    if !looks_php(file) {
        return None;
    }
    let head = &file.bytes[..file.bytes.len().min(HEAD)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let encoder = if zend_guard(&lower) {
        "Zend Guard"
    } else {
        let found = MARKERS
            .iter()
            .find(|(_, m)| lower.contains(m))
            .map(|(enc, _)| *enc)?;
        if !has_payload(&file.bytes) {
            tracing::debug!(path = %file.path, "encoder marker without a payload");
            return None;
        }
        found
    };
    // The finding is about the file as a whole, so it sits on line 1.
    let message = format!("{encoder}-encoded PHP: the file cannot be reviewed");
    let snippet = format!("{encoder} loader stub");
    Some(finding_at(
        RULE_ENCODED_FILE,
        file,
        0,
        message,
        snippet,
        encoder,
    ))
}

fn looks_php(file: &SourceFile) -> bool {
    let start = file
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&file.bytes);
    matches!(file.kind, FileKind::Php | FileKind::Phtml) || start.starts_with(b"<?php")
}

/// `<?php @Zend;` on the first line.
fn zend_guard(lower: &str) -> bool {
    let first = lower.trim_start_matches('\u{feff}').lines().next();
    first.is_some_and(|l| l.contains("<?php @zend;"))
}

fn has_payload(bytes: &[u8]) -> bool {
    if bytes.contains(&0) || std::str::from_utf8(bytes).is_err() {
        return true;
    }
    let mut run = 0;
    for &b in bytes {
        run = if b.is_ascii_whitespace() { 0 } else { run + 1 };
        if run >= PAYLOAD_RUN {
            return true;
        }
    }
    let base64_line = |l: &&[u8]| {
        l.len() >= PAYLOAD_LINE
            && l.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    };
    let lines = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    lines.filter(base64_line).take(PAYLOAD_LINES).count() >= PAYLOAD_LINES
}
