//! Who gets in, and what a malformed request gets: a clean 4xx and no
//! change to the registry.

#![allow(clippy::unwrap_used)]

mod support;

use support::{json, raw_get_status, Token, World, SHIPPING};

#[test]
fn without_credentials_composer_routes_answer_401_with_a_challenge() {
    let world = World::new();
    let server = world.serve();
    for path in [
        "/packages.json".to_string(),
        format!("/p2/{SHIPPING}.json"),
        "/metrics".to_string(),
        "/api/v1/versions".to_string(),
    ] {
        let response = server.get(&path).send().unwrap();
        assert_eq!(
            response.headers()["www-authenticate"],
            "Basic realm=\"formulary\"",
            "{path}"
        );
        assert!(json(response, 401)["error"].is_string());
    }
    // Only the health check is open.
    assert_eq!(
        json(server.get("/healthz").send().unwrap(), 200)["status"],
        "ok"
    );
}

#[test]
fn tokens_work_as_http_basic_and_as_bearer_and_wrong_ones_are_refused() {
    let world = World::new();
    let server = world.serve();
    let path = "/packages.json";

    assert_eq!(
        server.get_as(&world.read, path).send().unwrap().status(),
        200
    );
    let bearer = server
        .get(path)
        .bearer_auth(&world.read.secret)
        .send()
        .unwrap();
    assert_eq!(bearer.status(), 200);

    let wrong_secret = Token {
        name: world.read.name.clone(),
        secret: format!("{}x", world.read.secret),
    };
    let wrong_user = Token {
        name: "someone".to_string(),
        secret: world.read.secret.clone(),
    };
    for token in [&wrong_secret, &wrong_user] {
        let response = server.get_as(token, path).send().unwrap();
        assert!(response.headers().contains_key("www-authenticate"));
        assert_eq!(response.status(), 401);
    }
    let junk = server
        .get(path)
        .header("Authorization", "Digest x")
        .send()
        .unwrap();
    assert_eq!(junk.status(), 401);

    world.registry.revoke_token(&world.read.name).unwrap();
    assert_eq!(
        server.get_as(&world.read, path).send().unwrap().status(),
        401
    );
}

#[test]
fn a_scope_too_small_is_403_and_names_what_is_needed() {
    let world = World::new();
    let server = world.serve();
    let before = world.log_size();

    let response = server
        .post_as(&world.read, "/api/v1/ingest")
        .header("Content-Type", "application/json")
        .body(r#"{"source": "acme/x"}"#)
        .send()
        .unwrap();
    let body = json(response, 403);
    assert!(body["error"].as_str().unwrap().contains("intake"), "{body}");

    let public_key = world.alice.public().to_base64();
    let key = serde_json::json!({"public_key": public_key, "name": "x", "role": "admin"});
    for token in [&world.read, &world.intake, &world.review] {
        let response = server
            .post_as(token, "/api/v1/keys")
            .json(&key)
            .send()
            .unwrap();
        assert_eq!(response.status(), 403, "{}", token.name);
    }
    assert_eq!(world.log_size(), before);
}

#[test]
fn anonymous_reads_are_a_setting_and_never_cover_writes_or_wrong_tokens() {
    let world = World::new();
    let server = world.serve_with(|s| s.anonymous_read = true);

    assert_eq!(server.get("/packages.json").send().unwrap().status(), 200);
    assert_eq!(
        server
            .get(&format!("/p2/{SHIPPING}.json"))
            .send()
            .unwrap()
            .status(),
        200
    );
    let template = server
        .http
        .post(server.url("/api/v1/decisions/template"))
        .json(&serde_json::json!({}))
        .send()
        .unwrap();
    assert_eq!(template.status(), 401);
    let wrong = Token {
        name: "ci".to_string(),
        secret: "fml_wrong".to_string(),
    };
    assert_eq!(
        server
            .get_as(&wrong, "/packages.json")
            .send()
            .unwrap()
            .status(),
        401
    );
}

#[test]
fn traversal_and_odd_names_are_refused_before_any_lookup() {
    let world = World::new();
    let server = world.serve();
    let long = "a".repeat(300);
    for path in [
        "/p2/..%2F..%2Fetc/passwd.json".to_string(),
        "/p2/Formulary-Fixtures/Clean-Shipping-Rates.json".to_string(),
        "/p2/acme/x%00y.json".to_string(),
        format!("/p2/acme/{long}.json"),
        format!("/dist/../{SHIPPING}/1.0.0.0/x.zip"),
        format!("/dist/{SHIPPING}/1.0.0.0/not-a-digest.zip"),
        "/api/v1/versions/..%2F../x/1.0.0".to_string(),
    ] {
        let response = server.get_as(&world.read, &path).send().unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{path}"
        );
    }
    // Paths sent as written, without the client resolving `..`.
    for path in [
        "/p2/../../etc/passwd.json",
        "/p2/../etc/passwd.json",
        "/dist/../../../etc/x/passwd.zip",
        "/../../etc/passwd",
    ] {
        let status = raw_get_status(&server, path, &world.read);
        assert!((400..500).contains(&status), "{path}: {status}");
    }
}

#[test]
fn a_date_that_is_not_an_http_date_is_a_bad_request() {
    let world = World::new();
    let server = world.serve();
    let response = server
        .get_as(&world.read, "/packages.json")
        .header("If-Modified-Since", "last tuesday")
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[test]
fn oversized_bodies_and_bad_json_are_refused_and_change_nothing() {
    let world = World::new();
    let server = world.serve_with(|s| s.max_body_bytes = 1024);
    let before = world.log_size();

    let big = vec![b'P'; 4096];
    let response = server
        .post_as(&world.intake, "/api/v1/ingest")
        .header("Content-Type", "application/zip")
        .body(big)
        .send()
        .unwrap();
    assert!(json(response, 413)["error"].is_string());

    for (token, path, body) in [
        (&world.review, "/api/v1/decisions/template", "{not json"),
        (&world.review, "/api/v1/statements", "[]"),
        (&world.admin, "/api/v1/keys", r#"{"public_key": 1}"#),
        (
            &world.intake,
            "/api/v1/ingest",
            r#"{"source": "acme/x", "extra": 1}"#,
        ),
        (&world.read, "/downloads", "downloads"),
    ] {
        let response = server
            .post_as(token, path)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .unwrap();
        assert!(json(response, 400)["error"].is_string(), "{path}");
    }
    // Bytes that are not a zip are refused by the unpacker.
    let response = server
        .post_as(&world.intake, "/api/v1/ingest")
        .header("Content-Type", "application/zip")
        .body("PK but not really")
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(world.log_size(), before);
}
