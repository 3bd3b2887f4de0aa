//! The command-line grammar (clap derive). Every command shares `--data`,
//! `--json` and `-v`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// formulary: an allowlist registry for Magento 2 extensions.
#[derive(Debug, Parser)]
#[command(name = "formulary", version, about, max_term_width = 100)]
pub struct Cli {
    /// The registry's data folder.
    #[arg(long, global = true, env = "FORMULARY_DATA", default_value = "registry-data")]
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

    /// List and inspect versions waiting for, or past, review.
    Review {
        /// What to show.
        #[command(subcommand)]
        command: ReviewCommand,
    },
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
