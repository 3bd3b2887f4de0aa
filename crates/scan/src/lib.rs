//! The scanner: what a reviewer leans on before approving a version.
//!
//! It reads an extension (a folder or a zip), runs every detector family
//! over each file in parallel, and reports findings (diagnostics with
//! stable codes, see [`rules`]) and capabilities (what the code can do,
//! see [`capability`]). It knows nothing of the registry: `formulary scan`
//! runs it on its own, and ingest stores what it returns.

pub mod baseline;
pub mod capability;
pub mod context;
pub mod detector;
pub mod detectors;
pub mod file;
pub mod finding;
pub mod render;
pub mod report;
pub mod rules;
pub mod scanner;
pub mod tree;

pub use capability::{Capability, CapabilityKind};
pub use detector::{Detector, Extension, Sink};
pub use file::{FileKind, SourceFile};
pub use finding::{Confidence, Finding, Location, Severity};
pub use report::{ScanReport, ScanStats, SeverityCounts, Suppressed, Suppression};
pub use rules::{Family, RuleInfo};
pub use scanner::{ScanError, ScanOptions, Scanner};
