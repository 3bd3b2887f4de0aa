//! Scenario tests for the PHP checks: small snippets per rule, with a
//! safe look-alike beside each, and the sample extensions in `fixtures/`.

#![allow(clippy::unwrap_used)]

mod fixtures;
mod flows;
mod malware;
mod parse;
mod transport;

use crate::capability::{Capability, CapabilityKind};
use crate::detector::{Detector, Extension, Sink};
use crate::file::SourceFile;
use crate::finding::Finding;

use super::PhpDetector;

/// An extension with no other files.
struct Alone;

impl Extension for Alone {
    fn paths(&self) -> &[String] {
        &[]
    }
    fn read(&self, _path: &str) -> Option<Vec<u8>> {
        None
    }
}

/// Scans one PHP file.
pub fn scan(path: &str, code: &str) -> Sink {
    let mut sink = Sink::default();
    let file = SourceFile::new(path, code.as_bytes().to_vec());
    PhpDetector::new().check(&file, &Alone, &mut sink);
    sink
}

/// The findings of one file as `(code, line)`, sorted.
pub fn found(path: &str, code: &str) -> Vec<(String, u32)> {
    let mut list: Vec<_> = scan(path, code)
        .findings
        .iter()
        .map(|f| (f.code.clone(), f.location.line))
        .collect();
    list.sort();
    list
}

/// The one finding with `code`.
pub fn the(sink: &Sink, code: &str) -> Finding {
    let matching: Vec<&Finding> = sink.findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {code}, got {:#?}",
        sink.findings
    );
    matching[0].clone()
}

/// Capabilities of one kind, as values.
pub fn capabilities(sink: &Sink, kind: CapabilityKind) -> Vec<String> {
    let mut list: Vec<String> = sink
        .capabilities
        .iter()
        .filter(|c: &&Capability| c.kind == kind)
        .map(|c| c.value.clone())
        .collect();
    list.sort();
    list.dedup();
    list
}

/// `(code, line)` pairs from literals.
pub fn pairs(list: &[(&str, u32)]) -> Vec<(String, u32)> {
    let mut v: Vec<_> = list.iter().map(|(c, l)| (c.to_string(), *l)).collect();
    v.sort();
    v
}
