//! Throughput and memory of `formulary-scan`, beside semgrep and
//! detect-secrets on the same tree.
//!
//! ```text
//! cargo run --release -p formulary-scan --example bench [--no-peers] [PATH]
//! cargo run --release -p formulary-scan --example bench --generate DIR
//! cargo run --release -p formulary-scan --example bench --per-detector PATH
//! ```
//!
//! Without PATH we generate a Magento-like tree (24,000 PHP, phtml, JS and
//! XML files, about 216 MB, the same bytes on every run; see
//! `generate.rs`) in a temporary folder and delete it afterwards; with
//! PATH we scan that folder instead. Each tool runs as a child process so
//! that its memory is its own:
//!
//! - formulary-scan: best wall time of three runs, and the child's own
//!   peak resident memory (VmHWM);
//! - semgrep, with our small rule set `examples/semgrep-rules.yml` and as
//!   many jobs as we have cores; detect-secrets, `scan --all-files`: one
//!   run each, peak memory summed over the process tree while it runs.
//!
//! MB/s is the whole tree's size (10^6 bytes) over wall time, end to end;
//! CPU time (user + system, all processes of the tool) is printed beside it
//! because on a shared machine wall time also measures other people's
//! work, and the speed ratios are given for both.
//! The peers come from `target/bench-venv` (`scripts/bench-peers.sh`
//! installs them) or the PATH; a missing peer is skipped with a hint.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod generate;
mod measure;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use formulary_scan::{ScanOptions, Scanner};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const FILES: usize = 24_000;
const BYTES: u64 = 216_000_000;
const SEED: u64 = 0x5EED_F0A3;
const OUR_RUNS: usize = 3;
const MB: f64 = 1e6;
/// Peers that take longer than this (seconds) are stopped; override with
/// `FORMULARY_BENCH_PEER_TIMEOUT`.
const PEER_TIMEOUT: u64 = 1800;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, path] = args.as_slice() {
        match mode.as_str() {
            "--child-scan" => return child_scan(Path::new(path)),
            "--generate" => return build_tree(Path::new(path)).map(drop),
            "--per-detector" => return per_detector(Path::new(path)),
            _ => {}
        }
    }
    let peers = !args.iter().any(|a| a == "--no-peers");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    match paths.as_slice() {
        [] => parent(None, peers),
        [path] => parent(Some(Path::new(path.as_str())), peers),
        _ => Err("usage: bench [--no-peers] [PATH] | --generate DIR | --per-detector PATH".into()),
    }
}

/// The scan being measured, in one place.
fn scan(root: &Path) -> Result<(u64, u64, usize)> {
    let report = Scanner::new(ScanOptions::default()).scan_dir(root)?;
    Ok((
        report.stats.files,
        report.stats.bytes,
        report.findings.len(),
    ))
}

/// The child: scans, then reports its figures and its own peak memory.
fn child_scan(root: &Path) -> Result<()> {
    let (files, bytes, findings) = scan(root)?;
    println!("{files} {bytes} {findings} {}", measure::own_peak_kib());
    Ok(())
}

/// Each detector family alone over `root`: where the time goes.
fn per_detector(root: &Path) -> Result<()> {
    println!(
        "{:<16} {:>10} {:>9} {:>9}",
        "detector", "time (s)", "MB/s", "findings"
    );
    for detector in formulary_scan::detectors::all() {
        let name = detector.name();
        let scanner = Scanner::with_detectors(vec![detector], ScanOptions::default());
        let started = std::time::Instant::now();
        let report = scanner.scan_dir(root)?;
        let wall = started.elapsed();
        let speed = rate(report.stats.bytes, wall);
        println!(
            "{name:<16} {:>10.2} {speed:>9.1} {:>9}",
            wall.as_secs_f64(),
            report.findings.len()
        );
    }
    Ok(())
}

/// One line of the table.
struct Row {
    tool: String,
    wall: Option<Duration>,
    cpu: Duration,
    peak_kib: u64,
    findings: Option<usize>,
    note: String,
}

