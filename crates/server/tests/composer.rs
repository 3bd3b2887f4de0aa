//! What Composer sees: packages.json, p2 files, revalidation, dists and
//! security advisories, over real HTTP on loopback.

#![allow(clippy::unwrap_used)]

mod support;

use formulary_trust::statement::Verdict;
use sha1::{Digest, Sha1};
use support::{decide, json, World, BADGES, FAQ, SHIPPING};

#[test]
fn packages_json_is_protocol_v2_with_every_known_name_and_absolute_urls() {
    let world = World::new();
    let server = world.serve();

    let response = server.get_as(&world.read, "/packages.json").send().unwrap();
    assert!(response.headers().contains_key("last-modified"));
    assert_eq!(response.headers()["content-type"], "application/json");
    let root = json(response, 200);

    let base = &server.base;
    assert_eq!(root["metadata-url"], format!("{base}/p2/%package%.json"));
    assert_eq!(root["packages"], serde_json::json!([]));
    assert_eq!(root["notify-batch"], format!("{base}/downloads"));
    assert_eq!(
        root["security-advisories"]["api-url"],
        format!("{base}/api/security-advisories")
    );
    // Every name the registry holds, approved or not, is claimed.
    assert_eq!(
        root["available-packages"],
        serde_json::json!([BADGES, FAQ, SHIPPING])
    );
}

#[test]
fn p2_lists_only_approved_versions_with_dists_on_this_server() {
    let world = World::new();
    let server = world.serve();

    let p2 = json(
        server
            .get_as(&world.read, &format!("/p2/{SHIPPING}.json"))
            .send()
            .unwrap(),
        200,
    );
    let versions = p2["packages"][SHIPPING].as_array().unwrap();
    assert_eq!(versions.len(), 1, "1.0.1 is pending: {p2}");
    let v = &versions[0];
    assert_eq!(v["version"], "1.0.0");
    assert_eq!(v["version_normalized"], "1.0.0.0");
    assert_eq!(v["type"], "magento2-module");
    assert!(v.get("source").is_none());
    assert_eq!(v["dist"]["type"], "zip");

    let stored = world.registry.version_record(SHIPPING, "1.0.0").unwrap();
    assert_eq!(v["dist"]["reference"], stored.sha256.as_str());
    assert_eq!(v["dist"]["shasum"], stored.sha1.as_str());
    assert_eq!(v["time"], stored.ingested_at.as_str());
    let url = v["dist"]["url"].as_str().unwrap();
    assert_eq!(
        url,
        server.url(&format!("/dist/{SHIPPING}/1.0.0.0/{}.zip", stored.sha256))
    );

    // The dist is exactly the stored bytes, and its sha1 is the shasum.
    let response = server
        .http
        .get(url)
        .basic_auth(&world.read.name, Some(&world.read.secret))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().unwrap();
    assert_eq!(
        bytes.as_ref(),
        world.registry.store().get_blob(&stored.sha256).unwrap()
    );
    assert_eq!(hex::encode(Sha1::digest(&bytes)), stored.sha1);
}

#[test]
fn claimed_names_without_an_approved_version_are_200_empty_and_unknown_names_404() {
    let world = World::new();
    let server = world.serve();
    let get = |path: &str| server.get_as(&world.read, path).send().unwrap();

    for name in [FAQ, BADGES] {
        let p2 = json(get(&format!("/p2/{name}.json")), 200);
        assert_eq!(p2, serde_json::json!({"packages": {name: []}}));
    }
    for name in [FAQ, BADGES, SHIPPING] {
        let dev = json(get(&format!("/p2/{name}~dev.json")), 200);
        assert_eq!(dev, serde_json::json!({"packages": {name: []}}));
    }
    assert_eq!(get("/p2/acme/unknown.json").status(), 404);
    assert_eq!(get("/p2/acme/unknown~dev.json").status(), 404);
}

#[test]
fn a_matching_if_modified_since_gets_an_empty_304_and_a_change_a_later_stamp() {
    let world = World::new();
    let server = world.serve();
    let path = format!("/p2/{SHIPPING}.json");
    let fetch = |since: Option<&str>| {
        let request = server.get_as(&world.read, &path);
        let request = match since {
            Some(date) => request.header("If-Modified-Since", date),
            None => request,
        };
        request.send().unwrap()
    };

    let first = fetch(None);
    let stamp = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    let not_modified = fetch(Some(&stamp));
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers()["last-modified"], stamp.as_str());
    assert!(not_modified.bytes().unwrap().is_empty());
    // Any other date, earlier or later, is answered in full.
    let other = fetch(Some("Thu, 01 Jan 2015 00:00:00 GMT"));
    assert_eq!(other.status(), 200);

    // Approve 1.0.1, then revoke it, both within this second or the next:
    // each change must reach a client holding the previous stamp.
    decide(
        &world.registry,
        &world.alice,
        SHIPPING,
        "1.0.1",
        Verdict::Approve,
        None,
    );
    server.republish();
    let changed = fetch(Some(&stamp));
    assert_eq!(changed.status(), 200);
    let second = changed.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(later(&second, &stamp), "{second} after {stamp}");
    let p2: serde_json::Value = changed.json().unwrap();
    assert_eq!(p2["packages"][SHIPPING].as_array().unwrap().len(), 2);

    decide(
        &world.registry,
        &world.carol,
        SHIPPING,
        "1.0.1",
        Verdict::Revoke,
        Some("oops"),
    );
    server.republish();
    let again = fetch(Some(&second));
    assert_eq!(again.status(), 200);
    let third = again.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(later(&third, &second), "{third} after {second}");
}

