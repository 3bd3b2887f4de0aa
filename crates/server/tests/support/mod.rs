//! What the server tests share: a registry made through the library in a
//! temp folder, with one package in each review state, and a server on a
//! loopback port spoken to over real HTTP.
//!
//! The world every test starts from:
//!
//! | package | version | state |
//! |---|---|---|
//! | formulary-fixtures/clean-shipping-rates | 1.0.0 | approved |
//! | formulary-fixtures/clean-shipping-rates | 1.0.1 | pending |
//! | formulary-fixtures/clean-product-faq | 1.0.0 | rejected |
//! | formulary-fixtures/clean-catalog-badges | 1.0.0 | revoked ("phones home") |

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use formulary_fetch::Source;
use formulary_registry::{DataDir, DecisionRequest, Registry, Scope, ServerSettings};
use formulary_server::{AppState, Settings};
use formulary_trust::statement::{Role, Verdict};
use formulary_trust::SigningKey;
use reqwest::blocking::{Client, RequestBuilder};

pub const SHIPPING: &str = "formulary-fixtures/clean-shipping-rates";
pub const FAQ: &str = "formulary-fixtures/clean-product-faq";
pub const BADGES: &str = "formulary-fixtures/clean-catalog-badges";
pub const LOCATOR: &str = "formulary-fixtures/clean-store-locator";

/// A sample extension from `fixtures/extensions/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/extensions")
        .join(name)
}

/// A token's name and secret.
#[derive(Clone)]
pub struct Token {
    pub name: String,
    pub secret: String,
}

/// A registry in a temp folder, with keys and tokens.
pub struct World {
    pub tmp: tempfile::TempDir,
    pub registry: Arc<Registry>,
    /// A trusted reviewer key.
    pub alice: SigningKey,
    /// A second trusted reviewer key.
    pub carol: SigningKey,
    pub read: Token,
    pub intake: Token,
    pub review: Token,
    pub admin: Token,
}

impl World {
    pub fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let registry = Registry::init(DataDir::new(tmp.path().join("data"))).unwrap();
        for name in [
            "clean-shipping-rates",
            "clean-shipping-rates-v1.0.1",
            "clean-product-faq",
            "clean-catalog-badges",
        ] {
            ingest(&registry, &fixture(name));
        }
        let alice = reviewer(&registry, "alice");
        let carol = reviewer(&registry, "carol");
        decide(&registry, &alice, SHIPPING, "1.0.0", Verdict::Approve, None);
        decide(
            &registry,
            &alice,
            FAQ,
            "1.0.0",
            Verdict::Reject,
            Some("not needed"),
        );
        decide(&registry, &alice, BADGES, "1.0.0", Verdict::Approve, None);
        decide(
            &registry,
            &carol,
            BADGES,
            "1.0.0",
            Verdict::Revoke,
            Some("phones home"),
        );
        let token = |name: &str, scope| {
            let made = registry.new_token(name, scope).unwrap();
            Token {
                name: made.name,
                secret: made.secret.expose().to_string(),
            }
        };
        World {
            read: token("ci", Scope::Read),
            intake: token("feeder", Scope::Intake),
            review: token("alice", Scope::Review),
            admin: token("ops", Scope::Admin),
            registry: Arc::new(registry),
            tmp,
            alice,
            carol,
        }
    }

    /// Starts a server with the default settings.
    pub fn serve(&self) -> Server {
        self.serve_with(|_| {})
    }

    /// Starts a server after `configure` changed its settings.
    pub fn serve_with(&self, configure: impl FnOnce(&mut ServerSettings)) -> Server {
        let mut config = ServerSettings::default();
        configure(&mut config);
        Server::start(
            self.registry.clone(),
            Settings::from_config(&config).unwrap(),
        )
    }

    /// The log's size: a refused request must not change it.
    pub fn log_size(&self) -> u64 {
        self.registry.store().log_size().unwrap()
    }
}

/// Ingests a fixture folder as the local operator.
pub fn ingest(registry: &Registry, folder: &Path) {
    let fetcher = registry.fetcher(false).unwrap();
    let source: Source = folder.to_str().unwrap().parse().unwrap();
    let now = time::OffsetDateTime::now_utc();
    registry.ingest(&fetcher, &source, now).unwrap();
}

/// A fixture folder archived the way `formulary ingest` would, for uploads.
pub fn archive(folder: &Path) -> Vec<u8> {
    let registry_less = formulary_fetch::Fetcher::new(Default::default()).unwrap();
    registry_less
        .fetch(&Source::Folder(folder.to_path_buf()))
        .unwrap()
        .bytes
}

/// A new key, trusted as a reviewer under `name`.
pub fn reviewer(registry: &Registry, name: &str) -> SigningKey {
    let key = SigningKey::generate().with_name(name).unwrap();
    registry
        .trust_key(&key.public(), name, Role::Reviewer)
        .unwrap();
    key
}

/// Records a decision signed by `key`.
pub fn decide(
    registry: &Registry,
    key: &SigningKey,
    package: &str,
    version: &str,
    verdict: Verdict,
    note: Option<&str>,
) {
    let request = DecisionRequest {
        package: package.to_string(),
        version: version.to_string(),
        verdict,
        base_version: None,
        note: note.map(str::to_string),
    };
    registry.decide(&request, key).unwrap();
}

/// A running server; stopped (gracefully) when dropped.
pub struct Server {
    pub base: String,
    pub state: AppState,
    pub http: Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(registry: Arc<Registry>, settings: Settings) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let bound = listener.local_addr().unwrap();
        let state = AppState::new(registry, settings, bound).unwrap();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        let thread = std::thread::spawn(move || {
            let until = async {
                let _ = stop.await;
            };
            runtime
                .block_on(formulary_server::serve_until(listener, serving, until))
                .unwrap();
        });
        Server {
            base: format!("http://{bound}"),
            state,
            http: Client::new(),
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A GET without credentials.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(self.url(path))
    }

    /// A GET as `token`, over http-basic.
    pub fn get_as(&self, token: &Token, path: &str) -> RequestBuilder {
        self.get(path).basic_auth(&token.name, Some(&token.secret))
    }

    /// A POST as `token`, over http-basic.
    pub fn post_as(&self, token: &Token, path: &str) -> RequestBuilder {
        self.http
            .post(self.url(path))
            .basic_auth(&token.name, Some(&token.secret))
    }

    /// Republishes after a change made through the library.
    pub fn republish(&self) {
        self.state.republish().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The JSON body of a response, with its status checked.
pub fn json(response: reqwest::blocking::Response, status: u16) -> serde_json::Value {
    let got = response.status().as_u16();
    let text = response.text().unwrap();
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Sends `GET path` exactly as written (no URL normalisation, which
/// reqwest would apply to `..`) and returns the status code.
pub fn raw_get_status(server: &Server, path: &str, token: &Token) -> u16 {
    use base64::Engine as _;
    use std::io::{Read as _, Write as _};
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let credentials = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", token.name, token.secret));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Basic {credentials}\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap_or("0");
    status.parse().unwrap()
}
