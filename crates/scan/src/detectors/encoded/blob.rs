//! `malware-encoded-blob`: very long base64 or hex runs in source.
//!
//! Honest code rarely holds 1,000 characters of base64 in one piece; a
//! dropper or an obfuscated skimmer does. Runs are measured on the raw
//! bytes (so minified JavaScript, full of punctuation, never forms one),
//! must look random (Shannon entropy over the run), and are skipped when
//! they are the body of a `data:` URI of an image or a font.

use super::{finding_at, RULE_ENCODED_BLOB};
use crate::file::{FileKind, SourceFile};
use crate::finding::Finding;

/// The shortest run we report.
pub const MIN_RUN: usize = 1000;

/// Entropy floors, in bits per character: random base64 is near 6,
/// random hex near 4; long runs of one repeated pattern fall far below.
const BASE64_ENTROPY: f64 = 4.5;
const HEX_ENTROPY: f64 = 3.0;

/// Reported blobs per file, at most.
const MAX_PER_FILE: usize = 5;

/// `data:` types whose inline bodies are media, not code.
const MEDIA_TYPES: &[&str] = &[
    "image/",
    "font/",
    "application/font",
    "application/x-font",
    "audio/",
    "video/",
];

/// Reports long encoded runs in PHP, templates, scripts and stylesheets.
pub fn check(file: &SourceFile) -> Vec<Finding> {
    if !is_source(file) {
        return Vec::new();
    }
    let bytes = &file.bytes;
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() && out.len() < MAX_PER_FILE {
        if !is_b64(bytes[start]) {
            start += 1;
            continue;
        }
        let end = start + bytes[start..].iter().take_while(|b| is_b64(**b)).count();
        let end = end
            + bytes[end..]
                .iter()
                .take(2)
                .take_while(|b| **b == b'=')
                .count();
        if let Some(finding) = judge(file, start, end) {
            out.push(finding);
        }
        start = end.max(start + 1);
    }
    out
}

fn judge(file: &SourceFile, start: usize, end: usize) -> Option<Finding> {
    let run = &file.bytes[start..end];
    if run.len() < MIN_RUN || is_media_uri(&file.bytes[..start]) {
        return None;
    }
    let hex = run.iter().all(|b| b.is_ascii_hexdigit());
    let (kind, floor) = if hex {
        ("hex", HEX_ENTROPY)
    } else {
        ("base64", BASE64_ENTROPY)
    };
    if entropy(run) < floor {
        return None;
    }
    let head: String = run.iter().take(12).map(|b| char::from(*b)).collect();
    let message = format!("{} characters of {kind} in one literal", run.len());
    let snippet = format!("{head}…({} chars)", run.len());
    let evidence = String::from_utf8_lossy(run);
    Some(finding_at(
        RULE_ENCODED_BLOB,
        file,
        start,
        message,
        snippet,
        &evidence,
    ))
}

fn is_source(file: &SourceFile) -> bool {
    let lower = file.path.to_ascii_lowercase();
    let style = [".css", ".less", ".scss", ".svg"]
        .iter()
        .any(|e| lower.ends_with(e));
    matches!(
        file.kind,
        FileKind::Php | FileKind::Phtml | FileKind::Js | FileKind::Html
    ) || style
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Whether the bytes just before a run end in `data:<media type>…,`.
fn is_media_uri(before: &[u8]) -> bool {
    let tail = &before[before.len().saturating_sub(120)..];
    let tail = String::from_utf8_lossy(tail).to_ascii_lowercase();
    let Some(data) = tail.rfind("data:") else {
        return false;
    };
    let uri = &tail[data + 5..];
    uri.ends_with(',') && MEDIA_TYPES.iter().any(|t| uri.starts_with(t))
}

/// Shannon entropy in bits per byte.
fn entropy(run: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &b in run {
        counts[b as usize] += 1;
    }
    let n = run.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}
