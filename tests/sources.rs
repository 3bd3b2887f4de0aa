//! Where extensions come from, end to end: a git repository the test makes,
//! and Composer repositories (v2 and v1 layouts) on loopback, with and
//! without http-basic credentials.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::path::Path;

use serde_json::json;
use support::archives::{composer_json, zip};
use support::upstream::{basic, Upstream};
use support::{sha1, Registry};

/// Commits the files into the repository at `dir` and returns the commit.
fn commit(repo: &git2::Repository, files: &[(&str, &[u8])], message: &str) -> git2::Oid {
    let dir = repo.workdir().unwrap().to_path_buf();
    let mut index = repo.index().unwrap();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        index.add_path(Path::new(name)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("Test Vendor", "vendor@example.test").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

#[test]
fn a_git_tag_is_ingested_with_its_version_and_commit() {
    let registry = Registry::new();
    let dir = registry.tmp.path().join("vendor-repo");
    let repo = git2::Repository::init(&dir).unwrap();
    let manifest = composer_json("acme/from-git", None);
    let tagged = commit(
        &repo,
        &[
            ("composer.json", &manifest),
            ("registration.php", b"<?php\n"),
        ],
        "first",
    );
    let object = repo.find_object(tagged, None).unwrap();
    repo.tag_lightweight("v1.2.0", &object, false).unwrap();
    commit(
        &repo,
        &[("Model/Later.php", b"<?php // after the tag\n")],
        "second",
    );

    let url = format!("file://{}#v1.2.0", dir.display());
    let run = registry.run(&["ingest", "--json", &url]).success();

    assert_eq!(run.json()[0]["name"], "acme/from-git");
    assert_eq!(run.json()[0]["version"], "v1.2.0");
    assert_eq!(
        run.json()[0]["files"],
        2,
        "the tagged tree, not the later commit"
    );
    let listed = registry.run(&["review", "list", "--json"]).success().json();
    assert_eq!(listed[0]["provenance"]["git_commit"], tagged.to_string());
    assert_eq!(listed[0]["provenance"]["kind"], "git");
}

/// Publishes acme/rx at 1.0.0, 1.1.0 and 2.0.0 in the v2 layout.
fn publish_v2(upstream: &Upstream) -> Vec<u8> {
    let mut versions = Vec::new();
    let mut chosen = Vec::new();
    for v in ["1.0.0", "1.1.0", "2.0.0"] {
        let files = vec![
            ("composer.json".to_string(), composer_json("acme/rx", None)),
            (
                "Model/Version.php".to_string(),
                format!("<?php // {v}\n").into_bytes(),
            ),
        ];
        let bytes = zip(&files);
        let path = format!("/dist/acme-rx-{v}.zip");
        versions.push(json!({
            "name": "acme/rx", "version": v, "type": "magento2-module",
            "dist": {"type": "zip", "url": format!("{}{path}", upstream.base), "shasum": sha1(&bytes)}
        }));
        if v == "1.1.0" {
            chosen = bytes.clone();
        }
        upstream.put(&path, bytes);
    }
    upstream.put_json(
        "/packages.json",
        &json!({
            "packages": [], "metadata-url": "/p2/%package%.json", "available-packages": ["acme/rx"]
        }),
    );
    upstream.put_json(
        "/p2/acme/rx.json",
        &json!({"packages": {"acme/rx": versions}}),
    );
    chosen
}

#[test]
fn a_composer_v2_repository_with_http_basic_gives_the_best_match() {
    let registry = Registry::new();
    let upstream = Upstream::start(Some(basic("clinic", "s3cret-pass")));
    let expected = publish_v2(&upstream);
    registry.configure(&format!("\n[[upstream]]\nurl = \"{}\"\n", upstream.base));
    let auth = json!({"http-basic": {upstream.host.clone(): {"username": "clinic", "password": "s3cret-pass"}}});
    std::fs::write(registry.data.join("auth.json"), auth.to_string()).unwrap();

    let run = registry
        .run(&["ingest", "--json", "acme/rx:^1.0"])
        .success();

    let report = &run.json()[0];
    assert_eq!(report["version"], "1.1.0");
    assert_eq!(report["sha1"], sha1(&expected));
    assert!(upstream
        .paths()
        .contains(&"/dist/acme-rx-1.1.0.zip".to_string()));
}

#[test]
fn wrong_credentials_are_refused_without_printing_them() {
    let registry = Registry::new();
    let upstream = Upstream::start(Some(basic("clinic", "s3cret-pass")));
    publish_v2(&upstream);
    registry.configure(&format!("\n[[upstream]]\nurl = \"{}\"\n", upstream.base));
    let auth = json!({"http-basic": {upstream.host.clone(): {"username": "clinic", "password": "wrong-pass-123"}}});
    let before = registry.snapshot();

    let run = registry
        .command(&["ingest", "-vv", "acme/rx:^1.0"])
        .env("COMPOSER_AUTH", auth.to_string())
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stderr.contains("wrong-pass-123"),
        "the secret leaked: {stderr}"
    );
    assert_eq!(registry.snapshot(), before);
}

#[test]
fn a_composer_v1_repository_with_provider_includes_is_read() {
    let registry = Registry::new();
    let upstream = Upstream::start(None);
    let bytes = zip(&[(
        "composer.json".to_string(),
        composer_json("magento/module-rx", None),
    )]);
    upstream.put(
        "/archives/magento-module-rx-102.0.5.0-patch2.zip",
        bytes.clone(),
    );
    let package = json!({"packages": {"magento/module-rx": {
        "102.0.5": {"name": "magento/module-rx", "version": "102.0.5",
            "dist": {"type": "zip", "url": format!("{}/archives/none.zip", upstream.base)}},
        "102.0.5-p2": {"name": "magento/module-rx", "version": "102.0.5-p2",
            "dist": {"type": "zip", "url": format!("{}/archives/magento-module-rx-102.0.5.0-patch2.zip", upstream.base), "reference": null}}
    }}});
    let package_bytes = serde_json::to_vec(&package).unwrap();
    let package_hash = support::sha256(&package_bytes);
    upstream.put(
        &format!("/p/magento/module-rx${package_hash}.json"),
        package_bytes,
    );
    let providers =
        serde_json::to_vec(&json!({"providers": {"magento/module-rx": {"sha256": package_hash}}}))
            .unwrap();
    let providers_hash = support::sha256(&providers);
    upstream.put(&format!("/p/provider-ce${providers_hash}.json"), providers);
    upstream.put_json(
        "/packages.json",
        &json!({
            "packages": [], "providers-url": "/p/%package%$%hash%.json",
            "provider-includes": {"p/provider-ce$%hash%.json": {"sha256": providers_hash}}
        }),
    );
    registry.configure(&format!("\n[[upstream]]\nurl = \"{}\"\n", upstream.base));

    let run = registry
        .run(&["ingest", "--json", "magento/module-rx:~102.0.5"])
        .success();

    assert_eq!(
        run.json()[0]["version"],
        "102.0.5-p2",
        "-p2 sorts after 102.0.5, as in Composer"
    );
    assert_eq!(run.json()[0]["version_normalized"], "102.0.5.0-patch2");
}
