//! Test scaffolding for intake: a static Composer v2 repository on a
//! loopback port, with packages, p2 files and zips the test writes.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};
use sha1::Digest as _;
use time::OffsetDateTime;

/// A static file server on 127.0.0.1; stops when dropped.
pub struct Site {
    pub base: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Site {
    pub fn start() -> Site {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (files, requests, stop) = (files.clone(), requests.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(20)) else {
                        continue;
                    };
                    let path = request.url().to_string();
                    requests.lock().unwrap().push(path.clone());
                    let found = files.lock().unwrap().get(&path).cloned();
                    let response = match found {
                        Some(bytes) => tiny_http::Response::from_data(bytes),
                        None => tiny_http::Response::from_data(Vec::new()).with_status_code(404),
                    };
                    let _ = request.respond(response);
                }
            })
        };
        Site {
            base: format!("http://127.0.0.1:{port}"),
            files,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        self.files.lock().unwrap().insert(path.to_string(), bytes);
    }

    /// Paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One published version.
#[derive(Clone)]
pub struct Release {
    pub name: String,
    pub version: String,
    pub zip: Vec<u8>,
    /// Composer's `time`.
    pub released: OffsetDateTime,
    /// The shasum the metadata lists; the zip's own SHA-1 unless a test
    /// makes the upstream lie.
    pub shasum: String,
}

impl Release {
    /// A small module at `version`, released at `released`, with `extra`
    /// files beside composer.json and registration.php.
    pub fn new(
        name: &str,
        version: &str,
        released: OffsetDateTime,
        extra: &[(&str, &str)],
    ) -> Release {
        let zip = module_zip(name, version, extra);
        Release {
            name: name.into(),
            version: version.into(),
            shasum: sha1_hex(&zip),
            zip,
            released,
        }
    }

    fn dist_path(&self) -> String {
        format!("/dist/{}/{}.zip", self.name, self.version)
    }
}

/// Publishes `releases` as a Composer v2 repository: `packages.json`
/// with `metadata-url` and `available-packages`, a p2 file per name
/// listing each version's dist URL, shasum and time, and the zips.
pub fn publish(site: &Site, releases: &[Release]) {
    let mut by_name: HashMap<&str, Vec<Value>> = HashMap::new();
    for r in releases {
        by_name.entry(&r.name).or_default().push(json!({
            "name": r.name,
            "version": r.version,
            "type": "magento2-module",
            "time": stamp(r.released),
            "dist": {
                "type": "zip",
                "url": format!("{}{}", site.base, r.dist_path()),
                "reference": null,
                "shasum": r.shasum,
            },
        }));
        site.put(&r.dist_path(), r.zip.clone());
    }
    let mut names: Vec<&str> = by_name.keys().copied().collect();
    names.sort_unstable();
    let root = json!({
        "packages": [],
        "metadata-url": "/p2/%package%.json",
        "available-packages": names,
    });
    site.put("/packages.json", root.to_string().into_bytes());
    for (name, versions) in by_name {
        let file = json!({ "packages": { name: versions } });
        site.put(&format!("/p2/{name}.json"), file.to_string().into_bytes());
    }
}

/// A Magento-module-shaped zip: composer.json, registration.php, extras.
pub fn module_zip(name: &str, version: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let manifest = json!({
        "name": name,
        "version": version,
        "type": "magento2-module",
        "license": "MIT",
        "autoload": {"files": ["registration.php"]},
    });
    let mut files = vec![
        ("composer.json".to_string(), manifest.to_string()),
        (
            "registration.php".to_string(),
            "<?php\n// registers the module\n".to_string(),
        ),
    ];
    files.extend(extra.iter().map(|(p, c)| (p.to_string(), c.to_string())));
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (path, content) in files {
        writer.start_file(path, options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

pub fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(sha1::Sha1::digest(bytes))
}

pub fn stamp(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}
