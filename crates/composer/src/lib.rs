//! Composer's domain rules, as Composer itself applies them: package names,
//! versions and constraints, `composer.json` and `composer.lock`, and the
//! repository metadata a Composer client reads.
//!
//! Every other formulary crate leans on this one, so it has no dependency on
//! them. Where the `semver` crate would disagree with Composer (Magento's
//! `2.4.6-p3` sorts *after* `2.4.6` in Composer), Composer's behaviour wins.

pub mod constraint;
pub mod lock;
pub mod manifest;
pub mod name;
pub mod repository;
pub mod version;

pub use constraint::{Constraint, ConstraintError};
pub use lock::{ComposerLock, LockedPackage};
pub use manifest::{Autoload, ComposerJson, Dist, ManifestError, Source};
pub use name::{NameError, PackageName};
pub use version::{Stability, Version, VersionError};
