//! Call sites: which calls are sinks, and what each check sees of them.
//!
//! For every call the engine evaluates, this module looks the callee up
//! in the sink tables, works out the URL or file path the call uses,
//! hands data to [`Engine::sink`], and runs the call-shaped checks of the
//! malware and transport families (a `/e` pattern, `verify => false`,
//! a literal database password).

use std::rc::Rc;

use super::calls::is_url;
use super::capabilities;
use super::engine::{Engine, Frame};
use super::ir::{Arg, Expr, ExprKind};
use super::methods::join_path;
use super::report::SinkSite;
use super::sinks::{self, Args, PathFrom, SinkKind};
use super::value::{kind, Flow, Scalar, Taint, Value};
use super::{malware, sources, transport};

/// Checks a function call.
pub fn function<'f, 'a>(
    engine: &mut Engine<'f, 'a>,
    f: &mut Frame<'a>,
    e: &'f Expr<'a>,
    name: &str,
    args: &'f [Arg<'a>],
    vals: &[Value<'a>],
) {
    let arg = |i: usize| vals.get(i).cloned().unwrap_or_default();
    if let Some(sink) = sinks::function_sink(name) {
        let mut kind = sink.kind;
        let mut path = path_of(sink.path, &Value::default(), vals);
        if name.eq_ignore_ascii_case("error_log") && arg(1).scalar == Some(Scalar::Int(3)) {
            kind = SinkKind::File;
            path = arg(2).text;
        }
        let url = (kind == SinkKind::Http).then(|| arg(0));
        let site = site(kind, name.to_string(), e, url.as_ref(), path, false);
        let data = picked(sink.args, vals);
        if kind == SinkKind::File {
            if let Some(target) = args.first() {
                poison(f, &target.value, &data);
            }
        }
        send(engine, f, site, &data);
    }
    let mut buf = [0u8; 48];
    let lower = sources::lowercase(name, &mut buf);
    match lower {
        "curl_setopt" => curl_setopt(engine, f, e, args, vals),
        "preg_replace" | "preg_filter" => malware::preg_replace(engine, f, e, vals),
        "create_function" => malware::create_function(engine, e, vals),
        "mysqli_connect" | "mysqli_real_connect" | "pg_connect" | "pg_pconnect" => {
            transport::database(engine, e, lower, args, vals)
        }
        _ if sinks::URL_READERS.contains(&lower) => {
            let target = arg(0);
            if target.text.as_deref().is_some_and(is_url) || vals.len() > 2 {
                let site = site(
                    SinkKind::Http,
                    name.to_string(),
                    e,
                    Some(&target),
                    None,
                    false,
                );
                send(engine, f, site, &picked(Args::Only(&[0, 2]), vals));
            }
        }
        _ => {}
    }
    let callback = sinks::CALLBACK_FUNCTIONS.iter().find(|(n, _)| *n == lower);
    if let Some((_, i)) = callback {
        if let (Some(a), Some(v)) = (args.get(*i), vals.get(*i)) {
            malware::dynamic_call(engine, e, v, &a.value);
        }
    }
}

/// Checks a method call on a receiver of known class or name.
#[allow(clippy::too_many_arguments)]
pub fn method<'f, 'a>(
    engine: &mut Engine<'f, 'a>,
    f: &mut Frame<'a>,
    e: &'f Expr<'a>,
    recv: &Value<'a>,
    hint: Option<&str>,
    name: &str,
    args: &'f [Arg<'a>],
    vals: &[Value<'a>],
) {
    let ty = recv.ty.as_deref();
    transport::guzzle_options(&mut engine.out, ty, vals);
    let mut buf = [0u8; 48];
    let soap = ty.is_some_and(|t| t.ends_with("SoapClient") || t.ends_with("Soap\\Client"))
        || hint.is_some_and(|h| sources::contains_ic(h, "soap"));
    if !soap && !sinks::maybe_sink_method(sources::lowercase(name, &mut buf)) {
        transport::method_option(engine, e, name, args, vals);
        return;
    }
    for (sink, by_name) in sinks::method_sinks(ty, hint, name) {
        let short = ty.and_then(|t| t.rsplit('\\').next()).unwrap_or(sink.label);
        let label = format!("{short}::{name}");
        let path = path_of(sink.path, recv, vals);
        let url = (sink.kind == SinkKind::Http)
            .then(|| http_url(recv, vals))
            .flatten();
        let mut taint = picked(sink.args, vals);
        let mut unnamed_key = false;
        if sink.kind == SinkKind::Persist && name.eq_ignore_ascii_case("setAdditionalInformation") {
            match card_key(vals.first(), &engine.settings.lexicon) {
                Some(false) if vals.len() > 1 => continue,
                None => unnamed_key = true,
                _ => {}
            }
            taint = vals.last().map(|v| v.taint.clone()).unwrap_or_default();
        }
        let site = SinkSite {
            unnamed_key,
            ..site(sink.kind, label, e, url, path, by_name)
        };
        send(engine, f, site, &taint);
    }
    transport::method_option(engine, e, name, args, vals);
}

