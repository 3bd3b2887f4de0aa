//! How the HTTP layer behaves toward upstreams: credentials stay with their
//! origin across redirects, gateway errors are retried, and give-ups are
//! reported with the URL.

#![allow(clippy::unwrap_used)]

mod support;

use formulary_fetch::{FetchError, Source};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::repo::{publish_v2, release};
use support::{basic, fetcher, Reply, Server, Site};

fn source(s: &str) -> Source {
    s.parse().unwrap()
}

fn basic_auth_for(site: &Site) -> String {
    format!(
        r#"{{"http-basic": {{"{}": {{"username": "token", "password": "origin-only"}}}}}}"#,
        site.server.origin()
    )
}

#[test]
fn a_redirect_to_another_origin_does_not_carry_the_authorization_header() {
    let archive = release("acme/rx", "1.0.0");
    let bytes = archive.zip.clone();
    let storage = Server::start(move |_| Reply::Body(bytes.clone()));
    let registry = Site::start(Some(basic("token", "origin-only")));
    publish_v2(&registry, std::slice::from_ref(&archive));
    // The registry answers the dist with a presigned object-storage URL on
    // another port, which makes it another origin.
    let presigned = storage.url("/bucket/acme-rx-1.0.0.zip?sig=abc");
    registry.redirect("/dist/acme/rx/1.0.0.zip", presigned);

    let fetched = fetcher(&[&registry.server.base], Some(&basic_auth_for(&registry)))
        .fetch(&source("acme/rx"))
        .unwrap();

    assert_eq!(fetched.bytes, archive.zip);
    let registry_saw = registry.server.seen();
    let dist_hop = registry_saw
        .iter()
        .find(|s| s.path.starts_with("/dist/"))
        .unwrap();
    assert_eq!(dist_hop.authorization, Some(basic("token", "origin-only")));
    let storage_saw = storage.seen();
    assert_eq!(storage_saw.len(), 1);
    assert_eq!(storage_saw[0].path, "/bucket/acme-rx-1.0.0.zip?sig=abc");
    assert_eq!(
        storage_saw[0].authorization, None,
        "the credential followed the redirect"
    );
}

#[test]
fn a_503_is_retried_and_then_succeeds() {
    let site = Site::start(None);
    publish_v2(&site, &[release("acme/rx", "1.0.0")]);
    // A gateway in front of the repository fails its first request.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let target = site.server.base.clone();
    let flaky = Server::start(move |seen| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::Status(503);
        }
        Reply::Redirect(format!("{target}{}", seen.path))
    });

    let fetched = fetcher(&[&flaky.base], None)
        .fetch(&source("acme/rx"))
        .unwrap();

    assert_eq!(fetched.version_hint.as_deref(), Some("1.0.0"));
    let paths = flaky.paths();
    assert_eq!(&paths[..2], ["/packages.json", "/packages.json"]);
}

#[test]
fn a_server_that_keeps_failing_is_given_up_on_after_the_retries() {
    let failing = Server::start(|_| Reply::Status(502));

    let err = fetcher(&[&failing.base], None)
        .fetch(&source("acme/rx"))
        .unwrap_err();

    assert!(
        matches!(err, FetchError::Status { status: 502, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&failing.url("/packages.json")),
        "{err}"
    );
    assert_eq!(failing.seen().len(), 3, "one try and two retries");
}

#[test]
fn a_client_error_is_not_retried() {
    let gone = Server::start(|_| Reply::Status(410));

    let err = fetcher(&[&gone.base], None)
        .fetch(&source("acme/rx"))
        .unwrap_err();

    assert!(
        matches!(err, FetchError::Status { status: 410, .. }),
        "{err}"
    );
    assert_eq!(gone.seen().len(), 1);
}

#[test]
fn a_refused_connection_is_a_transport_error_naming_the_url() {
    let url = {
        let server = Server::start(|_| Reply::Status(404));
        server.base.clone()
    };

    let err = fetcher(&[&url], None)
        .fetch(&source("acme/rx"))
        .unwrap_err();

    assert!(
        matches!(err, FetchError::Transport { attempts: 3, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!("{url}/packages.json")),
        "{err}"
    );
}

#[test]
fn a_redirect_loop_stops_after_ten_hops() {
    let looping = Server::start(|seen| Reply::Redirect(format!("{}x", seen.path)));

    let err = fetcher(&[&looping.base], None)
        .fetch(&source("acme/rx"))
        .unwrap_err();

    assert!(matches!(err, FetchError::Redirect { .. }), "{err}");
    assert_eq!(looping.seen().len(), 11);
}

#[test]
fn a_403_with_credentials_names_the_host_but_not_the_secret() {
    let forbidding = Server::start(|_| Reply::Status(403));
    let auth = format!(
        r#"{{"bearer": {{"{}": "expired-t0ken"}}}}"#,
        forbidding.origin()
    );

    let err = fetcher(&[&forbidding.base], Some(&auth))
        .fetch(&source("acme/rx"))
        .unwrap_err();

    let message = err.to_string();
    assert!(message.starts_with("HTTP 403 from"), "{message}");
    assert!(message.contains(&forbidding.origin()), "{message}");
    assert!(
        !format!("{message} {err:?}").contains("expired-t0ken"),
        "{message}"
    );
    assert_eq!(
        forbidding.seen()[0].authorization.as_deref(),
        Some("Bearer expired-t0ken")
    );
}

#[test]
fn a_body_longer_than_the_limit_is_refused_while_reading() {
    // The support fetcher accepts bodies up to 1 MiB; this upstream sends 2.
    let endless = Server::start(|_| Reply::Body(vec![b' '; 2 << 20]));

    let err = fetcher(&[&endless.base], None)
        .fetch(&source("acme/rx"))
        .unwrap_err();

    assert!(
        matches!(err, FetchError::TooLarge { limit: 1048576, .. }),
        "{err}"
    );
    assert_eq!(endless.seen().len(), 1, "a refusal is not retried");
}
