//! `formulary verify [composer.lock] [--vendor DIR] [--bundle FILE]`
//!
//! Offline: with `--bundle`, nothing but the file is read; without, the
//! data folder's log is exported in memory and checked the same way.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use formulary_composer::ComposerLock;
use formulary_registry::lockcheck::{check_lock, LockReport, Outcome};
use formulary_registry::{verify_bundle, Bundle, BundleReport, ClientState, DataDir, Registry};
use formulary_trust::note::NoteVerifier;

use crate::output::print_json;

/// Largest bundle we read: a log of a few hundred thousand statements.
const MAX_BUNDLE_BYTES: u64 = 1 << 30;

/// What to check.
pub struct Inputs<'a> {
    /// The lock file, if any.
    pub lock: Option<&'a Path>,
    /// The vendor folder, if any.
    pub vendor: Option<&'a Path>,
    /// A bundle to check instead of the data folder.
    pub bundle: Option<&'a Path>,
    /// The pinned registry key.
    pub registry_key: Option<&'a str>,
    /// Last-seen checkpoints.
    pub state: ClientState,
}

/// Runs the check; exit 1 when something failed.
pub fn run(dir: DataDir, inputs: Inputs, json: bool) -> anyhow::Result<ExitCode> {
    let bundle = match inputs.bundle {
        Some(path) => read_bundle(path)?,
        None => Registry::open(dir)?.export_bundle(None)?,
    };
    check(&bundle, inputs, json)
}

/// Checks `bundle` (from a file, the data folder or a server) and the
/// lock against it.
pub fn check(bundle: &Bundle, inputs: Inputs, json: bool) -> anyhow::Result<ExitCode> {
    let pinned = inputs
        .registry_key
        .map(|k| NoteVerifier::parse(k).with_context(|| format!("--registry-key {k:?}")))
        .transpose()?;
    // A bundle that does not verify exits 1 (see main).
    let verified = verify_bundle(bundle, pinned.as_ref(), Some(&inputs.state))?;
    let Some(lock_path) = inputs.lock else {
        print_bundle(&verified.report, json)?;
        return Ok(ExitCode::SUCCESS);
    };
    let lock = read_lock(lock_path)?;
    let report = check_lock(&verified, &lock, inputs.vendor);
    if json {
        print_json(&serde_json::json!({ "bundle": verified.report, "lock": report }))?;
    } else {
        print_lock(&verified.report, &report);
    }
    Ok(if report.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn read_bundle(path: &Path) -> anyhow::Result<Bundle> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read bundle {}", path.display()))?
        .len();
    if size > MAX_BUNDLE_BYTES {
        anyhow::bail!(
            "bundle {} is {size} bytes; the limit is 1 GiB",
            path.display()
        );
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read bundle {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not an evidence bundle", path.display()))
}

fn read_lock(path: &Path) -> anyhow::Result<ComposerLock> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    ComposerLock::from_slice(&bytes)
        .with_context(|| format!("{} is not a composer.lock", path.display()))
}

fn print_bundle(report: &BundleReport, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(report);
    }
    println!(
        "bundle verified: {} entries under {} (root {})",
        report.size, report.origin, report.root
    );
    if report.key_pinned {
        println!(
            "  registry key {} matches the pinned key",
            report.registry_key_id
        );
    } else {
        println!(
            "  note: registry key {} was taken from the bundle itself; pin it with --registry-key",
            report.registry_key_id
        );
    }
    let states: Vec<String> = report
        .versions
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    println!("  versions: {}; keys: {}", states.join(", "), report.keys);
    if let Some(p) = &report.period {
        println!(
            "  period since {}: {} statements, each with an inclusion proof; append-only from size {}",
            p.since, p.statements, p.start_size
        );
    }
    Ok(())
}

fn print_lock(bundle: &BundleReport, report: &LockReport) {
    for p in &report.packages {
        let mark = match p.outcome {
            Outcome::Verified => "ok     ",
            Outcome::Failed => "FAILED ",
            Outcome::NotFromRegistry => "skipped",
        };
        let who: Vec<&str> = p.approvals.iter().map(|a| a.reviewer.as_str()).collect();
        let detail = match p.outcome {
            Outcome::Verified => format!("approved by {}", who.join(", ")),
            Outcome::NotFromRegistry => "not from this registry".to_string(),
            Outcome::Failed => String::new(),
        };
        println!("{mark} {} {}  {detail}", p.name, p.version);
        for problem in &p.problems {
            println!("        {problem}");
        }
    }
    let failed = report
        .packages
        .iter()
        .filter(|p| p.outcome == Outcome::Failed)
        .count();
    println!(
        "{} of {} packages verified against {} entries of {}{}",
        report
            .packages
            .iter()
            .filter(|p| p.outcome == Outcome::Verified)
            .count(),
        report.packages.len(),
        report.log_size,
        report.origin,
        if failed > 0 {
            format!("; {failed} failed")
        } else {
            String::new()
        }
    );
    if !bundle.key_pinned {
        eprintln!("note: the registry key was not pinned (--registry-key)");
    }
}
