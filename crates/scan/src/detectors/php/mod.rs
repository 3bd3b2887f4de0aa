//! PHP analysis on a real parser: personal and card data flows (family 3),
//! malware in PHP (family 2) and transport and session checks (family 6).
//!
//! The pipeline, file by file:
//!
//! 1. `parse.rs`, `parse_expr.rs`: mago parses the file once and
//!    resolves its names; the tree is lowered into a small IR (`ir.rs`)
//!    in the parse arena. Only these two files know mago's shapes.
//! 2. `relevance.rs`: a quick walk picks the functions that contain
//!    something a check reports on (and the methods linked to them).
//! 3. The taint engine walks those: `engine.rs` (statements, summaries
//!    of same-class methods), `eval.rs` and `state.rs` (expressions,
//!    variables, properties, constants), `calls.rs` and `methods.rs`
//!    (what calls return), with `value.rs` for what a value carries.
//!    Where data comes from is data in `sources.rs`; where it must not go
//!    is data in `sinks.rs`, applied to each call by `dispatch.rs`.
//! 4. The families decide what to report: `flows.rs` (family 3),
//!    `malware.rs` (family 2), `transport.rs` (family 6), through
//!    `report.rs`; `capabilities.rs` lists hosts and written paths.
//!
//! What the engine does not do, on purpose: follow calls into other
//! classes or files (each file is analysed alone, so files scan in
//! parallel), know types it cannot see (an untyped `$x->info()` is a log
//! call only when `$x` is named like a logger), or tell array fields apart
//! (`$data['email']` taints all of `$data`).

mod calls;
mod capabilities;
mod dispatch;
mod engine;
mod eval;
mod flows;
mod ir;
mod malware;
mod methods;
mod parse;
mod parse_expr;
mod relevance;
mod report;
mod rules;
mod sinks;
mod sources;
mod state;
mod transport;
mod value;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use bumpalo::Bump;

use crate::capability::Capability;
use crate::context;
use crate::detector::{Detector, Extension, Sink};
use crate::file::{FileKind, SourceFile};
use crate::finding::Finding;
use crate::rules::{RuleInfo, SCANNER_RULES};

use engine::{Engine, Settings};
use report::Report;

pub use rules::RULES;
pub use sources::PHI_TERMS;

/// The PHP detector: one parse per file, three families of checks.
#[derive(Debug, Default)]
pub struct PhpDetector {
    settings: Settings,
}

impl PhpDetector {
    /// A detector with the default PHI lexicon.
    pub fn new() -> PhpDetector {
        PhpDetector::default()
    }

    /// A detector whose PHI lexicon is `terms` (attribute, key and
    /// parameter names that mark health data, in snake case).
    pub fn with_phi_terms(terms: impl IntoIterator<Item = String>) -> PhpDetector {
        let phi_terms: Vec<Cow<'static, str>> = terms.into_iter().map(Cow::Owned).collect();
        PhpDetector {
            settings: Settings::with_phi_terms(&phi_terms),
        }
    }
}

impl Detector for PhpDetector {
    fn name(&self) -> &'static str {
        "php"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn check(&self, file: &SourceFile, _ext: &dyn Extension, out: &mut Sink) {
        if !matches!(file.kind, FileKind::Php | FileKind::Phtml) {
            return;
        }
        let work = || {
            catch_unwind(AssertUnwindSafe(|| {
                analyse(&self.settings, &file.path, &file.bytes)
            }))
        };
        let checked = match deep_stack(&file.bytes) {
            None => work(),
            Some(size) => {
                tracing::debug!(
                    path = file.path,
                    size,
                    "deeply nested PHP: checking on a larger stack"
                );
                std::thread::scope(|scope| {
                    let spawned = std::thread::Builder::new()
                        .stack_size(size)
                        .spawn_scoped(scope, work);
                    match spawned {
                        Ok(handle) => handle.join().unwrap_or_else(Err),
                        Err(_) => work(),
                    }
                })
            }
        };
        let (findings, capabilities) = checked.unwrap_or_else(|_| {
            tracing::debug!(path = file.path, "the PHP checks failed on this file");
            (
                vec![unreadable(
                    &file.path,
                    &file.bytes,
                    0,
                    "the PHP checks could not finish",
                )],
                Vec::new(),
            )
        });
        out.findings.extend(findings);
        out.capabilities.extend(capabilities);
    }
}

