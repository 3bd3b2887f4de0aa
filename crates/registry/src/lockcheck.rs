//! `formulary verify composer.lock [--vendor DIR]`: deployed bytes against
//! approvals, offline.
//!
//! The input is a bundle that already verified (see [`crate::bundle`]):
//! every statement's signature checked, every key judged by its position
//! in the log, the whole log under the registry's checkpoint. What is left
//! is to tie each locked package to that state:
//!
//! 1. the registry knows the package (else it did not come from here, and
//!    is listed as such, not judged);
//! 2. the locked version is approved there: enough distinct reviewers,
//!    none of them the requester (the replay only lets a version reach
//!    `approved` that way), and not revoked since;
//! 3. the lock's `dist.shasum` is the approved archive's sha1, so
//!    Composer would refuse any other archive;
//! 4. with `--vendor`, the installed folder's tree hash is the approved
//!    one; when it is not, the files that differ are named.
//!
//! Every package is checked and every problem listed; nothing stops at the
//! first failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use formulary_composer::{ComposerLock, LockedPackage};
use formulary_store::{FileDigest, VersionState};
use formulary_trust::merkle;
use formulary_trust::statement::Verdict;
use serde::Serialize;

use crate::bundle::Verified;
use crate::ledger::VersionStatus;
use crate::transparency::b64;

/// The result of checking one lock file.
#[derive(Debug, Clone, Serialize)]
pub struct LockReport {
    /// The log's origin.
    pub origin: String,
    /// The checkpoint size everything was checked under.
    pub log_size: u64,
    /// The checkpoint root, base64.
    pub log_root: String,
    /// One entry per locked package, in lock order.
    pub packages: Vec<PackageReport>,
}

impl LockReport {
    /// Whether any package failed.
    pub fn failed(&self) -> bool {
        self.packages.iter().any(|p| p.outcome == Outcome::Failed)
    }
}

/// What became of one locked package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Approved, and the lock (and vendor folder) match the approval.
    Verified,
    /// Something does not match; see `problems`.
    Failed,
    /// The registry has never held this package.
    NotFromRegistry,
}

/// One locked package's check.
#[derive(Debug, Clone, Serialize)]
pub struct PackageReport {
    /// `vendor/name`.
    pub name: String,
    /// The locked version.
    pub version: String,
    /// The verdict.
    pub outcome: Outcome,
    /// What failed, one sentence each.
    pub problems: Vec<String>,
    /// The approved archive's sha256, when there is an approval.
    pub sha256: Option<String>,
    /// The approved archive's sha1.
    pub sha1: Option<String>,
    /// The approved tree hash.
    pub tree_hash: Option<String>,
    /// The approvals that count, with their log positions.
    pub approvals: Vec<Approval>,
}

/// One approving statement.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    /// Its log index (included under the checkpoint: checked).
    pub index: u64,
    /// Who approved.
    pub reviewer: String,
    /// With which key.
    pub key_id: String,
    /// When, as the statement says.
    pub time: String,
}

/// Checks every package of `lock` against `verified`, and the installed
/// folders under `vendor` when given.
pub fn check_lock(verified: &Verified, lock: &ComposerLock, vendor: Option<&Path>) -> LockReport {
    let packages = lock
        .all_packages()
        .map(|p| check_package(verified, p, vendor))
        .collect();
    LockReport {
        origin: verified.checkpoint.origin.clone(),
        log_size: verified.checkpoint.size,
        log_root: b64(&verified.checkpoint.root),
        packages,
    }
}

