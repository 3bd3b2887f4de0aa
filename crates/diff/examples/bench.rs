//! How long `formulary diff` takes on two versions of a large extension,
//! beside GNU `diff -ru` on the same trees.
//!
//! ```text
//! cargo run --release -p formulary-diff --example bench
//! ```
//!
//! We generate version 1.0.0 of a 5,000-file extension (PHP-like text,
//! about 100 MB, the same bytes on every run) and a 1.0.1 that modifies
//! 2 % of its files in a few places, adds, removes and renames (same
//! bytes, other folder) ten files each and bumps `composer.json`. Then,
//! best of three runs each:
//!
//! - `compare` with both scans made beforehand, on folders already there;
//! - the registry's path (`review show`, `diff NAME@A NAME@B`): both
//!   versions' zips unpacked side by side under the default limits, then
//!   `compare` with the scans kept from ingest;
//! - the whole local path: scanning both folders, then `compare`
//!   (`formulary diff OLD/ NEW/`);
//! - rendering the delta as text, JSON and HTML;
//! - the peer: `diff -ru OLD NEW > /dev/null` (GNU diffutils), which
//!   hashes nothing and scans nothing but prints every changed line.
//!
//! CPU time (user + system, this process and its children, from
//! `/proc/self/stat`) is printed beside wall time: on a shared machine
//! wall time also measures other people's work.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use formulary_diff::{compare, render, Delta, DiffError, LoadedSide, Tree};
use formulary_scan::{ScanOptions, Scanner};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const FILES: usize = 5_000;
const TARGET_BYTES: usize = 100_000_000;
const MB: f64 = 1e6;
const RUNS: usize = 3;
/// Every 50th file is modified: 2 %.
const MODIFY_EVERY: usize = 50;
/// Files added, removed and renamed, each.
const MOVED: usize = 10;

fn main() -> Result<()> {
    let work = tempfile::tempdir()?;
    let (old, new) = (work.path().join("old"), work.path().join("new"));
    let t = Instant::now();
    let bytes = write_versions(&old, &new)?;
    println!(
        "extension: {FILES} files, {:.1} MB per version (generated in {:.1} s)",
        bytes as f64 / MB,
        t.elapsed().as_secs_f64()
    );
    println!(
        "1.0.1: {} files modified, {MOVED} added, {MOVED} removed, {MOVED} renamed\n",
        FILES / MODIFY_EVERY
    );
    println!(
        "{:<52} {:>10} {:>10}",
        "measurement (best of 3)", "wall (ms)", "cpu (ms)"
    );

    let scanner = Scanner::new(ScanOptions::default());
    let sides = |label: &str, dir: &Path| -> Result<LoadedSide> {
        Ok(Tree::folder(dir)?.scanned(label, &scanner)?)
    };
    let (old_side, new_side) = (sides("1.0.0", &old)?, sides("1.0.1", &new)?);
    let (secs, delta) = best_of(|| Ok(compare(&old_side, &new_side)?))?;
    row("compare, folders and scans ready", secs);
    let zips = (zip_tree(&old)?, zip_tree(&new)?);
    let (stored, _) = best_of(|| {
        let limits = formulary_unpack::Limits::default();
        let unpack = |bytes: &[u8], side: &LoadedSide| -> std::result::Result<_, DiffError> {
            let tree = Tree::unpack(bytes, &side.label, &limits)?;
            Ok(tree.with_scan(&side.label, side.scan.clone(), side.manifest.clone()))
        };
        // Side by side, as the registry unpacks them.
        let (o, n) = rayon::join(|| unpack(&zips.0, &old_side), || unpack(&zips.1, &new_side));
        let (o, n) = (o?, n?);
        Ok(compare(&o, &n)?)
    })?;
    row("unpack both zips + compare (registry path)", stored);
    let (full, _) = best_of(|| {
        let old_side = sides("1.0.0", &old)?;
        let new_side = sides("1.0.1", &new)?;
        Ok(compare(&old_side, &new_side)?)
    })?;
    row("scan both folders + compare (local path)", full);
    report_renders(&delta)?;
    report_peer(&old, &new)?;
    println!("\nverdict: {}", delta.verdict.line);
    println!(
        "size {}; {} files changed, {} unchanged",
        delta.size(),
        delta.files.changed.len(),
        delta.files.unchanged
    );
    Ok(())
}

