//! A Composer repository on loopback: a tiny HTTP server that serves files
//! the test writes, optionally behind http-basic, and records what it saw.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
}

/// A running loopback server; stops when dropped.
pub struct Upstream {
    pub base: String,
    pub host: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Upstream {
    /// Starts a server; `basic` is the `Authorization` header value it
    /// requires, if any.
    pub fn start(basic: Option<String>) -> Upstream {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let files = Arc::new(Mutex::new(HashMap::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (files, seen, stop) = (files.clone(), seen.clone(), stop.clone());
            std::thread::spawn(move || serve(server, files, seen, stop, basic))
        };
        Upstream {
            base: format!("http://127.0.0.1:{port}"),
            host: format!("127.0.0.1:{port}"),
            files,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// Publishes `bytes` at `path` (which starts with `/`).
    pub fn put(&self, path: &str, bytes: impl Into<Vec<u8>>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_string(), bytes.into());
    }

    /// Publishes a JSON document at `path`.
    pub fn put_json(&self, path: &str, value: &serde_json::Value) {
        self.put(path, serde_json::to_vec(value).unwrap());
    }

    /// The paths requested so far.
    pub fn paths(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.path.clone())
            .collect()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    server: tiny_http::Server,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    basic: Option<String>,
) {
    while !stop.load(Ordering::SeqCst) {
        let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(50)) else {
            continue;
        };
        let authorization = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .map(|h| h.value.to_string());
        let path = request.url().to_string();
        seen.lock().unwrap().push(Seen {
            path: path.clone(),
            authorization: authorization.clone(),
        });
        let response = if basic.is_some() && authorization != basic {
            tiny_http::Response::from_data(b"{}".to_vec()).with_status_code(401)
        } else {
            match files.lock().unwrap().get(&path) {
                Some(bytes) => tiny_http::Response::from_data(bytes.clone()),
                None => tiny_http::Response::from_data(b"{}".to_vec()).with_status_code(404),
            }
        };
        let _ = request.respond(response);
    }
}

/// `Authorization: Basic` for a user and password.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}
