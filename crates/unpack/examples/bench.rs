//! Throughput and memory figures for `formulary-unpack`.
//!
//! ```text
//! cargo run --release -p formulary-unpack --example bench
//! ```
//!
//! We generate a 5,000-file extension (PHP-like text, about 100 MB
//! unpacked, wrapped in a GitHub-style top folder) and a 1 GiB zip bomb,
//! then measure, each in a fresh child process so that its peak resident
//! memory (VmHWM) is its own:
//!
//! - unpack + hash throughput, in MB (10^6 bytes) of uncompressed content
//!   per second, best of three runs;
//! - `tree_hash_dir` over the unpacked folder (what `formulary verify`
//!   does to a `vendor/` package);
//! - the bomb with an honest header (refused from its declared size) and
//!   with a header that claims 100 MiB (refused while inflating);
//! - a peer: `unzip -q` followed by `sha256sum` over every file.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use formulary_unpack::{tree_hash_dir, unpack, Limits};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const FILES: usize = 5_000;
const TARGET_BYTES: usize = 100_000_000;
const MB: f64 = 1e6;
const GIB: u64 = 1 << 30;
const LIE: u32 = 100 << 20;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [mode, path, dir] if mode == "unpack" => child_unpack(Path::new(path), Path::new(dir)),
        [mode, path] if mode == "bomb" => child_bomb(Path::new(path)),
        [mode, path] if mode == "write-extension" => write_extension(Path::new(path)).map(drop),
        [] => parent(),
        _ => Err("usage: bench [unpack ZIP DIR | bomb ZIP | write-extension ZIP]".into()),
    }
}

// The parent: builds the inputs, runs the children, prints the table.

fn parent() -> Result<()> {
    let work = tempfile::tempdir()?;
    let ext = work.path().join("extension.zip");
    let t = Instant::now();
    let (files, bytes) = write_extension(&ext)?;
    let zip_mb = fs::metadata(&ext)?.len() as f64 / MB;
    println!(
        "extension: {files} files, {:.1} MB uncompressed, {zip_mb:.1} MB zip (built in {:.1} s)\n",
        bytes as f64 / MB,
        t.elapsed().as_secs_f64()
    );
    println!(
        "{:<44} {:>9} {:>9} {:>12}",
        "measurement", "time (ms)", "MB/s", "peak RSS"
    );
    for (label, base) in destinations() {
        println!("-- writing to {label}");
        report_unpack(&ext, &base)?;
        report_peer(&ext, &base, bytes)?;
    }
    println!("-- zip bombs (default temp dir)");
    report_bombs(work.path())?;
    Ok(())
}

/// Where the trees are written: the default temporary folder (a disk),
/// and tmpfs when there is one, to separate our own cost from the file
/// system's (creating 5,000 inodes dominates on a slow or busy disk).
fn destinations() -> Vec<(String, PathBuf)> {
    let tmp = std::env::temp_dir();
    let mut out = vec![(format!("{} (default temp dir)", tmp.display()), tmp)];
    let shm = PathBuf::from("/dev/shm");
    if tempfile::tempdir_in(&shm).is_ok() {
        out.push(("/dev/shm (tmpfs)".to_owned(), shm));
    }
    out
}

fn report_unpack(ext: &Path, base: &Path) -> Result<()> {
    let runs = (0..3)
        .map(|_| run_child(&["unpack".as_ref(), ext.as_os_str(), base.as_os_str()]))
        .collect::<Result<Vec<_>>>()?;
    let best = runs
        .iter()
        .min_by(|a, b| a.num("secs").total_cmp(&b.num("secs")))
        .ok_or("no runs")?;
    let mb = best.num("bytes") / MB;
    row(
        "unpack + hash (formulary, best of 3)",
        best.num("secs"),
        Some(mb),
        best,
    )?;
    row(
        "tree_hash_dir over the result",
        best.num("hash_secs"),
        Some(mb),
        best,
    )?;
    println!(
        "  (peak RSS includes the {:.1} MB archive held in memory; {:.1} MB before unpacking)",
        best.num("archive") / MB,
        best.num("base_kib") / 1024.0
    );
    Ok(())
}

