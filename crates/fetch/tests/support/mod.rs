//! Test scaffolding: small HTTP servers on loopback that serve Composer
//! repositories the tests write, and record what each request carried.
//!
//! Each server listens on 127.0.0.1 port 0, so every server is its own
//! origin and tests can run in parallel.

#![allow(dead_code, clippy::unwrap_used)]

pub mod repo;

use formulary_fetch::{AuthStore, FetchConfig, Fetcher, Upstream};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
}

/// What the server answers.
pub enum Reply {
    Body(Vec<u8>),
    Status(u16),
    Redirect(String),
}

/// A loopback HTTP server running `handler` for every request.
pub struct Server {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    inner: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start<F>(handler: F) -> Server
    where
        F: Fn(&Seen) -> Reply + Send + 'static,
    {
        let inner = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let addr = inner.server_addr().to_ip().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (server, log) = (Arc::clone(&inner), Arc::clone(&seen));
        let thread = std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let auth = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .map(|h| h.value.as_str().to_string());
                let this = Seen {
                    path: request.url().to_string(),
                    authorization: auth,
                };
                log.lock().unwrap().push(this.clone());
                let _ = request.respond(respond(handler(&this)));
            }
        });
        Server {
            base: format!("http://{addr}"),
            seen,
            inner,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `127.0.0.1:<port>`, the key auth.json uses for this server.
    pub fn origin(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.path).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.inner.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn respond(reply: Reply) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    match reply {
        Reply::Body(bytes) => tiny_http::Response::from_data(bytes),
        Reply::Status(code) => tiny_http::Response::from_data(Vec::new()).with_status_code(code),
        Reply::Redirect(to) => {
            let location = tiny_http::Header::from_bytes("Location", to.as_bytes()).unwrap();
            tiny_http::Response::from_data(Vec::new())
                .with_status_code(302)
                .with_header(location)
        }
    }
}

/// What a [`Site`] holds at a path.
#[derive(Clone)]
enum Entry {
    File(Vec<u8>),
    MovedTo(String),
}

/// A server of static files, optionally behind one `Authorization` value.
pub struct Site {
    pub server: Server,
    files: Arc<Mutex<HashMap<String, Entry>>>,
}

impl Site {
    pub fn start(required_authorization: Option<String>) -> Site {
        let files: Arc<Mutex<HashMap<String, Entry>>> = Arc::default();
        let shared = Arc::clone(&files);
        let server = Server::start(move |seen| {
            if required_authorization.is_some() && seen.authorization != required_authorization {
                return Reply::Status(401);
            }
            match shared.lock().unwrap().get(&seen.path).cloned() {
                Some(Entry::File(bytes)) => Reply::Body(bytes),
                Some(Entry::MovedTo(url)) => Reply::Redirect(url),
                None => Reply::Status(404),
            }
        });
        Site { server, files }
    }

    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_string(), Entry::File(bytes));
    }

    /// Answers `path` with a 302 to `url` from now on.
    pub fn redirect(&self, path: &str, url: String) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_string(), Entry::MovedTo(url));
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

/// `Authorization: Basic` for a user and password.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// A fetcher for these upstreams with fast retries and a fixed clock.
pub fn fetcher(upstreams: &[&str], auth_json: Option<&str>) -> Fetcher {
    let auth = auth_json
        .map(|j| AuthStore::from_json(j).unwrap())
        .unwrap_or_default();
    let cfg = FetchConfig {
        upstreams: upstreams
            .iter()
            .map(|u| Upstream { url: u.to_string() })
            .collect(),
        timeout: Duration::from_secs(5),
        retries: 2,
        progress: false,
        auth,
        max_bytes: 1 << 20,
    };
    Fetcher::new(cfg)
        .unwrap()
        .with_retry_delay(Duration::from_millis(1))
        .unwrap()
        .with_clock(|| time::macros::datetime!(2026-08-30 10:00 UTC))
}
