//! The scan itself: every detector over every file, in parallel, into one
//! sorted report.
//!
//! Files are independent units of work (detectors see other files only
//! through [`Extension`]), so rayon spreads them over the threads and each
//! worker reads its own file: listing a folder costs names only. One bad
//! file never stops a scan: a file that cannot be read, is too large, or
//! makes a detector panic becomes a finding of its own and the rest goes
//! on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use thiserror::Error;

use crate::detector::{Detector, Extension, Sink};
use crate::detectors;
use crate::file::SourceFile;
use crate::finding::{Finding, Location};
use crate::report::ScanReport;
use crate::rules;
use crate::tree::{self, DirExtension, MemExtension, ReadProblem};

/// Files above this size are reported, not read. Magento modules are made
/// of small files; anything bigger is a bundle, a data dump or a payload,
/// and a reviewer should look at it by hand rather than trust a scan.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// How a scan runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions {
    /// Files larger than this are reported as `file-too-large`.
    pub max_file_bytes: u64,
    /// Worker threads; `None` uses rayon's global pool (one per core).
    pub threads: Option<usize>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            threads: None,
        }
    }
}

/// A scan that could not be done at all (as opposed to a file that could
/// not be read, which is a finding).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The path to scan is not a folder we can open.
    #[error("{}: {reason}; pass the folder of an extension (or a .zip to `formulary scan`)", path.display())]
    NotAFolder {
        /// The path given.
        path: PathBuf,
        /// Why it cannot be scanned.
        reason: String,
    },
    /// The worker threads could not be started.
    #[error("could not start {threads} scan threads: {reason}")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// What rayon said.
        reason: String,
    },
}

/// Runs detectors over extensions.
pub struct Scanner {
    detectors: Vec<Box<dyn Detector>>,
    options: ScanOptions,
}

impl Scanner {
    /// A scanner with every detector family.
    pub fn new(options: ScanOptions) -> Scanner {
        Scanner::with_detectors(detectors::all(), options)
    }

    /// A scanner with only the given detectors (tests, benchmarks).
    pub fn with_detectors(detectors: Vec<Box<dyn Detector>>, options: ScanOptions) -> Scanner {
        Scanner { detectors, options }
    }

    /// Scans the extension in folder `root` (any folder; one with a
    /// `composer.json` at the top is a Composer package).
    pub fn scan_dir(&self, root: &Path) -> Result<ScanReport, ScanError> {
        let started = Instant::now();
        check_folder(root)?;
        let listing = tree::list(root);
        tracing::debug!(root = %root.display(), files = listing.paths.len(), "scanning");
        let ext = DirExtension::new(root, listing.paths, self.options.max_file_bytes);
        let sinks = self.in_pool(|| {
            ext.paths()
                .par_iter()
                .map(|path| self.scan_path(&ext, path))
                .collect::<Vec<_>>()
        })?;
        let mut report = assemble(sinks);
        for (path, reason) in listing.unreadable {
            report
                .findings
                .push(unreadable(&path, &format!("could not be listed: {reason}")));
        }
        for (path, what) in listing.not_regular {
            report
                .findings
                .push(unreadable(&path, &format!("not scanned: {what}")));
        }
        Ok(finish(report, started))
    }

    /// Scans files already in memory.
    pub fn scan_files(&self, files: Vec<SourceFile>) -> Result<ScanReport, ScanError> {
        let started = Instant::now();
        let ext = MemExtension::new(files.iter().map(|f| (f.path.clone(), f.bytes.clone())));
        let sinks = self.in_pool(|| {
            files
                .par_iter()
                .map(|file| self.scan_file(file, &ext))
                .collect::<Vec<_>>()
        })?;
        Ok(finish(assemble(sinks), started))
    }

    /// Runs `work` on the configured pool.
    fn in_pool<T: Send>(&self, work: impl FnOnce() -> T + Send) -> Result<T, ScanError> {
        let Some(threads) = self.options.threads else {
            return Ok(work());
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| ScanError::Threads {
                threads,
                reason: e.to_string(),
            })?;
        Ok(pool.install(work))
    }