/// The stack a file needs beyond a worker thread's, if any.
///
/// mago's name resolver and our own walk recurse once per level of a
/// left-leaning operator chain (`'a' . 'b' . 'c' …`), which obfuscated
/// code makes thousands of levels deep, and once per level of brackets.
/// A linear pass over the bytes bounds both; a file over the bounds is
/// checked on its own thread with room to spare, so one hostile file
/// cannot overflow a worker's stack and abort the scan.
fn deep_stack(bytes: &[u8]) -> Option<usize> {
    let (mut depth, mut max_depth, mut chain, mut max_chain) = (0i64, 0i64, 0usize, 0usize);
    for &b in bytes {
        match BYTE_CLASS[usize::from(b)] {
            0 => {}
            OPEN => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            CLOSE => depth -= 1,
            END => chain = 0,
            _ => {
                chain += 1;
                max_chain = max_chain.max(chain);
            }
        }
    }
    let levels = max_chain.max(usize::try_from(max_depth).unwrap_or(0) * 8);
    (levels > 400).then(|| (64 << 20) + levels.min(200_000) * (8 << 10))
}

const OPEN: u8 = 1;
const CLOSE: u8 = 2;
const END: u8 = 3;
const OPERATOR: u8 = 4;

/// What each byte means to [`deep_stack`]; most bytes mean nothing.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'(' as usize] = OPEN;
    table[b'[' as usize] = OPEN;
    table[b'{' as usize] = OPEN;
    table[b')' as usize] = CLOSE;
    table[b']' as usize] = CLOSE;
    table[b'}' as usize] = CLOSE;
    table[b';' as usize] = END;
    let operators = b".+-*/|&?^%";
    let mut i = 0;
    while i < operators.len() {
        table[operators[i] as usize] = OPERATOR;
        i += 1;
    }
    table
};

/// Parses one file and runs every PHP check on that one parse. A file
/// with syntax errors is reported as unreadable and what parsed is still
/// checked: a backdoor does not become harmless by being half broken.
fn analyse(settings: &Settings, path: &str, bytes: &[u8]) -> (Vec<Finding>, Vec<Capability>) {
    let arena = Bump::new();
    let file = parse::parse(&arena, bytes);
    let mut report = Report::new(path, bytes);
    capabilities::hosts(&mut report, &file.urls);
    capabilities::logger_files(&mut report, &file.classes);
    let mut engine = Engine::new(&file, settings, report);
    engine.run();
    let (mut findings, capabilities) = engine.out.finish();
    if let Some((offset, message)) = file.errors.first() {
        tracing::debug!(path, "PHP parse error; checked what parsed");
        findings.insert(0, unreadable(path, bytes, *offset, message));
    }
    (findings, capabilities)
}

/// The scanner's `file-unreadable` finding for a PHP file that did not parse.
fn unreadable(path: &str, bytes: &[u8], offset: u32, why: &str) -> Finding {
    let location = Report::new(path, bytes).location(offset);
    let rule = SCANNER_RULES
        .iter()
        .find(|r| r.code == "file-unreadable")
        .unwrap_or(&SCANNER_RULES[0]);
    let message = format!("PHP that does not parse ({why}); only what parsed was checked");
    let finding = Finding::new(
        rule,
        location,
        message,
        String::new(),
        &format!("php-parse:{why}"),
    );
    context::adjust(finding, path)
}