fn report_renders(delta: &Delta) -> Result<()> {
    let (text, out) = best_of(|| Ok(render::text(delta, false)))?;
    row(
        &format!("render text ({:.1} MB)", out.len() as f64 / MB),
        text,
    );
    let (json, out) = best_of(|| Ok(render::json(delta)))?;
    row(
        &format!("render JSON ({:.1} MB)", out.len() as f64 / MB),
        json,
    );
    let (html, out) = best_of(|| Ok(render::html(delta)))?;
    row(
        &format!("render HTML ({:.1} MB)", out.len() as f64 / MB),
        html,
    );
    Ok(())
}

fn report_peer(old: &Path, new: &Path) -> Result<()> {
    let label = "diff -ru OLD NEW > /dev/null (GNU diffutils, peer)";
    if Command::new("diff").arg("--version").output().is_err() {
        println!("{label:<52} skipped: diff is not installed");
        return Ok(());
    }
    let (secs, _) = best_of(|| {
        let status = Command::new("diff")
            .arg("-ru")
            .arg(old)
            .arg(new)
            .stdout(Stdio::null())
            .status()?;
        // diff exits 1 when the trees differ, 2 on trouble.
        match status.code() {
            Some(0 | 1) => Ok(()),
            _ => Err("diff -ru failed".into()),
        }
    })?;
    row(label, secs);
    Ok(())
}

fn row(label: &str, (wall, cpu): (f64, f64)) {
    println!("{label:<52} {:>10.1} {:>10.0}", wall * 1000.0, cpu * 1000.0);
}

/// Runs `f` [`RUNS`] times; the best wall time with that run's CPU time,
/// and the last result.
fn best_of<T>(mut f: impl FnMut() -> Result<T>) -> Result<((f64, f64), T)> {
    let mut best = (f64::MAX, 0.0);
    let mut last = None;
    for _ in 0..RUNS {
        let (t, cpu) = (Instant::now(), cpu_secs()?);
        let value = f()?;
        let wall = t.elapsed().as_secs_f64();
        if wall < best.0 {
            best = (wall, cpu_secs()? - cpu);
        }
        last = Some(value);
    }
    Ok((best, last.ok_or("no runs")?))
}

/// User and system time of this process and its waited-for children, in
/// seconds (fields 14 to 17 of `/proc/self/stat`, in clock ticks of
/// 1/100 s, Linux's `USER_HZ`).
fn cpu_secs() -> Result<f64> {
    let stat = fs::read_to_string("/proc/self/stat")?;
    // The command name may hold spaces; the fields after it do not.
    let after = stat.rsplit_once(')').ok_or("bad /proc/self/stat")?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..15)
        .ok_or("short /proc/self/stat")?
        .iter()
        .map(|f| f.parse::<f64>().unwrap_or(0.0))
        .sum();
    Ok(ticks / 100.0)
}

// The inputs.

