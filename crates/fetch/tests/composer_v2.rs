//! Scenarios against a Composer v2 repository (the layout packagist.org and
//! formulary serve) running on loopback.

#![allow(clippy::unwrap_used)]

mod support;

use formulary_fetch::{FetchError, Source};
use support::repo::{publish_v2, release, sha1_hex};
use support::{basic, fetcher, Site};

fn source(s: &str) -> Source {
    s.parse().unwrap()
}

#[test]
fn the_newest_stable_release_is_fetched_with_its_provenance() {
    let site = Site::start(None);
    let releases = [
        release("acme/module-rx-upload", "1.0.0"),
        release("acme/module-rx-upload", "1.1.0"),
        release("acme/module-rx-upload", "1.2.0-beta1"),
    ];
    publish_v2(&site, &releases);

    let fetched = fetcher(&[&site.server.base], None)
        .fetch(&source("acme/module-rx-upload"))
        .unwrap();

    assert_eq!(fetched.bytes, releases[1].zip);
    assert_eq!(fetched.version_hint.as_deref(), Some("1.1.0"));
    assert_eq!(fetched.name_hint.unwrap().as_str(), "acme/module-rx-upload");
    let provenance = fetched.provenance;
    assert_eq!(provenance.kind, "composer");
    assert_eq!(provenance.source, "acme/module-rx-upload");
    assert_eq!(
        provenance.upstream_url,
        Some(site.url("/dist/acme/module-rx-upload/1.1.0.zip"))
    );
    assert_eq!(provenance.upstream_shasum, Some(sha1_hex(&releases[1].zip)));
    assert_eq!(provenance.fetched_at, "2026-08-30T10:00:00Z");
}

#[test]
fn a_tilde_constraint_picks_the_newest_magento_patch_release() {
    let site = Site::start(None);
    let releases = [
        release("magento/module-catalog", "2.4.6"),
        release("magento/module-catalog", "2.4.6-p3"),
        release("magento/module-catalog", "2.4.6-p1"),
        release("magento/module-catalog", "2.5.0"),
    ];
    publish_v2(&site, &releases);
    let fetcher = fetcher(&[&site.server.base], None);

    let fetched = fetcher
        .fetch(&source("magento/module-catalog:~2.4.6"))
        .unwrap();
    assert_eq!(fetched.version_hint.as_deref(), Some("2.4.6-p3"));
    assert_eq!(fetched.bytes, releases[1].zip);

    let exact = fetcher
        .fetch(&source("magento/module-catalog:2.4.6"))
        .unwrap();
    assert_eq!(exact.version_hint.as_deref(), Some("2.4.6"));
}

#[test]
fn no_matching_version_lists_what_the_upstream_has() {
    let site = Site::start(None);
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);

    let err = fetcher(&[&site.server.base], None)
        .fetch(&source("acme/rx:^2.0"))
        .unwrap_err();

    assert!(matches!(err, FetchError::NoMatchingVersion { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("acme/rx") && message.contains("^2.0"),
        "{message}"
    );
    assert!(message.contains("has: 1.0.0"), "{message}");
}

#[test]
fn http_basic_credentials_unlock_a_private_repository() {
    let site = Site::start(Some(basic("token", "s3cret-basic")));
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);
    let auth = format!(
        r#"{{"http-basic": {{"{}": {{"username": "token", "password": "s3cret-basic"}}}}}}"#,
        site.server.origin()
    );

    let fetched = fetcher(&[&site.server.base], Some(&auth))
        .fetch(&source("acme/rx"))
        .unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("1.0.0"));
    let seen = site.server.seen();
    assert!(seen
        .iter()
        .all(|s| s.authorization == Some(basic("token", "s3cret-basic"))));
}

