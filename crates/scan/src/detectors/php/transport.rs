//! Family 6 in PHP: TLS checks turned off, plain-HTTP endpoints, database
//! credentials in code and connections without TLS, and session ids
//! taken from the request.

use super::capabilities::{host_of, is_local_host};
use super::dispatch::constant_name;
use super::engine::Engine;
use super::ir::{Arg, Expr, ExprKind, Item, Span};
use super::report::{Emit, Report, SinkSite};
use super::rules;
use super::value::{kind, Scalar, Taint, Value};

/// Option keys (in arrays) that turn certificate checks off when falsy.
const VERIFY_KEYS: &[&str] = &[
    "verify_peer",
    "verify_peer_name",
    "sslverifypeer",
    "ssl_verify_peer",
];

/// A falsy literal, as PHP reads one.
fn falsy(v: &Value<'_>) -> bool {
    v.scalar.is_some_and(Scalar::is_falsy) || matches!(v.exact_text(), Some("0" | "false"))
}

/// An array element that configures TLS: Guzzle `'verify' => false`,
/// stream contexts `'verify_peer' => false`, Laminas `sslverifypeer`,
/// `CURLOPT_SSL_VERIFYPEER => false` in option arrays.
///
/// Guzzle's `verify` is a common word, so it is only returned (as the
/// span to report) and reported once the array reaches a Guzzle client.
pub fn array_option<'a>(
    engine: &mut Engine<'_, 'a>,
    item: &Item<'a>,
    key: &Value<'a>,
    value: &Value<'a>,
) -> Option<Span> {
    let key_expr = item.key.as_ref()?;
    let name = key.exact_text().map(str::to_ascii_lowercase);
    let constant = constant_name(key_expr);
    if matches!(
        (name.as_deref(), constant),
        (Some("verify"), _) | (_, Some("VERIFY"))
    ) {
        return falsy(value).then_some(key_expr.span);
    }
    let off = match (name.as_deref(), constant) {
        (Some("allow_self_signed"), _) => value.scalar == Some(Scalar::Bool(true)),
        (Some(n), _) if VERIFY_KEYS.contains(&n) => falsy(value),
        (_, Some(c)) if c.starts_with("CURLOPT_SSL_VERIFY") => falsy(value),
        _ => false,
    };
    if off {
        let label = constant.map(str::to_string).or(name).unwrap_or_default();
        tls_off(&mut engine.out, key_expr.span, &label);
    }
    None
}

/// A Guzzle client or call given options that turn verification off.
pub fn guzzle_options(report: &mut Report<'_>, class: Option<&str>, vals: &[Value<'_>]) {
    if !class.is_some_and(|c| c.starts_with("GuzzleHttp\\")) {
        return;
    }
    for span in vals.iter().filter_map(|v| v.verify_off) {
        tls_off(report, span, "verify");
    }
}

/// `curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false)` and friends.
pub fn curl_option(engine: &mut Engine<'_, '_>, span: Span, option: &str, value: &Value<'_>) {
    if matches!(option, "CURLOPT_SSL_VERIFYPEER" | "CURLOPT_SSL_VERIFYHOST") && falsy(value) {
        tls_off(&mut engine.out, span, option);
    }
}

