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

    /// Work through a running `formulary serve` at this URL instead of the
    /// data folder (ingest, review, approve/reject/revoke, key, token, log,
    /// verify).
    #[arg(long, global = true, env = "FORMULARY_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// The access token for --server: NAME:SECRET (sent as http-basic) or
    /// SECRET alone (sent as a bearer token).
    #[arg(
        long,
        global = true,
        env = "FORMULARY_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<crate::remote::Token>,

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

        /// Sign the ingest as its requester with this trusted key; that key
        /// can then never be the version's only approver.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
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

    /// Compare two versions of an extension: files, composer.json,
    /// findings and capabilities, and a verdict line.
    ///
    /// OLD and NEW are each a .zip, a folder, or vendor/name@version from
    /// the registry in --data (only these need one). Exit 0: the report
    /// was written, whatever it says; 2: a side could not be read.
    Diff {
        /// The version reviewed before: a .zip, a folder or vendor/name@version.
        #[arg(value_name = "OLD")]
        old: String,

        /// The version to review: a .zip, a folder or vendor/name@version.
        #[arg(value_name = "NEW")]
        new: String,

        /// Output format (--json is short for --format json).
        #[arg(long, value_enum)]
        format: Option<DiffFormat>,

        /// Write the report to FILE and print only the verdict.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },

    /// List and inspect versions waiting for, or past, review.
    Review {
        /// What to show.
        #[command(subcommand)]
        command: ReviewCommand,
    },

    /// Approve a version: sign a statement with your key and record it.
    Approve {
        #[command(flatten)]
        target: Decision,
        /// A note for the record: what you checked.
        #[arg(long)]
        note: Option<String>,
        /// For a delta review: the approved version you diffed from.
        #[arg(long, value_name = "VERSION")]
        base: Option<String>,
    },

    /// Reject a pending version, for good: its archive can never be approved.
    Reject {
        #[command(flatten)]
        target: Decision,
        /// Why.
        #[arg(long, required = true)]
        reason: String,
    },

    /// Revoke an approved version, for good: it is no longer served.
    Revoke {
        #[command(flatten)]
        target: Decision,
        /// Why.
        #[arg(long, required = true)]
        reason: String,
    },

    /// Make, trust, revoke and list signing keys.
    Key {
        /// What to do.
        #[command(subcommand)]
        command: KeyCommand,
    },

    /// Make, list and revoke the access tokens the server accepts (with
    /// --server: through the running server, with an admin token).
    Token {
        /// What to do.
        #[command(subcommand)]
        command: TokenCommand,
    },

    /// Serve approved versions to Composer, and the JSON API to
    /// `formulary --server`, until SIGTERM or Ctrl-C.
    ///
    /// Prints `listening on http://ADDR` once the port is open. While it
    /// runs, the server holds the data folder.
    Serve {
        /// Address to listen on (default: [server] listen in
        /// formulary.toml, else 127.0.0.1:8080); port 0 picks a free one.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// The URL clients reach the server by, used in published links
        /// (default: [server] base_url, else http://ADDR).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Also run `formulary intake` every DURATION (90s, 15m, 1h, …)
        /// in the server, republishing after each run.
        #[arg(long, value_name = "DURATION")]
        intake_every: Option<formulary_registry::HumanDuration>,
    },

    /// Follow the upstream packages in [intake]: take in their new
    /// versions and approve the patch releases the intake rule covers.
    ///
    /// Prints what was approved, queued for a reviewer, and refused, with
    /// the reasons. Exit 0: nothing waits; 1: a version waits for a
    /// reviewer or was refused; 2: intake could not run, or a package
    /// could not be read.
    Intake {
        /// Fetch and evaluate, but store, sign and send nothing.
        #[arg(long)]
        dry_run: bool,
    },

    /// Show, verify and export the transparency log.
    Log {
        /// What to do.
        #[command(subcommand)]
        command: LogCommand,
    },

    /// Check a composer.lock (and vendor/) against approvals, or an
    /// evidence bundle on its own, offline.
    ///
    /// Exit 0: everything verifies; 1: something failed (listed);
    /// 2: the check could not run.
    Verify {
        /// The composer.lock to check; omit it to check only --bundle.
        #[arg(value_name = "LOCK", required_unless_present = "bundle")]
        lock: Option<PathBuf>,
        /// Also check each installed package folder in this vendor/.
        #[arg(long, value_name = "DIR", requires = "lock")]
        vendor: Option<PathBuf>,
        /// Check against this evidence bundle instead of the data folder.
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
        /// The registry key to trust, as printed by `formulary log show`
        /// (`NAME+ID+KEY`); without it the bundle's own key is used.
        #[arg(long, value_name = "VKEY")]
        registry_key: Option<String>,
        #[command(flatten)]
        state: StateDir,
    },
}

