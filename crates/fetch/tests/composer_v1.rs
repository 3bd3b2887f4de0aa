//! Scenarios against a v1 repository laid out as repo.magento.com serves it:
//! `provider-includes` with `%hash%`, then `p/<name>$<sha256>.json`.

#![allow(clippy::unwrap_used)]

mod support;

use formulary_fetch::{FetchError, Source};
use support::repo::{publish_v1, release, sha256_hex};
use support::{basic, fetcher, Site};

fn source(s: &str) -> Source {
    s.parse().unwrap()
}

fn marketplace_keys(site: &Site) -> String {
    format!(
        r#"{{"http-basic": {{"{}": {{"username": "pub-key", "password": "priv-key"}}}}}}"#,
        site.server.origin()
    )
}

#[test]
fn a_magento_style_v1_repository_resolves_through_its_provider_listing() {
    let site = Site::start(None);
    let releases = [
        release("magento/module-catalog", "104.0.6"),
        release("magento/module-catalog", "104.0.6-p3"),
        release("magento/module-cms", "104.0.6"),
    ];
    publish_v1(&site, &releases);

    let fetched = fetcher(&[&site.server.base], None)
        .fetch(&source("magento/module-catalog"))
        .unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("104.0.6-p3"));
    assert_eq!(fetched.bytes, releases[1].zip);
    let paths = site.server.paths();
    assert!(paths[1].starts_with("/p/provider-ce$"), "{paths:?}");
    assert!(
        paths[2].starts_with("/p/magento/module-catalog$"),
        "{paths:?}"
    );
}

#[test]
fn marketplace_keys_as_http_basic_unlock_every_request() {
    let site = Site::start(Some(basic("pub-key", "priv-key")));
    publish_v1(&site, &[release("acme/module-fee", "2.0.0")]);

    let fetched = fetcher(&[&site.server.base], Some(&marketplace_keys(&site)))
        .fetch(&source("acme/module-fee:^2.0"))
        .unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("2.0.0"));
    let seen = site.server.seen();
    assert_eq!(
        seen.len(),
        4,
        "root, listing, provider file, dist: {seen:?}"
    );
    assert!(seen
        .iter()
        .all(|s| s.authorization == Some(basic("pub-key", "priv-key"))));
}

#[test]
fn without_marketplace_keys_the_error_says_where_to_put_them() {
    let site = Site::start(Some(basic("pub-key", "priv-key")));
    publish_v1(&site, &[release("acme/module-fee", "2.0.0")]);

    let err = fetcher(&[&site.server.base], None)
        .fetch(&source("acme/module-fee"))
        .unwrap_err();

    assert!(
        matches!(err, FetchError::Unauthorized { status: 401, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&site.server.origin()), "{err}");
}

#[test]
fn a_bearer_token_works_on_a_v1_repository_too() {
    let site = Site::start(Some("Bearer tok-v1".to_string()));
    publish_v1(&site, &[release("acme/module-fee", "2.0.0")]);
    let auth = format!(r#"{{"bearer": {{"{}": "tok-v1"}}}}"#, site.server.origin());

    let fetched = fetcher(&[&site.server.base], Some(&auth))
        .fetch(&source("acme/module-fee"))
        .unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("2.0.0"));
}

#[test]
fn a_provider_file_that_does_not_match_its_listed_hash_is_refused() {
    let site = Site::start(None);
    publish_v1(&site, &[release("acme/module-fee", "2.0.0")]);
    let path = provider_file_path(&site);
    site.put(&path, br#"{"packages": {}}"#.to_vec());

    let err = fetcher(&[&site.server.base], None)
        .fetch(&source("acme/module-fee"))
        .unwrap_err();

    assert!(
        matches!(err, FetchError::ListingHashMismatch { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&sha256_hex(br#"{"packages": {}}"#)),
        "{err}"
    );
}

/// Where `publish_v1` put acme/module-fee's provider file.
fn provider_file_path(site: &Site) -> String {
    let listing_url = fetch_json(site, "/packages.json")["provider-includes"]
        ["p/provider-ce$%hash%.json"]["sha256"]
        .as_str()
        .map(|hash| format!("/p/provider-ce${hash}.json"))
        .unwrap();
    let hash = fetch_json(site, &listing_url)["providers"]["acme/module-fee"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    format!("/p/acme/module-fee${hash}.json")
}

fn fetch_json(site: &Site, path: &str) -> serde_json::Value {
    let body = reqwest::blocking::get(site.url(path))
        .unwrap()
        .bytes()
        .unwrap();
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn a_package_missing_from_every_listing_is_not_found() {
    let site = Site::start(None);
    publish_v1(&site, &[release("acme/module-fee", "2.0.0")]);

    let err = fetcher(&[&site.server.base], None)
        .fetch(&source("acme/absent"))
        .unwrap_err();

    assert!(matches!(err, FetchError::PackageNotFound { .. }), "{err}");
    assert!(err.to_string().contains(&site.server.base), "{err}");
}
