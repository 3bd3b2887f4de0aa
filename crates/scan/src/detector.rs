//! The one trait every detector family implements.
//!
//! A detector looks at one file at a time (so files can be scanned in
//! parallel) and may consult the whole extension through [`Extension`] for
//! cross-file facts, such as which class a GraphQL resolver names. It
//! reports through [`Sink`]; it never fails the scan: a file it cannot
//! parse becomes a `file-unreadable` finding and the scan goes on.

use crate::capability::Capability;
use crate::file::SourceFile;
use crate::finding::Finding;
use crate::rules::RuleInfo;

/// Read-only access to the whole extension being scanned.
pub trait Extension: Sync {
    /// Every file path, `/`-separated, sorted.
    fn paths(&self) -> &[String];
    /// The bytes of one file, if it exists and can be read.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
}

/// Where a detector puts what it finds.
#[derive(Debug, Default)]
pub struct Sink {
    /// Findings, in the order reported.
    pub findings: Vec<Finding>,
    /// Capabilities, in the order reported (deduplicated later).
    pub capabilities: Vec<Capability>,
}

impl Sink {
    /// Reports a finding.
    pub fn finding(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Reports a capability.
    pub fn capability(&mut self, capability: Capability) {
        self.capabilities.push(capability);
    }
}

/// A family of checks.
pub trait Detector: Send + Sync {
    /// A short name for logs (`secrets`, `php-flow`).
    fn name(&self) -> &'static str;

    /// The rules this detector can report; each is in the catalogue.
    fn rules(&self) -> &'static [RuleInfo];

    /// Looks at one file and reports into `out`.
    fn check(&self, file: &SourceFile, ext: &dyn Extension, out: &mut Sink);
}