/// Writes both versions; returns the old version's size in bytes.
fn write_versions(old: &Path, new: &Path) -> Result<u64> {
    let mut rng = Rng(0x5eed_d1ff_0000_0001);
    let mut total = 0u64;
    write(old, "composer.json", &manifest("1.0.0"))?;
    write(new, "composer.json", &manifest("1.0.1"))?;
    let per_file = TARGET_BYTES / FILES;
    for i in 1..FILES {
        let size = per_file / 4 + rng.below(per_file * 3 / 2);
        let path = file_path(&mut rng, i);
        let text = php_file(&mut rng, i, size);
        total += text.len() as u64;
        write(old, &path, &text)?;
        match i {
            i if i <= MOVED => {} // removed in 1.0.1
            i if i <= 2 * MOVED => write(new, &format!("Legacy/{path}"), &text)?,
            i if i % MODIFY_EVERY == 0 => write(new, &path, &modified(&text, i))?,
            _ => write(new, &path, &text)?,
        }
    }
    for i in 0..MOVED {
        let text = php_file(&mut rng, FILES + i, per_file);
        write(new, &format!("Model/Added{i}.php"), &text)?;
    }
    Ok(total)
}

/// A zip of every file under `root`, deflated, as a stored dist is.
fn zip_tree(root: &Path) -> Result<Vec<u8>> {
    use std::io::Write;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for path in formulary_scan::tree::list(root).paths {
        zip.start_file(path.as_str(), options)?;
        zip.write_all(&fs::read(root.join(&path))?)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn write(root: &Path, path: &str, text: &str) -> Result<()> {
    let full = root.join(path);
    if let Some(parent) = full.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(full, text)?;
    Ok(())
}

fn manifest(version: &str) -> String {
    format!(
        "{{\n  \"name\": \"acme/module-bench\",\n  \"type\": \"magento2-module\",\n  \
         \"version\": \"{version}\",\n  \"license\": \"MIT\"\n}}\n"
    )
}

/// A file changed in three places: two lines edited near the top, one
/// added in the middle.
fn modified(text: &str, i: usize) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for at in [20, 21] {
        if let Some(line) = lines.get_mut(at) {
            line.push_str(&format!(" // changed in 1.0.1 ({i})"));
        }
    }
    let middle = lines.len() / 2;
    lines.insert(middle, format!("        // 1.0.1: guard for item {i}"));
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

const AREAS: [&str; 8] = [
    "Model",
    "Controller/Adminhtml",
    "Block",
    "Helper",
    "Observer",
    "Plugin",
    "Setup/Patch",
    "Api/Data",
];
const WORDS: [&str; 16] = [
    "order", "quote", "customer", "product", "price", "stock", "cart", "item", "shipping",
    "payment", "invoice", "store", "config", "catalog", "rule", "total",
];

fn file_path(rng: &mut Rng, i: usize) -> String {
    let area = AREAS[rng.below(AREAS.len())];
    format!("{area}/{}{i}.php", camel(rng, 2))
}

/// A PHP class of about `size` bytes.
fn php_file(rng: &mut Rng, i: usize, size: usize) -> String {
    let class = format!("{}{i}", camel(rng, 2));
    let mut s = format!(
        "<?php\ndeclare(strict_types=1);\n\nnamespace Acme\\Bench\\Model;\n\n\
         use Psr\\Log\\LoggerInterface;\n\nclass {class}\n{{\n"
    );
    while s.len() < size {
        let name = camel(rng, 3);
        let (a, b) = (WORDS[rng.below(16)], WORDS[rng.below(16)]);
        s.push_str(&format!(
            "    /**\n     * Loads the {a} for the given {b}.\n     */\n    \
             public function get{name}(int ${b}Id): array\n    {{\n"
        ));
        for _ in 0..rng.below(8) + 2 {
            let (c, d, n) = (WORDS[rng.below(16)], WORDS[rng.below(16)], rng.below(1000));
            s.push_str(&format!(
                "        ${c} = $this->{d}Repository->getById(${b}Id + {n});\n"
            ));
        }
        s.push_str(&format!("        return ['{a}' => ${b}Id];\n    }}\n\n"));
    }
    s.push_str("}\n");
    s
}

fn camel(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| {
            let w = WORDS[rng.below(WORDS.len())];
            w[..1].to_uppercase() + &w[1..]
        })
        .collect()
}

/// A small xorshift generator: the same trees on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