#[test]
fn without_credentials_the_error_names_the_host_to_configure() {
    let site = Site::start(Some(basic("token", "s3cret-basic")));
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);

    let err = fetcher(&[&site.server.base], None)
        .fetch(&source("acme/rx"))
        .unwrap_err();

    assert!(
        matches!(err, FetchError::Unauthorized { status: 401, .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains(&site.url("/packages.json")), "{message}");
    assert!(message.contains(&site.server.origin()), "{message}");
    assert!(message.contains("auth.json or COMPOSER_AUTH"), "{message}");
}

#[test]
fn wrong_credentials_are_refused_without_printing_them() {
    let site = Site::start(Some(basic("token", "right")));
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);
    let auth = format!(
        r#"{{"http-basic": {{"{}": {{"username": "token", "password": "wr0ng-s3cret"}}}}}}"#,
        site.server.origin()
    );

    let err = fetcher(&[&site.server.base], Some(&auth))
        .fetch(&source("acme/rx"))
        .unwrap_err();

    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("wr0ng-s3cret"), "{shown}");
    assert!(!shown.contains(&basic("token", "wr0ng-s3cret")), "{shown}");
}

#[test]
fn a_bearer_token_unlocks_a_private_repository() {
    let site = Site::start(Some("Bearer tok-v2".to_string()));
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);
    let auth = format!(r#"{{"bearer": {{"{}": "tok-v2"}}}}"#, site.server.origin());

    let fetched = fetcher(&[&site.server.base], Some(&auth))
        .fetch(&source("acme/rx"))
        .unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("1.0.0"));
}

#[test]
fn a_dist_that_does_not_match_its_shasum_is_refused() {
    let site = Site::start(None);
    let original = release("acme/rx", "1.0.0");
    publish_v2(&site, std::slice::from_ref(&original));
    let tampered = b"PK\x03\x04 not what was published".to_vec();
    site.put("/dist/acme/rx/1.0.0.zip", tampered.clone());

    let err = fetcher(&[&site.server.base], None)
        .fetch(&source("acme/rx"))
        .unwrap_err();

    let FetchError::ChecksumMismatch {
        package,
        version,
        url,
        expected,
        actual,
    } = &err
    else {
        panic!("expected a checksum mismatch, got {err}");
    };
    assert_eq!((package.as_str(), version.as_str()), ("acme/rx", "1.0.0"));
    assert_eq!(url, &site.url("/dist/acme/rx/1.0.0.zip"));
    assert_eq!(expected, &sha1_hex(&original.zip));
    assert_eq!(actual, &sha1_hex(&tampered));
    let message = err.to_string();
    assert!(
        message.contains(expected) && message.contains(actual),
        "{message}"
    );
}

#[test]
fn names_outside_the_available_list_are_never_requested() {
    let site = Site::start(None);
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);

    let err = fetcher(&[&site.server.base], None)
        .fetch(&source("other/thing"))
        .unwrap_err();

    assert!(matches!(err, FetchError::PackageNotFound { .. }), "{err}");
    assert_eq!(site.server.paths(), ["/packages.json"]);
}

#[test]
fn the_first_upstream_that_has_a_name_is_the_only_one_asked() {
    let first = Site::start(None);
    let second = Site::start(None);
    publish_v2(&first, &[release("acme/rx", "1.0.0")]);
    publish_v2(
        &second,
        &[release("acme/rx", "9.0.0"), release("acme/other", "2.0.0")],
    );
    let fetcher = fetcher(&[&first.server.base, &second.server.base], None);

    let rx = fetcher.fetch(&source("acme/rx")).unwrap();
    assert_eq!(rx.version_hint.as_deref(), Some("1.0.0"));
    assert!(second.server.paths().iter().all(|p| !p.contains("acme/rx")));

    let other = fetcher.fetch(&source("acme/other")).unwrap();
    assert_eq!(other.version_hint.as_deref(), Some("2.0.0"));
}

#[test]
fn dev_branches_are_requested_only_when_the_constraint_asks() {
    let site = Site::start(None);
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);

    fetcher(&[&site.server.base], None)
        .fetch(&source("acme/rx"))
        .unwrap();

    assert!(site.server.paths().iter().all(|p| !p.contains("~dev")));
}