fn report_peer(ext: &Path, base: &Path, bytes: u64) -> Result<()> {
    if Command::new("unzip").arg("-v").output().is_err() {
        println!(
            "{:<44} skipped: unzip is not installed",
            "unzip -q + sha256sum (peer)"
        );
        return Ok(());
    }
    let mut best = f64::MAX;
    for i in 0..3 {
        let dir = tempfile::tempdir_in(base)?;
        let out = dir.path().join(format!("peer-{i}"));
        let script = "unzip -q \"$1\" -d \"$2\" && find \"$2\" -type f -print0 \
                      | xargs -0 sha256sum > /dev/null";
        let t = Instant::now();
        let status = Command::new("sh")
            .args(["-c", script, "peer"])
            .arg(ext)
            .arg(&out)
            .status()?;
        best = best.min(t.elapsed().as_secs_f64());
        if !status.success() {
            return Err("the peer command failed".into());
        }
    }
    let mb = bytes as f64 / MB;
    println!(
        "{:<44} {:>9.1} {:>9.0} {:>12}",
        "unzip -q + sha256sum (peer, best of 3)",
        best * 1000.0,
        mb / best,
        "-"
    );
    Ok(())
}

fn report_bombs(work: &Path) -> Result<()> {
    let honest = work.join("bomb.zip");
    let t = Instant::now();
    write_bomb(&honest)?;
    let built = t.elapsed().as_secs_f64();
    let lying = work.join("bomb-lying.zip");
    let mut bytes = fs::read(&honest)?;
    claim_size(&mut bytes, "bomb/zeros.bin", LIE)?;
    fs::write(&lying, &bytes)?;
    let size = bytes.len() as f64 / MB;
    for (label, path) in [
        ("1 GiB bomb, honest header", &honest),
        ("1 GiB bomb, header claims 100 MiB", &lying),
    ] {
        let r = run_child(&["bomb".as_ref(), path.as_os_str()])?;
        row(label, r.num("secs"), None, &r)?;
        println!("  -> {}", r.text("outcome"));
    }
    println!("\n(bomb: {size:.2} MB zip, 1 GiB of zeros, streamed to disk in {built:.1} s)");
    Ok(())
}

fn row(label: &str, secs: f64, mb: Option<f64>, r: &Report) -> Result<()> {
    let rate = mb.map_or("-".to_owned(), |mb| format!("{:.0}", mb / secs));
    let peak = format!("{:.1} MB", r.num("hwm_kib") / 1024.0);
    let ms = secs * 1000.0;
    println!("{label:<44} {ms:>9.1} {rate:>9} {peak:>12}");
    Ok(())
}

// The children: one measurement each, reported as `key=value` lines.

fn child_unpack(zip: &Path, dir: &Path) -> Result<()> {
    let archive = fs::read(zip)?;
    let base = peak_kib()?;
    let dest = tempfile::tempdir_in(dir)?;
    let t = Instant::now();
    let unpacked = unpack(&archive, dest.path(), &Limits::default())?;
    let secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let again = tree_hash_dir(dest.path())?;
    let hash_secs = t.elapsed().as_secs_f64();
    if again != unpacked.tree_hash {
        return Err("tree_hash_dir disagrees with unpack".into());
    }
    println!(
        "secs={secs}\nhash_secs={hash_secs}\nbytes={}",
        unpacked.total_bytes
    );
    println!(
        "archive={}\nbase_kib={base}\nhwm_kib={}",
        archive.len(),
        peak_kib()?
    );
    Ok(())
}

fn child_bomb(zip: &Path) -> Result<()> {
    let archive = fs::read(zip)?;
    let dest = tempfile::tempdir()?;
    let t = Instant::now();
    let outcome = match unpack(&archive, dest.path(), &Limits::default()) {
        Ok(_) => "ACCEPTED (this is a failure)".to_owned(),
        Err(err) => format!("refused: {err}"),
    };
    let secs = t.elapsed().as_secs_f64();
    println!("secs={secs}\nhwm_kib={}\noutcome={outcome}", peak_kib()?);
    Ok(())
}

/// Peak resident memory of this process so far, from /proc/self/status.
fn peak_kib() -> Result<u64> {
    let status = fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    let kib = line.split_whitespace().nth(1).ok_or("bad VmHWM line")?;
    Ok(kib.parse()?)
}

/// What a child printed.
struct Report(Vec<(String, String)>);

impl Report {
    fn text(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v)
    }

    fn num(&self, key: &str) -> f64 {
        self.text(key).parse().unwrap_or(f64::NAN)
    }
}

