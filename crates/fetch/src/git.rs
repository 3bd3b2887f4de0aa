//! Git sources: fetch a repository into a private temporary bare clone,
//! resolve the ref to a commit, and archive that commit's tree with the
//! deterministic zip writer.
//!
//! We archive the tree rather than a checkout so that nothing on disk
//! (line-ending filters, a stray build file, file modes) can change the
//! bytes: the same commit always gives the same zip, and the commit id goes
//! into the provenance. A ref is looked up as a tag first (as `git rev-parse`
//! does), then a branch, then a commit id reachable from those. Symlinks in
//! the tree are refused for the same reason as in folders; submodules are
//! left out, since their content is not part of this tree.

use crate::auth::{AuthStore, Credential};
use crate::error::FetchError;
use crate::folder::DeterministicZip;
use crate::secret::redact_url;
use git2::{Commit, FetchOptions, ObjectType, RemoteCallbacks, Repository, Tree};
use std::path::Path;

/// File modes git stores in trees.
const MODE_SYMLINK: i32 = 0o120000;
const MODE_SUBMODULE: i32 = 0o160000;

/// What a git fetch produced.
pub(crate) struct GitArchive {
    /// The deterministic zip of the tree.
    pub bytes: Vec<u8>,
    /// The commit id archived, full hex.
    pub commit: String,
    /// The version the ref implies: a tag name, or a branch as `dev-NAME`.
    pub version: Option<String>,
}

/// Fetches `url` and archives the tree at `reference`.
pub(crate) fn archive(
    url: &str,
    reference: &str,
    auth: &AuthStore,
    max_bytes: u64,
) -> Result<GitArchive, FetchError> {
    let shown = redact_url(url);
    let temp = tempfile::tempdir().map_err(|e| git_error("setup", &shown, &e.to_string()))?;
    let repo = Repository::init_bare(temp.path()).map_err(|e| git_err("setup", url, &e))?;
    fetch_refs(&repo, url, auth)?;
    let (commit, version) = resolve(&repo, url, reference)?;
    let commit_id = commit.id().to_string();
    tracing::debug!(url = %shown, reference, commit = %commit_id, version = ?version, "git ref resolved");
    let tree = commit.tree().map_err(|e| git_err("read", url, &e))?;
    let mut zip = DeterministicZip::new(max_bytes);
    add_tree(&repo, &tree, "", &mut zip, url)?;
    let bytes = zip.finish(&format!("{shown}#{reference}"))?;
    Ok(GitArchive {
        bytes,
        commit: commit_id,
        version,
    })
}

/// Brings every branch (as `refs/remotes/origin/*`) and tag into `repo`.
fn fetch_refs(repo: &Repository, url: &str, auth: &AuthStore) -> Result<(), FetchError> {
    let location = remote_location(url);
    let mut remote = repo
        .remote_anonymous(&location)
        .map_err(|e| git_err("fetch", url, &e))?;
    let mut options = FetchOptions::new();
    options.remote_callbacks(callbacks(url, auth));
    let refspecs = [
        "+refs/heads/*:refs/remotes/origin/*",
        "+refs/tags/*:refs/tags/*",
    ];
    remote
        .fetch(&refspecs, Some(&mut options), None)
        .map_err(|e| git_err("fetch", url, &e))
}

/// A local path made absolute, so libgit2 does not depend on our cwd.
fn remote_location(url: &str) -> String {
    let path = Path::new(url);
    if url.contains("://") || !path.exists() {
        return url.to_string();
    }
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| url.to_string())
}

/// Offers the http-basic credential filed for the URL's host, once: a
/// second ask means it was refused, and libgit2 would otherwise ask forever.
fn callbacks<'a>(url: &str, auth: &'a AuthStore) -> RemoteCallbacks<'a> {
    let mut callbacks = RemoteCallbacks::new();
    let credential = url::Url::parse(url)
        .ok()
        .and_then(|u| auth.for_url(&u).cloned());
    let mut offered = false;
    callbacks.credentials(move |_, _, _| match (&credential, offered) {
        (Some(Credential::Basic { username, password }), false) => {
            offered = true;
            git2::Cred::userpass_plaintext(username.expose(), password.expose())
        }
        // TODO: libgit2 has no bearer credential; send it as an extra
        // header once git2 exposes per-remote custom headers for fetch.
        _ => Err(git2::Error::from_str("no usable credential for this host")),
    });
    callbacks
}

