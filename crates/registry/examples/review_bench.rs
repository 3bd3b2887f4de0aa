//! Figures for issue 4: recording decisions, verifying a long log, and
//! inclusion proofs at that size.
//!
//! ```text
//! cargo run --release -p formulary-registry --example review_bench
//! ```
//!
//! Everything goes through the library, as the command line would:
//!
//! - decisions recorded per second: a registry holding a few hundred
//!   small pending versions, each approved with a reviewer's key. Every
//!   decision is its own transaction, flushed before `decide` returns, so
//!   on a disk the figure is mostly the cost of that flush; we run it in
//!   the default temp folder and again in /dev/shm (tmpfs), when there is
//!   one, to tell fsync from CPU;
//! - `log verify` on a log of 100,000 statements (`REVIEW_BENCH_STATEMENTS`
//!   sets another number), made of ingests and approvals as a real log
//!   is, with each of its steps timed on its own, and the same through the
//!   `formulary` binary when it has been built (`FORMULARY_BIN` names it;
//!   by default it is looked for beside this example's target folder);
//! - the inclusion proof of one statement in that log: its size, and the
//!   time to make it and to check it.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use formulary_fetch::{FetchConfig, Fetcher, Source};
use formulary_registry::ledger::Ledger;
use formulary_registry::{
    replay, status_of, ClientState, DataDir, DecisionRequest, IngestOutcome, Registry,
};
use formulary_trust::envelope::Envelope;
use formulary_trust::merkle::{self, Frontier, Hash};
use formulary_trust::note::Checkpoint;
use formulary_trust::statement::{Role, Verdict};
use formulary_trust::SigningKey;
use rayon::prelude::*;
use tempfile::TempDir;
use time::OffsetDateTime;
use zip::write::SimpleFileOptions;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Approvals timed per destination.
const DECISIONS: usize = 300;
/// The long log's default size.
const STATEMENTS: u64 = 100_000;
/// Versions per package name in the generated modules.
const VERSIONS_PER_PACKAGE: usize = 1_000;

fn main() -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "review bench: {cores} cores (rayon uses {} threads)\n",
        rayon::current_num_threads()
    );
    for (label, base) in destinations() {
        report_decisions(&label, &base)?;
    }
    let (label, base) = fast_destination();
    report_long_log(statements()?, &label, &base)
}

/// The default temp folder, and tmpfs when there is one.
fn destinations() -> Vec<(String, PathBuf)> {
    let tmp = std::env::temp_dir();
    let mut out = vec![(format!("{} (disk, default temp dir)", tmp.display()), tmp)];
    let shm = PathBuf::from("/dev/shm");
    if tempfile::tempdir_in(&shm).is_ok() {
        out.push(("/dev/shm (tmpfs)".to_owned(), shm));
    }
    out
}

/// Where the long log is built: tmpfs if possible, since a hundred
/// thousand flushes to a disk would take most of the run.
fn fast_destination() -> (String, PathBuf) {
    let mut all = destinations();
    all.pop()
        .unwrap_or_else(|| ("temp dir".into(), std::env::temp_dir()))
}

fn statements() -> Result<u64> {
    match std::env::var("REVIEW_BENCH_STATEMENTS") {
        Ok(text) => Ok(text.trim().replace('_', "").parse()?),
        Err(_) => Ok(STATEMENTS),
    }
}

// Figure 1: decisions per second.

fn report_decisions(label: &str, base: &Path) -> Result<()> {
    let bench = Bench::new(base)?;
    let t = Instant::now();
    for i in 0..=DECISIONS {
        bench.ingest(i)?;
    }
    let ingest = t.elapsed().as_secs_f64();

    // The first decision also logs the policy in force; we leave it out.
    bench.approve(0)?;
    let t = Instant::now();
    for i in 1..=DECISIONS {
        bench.approve(i)?;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "decisions recorded per second, {label}: {:.0} decisions/s \
         ({DECISIONS} approvals in {secs:.2} s, {:.2} ms each, each flushed)",
        DECISIONS as f64 / secs,
        secs * 1000.0 / DECISIONS as f64,
    );
    println!(
        "  (ingesting the {} versions first took {ingest:.1} s: {:.1} ms each)",
        DECISIONS + 1,
        ingest * 1000.0 / (DECISIONS + 1) as f64
    );
    Ok(())
}

