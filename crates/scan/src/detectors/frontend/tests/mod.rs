//! Scenarios for the frontend rules: each names the story, scans a small
//! extension held in memory and asserts exact codes and lines.

mod exfiltration;
mod storage;
mod tags;

use std::collections::BTreeMap;

use super::FrontendDetector;
use crate::capability::CapabilityKind;
use crate::detector::{Detector, Extension, Sink};
use crate::file::SourceFile;
use crate::finding::{Confidence, Finding, Severity};

/// An extension held in memory.
pub struct Files(BTreeMap<String, Vec<u8>>, Vec<String>);

impl Files {
    pub fn new(files: &[(&str, &str)]) -> Files {
        let map: BTreeMap<String, Vec<u8>> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect();
        let paths = map.keys().cloned().collect();
        Files(map, paths)
    }
}

impl Extension for Files {
    fn paths(&self) -> &[String] {
        &self.1
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.0.get(path).cloned()
    }
}

/// Scans `path` of an extension made of `files`.
pub fn scan(files: &[(&str, &str)], path: &str) -> Sink {
    let ext = Files::new(files);
    let bytes = ext.read(path).expect("file under test exists");
    let mut sink = Sink::default();
    FrontendDetector.check(&SourceFile::new(path, bytes), &ext, &mut sink);
    sink
}

/// Scans a single file.
pub fn scan_one(path: &str, text: &str) -> Vec<Finding> {
    scan(&[(path, text)], path).findings
}

/// `(code, line)` of each finding, sorted.
pub fn hits(findings: &[Finding]) -> Vec<(&str, u32)> {
    let mut out: Vec<(&str, u32)> = findings
        .iter()
        .map(|f| (f.code.as_str(), f.location.line))
        .collect();
    out.sort();
    out
}

/// The one finding with `code`.
pub fn only<'f>(findings: &'f [Finding], code: &str) -> &'f Finding {
    let matching: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(matching.len(), 1, "expected one {code}, got {findings:#?}");
    matching[0]
}

/// Hosts reported as capabilities.
pub fn hosts(sink: &Sink) -> Vec<&str> {
    let mut out: Vec<&str> = sink
        .capabilities
        .iter()
        .filter(|c| c.kind == CapabilityKind::Host)
        .map(|c| c.value.as_str())
        .collect();
    out.sort();
    out
}

/// Severity and confidence of a finding.
pub fn grade(finding: &Finding) -> (Severity, Confidence) {
    (finding.severity, finding.confidence)
}

/// Reads a file of the repository's fixtures.
pub fn fixture(extension: &str) -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/extensions")
        .join(extension);
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixture folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(&root).expect("inside root");
                out.push((rel.to_string_lossy().replace('\\', "/"), text));
            }
        }
    }
    out
}

/// Scans every file of a fixture; findings of all files.
pub fn scan_fixture(extension: &str) -> Vec<Finding> {
    let files = fixture(extension);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut out = Vec::new();
    for (path, _) in &refs {
        out.extend(scan(&refs, path).findings);
    }
    out
}