fn later(a: &str, b: &str) -> bool {
    httpdate::parse_http_date(a).unwrap() > httpdate::parse_http_date(b).unwrap()
}

#[test]
fn dists_of_versions_never_approved_are_404_and_revoked_ones_410_with_the_reason() {
    let world = World::new();
    let server = world.serve();
    let dist = |name: &str, version: &str| {
        let record = world.registry.version_record(name, version).unwrap();
        let path = format!(
            "/dist/{name}/{}/{}.zip",
            record.version_normalized, record.sha256
        );
        server.get_as(&world.read, &path).send().unwrap()
    };

    assert_eq!(dist(SHIPPING, "1.0.1").status(), 404, "pending");
    assert_eq!(dist(FAQ, "1.0.0").status(), 404, "rejected");

    let gone = dist(BADGES, "1.0.0");
    assert_eq!(gone.headers()["content-type"], "application/json");
    let body = json(gone, 410);
    let reason = body["error"].as_str().unwrap();
    assert!(
        reason.contains("phones home") && reason.contains("carol"),
        "{reason}"
    );
    assert_eq!(body["warning"], body["error"]);

    // The approved version under another reference, or an unknown one.
    let approved = world.registry.version_record(SHIPPING, "1.0.0").unwrap();
    let wrong = format!("/dist/{SHIPPING}/1.0.0.0/{}.zip", "0".repeat(64));
    assert_eq!(
        server.get_as(&world.read, &wrong).send().unwrap().status(),
        404
    );
    let unknown = format!("/dist/acme/unknown/1.0.0.0/{}.zip", approved.sha256);
    assert_eq!(
        server
            .get_as(&world.read, &unknown)
            .send()
            .unwrap()
            .status(),
        404
    );
}

#[test]
fn revoked_versions_are_advisories_in_the_form_composer_audit_reads() {
    let world = World::new();
    let server = world.serve();

    // Exactly what Composer 2.5's http_build_query sends.
    let form = format!(
        "packages%5B0%5D={}&packages%5B1%5D={}&packages%5B2%5D=acme%2Funknown",
        BADGES.replace('/', "%2F"),
        SHIPPING.replace('/', "%2F")
    );
    let response = server
        .post_as(&world.read, "/api/security-advisories")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .unwrap();
    let body = json(response, 200);
    let advisories = body["advisories"].as_object().unwrap();
    // Known names are answered (empty = none); names not ours are left out.
    let names: Vec<&String> = advisories.keys().collect();
    assert_eq!(names, [BADGES, SHIPPING]);
    assert_eq!(advisories[SHIPPING], serde_json::json!([]));

    let badge = &advisories[BADGES][0];
    for key in ["advisoryId", "title", "reportedAt", "affectedVersions"] {
        assert!(badge[key].is_string(), "{key} in {badge}");
    }
    assert_eq!(badge["affectedVersions"], "==1.0.0.0");
    assert!(badge["title"].as_str().unwrap().contains("phones home"));
    assert_eq!(badge["sources"][0]["name"], "formulary");
    let reported = badge["reportedAt"].as_str().unwrap();
    assert_eq!(reported.len(), "2026-05-01 10:00:00".len(), "{reported}");

    // The same query as GET, with `packages[]=`.
    let get = server
        .get_as(
            &world.read,
            &format!("/api/security-advisories?packages[]={BADGES}"),
        )
        .send()
        .unwrap();
    let body = json(get, 200);
    assert_eq!(body["advisories"].as_object().unwrap().len(), 1);
}

#[test]
fn notify_batch_is_accepted_and_counted() {
    let world = World::new();
    let server = world.serve();
    let batch = serde_json::json!({"downloads": [{"name": SHIPPING, "version": "1.0.0.0"}]});
    let response = server
        .post_as(&world.read, "/downloads")
        .json(&batch)
        .send()
        .unwrap();
    assert_eq!(json(response, 200)["status"], "success");

    let metrics = server
        .get_as(&world.read, "/metrics")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("formulary_install_notifications_total 1"),
        "{metrics}"
    );
}

#[test]
fn metrics_count_requests_by_route_and_status_and_versions_by_state() {
    let world = World::new();
    let server = world.serve();
    let path = format!("/p2/{SHIPPING}.json");
    let first = server.get_as(&world.read, &path).send().unwrap();
    let stamp = first.headers()["last-modified"].clone();
    for _ in 0..2 {
        let response = server
            .get_as(&world.read, &path)
            .header("If-Modified-Since", stamp.clone())
            .send()
            .unwrap();
        assert_eq!(response.status(), 304);
    }
    server
        .get_as(&world.read, "/p2/acme/unknown.json")
        .send()
        .unwrap();

    let response = server.get_as(&world.read, "/metrics").send().unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().unwrap();
    for line in [
        "formulary_http_requests_total{route=\"/p2/{vendor}/{file}\",status=\"200\"} 1",
        "formulary_http_requests_total{route=\"/p2/{vendor}/{file}\",status=\"304\"} 2",
        "formulary_http_requests_total{route=\"/p2/{vendor}/{file}\",status=\"404\"} 1",
        "formulary_metadata_not_modified_total 2",
        "formulary_http_request_duration_seconds_count{route=\"/p2/{vendor}/{file}\"} 4",
        "formulary_versions{state=\"approved\"} 1",
        "formulary_versions{state=\"pending\"} 1",
        "formulary_versions{state=\"rejected\"} 1",
        "formulary_versions{state=\"revoked\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
}
