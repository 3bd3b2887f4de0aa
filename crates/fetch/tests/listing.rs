//! Listing upstreams for `formulary intake`: a package's versions with
//! their dists, SHA-1s and release times, a vendor's names, and fetching
//! one listed version.

#![allow(clippy::unwrap_used)]

mod support;

use formulary_composer::PackageName;
use formulary_fetch::FetchError;
use serde_json::json;
use support::repo::{publish_v1, publish_v2, release, sha1_hex, Release};
use support::{fetcher, Site};

fn name(s: &str) -> PackageName {
    PackageName::parse(s).unwrap()
}

fn released(name: &str, version: &str, time: &str) -> Release {
    Release {
        time: Some(time.to_string()),
        ..release(name, version)
    }
}

#[test]
fn every_version_is_listed_oldest_first_with_its_shasum_and_release_time() {
    let site = Site::start(None);
    let releases = [
        released("acme/rx", "1.0.1", "2026-08-01T10:00:00+00:00"),
        released("acme/rx", "1.0.0", "2026-07-01 09:30:00"),
        release("acme/rx", "1.1.0"),
    ];
    publish_v2(&site, &releases);

    let listed = fetcher(&[&site.server.base], None)
        .list_versions(&name("acme/rx"))
        .unwrap();

    let versions: Vec<&str> = listed.iter().map(|l| l.version.pretty()).collect();
    assert_eq!(versions, ["1.0.0", "1.0.1", "1.1.0"]);
    assert_eq!(listed[0].shasum, Some(sha1_hex(&releases[1].zip)));
    let july = time::macros::datetime!(2026-07-01 09:30 UTC);
    assert_eq!(listed[0].released, Some(july));
    assert!(listed[1].released.is_some());
    assert_eq!(listed[2].released, None);
    assert_eq!(listed[0].upstream, site.server.base);
}

#[test]
fn a_listed_version_is_fetched_and_checked_against_its_shasum() {
    let site = Site::start(None);
    let releases = [release("acme/rx", "1.0.0"), release("acme/rx", "1.0.1")];
    publish_v2(&site, &releases);
    let fetcher = fetcher(&[&site.server.base], None);
    let listed = fetcher.list_versions(&name("acme/rx")).unwrap();

    let fetched = fetcher.fetch_listed(&listed[1]).unwrap();
    assert_eq!(fetched.bytes, releases[1].zip);
    assert_eq!(fetched.provenance.kind, "composer");
    assert_eq!(fetched.provenance.source, "acme/rx:1.0.1");
    assert_eq!(fetched.version_hint.as_deref(), Some("1.0.1"));

    // The upstream now serves other bytes at the same dist URL.
    site.put(
        &support::repo::dist_path(&releases[1]),
        b"PK\x05\x06other".to_vec(),
    );
    let err = fetcher.fetch_listed(&listed[1]).unwrap_err();
    assert!(matches!(err, FetchError::ChecksumMismatch { .. }), "{err}");
}

#[test]
fn a_vendors_names_come_from_available_packages_or_the_v1_listing() {
    let v2 = Site::start(None);
    publish_v2(
        &v2,
        &[
            release("magento/module-a", "2.4.6"),
            release("magento/module-b", "2.4.6"),
            release("acme/rx", "1.0.0"),
        ],
    );
    let names = fetcher(&[&v2.server.base], None)
        .list_names("magento")
        .unwrap();
    let names: Vec<&str> = names.iter().map(PackageName::as_str).collect();
    assert_eq!(names, ["magento/module-a", "magento/module-b"]);

    let v1 = Site::start(None);
    publish_v1(
        &v1,
        &[
            release("magento/module-c", "2.4.6"),
            release("acme/rx", "1.0.0"),
        ],
    );
    let names = fetcher(&[&v1.server.base], None)
        .list_names("magento")
        .unwrap();
    assert_eq!(names, [name("magento/module-c")]);
}

#[test]
fn a_v2_upstream_without_a_name_list_cannot_follow_a_pattern() {
    let site = Site::start(None);
    publish_v2(&site, &[release("magento/module-a", "2.4.6")]);
    let root = json!({"packages": [], "metadata-url": "/p2/%package%.json"});
    site.put("/packages.json", root.to_string().into_bytes());

    let err = fetcher(&[&site.server.base], None)
        .list_names("magento")
        .unwrap_err();
    assert!(matches!(err, FetchError::CannotListNames { .. }), "{err}");
    assert!(err.to_string().contains("magento/*"), "{err}");

    let patterned = json!({"packages": [], "metadata-url": "/p2/%package%.json",
        "available-packages": [], "available-package-patterns": ["magento/*"]});
    site.put("/packages.json", patterned.to_string().into_bytes());
    let err = fetcher(&[&site.server.base], None)
        .list_names("magento")
        .unwrap_err();
    assert!(matches!(err, FetchError::CannotListNames { .. }), "{err}");
}
