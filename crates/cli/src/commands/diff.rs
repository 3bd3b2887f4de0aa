//! `formulary diff OLD NEW`: what changed between two versions, as text,
//! JSON or an HTML page.
//!
//! Each side is a folder (used in place), a zip (unpacked under the
//! registry's limits, or the defaults without a registry, into a private
//! temporary folder) or `vendor/name@version` from the registry. Folders
//! and zips are scanned here; stored versions bring the scan made at
//! ingest. The registry is opened only when a side names a stored
//! version, so diffing two archives needs no data folder.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use formulary_diff::{compare, render, Delta, LoadedSide, Tree};
use formulary_registry::{DataDir, Registry};
use formulary_scan::{ScanOptions, Scanner};
use formulary_unpack::Limits;

use crate::cli::DiffFormat;

/// What `diff` was asked.
pub struct Inputs<'a> {
    /// The old side as typed.
    pub old: &'a str,
    /// The new side as typed.
    pub new: &'a str,
    /// How to print the report.
    pub format: DiffFormat,
    /// Where to write it instead of stdout.
    pub output: Option<&'a Path>,
}

/// A side as named on the command line.
#[derive(Debug, PartialEq, Eq)]
enum Named<'a> {
    /// A zip or a folder.
    Path(&'a Path),
    /// `vendor/name@version`.
    Stored { package: &'a str, version: &'a str },
}

/// A path that exists is a path; otherwise `vendor/name@version` names a
/// stored version, and anything else is a path that is not there.
fn named(arg: &str) -> Named<'_> {
    let path = Path::new(arg);
    if path.exists() {
        return Named::Path(path);
    }
    match arg.rsplit_once('@') {
        Some((package, version)) if package.contains('/') && !version.is_empty() => {
            Named::Stored { package, version }
        }
        _ => Named::Path(path),
    }
}

/// With `--server`: which stored versions to ask the server to diff.
/// `None` when neither side is stored (the diff runs here, as without
/// `--server`); an error when only one is, or the two are of different
/// packages, since the server diffs stored versions of one package only.
pub fn both_stored<'a>(
    old: &'a str,
    new: &'a str,
) -> anyhow::Result<Option<(&'a str, &'a str, &'a str)>> {
    match (named(old), named(new)) {
        (Named::Path(_), Named::Path(_)) => Ok(None),
        (
            Named::Stored {
                package,
                version: from,
            },
            Named::Stored {
                package: other,
                version: to,
            },
        ) if package == other => Ok(Some((package, from, to))),
        (Named::Stored { .. }, Named::Stored { .. }) => bail!(
            "through --server, `formulary diff` compares two versions of one package \
             ({old} and {new} are of two); diff their archives locally instead"
        ),
        _ => bail!(
            "through --server, `formulary diff` takes two stored versions \
             (vendor/name@A vendor/name@B) or two local paths, not one of each; \
             ingest the local side first, or diff two local copies"
        ),
    }
}

/// Loads both sides, compares them and writes the report.
pub fn run(dir: DataDir, inputs: Inputs) -> anyhow::Result<ExitCode> {
    if let Some(output) = inputs.output {
        not_a_side(output, inputs.old, inputs.new)?;
    }
    let mut loader = Loader::new(dir);
    let old = loader
        .load(inputs.old)
        .context("cannot read the old side")?;
    let new = loader
        .load(inputs.new)
        .context("cannot read the new side")?;
    let delta = compare(&old, &new)?;
    print(&delta, inputs.format, inputs.output)
}

/// Refuses `-o` naming one of the sides, which the report would
/// overwrite.
fn not_a_side(output: &Path, old: &str, new: &str) -> anyhow::Result<()> {
    let Ok(target) = output.canonicalize() else {
        return Ok(());
    };
    for (which, arg) in [("old", old), ("new", new)] {
        let same = Path::new(arg)
            .canonicalize()
            .is_ok_and(|side| side == target);
        if same {
            bail!(
                "-o {} is the {which} side; write the report to another file",
                output.display()
            );
        }
    }
    Ok(())
}

/// Renders `delta` in `format` to stdout or to `output`.
pub fn print(delta: &Delta, format: DiffFormat, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let color = output.is_none()
        && format == DiffFormat::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let report = match format {
        DiffFormat::Text => render::text(delta, color),
        DiffFormat::Json => render::json(delta),
        DiffFormat::Html => render::html(delta),
    };
    write(&report, output, &delta.verdict.line)?;
    Ok(ExitCode::SUCCESS)
}

/// The report to stdout, or to a file with the verdict on stdout.
fn write(report: &str, output: Option<&Path>, verdict: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match output {
        None => stdout.write_all(report.as_bytes()),
        Some(path) => {
            std::fs::write(path, report)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let shown = render::printable(verdict);
            writeln!(stdout, "wrote {}: {shown}", path.display())
        }
    }
    .and_then(|()| stdout.flush())
    .context("cannot write the report")
}

/// Opens the registry and builds the scanner when first needed.
struct Loader {
    dir: DataDir,
    registry: Option<Registry>,
    scanner: Option<Scanner>,
}

impl Loader {
    fn new(dir: DataDir) -> Loader {
        Loader {
            dir,
            registry: None,
            scanner: None,
        }
    }

    fn load(&mut self, arg: &str) -> anyhow::Result<LoadedSide> {
        match named(arg) {
            Named::Stored { package, version } => Ok(self.registry()?.side_of(package, version)?),
            Named::Path(path) if path.is_dir() => {
                let tree = Tree::folder(path)?;
                Ok(tree.scanned(arg, self.scanner())?)
            }
            Named::Path(path) => {
                let tree = Tree::archive(path, arg, &self.limits())?;
                Ok(tree.scanned(arg, self.scanner())?)
            }
        }
    }

    fn registry(&mut self) -> anyhow::Result<&Registry> {
        if self.registry.is_none() {
            self.registry = Some(Registry::open(self.dir.clone())?);
        }
        self.registry
            .as_ref()
            .context("the registry was just opened")
    }

    fn scanner(&mut self) -> &Scanner {
        self.scanner
            .get_or_insert_with(|| Scanner::new(ScanOptions::default()))
    }

    /// The registry's limits when it is open, else the defaults (which
    /// are also `formulary init`'s).
    fn limits(&self) -> Limits {
        self.registry
            .as_ref()
            .map_or_else(Limits::default, |r| r.config().limits.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_side_is_a_path_when_one_exists_else_a_stored_version() {
        assert_eq!(
            named("acme/rx@1.0.1"),
            Named::Stored {
                package: "acme/rx",
                version: "1.0.1"
            }
        );
        assert_eq!(
            named("rx-1.0.1.zip"),
            Named::Path(Path::new("rx-1.0.1.zip"))
        );
        assert_eq!(named("acme/rx@"), Named::Path(Path::new("acme/rx@")));
        let here = env!("CARGO_MANIFEST_DIR");
        assert_eq!(named(here), Named::Path(Path::new(here)));
    }

    #[test]
    fn through_a_server_two_stored_versions_of_one_package_go_to_the_server() {
        assert_eq!(both_stored("a.zip", "b").unwrap(), None);
        assert_eq!(
            both_stored("acme/rx@1.0.0", "acme/rx@1.0.1").unwrap(),
            Some(("acme/rx", "1.0.0", "1.0.1"))
        );
        for (old, new) in [
            ("a.zip", "acme/rx@1.0.1"),
            ("acme/rx@1.0.0", "acme/other@1.0.1"),
        ] {
            let err = both_stored(old, new).unwrap_err().to_string();
            assert!(err.contains("--server"), "{err}");
        }
    }
}
