//! Scenarios for git sources: a repository made here with git2 (two
//! commits, a tag, a branch) fetched by tag, branch and commit id, always
//! archived to the same bytes.

#![allow(clippy::unwrap_used)]

use formulary_fetch::{FetchConfig, FetchError, Fetcher, Source};
use git2::{Oid, Repository, Signature};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// A module's repository: `v1.0.0` tags the first commit, `main` has a
/// second one that changes the model and adds a file.
struct ModuleRepo {
    dir: tempfile::TempDir,
    first: Oid,
    second: Oid,
}

impl ModuleRepo {
    fn create() -> ModuleRepo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        repo.set_head("refs/heads/main").unwrap();
        write(
            dir.path(),
            "composer.json",
            r#"{"name": "acme/module-rx-upload"}"#,
        );
        write(dir.path(), "src/Model/Upload.php", "<?php // first\n");
        let first = commit(&repo, &["composer.json", "src/Model/Upload.php"], "first");
        let tag_target = repo.find_object(first, None).unwrap();
        repo.tag("v1.0.0", &tag_target, &signature(), "release 1.0.0", false)
            .unwrap();
        write(dir.path(), "src/Model/Upload.php", "<?php // second\n");
        write(dir.path(), "etc/module.xml", "<config/>\n");
        let second = commit(&repo, &["src/Model/Upload.php", "etc/module.xml"], "second");
        ModuleRepo { dir, first, second }
    }

    fn path(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }

    fn at(&self, reference: &str) -> Source {
        format!("{}#{reference}", self.path()).parse().unwrap()
    }
}

fn signature() -> Signature<'static> {
    let when = git2::Time::new(1_700_000_000, 0);
    Signature::new("Reviewer", "reviewer@example.test", &when).unwrap()
}

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

fn commit(repo: &Repository, paths: &[&str], message: &str) -> Oid {
    let mut index = repo.index().unwrap();
    for path in paths {
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let sig = signature();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

fn entries(zip: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        out.insert(file.name().to_string(), text);
    }
    out
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig::default()).unwrap()
}

#[test]
fn a_tag_fetches_its_commit_and_names_the_version() {
    let repo = ModuleRepo::create();

    let fetched = fetcher().fetch(&repo.at("v1.0.0")).unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("v1.0.0"));
    assert_eq!(fetched.provenance.kind, "git");
    assert_eq!(fetched.provenance.git_commit, Some(repo.first.to_string()));
    assert_eq!(fetched.provenance.source, format!("{}#v1.0.0", repo.path()));
    let files = entries(&fetched.bytes);
    assert_eq!(files["src/Model/Upload.php"], "<?php // first\n");
    assert!(!files.contains_key("etc/module.xml"));
}

#[test]
fn a_branch_fetches_its_tip_as_a_dev_version() {
    let repo = ModuleRepo::create();

    let fetched = fetcher().fetch(&repo.at("main")).unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("dev-main"));
    assert_eq!(fetched.provenance.git_commit, Some(repo.second.to_string()));
    let files: Vec<String> = entries(&fetched.bytes).into_keys().collect();
    assert_eq!(
        files,
        ["composer.json", "etc/module.xml", "src/Model/Upload.php"]
    );
}

#[test]
fn an_abbreviated_commit_id_fetches_that_commit() {
    let repo = ModuleRepo::create();
    let short = &repo.first.to_string()[..10];

    let fetched = fetcher().fetch(&repo.at(short)).unwrap();

    assert_eq!(fetched.provenance.git_commit, Some(repo.first.to_string()));
    assert_eq!(
        entries(&fetched.bytes)["src/Model/Upload.php"],
        "<?php // first\n"
    );
}

#[test]
fn a_file_url_works_like_a_path() {
    let repo = ModuleRepo::create();
    let source: Source = format!("file://{}#v1.0.0", repo.path()).parse().unwrap();

    let fetched = fetcher().fetch(&source).unwrap();

    assert_eq!(fetched.provenance.git_commit, Some(repo.first.to_string()));
    assert_eq!(
        fetched.provenance.upstream_url,
        Some(format!("file://{}", repo.path()))
    );
}

#[test]
fn fetching_the_same_ref_twice_gives_identical_bytes() {
    let repo = ModuleRepo::create();

    let once = fetcher().fetch(&repo.at("main")).unwrap();
    let again = fetcher().fetch(&repo.at(&repo.second.to_string())).unwrap();

    assert_eq!(once.bytes, again.bytes);
}

#[test]
fn a_git_tree_and_the_same_files_in_a_folder_archive_alike() {
    let repo = ModuleRepo::create();

    let from_git = fetcher().fetch(&repo.at("main")).unwrap();
    let from_folder = fetcher()
        .fetch(&Source::Folder(repo.dir.path().to_path_buf()))
        .unwrap();

    assert_eq!(
        from_git.bytes, from_folder.bytes,
        "same rules, .git left out"
    );
}

#[test]
fn an_unknown_ref_says_how_to_list_the_real_ones() {
    let repo = ModuleRepo::create();

    let err = fetcher().fetch(&repo.at("v9.9.9")).unwrap_err();

    assert!(matches!(err, FetchError::GitRefNotFound { .. }), "{err}");
    assert!(err.to_string().contains("git ls-remote"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_tree_is_refused() {
    let repo = ModuleRepo::create();
    let git = Repository::open(repo.dir.path()).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", repo.dir.path().join("passwd.php")).unwrap();
    commit(&git, &["passwd.php"], "sneak a link in");

    let err = fetcher().fetch(&repo.at("main")).unwrap_err();

    assert!(
        matches!(&err, FetchError::Symlink { path } if path == "passwd.php"),
        "{err}"
    );
}