fn parent(path: Option<&Path>, peers: bool) -> Result<()> {
    let work = tempfile::tempdir()?;
    let root = match path {
        Some(path) => path.to_path_buf(),
        None => build_tree(work.path())?,
    };
    let (files, bytes) = size_of_tree(&root);
    println!(
        "tree: {files} files, {:.1} MB at {}\n",
        bytes as f64 / MB,
        root.display()
    );

    let mut rows = vec![ours(&root, work.path())?];
    if peers {
        rows.push(semgrep(&root, work.path())?);
        rows.push(detect_secrets(&root, work.path())?);
    }
    print_table(&rows, bytes);
    Ok(())
}

/// Writes the generated tree to `scratch/tree` (`--generate DIR` keeps
/// it, for profiling or for running a peer by hand).
fn build_tree(scratch: &Path) -> Result<PathBuf> {
    let root = scratch.join("tree");
    let started = std::time::Instant::now();
    let written = generate::tree(&root, FILES, BYTES, SEED)?;
    println!(
        "generated {} files, {:.1} MB, {} with a planted finding, in {:.1} s",
        written.files,
        written.bytes as f64 / MB,
        written.planted,
        started.elapsed().as_secs_f64()
    );
    Ok(root)
}

fn size_of_tree(root: &Path) -> (u64, u64) {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .fold((0, 0), |(n, b), e| {
            (n + 1, b + e.metadata().map_or(0, |m| m.len()))
        })
}

fn ours(root: &Path, scratch: &Path) -> Result<Row> {
    let mut best: Option<Row> = None;
    for run in 0..OUR_RUNS {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg("--child-scan").arg(root);
        let label = format!("formulary-{run}");
        let measured = measure::run(command, &label, scratch, Duration::from_secs(PEER_TIMEOUT))?;
        if !measured.success {
            return Err(format!("the scan failed: {}", tail(&measured.stderr)).into());
        }
        let figures = std::fs::read_to_string(&measured.stdout)?;
        let fields: Vec<u64> = figures
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        let [files, _bytes, findings, peak] = fields[..] else {
            return Err(format!("unexpected child output: {figures:?}").into());
        };
        let row = Row {
            tool: format!("formulary-scan {}", env!("CARGO_PKG_VERSION")),
            wall: Some(measured.wall),
            cpu: measured.cpu,
            peak_kib: peak,
            findings: Some(findings as usize),
            note: format!("{files} files, best of {OUR_RUNS}"),
        };
        if best
            .as_ref()
            .and_then(|b| b.wall)
            .is_none_or(|w| measured.wall < w)
        {
            best = Some(row);
        }
    }
    best.ok_or_else(|| "no run".into())
}

fn semgrep(root: &Path, scratch: &Path) -> Result<Row> {
    let Some(exe) = find_tool("semgrep") else {
        return Ok(missing("semgrep"));
    };
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/semgrep-rules.yml");
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut command = Command::new(&exe);
    command
        .args([
            "scan",
            "--metrics=off",
            "--disable-version-check",
            "--quiet",
            "--json",
        ])
        .arg("--jobs")
        .arg(jobs.to_string())
        .arg("--config")
        .arg(&rules)
        .arg(root);
    let measured = measure::run(command, "semgrep", scratch, peer_timeout())?;
    let findings = json_count(&measured.stdout, |v| v["results"].as_array().map(Vec::len));
    Ok(peer_row(
        format!("semgrep {}", version(&exe)),
        &measured,
        findings,
        format!("10 rules, -j {jobs}"),
    ))
}

fn detect_secrets(root: &Path, scratch: &Path) -> Result<Row> {
    let Some(exe) = find_tool("detect-secrets") else {
        return Ok(missing("detect-secrets"));
    };
    let mut command = Command::new(&exe);
    command.current_dir(root).args(["scan", "--all-files", "."]);
    let measured = measure::run(command, "detect-secrets", scratch, peer_timeout())?;
    let findings = json_count(&measured.stdout, |v| {
        v["results"].as_object().map(|files| {
            files
                .values()
                .filter_map(|f| f.as_array())
                .map(Vec::len)
                .sum()
        })
    });
    Ok(peer_row(
        format!("detect-secrets {}", version(&exe)),
        &measured,
        findings,
        "all plugins".into(),
    ))
}