/// A version and the key that decides on it.
#[derive(Debug, clap::Args)]
pub struct Decision {
    /// The package, vendor/name.
    pub name: String,
    /// The version.
    pub version: String,
    /// Your private key file (from `formulary key new`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
}

/// Where the client keeps the checkpoints it has verified.
#[derive(Debug, clap::Args)]
pub struct StateDir {
    /// Folder of last-seen checkpoints (default: $XDG_STATE_HOME/formulary
    /// or ~/.local/state/formulary).
    #[arg(long = "state", value_name = "DIR", env = "FORMULARY_STATE")]
    pub dir: Option<PathBuf>,
}

/// `formulary key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new Ed25519 key pair: FILE (private, 0600) and FILE.pub.
    New {
        /// Whose key it is (no spaces or `+`).
        #[arg(long)]
        name: String,
        /// Where to write the private key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Accept a public key for a role.
    Trust {
        /// The public key file (FILE.pub from `key new`).
        #[arg(value_name = "FILE.pub")]
        file: PathBuf,
        /// The person or system it belongs to; approvals count by name.
        #[arg(long)]
        name: String,
        /// reviewer, intake or admin.
        #[arg(long, value_parser = parse_role)]
        role: formulary_trust::statement::Role,
    },
    /// Stop accepting a key; what it signed before stays valid.
    Revoke {
        /// The key id (or its first 8+ characters).
        id: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Every key the registry has trusted.
    List,
}

/// `formulary token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print its secret, once.
    New {
        /// Its name: 1 to 64 letters, digits, `.`, `_` or `-`; also the
        /// http-basic user name.
        #[arg(long)]
        name: String,
        /// What it may do: read, intake (read and ingest), review (read
        /// and decide) or admin (everything).
        #[arg(long, value_parser = parse_scope)]
        scope: formulary_registry::Scope,
    },
    /// Every token with its scope and status; never a secret or hash.
    List,
    /// Refuse a token from now on.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// `formulary log …`
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// The registry key, the latest checkpoint and the newest statements.
    Show {
        /// How many statements to list (newest last).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Recompute the tree, check every signature and statement, compare
    /// with the store, and check consistency with the last checkpoint seen.
    Verify {
        #[command(flatten)]
        state: StateDir,
        /// Check every statement's signature, not only those added since
        /// the checkpoint this client verified last.
        #[arg(long)]
        full: bool,
    },
    /// Write an evidence bundle an auditor checks with `formulary verify --bundle`.
    Export {
        /// The audit period's first day (YYYY-MM-DD) or instant (RFC 3339).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Where to write the bundle.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The inclusion proof of one statement (C2SP tlog-proof form).
    Proof {
        /// The statement's log index.
        index: u64,
        /// The tree size to prove against (default: the whole log).
        #[arg(long)]
        size: Option<u64>,
    },
    /// The consistency proof between two checkpoints.
    Consistency {
        /// The older tree size.
        old: u64,
        /// The newer tree size (default: the whole log).
        new: Option<u64>,
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

/// What `formulary diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// The verdict, a summary and unified diffs, for people.
    Text,
    /// The formulary-diff/v1 JSON document (docs/diff.md).
    Json,
    /// One self-contained HTML page.
    Html,
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
    /// One version: findings, capabilities, provenance, decisions so far,
    /// and what policy still requires.
    Show {
        /// The package, vendor/name.
        name: String,
        /// The version.
        version: String,
    },
}

fn parse_role(text: &str) -> Result<formulary_trust::statement::Role, String> {
    formulary_trust::statement::Role::parse(text)
        .ok_or_else(|| format!("{text:?} is not a role: use reviewer, intake or admin"))
}

fn parse_scope(text: &str) -> Result<formulary_registry::Scope, String> {
    formulary_registry::Scope::parse(text)
        .ok_or_else(|| format!("{text:?} is not a scope: use read, intake, review or admin"))
}

fn parse_severity(text: &str) -> Result<formulary_scan::Severity, String> {
    formulary_scan::Severity::parse(text).ok_or_else(|| {
        format!("{text:?} is not a severity: use critical, high, medium, low or info")
    })
}
