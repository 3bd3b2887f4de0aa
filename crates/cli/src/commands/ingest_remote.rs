//! `formulary ingest SOURCE...` through a server (`--server`).
//!
//! The server cannot read this machine's files, so what is local (a .zip,
//! a folder, a git repository on disk) is archived here, exactly as a
//! local ingest would archive it, and uploaded; the server unpacks and
//! checks the bytes like any others. Git URLs and Composer package names
//! are sent as text for the server to fetch with its own credentials.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use formulary_fetch::{redact_url, FetchConfig, Fetcher, Source};
use formulary_registry::IngestReport;

use crate::commands::ingest;
use crate::remote::Client;

/// Ingests every source on the server and prints one line each.
pub fn run(
    client: &Client,
    sources: &[String],
    key: Option<&Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if key.is_some() {
        bail!(
            "--key cannot be used with --server: the server records the ingest itself; \
             to sign as requester, run `formulary ingest --key` on the server's host"
        );
    }
    let fetcher = Fetcher::new(FetchConfig::default())?;
    ingest::each_source(sources, json, |text| ingest_one(client, &fetcher, text))
}

fn ingest_one(client: &Client, fetcher: &Fetcher, text: &str) -> anyhow::Result<IngestReport> {
    // A git URL may carry `user:password@`; no message repeats it.
    let shown = redact_url(text);
    let source: Source = text.parse().with_context(|| format!("refused {shown}"))?;
    let report = if is_local(&source) {
        let fetched = fetcher
            .fetch(&source)
            .with_context(|| format!("refused {shown}"))?;
        tracing::debug!(
            source = %shown,
            bytes = fetched.bytes.len(),
            "archived here, uploading"
        );
        client.ingest_archive(fetched.bytes)
    } else {
        client.ingest_source(text)
    };
    report.with_context(|| format!("refused {shown}"))
}

/// Whether the source names something on this machine.
fn is_local(source: &Source) -> bool {
    match source {
        Source::ZipFile(_) | Source::Folder(_) => true,
        Source::Git { url, .. } => url.starts_with("file://") || Path::new(url).is_dir(),
        Source::Composer { .. } => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn files_folders_and_repositories_on_disk_are_archived_here() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_str().unwrap();
        assert!(is_local(&folder.parse().unwrap()));
        assert!(is_local(&"ext.zip".parse().unwrap()));
        assert!(is_local(&format!("{folder}#v1.0.0").parse().unwrap()));
        assert!(is_local(&"file:///srv/git/ext#v1".parse().unwrap()));
    }

    #[test]
    fn urls_and_package_names_go_to_the_server_as_text() {
        let git = "https://git.example/acme/ext.git#v1.0.0";
        assert!(!is_local(&git.parse().unwrap()));
        assert!(!is_local(&"acme/ext:^1.0".parse().unwrap()));
    }
}
