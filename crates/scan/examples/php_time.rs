//! temporary
#![allow(clippy::print_stdout, missing_docs)]
use formulary_scan::detector::{Detector, Extension, Sink};
use formulary_scan::SourceFile;
use std::time::Instant;
struct E;
impl Extension for E { fn paths(&self) -> &[String] { &[] } fn read(&self, _: &str) -> Option<Vec<u8>> { None } }
fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(d).unwrap().flatten() { let p = e.path(); if p.is_dir() { walk(&p, out) } else { out.push(p) } }
}
fn main() {
    let root = std::env::args().nth(1).unwrap();
    let mut paths = Vec::new(); walk(std::path::Path::new(&root), &mut paths);
    let files: Vec<SourceFile> = paths.iter().map(|p| SourceFile::new(p.to_string_lossy().to_string(), std::fs::read(p).unwrap())).collect();
    let total: usize = files.iter().map(|f| f.bytes.len()).sum();
    let only = std::env::var("ONLY").ok();
    for det in formulary_scan::detectors::all() {
        if only.as_deref().is_some_and(|o| o != det.name()) { continue; }
        let t = Instant::now();
        let mut n = 0;
        for f in &files { let mut s = Sink::default(); det.check(f, &E, &mut s); n += s.findings.len(); }
        let el = t.elapsed().as_secs_f64();
        println!("{:12} {:8.2}s {:8.1} MB/s findings {}", det.name(), el, total as f64 / 1e6 / el, n);
    }
}
