//! The JSON API that `formulary --server URL` drives: listings, decisions
//! signed on the reviewer's machine, uploads, keys and the log.

#![allow(clippy::unwrap_used)]

mod support;

use formulary_trust::statement::{Body, KeyTrustBody, Role, Statement};
use formulary_trust::SigningKey;
use serde_json::{json, Value};
use support::{archive, fixture, json, Server, Token, World, FAQ, LOCATOR, SHIPPING};

/// template -> sign locally -> statements, as the CLI does it.
fn decide_remotely(
    server: &Server,
    token: &Token,
    key: &SigningKey,
    asked: Value,
) -> reqwest::blocking::Response {
    let mut asked = asked;
    asked["signer"] = json!(key.key_id());
    let response = server
        .post_as(token, "/api/v1/decisions/template")
        .json(&asked)
        .send()
        .unwrap();
    let statement: Statement = serde_json::from_value(json(response, 200)).unwrap();
    let envelope = statement.sign(key);
    server
        .post_as(token, "/api/v1/statements")
        .body(envelope.to_bytes())
        .send()
        .unwrap()
}

#[test]
fn a_decision_signed_on_the_reviewers_machine_is_recorded_and_published() {
    let world = World::new();
    let server = world.serve();
    let asked = json!({"package": SHIPPING, "version": "1.0.1", "verdict": "approve",
                       "base_version": "1.0.0", "note": "diffed"});

    let recorded = json(
        decide_remotely(&server, &world.review, &world.alice, asked),
        200,
    );
    assert_eq!(recorded["kind"], "decision");
    assert_eq!(recorded["version"]["state"], "approved");
    assert!(recorded["log_index"].as_u64().unwrap() > 0);

    // Composer sees it at once.
    let p2 = json(
        server
            .get_as(&world.read, &format!("/p2/{SHIPPING}.json"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(p2["packages"][SHIPPING].as_array().unwrap().len(), 2);

    // And a revocation through the API takes the dist away.
    let revoke = json!({"package": SHIPPING, "version": "1.0.1", "verdict": "revoke",
                        "note": "withdrawn by vendor"});
    json(
        decide_remotely(&server, &world.review, &world.carol, revoke),
        200,
    );
    let record = world.registry.version_record(SHIPPING, "1.0.1").unwrap();
    let dist = format!("/dist/{SHIPPING}/1.0.1.0/{}.zip", record.sha256);
    let gone = json(server.get_as(&world.read, &dist).send().unwrap(), 410);
    assert!(gone["error"]
        .as_str()
        .unwrap()
        .contains("withdrawn by vendor"));
}

#[test]
fn a_decision_the_rules_refuse_is_409_and_changes_nothing() {
    let world = World::new();
    let server = world.serve();
    let before = world.log_size();
    // FAQ 1.0.0 was rejected: its archive can never be approved.
    let asked = json!({"package": FAQ, "version": "1.0.0", "verdict": "approve"});
    let body = json(
        decide_remotely(&server, &world.review, &world.alice, asked),
        409,
    );
    assert!(body["error"].is_string());
    assert_eq!(world.log_size(), before);

    let unknown = json!({"package": "acme/x", "version": "1.0.0", "verdict": "approve",
                         "signer": world.alice.key_id()});
    let response = server
        .post_as(&world.review, "/api/v1/decisions/template")
        .json(&unknown)
        .send()
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn statements_need_the_scope_of_their_kind() {
    let world = World::new();
    let server = world.serve();
    let before = world.log_size();
    let mallory = SigningKey::generate();
    let body = Body::KeyTrust(KeyTrustBody {
        key_id: mallory.key_id(),
        public_key: mallory.public().to_base64(),
        name: "mallory".into(),
        role: Role::Admin,
    });
    let envelope =
        Statement::new(&world.alice.key_id(), "2026-05-01T10:00:00Z", body).sign(&world.alice);
    let response = server
        .post_as(&world.review, "/api/v1/statements")
        .body(envelope.to_bytes())
        .send()
        .unwrap();
    assert_eq!(response.status(), 403, "key changes need admin");

    let asked = json!({"package": SHIPPING, "version": "1.0.1", "verdict": "approve",
                       "signer": world.alice.key_id()});
    let template = server
        .post_as(&world.review, "/api/v1/decisions/template")
        .json(&asked)
        .send()
        .unwrap();
    let statement: Statement = serde_json::from_value(json(template, 200)).unwrap();
    let response = server
        .post_as(&world.intake, "/api/v1/statements")
        .body(statement.sign(&world.alice).to_bytes())
        .send()
        .unwrap();
    assert_eq!(response.status(), 403, "decisions need review");
    assert_eq!(world.log_size(), before);
}

#[test]
fn an_uploaded_archive_is_ingested_as_pending_with_upload_provenance() {
    let world = World::new();
    let server = world.serve();
    let bytes = archive(&fixture("clean-store-locator"));
    let upload = || {
        server
            .post_as(&world.intake, "/api/v1/ingest")
            .header("Content-Type", "application/zip")
            .body(bytes.clone())
            .send()
            .unwrap()
    };

    let report = json(upload(), 200);
    assert_eq!(report["outcome"], "stored");
    assert_eq!(report["name"], LOCATOR);
    assert_eq!(report["version"], "1.0.0");
    assert_eq!(report["source"], "by token feeder");
    assert_eq!(json(upload(), 200)["outcome"], "already-present");

    let pending = json(
        server
            .get_as(&world.read, "/api/v1/versions?state=pending")
            .send()
            .unwrap(),
        200,
    );
    let names: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&LOCATOR), "{names:?}");

    let shown = json(
        server
            .get_as(&world.read, &format!("/api/v1/versions/{LOCATOR}/1.0.0"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(shown["state"], "pending");
    assert_eq!(shown["provenance"]["kind"], "upload");
    // The new name is claimed at once: 200-empty, never a 404.
    let p2 = json(
        server
            .get_as(&world.read, &format!("/p2/{LOCATOR}.json"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(p2["packages"][LOCATOR], json!([]));
}

#[test]
fn a_source_naming_a_path_on_the_server_is_refused() {
    let world = World::new();
    let server = world.serve();
    let before = world.log_size();
    let folder = fixture("clean-store-locator");
    for source in [folder.to_str().unwrap(), "/tmp#main", "file:///tmp/x#main"] {
        let response = server
            .post_as(&world.intake, "/api/v1/ingest")
            .json(&json!({ "source": source }))
            .send()
            .unwrap();
        let body = json(response, 400);
        assert!(
            body["error"].as_str().unwrap().contains("local paths"),
            "{body}"
        );
    }
    assert_eq!(world.log_size(), before);
}

#[test]
fn listings_and_unknown_versions() {
    let world = World::new();
    let server = world.serve();
    let all = json(
        server
            .get_as(&world.read, "/api/v1/versions")
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(all.as_array().unwrap().len(), 4);
    let revoked = json(
        server
            .get_as(&world.read, "/api/v1/versions?state=revoked")
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(revoked.as_array().unwrap().len(), 1);
    let bad = server
        .get_as(&world.read, "/api/v1/versions?state=odd")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = server
        .get_as(&world.read, &format!("/api/v1/versions/{SHIPPING}/9.9.9"))
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[test]
fn keys_are_trusted_listed_and_revoked_by_admins() {
    let world = World::new();
    let server = world.serve();
    let dave = SigningKey::generate();
    let asked =
        json!({"public_key": dave.public().to_base64(), "name": "dave", "role": "reviewer"});

    let trusted = json(
        server
            .post_as(&world.admin, "/api/v1/keys")
            .json(&asked)
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(trusted["key_id"], dave.key_id());
    assert_eq!(trusted["role"], "reviewer");

    let keys = json(
        server.get_as(&world.read, "/api/v1/keys").send().unwrap(),
        200,
    );
    assert_eq!(keys.as_array().unwrap().len(), 3);

    let path = format!("/api/v1/keys/{}/revoke", dave.key_id());
    let revoked = json(
        server
            .post_as(&world.admin, &path)
            .json(&json!({"reason": "left"}))
            .send()
            .unwrap(),
        200,
    );
    assert!(revoked["revoked_at"].is_u64());
    let unknown = server
        .post_as(&world.admin, "/api/v1/keys/0000000000000000/revoke")
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[test]
fn the_log_is_served_as_a_bundle_and_proofs() {
    let world = World::new();
    let server = world.serve();
    let size = world.log_size();

    let bundle = json(
        server
            .get_as(&world.read, "/api/v1/log/bundle")
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(bundle["format"], "formulary-evidence/v1");
    assert_eq!(bundle["entries"].as_array().unwrap().len() as u64, size);
    let bundle: formulary_registry::Bundle = serde_json::from_value(bundle).unwrap();
    assert!(formulary_registry::verify_bundle(&bundle, None, None).is_ok());

    let since = json(
        server
            .get_as(&world.read, "/api/v1/log/bundle?since=2000-01-01")
            .send()
            .unwrap(),
        200,
    );
    assert!(since["period"].is_object());
    let bad = server
        .get_as(&world.read, "/api/v1/log/bundle?since=yesterday")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400);

    let proof = json(
        server
            .get_as(&world.read, &format!("/api/v1/log/proof/1?size={size}"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(proof["index"], 1);
    let beyond = server
        .get_as(&world.read, &format!("/api/v1/log/proof/{size}"))
        .send()
        .unwrap();
    assert_eq!(beyond.status(), 404);

    let consistency = json(
        server
            .get_as(&world.read, "/api/v1/log/consistency?old=2")
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(consistency["new_size"].as_u64(), Some(size));
    let bad = server
        .get_as(&world.read, "/api/v1/log/consistency?old=x")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[test]
fn an_admin_makes_and_revokes_tokens_while_the_server_runs() {
    let world = World::new();
    let server = world.serve();
    let asked = json!({"name": "deploy", "scope": "read"});

    let response = server
        .post_as(&world.admin, "/api/v1/tokens")
        .json(&asked)
        .send()
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let made = json(response, 200);
    assert_eq!(
        (made["name"].as_str(), made["scope"].as_str()),
        (Some("deploy"), Some("read"))
    );
    let deploy = Token {
        name: "deploy".into(),
        secret: made["secret"].as_str().unwrap().to_string(),
    };
    let p2 = format!("/p2/{SHIPPING}.json");
    assert_eq!(server.get_as(&deploy, &p2).send().unwrap().status(), 200);

    let listed = json(
        server
            .get_as(&world.admin, "/api/v1/tokens")
            .send()
            .unwrap(),
        200,
    );
    let shown = listed.to_string();
    assert!(shown.contains("\"deploy\"") && !shown.contains(&deploy.secret));
    assert!(!shown.contains("sha256"), "never a hash: {shown}");

    let again = server
        .post_as(&world.admin, "/api/v1/tokens")
        .json(&asked)
        .send()
        .unwrap();
    assert_eq!(
        again.status(),
        409,
        "the name is taken while deploy is active"
    );

    let revoked = json(
        server
            .post_as(&world.admin, "/api/v1/tokens/deploy/revoke")
            .send()
            .unwrap(),
        200,
    );
    assert!(revoked["revoked_at"].is_string());
    // Refused from the very next request on.
    assert_eq!(server.get_as(&deploy, &p2).send().unwrap().status(), 401);

    let trail = world.registry.store().audit_trail().unwrap();
    let by_ops: Vec<&str> = trail
        .iter()
        .filter(|e| e.who == "token:ops")
        .map(|e| e.what.as_str())
        .collect();
    assert_eq!(by_ops, ["token-created", "token-revoked"]);
}

#[test]
fn tokens_need_admin_and_sensible_input() {
    let world = World::new();
    let server = world.serve();
    let asked = json!({"name": "deploy", "scope": "admin"});
    for token in [&world.read, &world.intake, &world.review] {
        let made = server.post_as(token, "/api/v1/tokens").json(&asked).send();
        assert_eq!(
            made.unwrap().status(),
            403,
            "{} may not make tokens",
            token.name
        );
        let listed = server.get_as(token, "/api/v1/tokens").send().unwrap();
        assert_eq!(listed.status(), 403);
        let revoke = server.post_as(token, "/api/v1/tokens/ops/revoke").send();
        assert_eq!(revoke.unwrap().status(), 403);
    }
    let no_credentials = server.get("/api/v1/tokens").send().unwrap();
    assert_eq!(no_credentials.status(), 401);

    for bad in [
        json!({"name": "deploy", "scope": "root"}),
        json!({"name": "no spaces", "scope": "read"}),
        json!({"name": "x".repeat(65), "scope": "read"}),
        json!({"name": "deploy"}),
        json!({"name": "deploy", "scope": "read", "secret": "fml_mine"}),
    ] {
        let response = server
            .post_as(&world.admin, "/api/v1/tokens")
            .json(&bad)
            .send()
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
    let unknown = server
        .post_as(&world.admin, "/api/v1/tokens/nobody/revoke")
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        world.registry.tokens().unwrap().len(),
        4,
        "nothing was made"
    );
}

#[test]
fn an_approval_through_the_api_moves_the_stamp_of_packages_json() {
    let world = World::new();
    let server = world.serve();
    let root = |since: Option<&str>| {
        let request = server.get_as(&world.read, "/packages.json");
        let request = match since {
            Some(date) => request.header("If-Modified-Since", date),
            None => request,
        };
        request.send().unwrap()
    };
    let stamp_of = |r: &reqwest::blocking::Response| {
        let stamp = r.headers()["last-modified"].to_str().unwrap();
        httpdate::parse_http_date(stamp).unwrap()
    };
    let before = root(None);
    let stamp = before.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    let body = before.bytes().unwrap();
    assert_eq!(root(Some(&stamp)).status(), 304);

    // SHIPPING is already a known name: the root's bytes stay the same.
    let asked = json!({"package": SHIPPING, "version": "1.0.1", "verdict": "approve"});
    json(
        decide_remotely(&server, &world.review, &world.alice, asked),
        200,
    );

    let after = root(Some(&stamp));
    assert_eq!(
        after.status(),
        200,
        "a client holding the old stamp must refetch"
    );
    assert!(stamp_of(&after) > httpdate::parse_http_date(&stamp).unwrap());
    let fresh = after.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(after.bytes().unwrap(), body);
    assert_eq!(root(Some(&fresh)).status(), 304);
}
