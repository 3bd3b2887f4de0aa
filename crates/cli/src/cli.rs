//! The command-line grammar (clap derive). Every command shares `--data`,
//! `--json` and `-v`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// formulary: an allowlist registry for Magento 2 extensions.
#[derive(Debug, Parser)]
#[command(name = "formulary", version, about, max_term_width = 100)]
pub struct Cli {
    /// The registry's data folder.
    #[arg(
        long,
        global = true,
        env = "FORMULARY_DATA",
        default_value = "registry-data"
    )]
    pub data: PathBuf,

    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Log decisions on stderr (-v), or everything (-vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a new registry: formulary.toml, the registry key, the store.
    Init,

    /// Fetch, check and store extensions as pending versions.
    ///
    /// A SOURCE is a .zip file, a folder, a git URL with #tag, #branch or
    /// #commit, or vendor/name[:constraint] from an upstream in
    /// formulary.toml.
    Ingest {
        /// What to ingest.
        #[arg(required = true, value_name = "SOURCE")]
        sources: Vec<String>,
    },

    /// Scan an extension for secrets, malware and PHI/card-data leaks.
    ///
    /// PATH is the extension's folder or a .zip of it. No registry is
    /// needed. Exit 0: nothing at or above --fail-on; 1: findings at or
    /// above it, or an expired baseline entry; 2: the scan could not run.
    Scan {
        /// The extension: a folder or a .zip.
        #[arg(value_name = "PATH")]
        path: PathBuf,

        /// Output format (--json is short for --format json).
        #[arg(long, value_enum)]
        format: Option<ScanFormat>,

        /// The lowest severity that fails the scan: critical, high,
        /// medium, low or info.
        #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
        fail_on: formulary_scan::Severity,

        /// A reviewer's baseline (TOML) of accepted findings, kept outside
        /// the extension.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
    },

    /// List and inspect versions waiting for, or past, review.
    Review {
        /// What to show.
        #[command(subcommand)]
        command: ReviewCommand,
    },
}

/// What `formulary scan` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// Findings grouped by file, for people.
    Human,
    /// The formulary-scan/v1 JSON document (docs/scan-json.md).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// `formulary review …`
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Every stored version with its state.
    List {
        /// Only versions in this state (pending, approved, rejected, revoked).
        #[arg(long)]
        state: Option<String>,
    },
}

fn parse_severity(text: &str) -> Result<formulary_scan::Severity, String> {
    formulary_scan::Severity::parse(text).ok_or_else(|| {
        format!("{text:?} is not a severity: use critical, high, medium, low or info")
    })
}