/// The version Composer gives a branch: `1.x` and `2.4` become `1.x-dev`
/// and `2.4-dev`, anything else `dev-NAME` (as its VCS repository does).
fn branch_version(branch: &str) -> String {
    let numbered = branch
        .strip_prefix('v')
        .unwrap_or(branch)
        .split('.')
        .enumerate()
        .all(|(i, part)| {
            let digits = !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
            i < 4 && (digits || (i > 0 && matches!(part, "x" | "X" | "*")))
        });
    if numbered {
        format!("{branch}-dev")
    } else {
        format!("dev-{branch}")
    }
}

/// The commit a ref names, and the version it implies: the tag name for a
/// tag, the branch's dev version for a branch, nothing for a bare commit.
fn resolve<'r>(
    repo: &'r Repository,
    url: &str,
    reference: &str,
) -> Result<(Commit<'r>, Option<String>), FetchError> {
    let tag = reference.strip_prefix("refs/tags/").unwrap_or(reference);
    if let Ok(found) = repo.find_reference(&format!("refs/tags/{tag}")) {
        let commit = found
            .peel_to_commit()
            .map_err(|e| git_err("read", url, &e))?;
        return Ok((commit, Some(tag.to_string())));
    }
    let branch = reference.strip_prefix("refs/heads/").unwrap_or(reference);
    if let Ok(found) = repo.find_reference(&format!("refs/remotes/origin/{branch}")) {
        let commit = found
            .peel_to_commit()
            .map_err(|e| git_err("read", url, &e))?;
        return Ok((commit, Some(branch_version(branch))));
    }
    let is_hex = reference.len() >= 4 && reference.chars().all(|c| c.is_ascii_hexdigit());
    let by_id = is_hex.then(|| {
        repo.revparse_single(reference)
            .and_then(|o| o.peel_to_commit())
    });
    match by_id {
        Some(Ok(commit)) => Ok((commit, None)),
        _ => Err(FetchError::GitRefNotFound {
            url: redact_url(url),
            reference: reference.to_string(),
        }),
    }
}

/// Adds every blob under `tree` to the zip, refusing symlinks.
fn add_tree(
    repo: &Repository,
    tree: &Tree<'_>,
    prefix: &str,
    zip: &mut DeterministicZip,
    url: &str,
) -> Result<(), FetchError> {
    for entry in tree.iter() {
        let name = entry.name().ok_or_else(|| FetchError::NonUtf8Path {
            path: format!("{prefix}{}", String::from_utf8_lossy(entry.name_bytes())),
        })?;
        let path = format!("{prefix}{name}");
        if name == ".git" {
            continue;
        }
        match (entry.filemode(), entry.kind()) {
            (MODE_SYMLINK, _) => return Err(FetchError::Symlink { path }),
            (MODE_SUBMODULE, _) => tracing::debug!(path, "leaving out submodule"),
            (_, Some(ObjectType::Tree)) => {
                let subtree = repo
                    .find_tree(entry.id())
                    .map_err(|e| git_err("read", url, &e))?;
                add_tree(repo, &subtree, &format!("{path}/"), zip, url)?;
            }
            (_, Some(ObjectType::Blob)) => {
                let blob = repo
                    .find_blob(entry.id())
                    .map_err(|e| git_err("read", url, &e))?;
                zip.reserve(&redact_url(url), blob.size() as u64)?;
                zip.add(path, blob.content().to_vec());
            }
            _ => tracing::debug!(path, "leaving out tree entry of unknown kind"),
        }
    }
    Ok(())
}

fn git_err(action: &'static str, url: &str, error: &git2::Error) -> FetchError {
    // libgit2 may quote the URL it was given; ours can carry user-info.
    let message = error.message().replace(url, &redact_url(url));
    git_error(action, &redact_url(url), &message)
}

fn git_error(action: &'static str, shown_url: &str, message: &str) -> FetchError {
    FetchError::Git {
        action,
        url: shown_url.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod branch_tests {
    use super::branch_version;

    #[test]
    fn branches_get_the_dev_versions_composer_gives_them() {
        assert_eq!(branch_version("main"), "dev-main");
        assert_eq!(branch_version("feature/rx"), "dev-feature/rx");
        assert_eq!(branch_version("1.x"), "1.x-dev");
        assert_eq!(branch_version("2.4"), "2.4-dev");
        assert_eq!(branch_version("x.1"), "dev-x.1");
    }
}