fn run_child(args: &[&std::ffi::OsStr]) -> Result<Report> {
    let out = Command::new(std::env::current_exe()?).args(args).output()?;
    if !out.status.success() {
        return Err(format!("child failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let text = String::from_utf8(out.stdout)?;
    let pairs = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok(Report(pairs))
}

// The inputs.

/// Writes a GitHub-style extension zip; returns (files, uncompressed bytes).
fn write_extension(path: &Path) -> Result<(usize, u64)> {
    let mut zip = ZipWriter::new(io::BufWriter::new(File::create(path)?));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let top = "acme-module-bench-1a2b3c/";
    let manifest =
        br#"{"name": "acme/module-bench", "type": "magento2-module", "version": "1.2.3"}"#;
    zip.start_file(format!("{top}composer.json"), options)?;
    zip.write_all(manifest)?;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut total = manifest.len() as u64;
    let per_file = TARGET_BYTES / FILES;
    for i in 1..FILES {
        let size = per_file / 4 + rng.below(per_file * 3 / 2);
        let text = php_file(&mut rng, i, size);
        zip.start_file(format!("{top}{}", file_path(&mut rng, i)), options)?;
        zip.write_all(text.as_bytes())?;
        total += text.len() as u64;
    }
    zip.finish()?.flush()?;
    Ok((FILES, total))
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
const WORDS: [&str; 24] = [
    "order",
    "quote",
    "customer",
    "product",
    "price",
    "stock",
    "cart",
    "item",
    "shipping",
    "payment",
    "invoice",
    "store",
    "config",
    "catalog",
    "attribute",
    "rule",
    "tax",
    "total",
    "address",
    "session",
    "widget",
    "cache",
    "index",
    "report",
];

fn file_path(rng: &mut Rng, i: usize) -> String {
    let area = AREAS[rng.below(AREAS.len())];
    format!("{area}/{}{i}.php", camel(rng, 2))
}

/// A PHP class of about `size` bytes with plausible structure.
fn php_file(rng: &mut Rng, i: usize, size: usize) -> String {
    let class = format!("{}{i}", camel(rng, 2));
    let mut s = format!(
        "<?php\n/**\n * Copyright (c) Acme. All rights reserved.\n */\ndeclare(strict_types=1);\n\n\
         namespace Acme\\Bench\\Model;\n\nuse Magento\\Framework\\App\\ResourceConnection;\n\
         use Psr\\Log\\LoggerInterface;\n\nclass {class}\n{{\n"
    );
    while s.len() < size {
        method(rng, &mut s);
    }
    s.push_str("}\n");
    s
}

fn method(rng: &mut Rng, s: &mut String) {
    let name = camel(rng, 3);
    let (a, b) = (WORDS[rng.below(24)], WORDS[rng.below(24)]);
    s.push_str(&format!(
        "    /**\n     * Loads the {a} for the given {b}.\n     *\n     * @param int ${b}Id\n     \
         * @return array\n     */\n    public function get{name}(int ${b}Id): array\n    {{\n"
    ));
    for _ in 0..rng.below(8) + 2 {
        let (c, d, n) = (WORDS[rng.below(24)], WORDS[rng.below(24)], rng.below(1000));
        s.push_str(&format!(
            "        ${c} = $this->{d}Repository->getById(${b}Id + {n});\n        \
             if (${c} === null) {{\n            $this->logger->debug('missing {c} {n}');\n        \
             }}\n"
        ));
    }
    s.push_str(&format!("        return ['{a}' => ${b}Id];\n    }}\n\n"));
}

fn camel(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| {
            let w = WORDS[rng.below(WORDS.len())];
            w[..1].to_uppercase() + &w[1..]
        })
        .collect()
}

/// A small xorshift generator: the same extension on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Writes a zip holding a manifest and 1 GiB of zeros, streamed through
/// the zip writer one MiB at a time.
fn write_bomb(path: &Path) -> Result<()> {
    let mut zip = ZipWriter::new(io::BufWriter::new(File::create(path)?));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9));
    zip.start_file("bomb/composer.json", options)?;
    zip.write_all(br#"{"name": "acme/bomb"}"#)?;
    zip.start_file("bomb/zeros.bin", options)?;
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..GIB / chunk.len() as u64 {
        zip.write_all(&chunk)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}

/// Rewrites the uncompressed size an entry's central header declares.
fn claim_size(zip: &mut [u8], name: &str, size: u32) -> Result<()> {
    let eocd = zip.len() - 22;
    let mut at = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into()?) as usize;
    while zip[at..at + 4] == *b"PK\x01\x02" {
        let len = |o: usize| u16::from_le_bytes([zip[at + o], zip[at + o + 1]]) as usize;
        let (n, x, c) = (len(28), len(30), len(32));
        if &zip[at + 46..at + 46 + n] == name.as_bytes() {
            zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            return Ok(());
        }
        at += 46 + n + x + c;
    }
    Err(format!("no entry {name}").into())
}