fn check_package(
    verified: &Verified,
    locked: &LockedPackage,
    vendor: Option<&Path>,
) -> PackageReport {
    let name = locked.name.to_string();
    let mut report = PackageReport {
        name: name.clone(),
        version: locked.version.clone(),
        outcome: Outcome::Failed,
        problems: Vec::new(),
        sha256: None,
        sha1: None,
        tree_hash: None,
        approvals: Vec::new(),
    };
    let known = verified.ledger.versions.keys().any(|(p, _)| *p == name);
    if !known {
        report.outcome = Outcome::NotFromRegistry;
        return report;
    }
    let Some(status) = find_version(verified, &name, &locked.version) else {
        report.problems.push(format!(
            "{name} {} was never ingested by this registry",
            locked.version
        ));
        return report;
    };
    report.sha256 = Some(status.subject.sha256.clone());
    report.sha1 = Some(status.subject.sha1.clone());
    report.tree_hash = Some(status.subject.tree_hash.clone());
    report.approvals = approvals(verified, status, &mut report.problems);
    if status.state != VersionState::Approved {
        report.problems.push(state_problem(status));
    }
    check_shasum(locked, status, &mut report.problems);
    if let Some(vendor) = vendor {
        check_installed(verified, locked, status, vendor, &mut report.problems);
    }
    if report.problems.is_empty() {
        report.outcome = Outcome::Verified;
    }
    report
}

fn find_version<'a>(
    verified: &'a Verified,
    name: &str,
    version: &str,
) -> Option<&'a VersionStatus> {
    let normalized = formulary_composer::version::normalize(version).ok()?;
    verified
        .ledger
        .versions
        .get(&(name.to_string(), normalized))
}

/// The approvals of `status`, each proved included under the checkpoint.
fn approvals(
    verified: &Verified,
    status: &VersionStatus,
    problems: &mut Vec<String>,
) -> Vec<Approval> {
    let mut out = Vec::new();
    for d in status
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve)
    {
        if let Err(reason) = prove_included(verified, d.index) {
            problems.push(format!("approval at log index {}: {reason}", d.index));
        }
        out.push(Approval {
            index: d.index,
            reviewer: d.reviewer.clone(),
            key_id: d.key_id.clone(),
            time: d.time.clone(),
        });
    }
    out
}

/// Makes and checks the inclusion proof of entry `index`, as a client
/// holding only the statement and the checkpoint would.
fn prove_included(verified: &Verified, index: u64) -> Result<(), String> {
    let leaves = &verified.leaves;
    let leaf = leaves.get(index as usize).ok_or("not in the log")?;
    let proof = merkle::inclusion_proof(leaves, index).map_err(|e| e.to_string())?;
    let cp = &verified.checkpoint;
    merkle::verify_inclusion(leaf, index, cp.size, &proof, &cp.root).map_err(|e| e.to_string())
}

fn state_problem(status: &VersionStatus) -> String {
    let s = &status.subject;
    let last = status.decisions.last();
    let why = last
        .and_then(|d| d.note.as_deref())
        .map(|n| format!(": {n}"))
        .unwrap_or_default();
    match status.state {
        VersionState::Pending => format!(
            "{} {} is pending review, not approved ({} approval(s) so far)",
            s.package,
            s.version,
            status.decisions.len()
        ),
        state => format!("{} {} is {state}{why}", s.package, s.version),
    }
}

fn check_shasum(locked: &LockedPackage, status: &VersionStatus, problems: &mut Vec<String>) {
    let shasum = locked.dist.as_ref().and_then(|d| d.shasum.as_deref());
    match shasum {
        Some(sum) if sum.eq_ignore_ascii_case(&status.subject.sha1) => {}
        Some(sum) => problems.push(format!(
            "the lock's dist.shasum is {sum}, but the {} archive's sha1 is {}",
            archive_word(status),
            status.subject.sha1
        )),
        None => problems.push(
            "the lock has no dist.shasum, so nothing ties what Composer installs to the approved archive"
                .to_string(),
        ),
    }
}