/// `$curl->setOption(CURLOPT_SSL_VERIFYPEER, false)` on Magento's client.
pub fn method_option<'a>(
    engine: &mut Engine<'_, 'a>,
    e: &Expr<'a>,
    name: &str,
    args: &[Arg<'a>],
    vals: &[Value<'a>],
) {
    if !["setOption", "addOption", "setCurlOption"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        return;
    }
    if let (Some(option), Some(value)) = (
        args.first().and_then(|a| constant_name(&a.value)),
        vals.get(1),
    ) {
        curl_option(engine, e.span, option, value);
    }
}

fn tls_off(report: &mut Report<'_>, span: Span, option: &str) {
    let message = format!("{option} turns off certificate checks: anyone on the network path can read and change the traffic");
    report.emit(&rules::TLS_VERIFICATION_DISABLED, Emit::at(span, message));
}

/// A plain `http://` URL reaching an HTTP client.
pub fn plain_http(report: &mut Report<'_>, site: &SinkSite) {
    let Some(url) = site.url.as_deref() else {
        return;
    };
    if !url
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
    {
        return;
    }
    let Some(host) = host_of(url) else { return };
    if is_local_host(&host) {
        return;
    }
    let message = format!("{} talks to http://{host} without TLS", site.label);
    report.emit(
        &rules::PLAIN_HTTP_ENDPOINT,
        Emit::at(site.url_at.unwrap_or(site.span), message),
    );
}

/// `session_id($_GET['sid'])`: the visitor picks the session id.
pub fn session(report: &mut Report<'_>, site: &SinkSite, taint: &Taint) {
    if !taint.has(kind::USER) {
        return;
    }
    let from = super::flows::describe(taint, kind::USER);
    let message = format!(
        "{from} sets the session id through {}: an attacker can fix a victim's session",
        site.label
    );
    report.emit(&rules::SESSION_FIXATION, Emit::at(site.span, message));
}

/// PDO, mysqli and pg connections: literal passwords, and no TLS to a
/// remote database.
pub fn database<'a>(
    engine: &mut Engine<'_, 'a>,
    e: &Expr<'a>,
    which: &str,
    args: &[Arg<'a>],
    vals: &[Value<'a>],
) {
    let text = |i: usize| vals.get(i).and_then(|v| v.exact_text().map(str::to_string));
    let (host, password, tls) = match which {
        "pdo" => {
            let dsn = text(0).unwrap_or_default();
            (dsn_host(&dsn), text(2), pdo_tls(&dsn, args.get(3)))
        }
        "mysqli" | "mysqli_connect" => (text(0), text(2), mysqli_tls(engine, args)),
        "mysqli_real_connect" => (text(1), text(3), mysqli_tls(engine, args)),
        _ => {
            let conn = text(0).unwrap_or_default();
            let password = param(&conn, "password");
            let tls = Some(
                ["require", "verify-ca", "verify-full"]
                    .iter()
                    .any(|m| param(&conn, "sslmode").as_deref() == Some(m)),
            );
            (param(&conn, "host"), password, tls)
        }
    };
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        let message = format!("{which} connects with a password written in the code: it ships to every store and cannot be rotated");
        let emit = Emit {
            secret: Some(&password),
            ..Emit::at(e.span, message)
        };
        engine.out.emit(&rules::DB_CREDENTIALS_IN_CODE, emit);
    }
    let remote = host.as_deref().is_some_and(|h| !is_local_host(h));
    if remote && tls == Some(false) {
        let host = host.unwrap_or_default();
        let message = format!("{which} connects to {host} without TLS: queries and results cross the network in clear");
        engine
            .out
            .emit(&rules::DB_WITHOUT_TLS, Emit::at(e.span, message));
    }
}

/// `mysql:host=db.example;dbname=x` → `db.example`; sockets are local.
fn dsn_host(dsn: &str) -> Option<String> {
    let (driver, rest) = dsn.split_once(':')?;
    if !matches!(driver, "mysql" | "pgsql") || rest.contains("unix_socket") {
        return None;
    }
    rest.split(';')
        .find_map(|kv| kv.trim().strip_prefix("host=").map(str::to_string))
}

/// Whether a PDO connection asks for TLS: MySQL through `PDO::MYSQL_ATTR_SSL_*`
/// options, PostgreSQL through `sslmode` in the DSN. `None` when unknown.
fn pdo_tls(dsn: &str, options: Option<&Arg<'_>>) -> Option<bool> {
    if dsn.starts_with("pgsql:") {
        return Some(dsn.contains("sslmode=require") || dsn.contains("sslmode=verify"));
    }
    let Some(options) = options else {
        return Some(false);
    };
    match &options.value.kind {
        ExprKind::Array(items) => Some(items.iter().any(|i| {
            i.key
                .as_ref()
                .and_then(constant_name)
                .is_some_and(|c| c.starts_with("MYSQL_ATTR_SSL"))
        })),
        _ => None,
    }
}

/// Whether a mysqli connection asks for TLS (`ssl_set`, `MYSQLI_CLIENT_SSL`).
fn mysqli_tls(engine: &Engine<'_, '_>, args: &[Arg<'_>]) -> Option<bool> {
    let flag = args
        .iter()
        .any(|a| constant_name(&a.value).is_some_and(|c| c.contains("CLIENT_SSL")));
    let ssl_set = engine.out.bytes.windows(7).any(|w| w == b"ssl_set");
    Some(flag || ssl_set)
}

/// `key=value` in a space- or semicolon-separated connection string.
fn param(conn: &str, key: &str) -> Option<String> {
    conn.split([' ', ';']).find_map(|kv| {
        kv.split_once('=')
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim_matches('\'').to_string())
    })
}
