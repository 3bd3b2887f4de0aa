//! Running a command and measuring it: wall time, CPU time and the peak
//! resident memory of the whole process tree (semgrep runs a Python front
//! end and a native engine; we count both), sampled from `/proc` while it
//! runs. CPU time matters on a shared machine, where wall time also
//! measures everyone else's load.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How often the process tree is sampled.
const SAMPLE: Duration = Duration::from_millis(20);

/// What one run cost.
pub struct Run {
    /// Wall-clock time from spawn to exit.
    pub wall: Duration,
    /// Peak of the tree's summed VmRSS, in KiB (0 when /proc is missing).
    pub peak_rss_kib: u64,
    /// User plus system CPU time of every process in the tree (as last
    /// sampled, so a few milliseconds short).
    pub cpu: Duration,
    /// Whether the command exited with status 0.
    pub success: bool,
    /// Its standard output, saved to a file.
    pub stdout: PathBuf,
    /// Its standard error, saved to a file.
    pub stderr: PathBuf,
}

/// Runs `command` to completion (or until `timeout`, when it is killed)
/// with its output saved under `scratch` as `<label>.out` / `.err`.
pub fn run(
    mut command: Command,
    label: &str,
    scratch: &Path,
    timeout: Duration,
) -> std::io::Result<Run> {
    let stdout = scratch.join(format!("{label}.out"));
    let stderr = scratch.join(format!("{label}.err"));
    command.stdin(Stdio::null());
    command.stdout(File::create(&stdout)?);
    command.stderr(File::create(&stderr)?);

    let started = Instant::now();
    let mut child = command.spawn()?;
    let mut peak = 0;
    let mut ticks: HashMap<u32, u64> = HashMap::new();
    let status = loop {
        let (rss, cpu) = sample(child.id());
        peak = peak.max(rss);
        for (pid, t) in cpu {
            let seen = ticks.entry(pid).or_default();
            *seen = (*seen).max(t);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > timeout {
            kill_tree(&mut child);
            break child.wait()?;
        }
        thread::sleep(SAMPLE);
    };
    let cpu = Duration::from_secs_f64(ticks.values().sum::<u64>() as f64 / clock_ticks());
    Ok(Run {
        wall: started.elapsed(),
        peak_rss_kib: peak,
        cpu,
        success: status.success(),
        stdout,
        stderr,
    })
}

/// The peak resident memory of this process so far (VmHWM), in KiB.
pub fn own_peak_kib() -> u64 {
    status_field(Path::new("/proc/self/status"), "VmHWM:").unwrap_or(0)
}

/// The summed VmRSS of `root` and its descendants, and each one's CPU
/// ticks so far.
fn sample(root: u32) -> (u64, Vec<(u32, u64)>) {
    let pids = descendants(root);
    let rss = pids
        .iter()
        .filter_map(|pid| {
            status_field(
                &Path::new("/proc").join(pid.to_string()).join("status"),
                "VmRSS:",
            )
        })
        .sum();
    let cpu = pids
        .iter()
        .filter_map(|&pid| cpu_ticks(pid).map(|t| (pid, t)))
        .collect();
    (rss, cpu)
}

/// utime + stime from `/proc/PID/stat`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we know).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// `root` and every process whose parent chain leads to it.
fn descendants(root: u32) -> HashSet<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = parent_of(pid) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut found = HashSet::from([root]);
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        for &child in children.get(&pid).map_or(&[][..], Vec::as_slice) {
            if found.insert(child) {
                todo.push(child);
            }
        }
    }
    found
}

/// The parent pid from `/proc/PID/stat` (the field after the state, which
/// follows the parenthesised command name).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// A `kB` field of a `/proc/.../status` file.
fn status_field(path: &Path, field: &str) -> Option<u64> {
    let text = fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// Kills a timed-out command and whatever it started.
fn kill_tree(child: &mut Child) {
    for pid in descendants(child.id()) {
        if pid != child.id() {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
    let _ = child.kill();
}