fn peer_row(tool: String, measured: &measure::Run, findings: Option<usize>, note: String) -> Row {
    if measured.success {
        return Row {
            tool,
            wall: Some(measured.wall),
            cpu: measured.cpu,
            peak_kib: measured.peak_rss_kib,
            findings,
            note,
        };
    }
    let note = format!("failed or timed out: {}", tail(&measured.stderr));
    Row {
        tool,
        wall: None,
        cpu: measured.cpu,
        peak_kib: measured.peak_rss_kib,
        findings: None,
        note,
    }
}

fn missing(name: &str) -> Row {
    println!("{name} is not installed: run scripts/bench-peers.sh (pip install {name} into target/bench-venv)");
    Row {
        tool: name.to_string(),
        wall: None,
        cpu: Duration::ZERO,
        peak_kib: 0,
        findings: None,
        note: "not installed".into(),
    }
}

fn print_table(rows: &[Row], bytes: u64) {
    println!(
        "\n{:<28} {:>9} {:>8} {:>9} {:>9} {:>10} {:>9}  note",
        "tool", "wall (s)", "MB/s", "CPU (s)", "MB/CPU-s", "peak RSS", "findings"
    );
    for row in rows {
        let (wall, speed, cpu, per_cpu) = match row.wall {
            Some(w) => (
                format!("{:.2}", w.as_secs_f64()),
                format!("{:.1}", rate(bytes, w)),
                format!("{:.2}", row.cpu.as_secs_f64()),
                format!("{:.1}", rate(bytes, row.cpu)),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        let peak = if row.peak_kib > 0 {
            format!("{:.0} MB", row.peak_kib as f64 * 1024.0 / MB)
        } else {
            "-".into()
        };
        let findings = row.findings.map_or_else(|| "-".into(), |n| n.to_string());
        println!(
            "{:<28} {wall:>9} {speed:>8} {cpu:>9} {per_cpu:>9} {peak:>10} {findings:>9}  {}",
            row.tool, row.note
        );
    }
    let Some(first) = rows.first() else {
        return;
    };
    let Some(ours) = first.wall else {
        return;
    };
    println!();
    for row in &rows[1..] {
        if let Some(theirs) = row.wall {
            let by_wall = theirs.as_secs_f64() / ours.as_secs_f64();
            let by_cpu = row.cpu.as_secs_f64() / first.cpu.as_secs_f64().max(1e-9);
            println!(
                "formulary-scan is {by_wall:.1}x the speed of {} ({by_cpu:.1}x by CPU time)",
                row.tool
            );
        }
    }
    let ours_rate = rate(bytes, ours);
    let verdict = if ours_rate >= 50.0 { "met" } else { "not met" };
    println!("aim of 50 MB/s end to end on this machine: {verdict} ({ours_rate:.1} MB/s)");
}

fn rate(bytes: u64, wall: Duration) -> f64 {
    bytes as f64 / MB / wall.as_secs_f64().max(1e-9)
}

/// A peer from `target/bench-venv/bin`, else from the PATH.
fn find_tool(name: &str) -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/bench-venv/bin")
        .join(name);
    if venv.is_file() {
        return Some(venv);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn version(exe: &Path) -> String {
    Command::new(exe)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().last().map(|l| l.trim().to_string()))
        .unwrap_or_default()
}

fn peer_timeout() -> Duration {
    let secs = std::env::var("FORMULARY_BENCH_PEER_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok());
    Duration::from_secs(secs.unwrap_or(PEER_TIMEOUT))
}

fn json_count(path: &Path, count: impl Fn(&serde_json::Value) -> Option<usize>) -> Option<usize> {
    let text = std::fs::read(path).ok()?;
    count(&serde_json::from_slice(&text).ok()?)
}

/// The last few lines of a log, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(3).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" / ")
}