// Figures 2 and 3: the long log.

fn report_long_log(target: u64, label: &str, base: &Path) -> Result<()> {
    let bench = Bench::new(base)?;
    let built = build_log(&bench, target)?;
    let size = bench.registry.store().log_size()?;
    println!(
        "\nlog of {size} statements built in {label} in {built:.1} s \
         ({:.0} statements/s; database {:.0} MB)",
        size as f64 / built,
        folder_bytes(&bench.work.path().join("data"))? as f64 / 1e6
    );

    let t = Instant::now();
    let report = bench
        .registry
        .verify_log(&ClientState::new(bench.work.path().join("state-lib")), true)?;
    let total = t.elapsed().as_secs_f64();
    println!(
        "log verify (library, Registry::verify_log), {} statements: {total:.2} s \
         (aim: under 2 s; {} checkpoints, {} versions, {} keys checked)",
        report.size, report.checkpoints, report.versions, report.keys
    );
    report_verify_steps(&bench, total)?;
    report_inclusion(&bench)?;
    report_cli_verify(bench)
}

/// Interleaves ingests and approvals until the log holds `target`
/// statements: one key trust, one policy, then pairs.
fn build_log(bench: &Bench, target: u64) -> Result<f64> {
    let pairs = target.saturating_sub(2).div_ceil(2) as usize;
    let t = Instant::now();
    for i in 0..pairs {
        bench.ingest(i)?;
        bench.approve(i)?;
        if (i + 1) % (pairs / 10).max(1) == 0 {
            eprintln!(
                "  building: {} of {} statements, {:.0} s",
                2 * (i + 1) + 2,
                2 * pairs + 2,
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(t.elapsed().as_secs_f64())
}

/// Times the steps `verify_log` takes, one by one, with public pieces.
fn report_verify_steps(bench: &Bench, total: f64) -> Result<()> {
    let registry = &bench.registry;
    let mut steps = Steps::new(total);

    let entries = steps.time("read log entries from sled", || Ok(registry.log_entries()?))?;
    let leaves = steps.time("leaf hashes (sha256, parallel)", || {
        Ok(replay::leaf_hashes(&entries))
    })?;
    steps.time("root from the leaves", || Ok(merkle::root(&leaves)))?;
    let notes = steps.time("read checkpoints from sled", || {
        Ok(registry.store().checkpoints()?)
    })?;
    // log verify checks only the newest checkpoint's signature; the older
    // ones' roots are recomputed below.
    steps.time("newest checkpoint's signature", || {
        let verifier = registry.note_verifier();
        let (_, note) = notes.last().ok_or("no checkpoint")?;
        Checkpoint::open(note, &verifier)
            .map(drop)
            .map_err(Into::into)
    })?;
    steps.time("checkpoint roots (frontier, sequential)", || {
        checkpoint_roots(&notes, &leaves)
    })?;
    steps.time("statement parse + signatures (parallel)", || {
        check_envelopes(bench, &entries)
    })?;
    let signatures = steps.last_secs;
    let ledger = steps.time("replay: the line above + judging", || {
        Ok(replay::replay(registry.registry_public(), &entries)?)
    })?;
    let judging = steps.last_secs - signatures;
    steps.time("read version records, compare with replay", || {
        compare_records(registry, &ledger)
    })?;
    println!(
        "    (judging alone, replay minus its signature pass: about {:.0} ms)",
        judging * 1000.0
    );
    Ok(())
}

/// Recomputes the root at every checkpoint's size, as `verify_log` does
/// to compare it with the signed one.
fn checkpoint_roots(notes: &[(u64, String)], leaves: &[Hash]) -> Result<()> {
    let mut frontier = Frontier::new();
    for (size, _) in notes {
        let from = frontier.size() as usize;
        let prefix = leaves.get(from..*size as usize).ok_or("short log")?;
        prefix.iter().for_each(|leaf| frontier.push(*leaf));
        std::hint::black_box(frontier.root());
    }
    Ok(())
}

/// Reads every version record and key and checks each against the
/// replayed state, as `verify_log` does last.
fn compare_records(registry: &Registry, ledger: &Ledger) -> Result<()> {
    for rec in registry.store().versions()? {
        let key = (rec.name.to_string(), rec.version_normalized.clone());
        if ledger.versions.get(&key) != Some(&status_of(&rec)) {
            return Err(format!("{} {} differs", rec.name, rec.version).into());
        }
    }
    for key in registry.store().keys()? {
        if ledger.keys.get(&key.key_id) != Some(&key) {
            return Err(format!("key {} differs", key.key_id).into());
        }
    }
    Ok(())
}

/// Parses every entry and checks its signature, as replay's parallel
/// pass does.
fn check_envelopes(bench: &Bench, entries: &[Vec<u8>]) -> Result<()> {
    let keys: HashMap<String, _> = [bench.registry.registry_public(), bench.reviewer.public()]
        .into_iter()
        .map(|k| (k.key_id(), k))
        .collect();
    entries
        .par_iter()
        .try_for_each(|bytes| -> std::result::Result<(), String> {
            let envelope = Envelope::from_bytes(bytes).map_err(|e| e.to_string())?;
            let key = keys.get(envelope.signer_hint()).ok_or("unknown signer")?;
            envelope.verify(key).map(drop).map_err(|e| e.to_string())
        })?;
    Ok(())
}

/// One row per step, with its share of the whole `verify_log`.
struct Steps {
    total: f64,
    last_secs: f64,
}

impl Steps {
    fn new(total: f64) -> Steps {
        println!("  where the time goes (each step run again on its own):");
        Steps {
            total,
            last_secs: 0.0,
        }
    }

    fn time<T>(&mut self, label: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        let t = Instant::now();
        let out = step()?;
        let secs = t.elapsed().as_secs_f64();
        self.last_secs = secs;
        let share = 100.0 * secs / self.total;
        println!("    {label:<44} {:>8.0} ms {share:>5.0} %", secs * 1000.0);
        Ok(out)
    }
}

fn report_inclusion(bench: &Bench) -> Result<()> {
    let registry = &bench.registry;
    let size = registry.store().log_size()?;
    let index = size / 3;
    let (made, proof) = best_of(5, || Ok(registry.inclusion_proof(index, None)?))?;
    let hashes = decode_hashes(&proof.hashes)?;
    let entry = registry.store().log_entry(index)?.ok_or("no entry")?;
    let leaf = merkle::leaf_hash(&entry);

    let t = Instant::now();
    let checkpoint = Checkpoint::open(&proof.checkpoint, &registry.note_verifier())?;
    let opened = t.elapsed().as_secs_f64();
    let rounds = 10_000;
    let t = Instant::now();
    for _ in 0..rounds {
        merkle::verify_inclusion(&leaf, index, size, &hashes, &checkpoint.root)?;
    }
    let verified = t.elapsed().as_secs_f64() / rounds as f64;

    println!(
        "inclusion proof at {size} statements (entry {index}): {} hashes, {} bytes \
         ({} bytes as tlog-proof text with its checkpoint)",
        hashes.len(),
        hashes.len() * 32,
        proof.to_tlog_proof().len()
    );
    println!(
        "  made by Registry::inclusion_proof in {:.1} ms (best of 5; reads every leaf hash); \
         verify_inclusion {:.1} µs; opening its checkpoint {:.0} µs",
        made * 1000.0,
        verified * 1e6,
        opened * 1e6
    );
    Ok(())
}

fn decode_hashes(text: &[String]) -> Result<Vec<Hash>> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    text.iter()
        .map(|h| {
            let bytes = engine.decode(h)?;
            let hash: Hash = bytes.as_slice().try_into()?;
            Ok(hash)
        })
        .collect()
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        out = Some(f()?);
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok((best, out.ok_or("no runs")?))
}

/// `formulary log verify` on the same data folder, wall time.
fn report_cli_verify(bench: Bench) -> Result<()> {
    let label = "formulary log verify (CLI, wall time)";
    let Some(bin) = formulary_bin() else {
        println!(
            "{label}: skipped, no binary; run `cargo build --release -p formulary-cli` \
             or set FORMULARY_BIN"
        );
        return Ok(());
    };
    let Bench { registry, work, .. } = bench;
    let data = registry.dir().root().to_path_buf();
    // The binary must take the folder's lock, so we let go of it first.
    drop(registry);
    let (secs, waited) = run_cli_verify(&bin, &data, &work.path().join("state-cli"))?;
    println!(
        "{label}, first run (every signature): {secs:.2} s, including process start and \
         opening the database ({}; waited {:.1} s for our own lock to go)",
        bin.display(),
        waited
    );
    // The client now remembers the checkpoint it verified; a second run
    // checks the entries' roots and rules again but not the signatures it
    // already checked.
    let (again, _) = run_cli_verify(&bin, &data, &work.path().join("state-cli"))?;
    println!("{label}, second run (signatures checked last time trusted): {again:.2} s");
    Ok(())
}

/// Runs the binary until the folder lock lets it in; returns the time
/// of the run that got in and how long we waited for the lock.
fn run_cli_verify(bin: &Path, data: &Path, state: &Path) -> Result<(f64, f64)> {
    let start = Instant::now();
    loop {
        let t = Instant::now();
        let out = Command::new(bin)
            .arg("--data")
            .arg(data)
            .args(["log", "verify", "--state"])
            .arg(state)
            .output()?;
        let secs = t.elapsed().as_secs_f64();
        if out.status.success() {
            return Ok((secs, start.elapsed().as_secs_f64() - secs));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let locked = stderr.contains("lock") || stderr.contains("in use");
        if !locked || start.elapsed() > Duration::from_secs(30) {
            return Err(format!("formulary log verify failed: {stderr}").into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn formulary_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("FORMULARY_BIN") {
        return Some(bin.into());
    }
    // This example runs from <target>/release/examples/.
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("formulary");
    bin.is_file().then_some(bin)
}

fn folder_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            folder_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

// The registry under test.

/// A registry in a temporary folder, with one trusted reviewer.
struct Bench {
    // Dropped before `work`, so the store closes before its folder goes.
    registry: Registry,
    reviewer: SigningKey,
    fetcher: Fetcher,
    work: TempDir,
}

impl Bench {
    fn new(base: &Path) -> Result<Bench> {
        let work = tempfile::tempdir_in(base)?;
        let registry = Registry::init(DataDir::new(work.path().join("data")))?;
        let reviewer = SigningKey::generate();
        registry.trust_key(&reviewer.public(), "reviewer", Role::Reviewer)?;
        Ok(Bench {
            registry,
            reviewer,
            fetcher: Fetcher::new(FetchConfig::default())?,
            work,
        })
    }

    /// Ingests module `i` from a zip file, as `formulary ingest FILE.zip`.
    fn ingest(&self, i: usize) -> Result<()> {
        let (name, version) = coordinates(i);
        let path = self.work.path().join("upload.zip");
        fs::write(&path, module_zip(&name, &version)?)?;
        let now = OffsetDateTime::now_utc();
        let source = Source::ZipFile(path);
        let report = self.registry.ingest(&self.fetcher, &source, now)?;
        if report.outcome != IngestOutcome::Stored {
            return Err(format!("{name} {version} was already stored").into());
        }
        Ok(())
    }

    /// Approves module `i` with the reviewer's key.
    fn approve(&self, i: usize) -> Result<()> {
        let (package, version) = coordinates(i);
        let request = DecisionRequest {
            package,
            version,
            verdict: Verdict::Approve,
            base_version: None,
            note: None,
        };
        self.registry.decide(&request, &self.reviewer)?;
        Ok(())
    }
}

/// Module `i`'s package name and version.
fn coordinates(i: usize) -> (String, String) {
    let package = i / VERSIONS_PER_PACKAGE;
    let patch = i % VERSIONS_PER_PACKAGE;
    (format!("acme/bench-{package}"), format!("1.0.{patch}"))
}

/// A small, clean Magento module: a manifest, a registration file and
/// one class.
fn module_zip(name: &str, version: &str) -> Result<Vec<u8>> {
    let manifest = serde_json::json!({
        "name": name,
        "version": version,
        "type": "magento2-module",
        "license": "MIT",
        "autoload": {"files": ["registration.php"], "psr-4": {"Acme\\Bench\\": ""}},
    });
    let files = [
        ("composer.json", serde_json::to_vec_pretty(&manifest)?),
        (
            "registration.php",
            b"<?php\n// registers Acme_Bench\n".to_vec(),
        ),
        (
            "Model/Quote.php",
            b"<?php\nnamespace Acme\\Bench\\Model;\n\nclass Quote\n{\n}\n".to_vec(),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    for (path, bytes) in files {
        zip.start_file(path, options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}