/// The installed folder must hash to the approved tree.
fn check_installed(
    verified: &Verified,
    locked: &LockedPackage,
    status: &VersionStatus,
    vendor: &Path,
    problems: &mut Vec<String>,
) {
    let dir = install_path(vendor, locked, problems);
    let files = match installed_files(&dir) {
        Ok(files) => files,
        Err(e) => {
            problems.push(format!("cannot read {}: {e}", dir.display()));
            return;
        }
    };
    let tree = formulary_unpack::tree_hash(&files);
    if tree == status.subject.tree_hash {
        return;
    }
    let approved = verified.files.get(&status.subject.sha256);
    let approved = approved.filter(|list| listed_tree_hash(list) == status.subject.tree_hash);
    let word = archive_word(status);
    let detail = match approved {
        Some(list) => describe_difference(list, &files),
        None => format!("the bundle carries no file list for the {word} archive"),
    };
    problems.push(format!(
        "{} does not match the {word} files (tree hash {tree}, {word} {}): {detail}",
        dir.display(),
        status.subject.tree_hash
    ));
}

/// "approved" for a version that ever was, else "stored": a pending or
/// rejected version has no approved archive to compare with.
fn archive_word(status: &VersionStatus) -> &'static str {
    match status.state {
        VersionState::Approved | VersionState::Revoked => "approved",
        _ => "stored",
    }
}

/// The folder we check is always `vendor/<name>`: that is where Composer
/// installs a package and where its autoloader points. `installed.json`
/// is not trusted to say otherwise: it lives in the same `vendor/` an
/// attacker can edit, and an `install-path` pointing at a pristine copy
/// elsewhere would let an edited `vendor/<name>` pass. A package that
/// `installed.json` places anywhere else is reported, not followed.
fn install_path(vendor: &Path, locked: &LockedPackage, problems: &mut Vec<String>) -> PathBuf {
    let expected = vendor.join(locked.name.as_str());
    if let Some(declared) = declared_install_path(vendor, locked) {
        let declared_dir = normalize(&vendor.join("composer").join(&declared));
        if declared_dir != normalize(&expected) {
            problems.push(format!(
                "vendor/composer/installed.json says {} is installed at {declared:?}, not \
                 vendor/{}; formulary checks vendor/{} and does not follow custom install paths",
                locked.name, locked.name, locked.name
            ));
        }
    }
    expected
}

/// `install-path` of the package in `vendor/composer/installed.json`.
fn declared_install_path(vendor: &Path, locked: &LockedPackage) -> Option<String> {
    let bytes = std::fs::read(vendor.join("composer/installed.json")).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let list = value.get("packages").unwrap_or(&value).as_array()?;
    let entry = list.iter().find(|p| p["name"] == locked.name.as_str())?;
    entry["install-path"].as_str().map(str::to_string)
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn installed_files(dir: &Path) -> Result<Vec<formulary_unpack::UnpackedFile>, String> {
    formulary_unpack::list_tree(dir).map_err(|e| e.to_string())
}

fn listed_tree_hash(list: &[FileDigest]) -> String {
    let files: Vec<formulary_unpack::UnpackedFile> = list
        .iter()
        .map(|f| formulary_unpack::UnpackedFile {
            path: f.path.clone(),
            size: 0,
            sha256: f.sha256.clone(),
        })
        .collect();
    formulary_unpack::tree_hash(&files)
}

/// Names the files changed, added and missing, a few of each.
fn describe_difference(
    approved: &[FileDigest],
    installed: &[formulary_unpack::UnpackedFile],
) -> String {
    let want: BTreeMap<&str, &str> = approved
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let have: BTreeMap<&str, &str> = installed
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let paths: BTreeSet<&str> = want.keys().chain(have.keys()).copied().collect();
    let mut parts = Vec::new();
    for path in paths {
        match (want.get(path), have.get(path)) {
            (Some(a), Some(b)) if a != b => parts.push(format!("changed {path}")),
            (Some(_), None) => parts.push(format!("missing {path}")),
            (None, Some(_)) => parts.push(format!("added {path}")),
            _ => {}
        }
    }
    let total = parts.len();
    parts.truncate(10);
    if total > parts.len() {
        parts.push(format!("and {} more", total - parts.len()));
    }
    parts.join(", ")
}
