//! The sample extensions under `fixtures/extensions`, file by file.

use std::path::PathBuf;

use crate::detector::Sink;

use super::scan;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/extensions")
}

fn fixture(extension: &str, file: &str) -> Sink {
    let code = std::fs::read_to_string(root().join(extension).join(file)).expect("fixture file");
    scan(file, &code)
}

fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "php" || e == "phtml") {
            out.push(p);
        }
    }
}

#[test]
fn debug_dump() {
    let mut files = Vec::new();
    walk(&root(), &mut files);
    files.sort();
    for p in files {
        let rel = p
            .strip_prefix(root())
            .expect("rel")
            .to_string_lossy()
            .to_string();
        let (ext, file) = rel.split_once('/').expect("split");
        let sink = fixture(ext, file);
        for f in &sink.findings {
            eprintln!(
                "{rel}:{} {} {:?} {:?} {}",
                f.location.line, f.code, f.severity, f.confidence, f.message
            );
        }
        for c in &sink.capabilities {
            eprintln!("  {rel} cap {:?} {}", c.kind, c.value);
        }
    }
}