    /// Reads one file from disk and scans it.
    fn scan_path(&self, ext: &DirExtension, path: &str) -> (Sink, u64) {
        match tree::read_limited(&ext.full_path(path), self.options.max_file_bytes) {
            Ok(bytes) => self.scan_file(&SourceFile::new(path, bytes), ext),
            Err(ReadProblem::TooLarge(size)) => (one(too_large(path, size)), 0),
            Err(ReadProblem::Io(err)) => (
                one(unreadable(path, &format!("could not be read: {err}"))),
                0,
            ),
        }
    }

    /// Every detector over one file; returns what they reported and the
    /// bytes scanned.
    fn scan_file(&self, file: &SourceFile, ext: &dyn Extension) -> (Sink, u64) {
        let size = file.bytes.len() as u64;
        if size > self.options.max_file_bytes {
            return (one(too_large(&file.path, size)), 0);
        }
        let mut sink = Sink::default();
        for detector in &self.detectors {
            run_detector(detector.as_ref(), file, ext, &mut sink);
        }
        crate::detectors::secrets::hide_in_other_findings(file, &mut sink.findings);
        (sink, size)
    }
}

/// Runs one detector on one file. A panic is a bug in the detector, but
/// one hostile file must not end the whole scan: we report the file as
/// unreadable by that detector and keep what the others found.
fn run_detector(detector: &dyn Detector, file: &SourceFile, ext: &dyn Extension, sink: &mut Sink) {
    let mut own = Sink::default();
    let ran = catch_unwind(AssertUnwindSafe(|| detector.check(file, ext, &mut own)));
    match ran {
        Ok(()) => {
            sink.findings.append(&mut own.findings);
            sink.capabilities.append(&mut own.capabilities);
        }
        Err(_) => {
            tracing::debug!(detector = detector.name(), path = %file.path, "detector panicked");
            let why = format!("the {} detector failed on it", detector.name());
            sink.finding(unreadable(&file.path, &why));
        }
    }
}

fn check_folder(root: &Path) -> Result<(), ScanError> {
    let meta = std::fs::symlink_metadata(root).map_err(|e| ScanError::NotAFolder {
        path: root.to_path_buf(),
        reason: e.to_string(),
    })?;
    if meta.is_dir() {
        return Ok(());
    }
    let reason = if meta.file_type().is_symlink() {
        "a symbolic link (not followed)".to_string()
    } else {
        "not a folder".to_string()
    };
    Err(ScanError::NotAFolder {
        path: root.to_path_buf(),
        reason,
    })
}

fn one(finding: Finding) -> Sink {
    Sink {
        findings: vec![finding],
        capabilities: Vec::new(),
    }
}

fn assemble(sinks: Vec<(Sink, u64)>) -> ScanReport {
    let mut report = ScanReport::default();
    for (mut sink, bytes) in sinks {
        report.stats.files += 1;
        report.stats.bytes += bytes;
        report.findings.append(&mut sink.findings);
        report.capabilities.append(&mut sink.capabilities);
    }
    report
}

fn finish(mut report: ScanReport, started: Instant) -> ScanReport {
    report.normalize();
    report.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::debug!(
        files = report.stats.files,
        findings = report.findings.len(),
        ms = report.stats.elapsed_ms,
        "scan done"
    );
    report
}

/// A `file-unreadable` finding for `path`, saying why.
pub fn unreadable(path: &str, why: &str) -> Finding {
    scanner_finding(
        "file-unreadable",
        path,
        &format!("{path} {why}, so it was not checked"),
        why,
    )
}

fn too_large(path: &str, size: u64) -> Finding {
    let message = format!("{path} is {size} bytes, above the scan limit, so it was not checked");
    scanner_finding("file-too-large", path, &message, "too large")
}

fn scanner_finding(code: &str, path: &str, message: &str, evidence: &str) -> Finding {
    let rule = rules::find(code).unwrap_or(&rules::SCANNER_RULES[0]);
    Finding::new(rule, Location::file(path), message, "", evidence)
}

#[cfg(test)]
mod tests;