/// Checks `new X(...)`: database connections, and clients built for a
/// plain-HTTP URL.
pub fn new_object<'f, 'a>(
    engine: &mut Engine<'f, 'a>,
    f: &mut Frame<'a>,
    e: &'f Expr<'a>,
    class: &str,
    args: &'f [Arg<'a>],
    vals: &[Value<'a>],
    base: &Value<'a>,
) {
    transport::guzzle_options(&mut engine.out, Some(class), vals);
    let short = class.rsplit('\\').next().unwrap_or(class);
    if matches!(short, "PDO" | "mysqli") {
        transport::database(engine, e, &short.to_ascii_lowercase(), args, vals);
    }
    if base.text.is_some() {
        let site = site(
            SinkKind::Http,
            format!("new {short}"),
            e,
            Some(base),
            None,
            false,
        );
        send(engine, f, site, &Taint::default());
    }
}

/// `curl_setopt($ch, CURLOPT_POSTFIELDS, $data)` sends data;
/// `CURLOPT_SSL_VERIFYPEER, false` turns TLS checks off.
fn curl_setopt<'f, 'a>(
    engine: &mut Engine<'f, 'a>,
    f: &mut Frame<'a>,
    e: &'f Expr<'a>,
    args: &'f [Arg<'a>],
    vals: &[Value<'a>],
) {
    let Some(option) = args.get(1).and_then(|a| constant_name(&a.value)) else {
        return;
    };
    let value = vals.get(2).cloned().unwrap_or_default();
    transport::curl_option(engine, e.span, option, &value);
    if sinks::CURL_DATA_OPTIONS.contains(&option) {
        let handle = vals.first().cloned().unwrap_or_default();
        let url = if option == "CURLOPT_URL" {
            &value
        } else {
            &handle
        };
        let site = site(
            SinkKind::Http,
            "curl_setopt".to_string(),
            e,
            Some(url),
            None,
            false,
        );
        send(engine, f, site, &value.taint);
    }
}

/// Reports the site's capabilities and plain-HTTP use, then hands the
/// data to the engine.
fn send<'f, 'a>(engine: &mut Engine<'f, 'a>, f: &mut Frame<'a>, site: SinkSite, taint: &Taint) {
    match site.kind {
        SinkKind::File => capabilities::file_write(&mut engine.out, site.path.as_deref()),
        SinkKind::Http => transport::plain_http(&mut engine.out, &site),
        _ => {}
    }
    engine.sink(f, site, taint);
}

fn site(
    kind: SinkKind,
    label: String,
    e: &Expr<'_>,
    url: Option<&Value<'_>>,
    path: Option<Rc<str>>,
    by_name: bool,
) -> SinkSite {
    SinkSite {
        kind,
        label: Rc::from(label),
        span: e.span,
        url: url.and_then(|v| v.text.clone()),
        url_at: url.and_then(|v| v.at),
        path,
        by_name,
        unnamed_key: false,
    }
}

/// A file written with hostile data is hostile to include: the path
/// variable carries that data's taint from here on.
fn poison<'a>(f: &mut Frame<'a>, target: &Expr<'a>, data: &Taint) {
    let mut hostile = data.clone();
    hostile.remove(!kind::HOSTILE);
    hostile.params = Flow::default();
    if let (ExprKind::Var(name), true) = (&target.kind, hostile.kinds != 0) {
        f.env.entry(name).or_default().taint.join(&hostile);
    }
}

/// The taint of the arguments a sink reads.
fn picked(which: Args, vals: &[Value<'_>]) -> Taint {
    let mut taint = Taint::default();
    for (i, v) in vals.iter().enumerate() {
        if which.includes(i) {
            taint.join(&v.taint);
        }
    }
    taint
}

fn path_of(from: PathFrom, recv: &Value<'_>, vals: &[Value<'_>]) -> Option<Rc<str>> {
    let text = |i: usize| vals.get(i).and_then(|v| v.text.clone());
    match from {
        PathFrom::None => None,
        PathFrom::Arg(i) => join_path(recv.text.as_deref(), text(i).as_deref()),
        PathFrom::Receiver => recv.text.clone(),
        PathFrom::Handle(i) => text(i),
    }
}

/// The URL an HTTP call goes to: a URL argument, else the client's base.
fn http_url<'v, 'a>(recv: &'v Value<'a>, vals: &'v [Value<'a>]) -> Option<&'v Value<'a>> {
    let is_url_value = |v: &&Value<'_>| v.text.as_deref().is_some_and(is_url);
    vals.iter()
        .find(is_url_value)
        .or_else(|| Some(recv).filter(is_url_value))
}

/// Whether a payment field key is a card field; `None` when the code
/// does not say which key it is.
fn card_key(key: Option<&Value<'_>>, lexicon: &sources::Lexicon) -> Option<bool> {
    let key = key?;
    let is_card = |k: &str| {
        lexicon
            .kind_of(k)
            .is_some_and(|(bits, _)| bits == kind::CARD)
    };
    if let Some(text) = key.exact_text() {
        return Some(is_card(text));
    }
    match &key.choices {
        Some(list) => Some(list.iter().any(|k| is_card(k))),
        None if key.text.is_none() => None,
        None => Some(false),
    }
}

/// The name of a global constant expression (`CURLOPT_URL`).
pub fn constant_name<'a>(e: &Expr<'a>) -> Option<&'a str> {
    match &e.kind {
        ExprKind::Const(name) => Some(name.rsplit('\\').next().unwrap_or(name)),
        ExprKind::ClassConst { name, .. } => Some(name),
        _ => None,
    }
}
