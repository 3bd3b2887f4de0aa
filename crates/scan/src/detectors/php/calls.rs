//! Calls: what a function or method returns, as far as taint goes.
//!
//! The order of the rules is the order a reviewer would reason in:
//! methods of the same class use their summaries; sanitizers (encryption,
//! hashing, masking) come before sources; sources (request input,
//! personal-data getters, entity dumps) before the default, which is that
//! a result carries whatever its arguments carried.

use std::borrow::Cow;

use super::dispatch;
use super::engine::{Engine, Frame};
use super::ir::{Arg, Callee, ClassRef, Expr, ExprKind, Func, Member};
use super::malware;
use super::sources::{self, listed};
use super::value::{kind, Flow, Taint, Value};

/// Classes whose responses are remote data.
const HTTP_CLIENTS: &[&str] = &[
    "Magento\\Framework\\HTTP\\Client\\Curl",
    "Magento\\Framework\\HTTP\\ClientInterface",
    "Magento\\Framework\\HTTP\\Adapter\\Curl",
    "Laminas\\Http\\Client",
    "Zend\\Http\\Client",
    "Magento\\Framework\\HTTP\\ZendClient",
    "Magento\\Framework\\HTTP\\LaminasClient",
    "GuzzleHttp\\Client",
    "GuzzleHttp\\ClientInterface",
    "SoapClient",
];

/// Methods of an HTTP client that return the remote answer.
const RESPONSE_METHODS: &[&str] = &[
    "getBody",
    "request",
    "requestAsync",
    "send",
    "sendAsync",
    "get",
    "post",
    "read",
    "__soapCall",
];

impl<'f, 'a> Engine<'f, 'a> {
    /// Evaluates a call expression.
    pub fn call(
        &mut self,
        f: &mut Frame<'a>,
        e: &'f Expr<'a>,
        callee: &'f Callee<'a>,
        args: &'f [Arg<'a>],
    ) -> Value<'a> {
        match callee {
            Callee::Function(name) => {
                let vals = self.args(f, args);
                dispatch::function(self, f, e, name, args, &vals);
                self.function_result(f, e, name, &vals)
            }
            Callee::Dynamic(target) => {
                let callee = self.eval(f, target);
                let vals = self.args(f, args);
                malware::dynamic_call(self, e, &callee, target);
                Value::tainted(union(&vals))
            }
            Callee::Method { recv, name } => {
                let r = self.eval(f, recv);
                let method = match name {
                    Member::Name(n) => Some(*n),
                    Member::Dynamic(d) => {
                        let m = self.eval(f, d);
                        malware::dynamic_call(self, e, &m, d);
                        None
                    }
                };
                let vals = self.args(f, args);
                let Some(method) = method else {
                    return Value::tainted(union(&vals));
                };
                let hint = receiver_hint(recv);
                dispatch::method(self, f, e, &r, hint, method, args, &vals);
                let own = matches!(recv.kind, ExprKind::Var("this"));
                if let Some(i) = self.own_method(method).filter(|_| own) {
                    return self.apply_summary(f, i, method, &vals);
                }
                self.method_result(&r, hint, method, args, &vals)
            }
            Callee::Static { class, name } => {
                if let ClassRef::Dynamic(c) = class {
                    let cv = self.eval(f, c);
                    malware::dynamic_call(self, e, &cv, c);
                }
                let vals = self.args(f, args);
                let Some(method) = name.name() else {
                    return Value::tainted(union(&vals));
                };
                let own = match class {
                    ClassRef::SelfRef | ClassRef::Static => true,
                    ClassRef::Named(n) => Some(*n) == self.class_name(),
                    _ => false,
                };
                if let Some(i) = self.own_method(method).filter(|_| own) {
                    return self.apply_summary(f, i, method, &vals);
                }
                let r = Value::default();
                self.method_result(&r, None, method, args, &vals)
            }
        }
    }

    /// Evaluates arguments; closures among them are callbacks and see the
    /// other arguments (`array_map(fn ($i) => $i->getSku(), $items)`).
    pub fn args(&mut self, f: &mut Frame<'a>, args: &'f [Arg<'a>]) -> Vec<Value<'a>> {
        let mut vals: Vec<Option<Value<'a>>> = Vec::with_capacity(args.len());
        let mut others = Taint::default();
        for arg in args {
            if matches!(arg.value.kind, ExprKind::Closure { .. }) {
                vals.push(None);
            } else {
                let v = self.eval(f, &arg.value);
                others.join(&v.taint);
                vals.push(Some(v));
            }
        }
        let saved = self.callback_arg.replace(Value::tainted(others));
        let out = args
            .iter()
            .zip(vals)
            .map(|(arg, v)| v.unwrap_or_else(|| self.eval(f, &arg.value)))
            .collect();
        self.callback_arg = saved;
        out
    }

    /// A closure: its body runs here, on a copy of the variables it can
    /// see; its value carries what it returns.
    pub fn closure(
        &mut self,
        f: &mut Frame<'a>,
        func: &'f Func<'a>,
        uses: &[&'a str],
        arrow: bool,
    ) -> Value<'a> {
        let mut inner = Frame::default();
        if arrow {
            inner.env = f.env.clone();
        } else {
            for name in uses {
                if let Some(v) = f.env.get(name) {
                    inner.env.insert(name, v.clone());
                }
            }
        }
        let arg = self.callback_arg.take().unwrap_or_default();
        for param in func.params {
            let mut v = Value::tainted(arg.taint.clone());
            v.ty = param.ty.map(Cow::Borrowed);
            inner.env.insert(param.name, v);
        }
        self.stmts(&mut inner, func.body);
        self.callback_arg = Some(arg);
        for (bits, site) in inner.sinks {
            if !f.sinks.iter().any(|(b, s)| *b == bits && *s == site) {
                f.sinks.push((bits, site));
            }
        }
        Value::tainted(inner.ret.taint)
    }

    /// The index of a method of the class being analysed.
    fn own_method(&self, name: &str) -> Option<usize> {
        let class = self.class.as_ref()?;
        class
            .def
            .methods
            .iter()
            .position(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// A call of a method of the same class, through its summary.
    fn apply_summary(
        &mut self,
        f: &mut Frame<'a>,
        i: usize,
        method: &str,
        vals: &[Value<'a>],
    ) -> Value<'a> {
        self.summary_used = true;
        let Some(summary) = self
            .class
            .as_ref()
            .and_then(|c| c.summaries.get(i))
            .cloned()
        else {
            return Value::tainted(union(vals));
        };
        let gateway = self.class.as_ref().is_some_and(|c| c.payment_gateway);
        for (bits, site) in &summary.sinks {
            let taint = by_params(*bits, vals);
            if !taint.params.is_empty()
                && !f.sinks.iter().any(|(b, s)| *b == taint.params && s == site)
            {
                f.sinks.push((taint.params, site.clone()));
            }
            self.out.sink(site, &taint, Some(method), gateway);
        }
        let mut ret = summary.ret.clone();
        ret.params = Flow::default();
        ret.join(&by_params(summary.ret.params, vals));
        Value {
            taint: ret,
            ty: summary.ret_ty,
            ..Value::default()
        }
    }

    fn function_result(
        &mut self,
        f: &mut Frame<'a>,
        e: &'f Expr<'a>,
        name: &str,
        vals: &[Value<'a>],
    ) -> Value<'a> {
        if let Some(i) = self
            .file
            .functions
            .iter()
            .position(|g| g.name.eq_ignore_ascii_case(name))
        {
            return self.function_summary(f, i, name, vals);
        }
        let all = union(vals);
        let arg = |i: usize| vals.get(i).cloned().unwrap_or_default();
        if listed(sources::DECODERS, name) {
            let mut taint = all;
            taint.join(&Taint::source(kind::DECODED, "decoded data", name));
            taint.decode_depth = vals.iter().map(|v| v.taint.decode_depth).max().unwrap_or(0) + 1;
            if taint.decode_depth == 2 {
                malware::decode_chain(&mut self.out, e.span, name);
            }
            return Value::tainted(taint);
        }
        if listed(sources::HASH_FUNCTIONS, name) {
            return Value::tainted(hashed(all));
        }
        if listed(sources::CLEAN_FUNCTIONS, name)
            || name.starts_with("is_")
            || name.starts_with("ctype_")
        {
            return Value::default();
        }
        if listed(sources::DUMP_FUNCTIONS, name) {
            let mut taint = all;
            taint.dump();
            return Value::tainted(taint);
        }
        let mut buf = [0u8; 48];
        let lower = sources::lowercase(name, &mut buf);
        match lower {
            "substr" | "mb_substr" | "iconv_substr" => {
                Value::tainted(masked(all, &arg(1), &arg(2)))
            }
            "preg_replace" | "str_replace" if masks(&arg(1)) => Value::tainted(mask_cards(all)),
            "strrev" => {
                let mut taint = all;
                taint.join(&Taint::source(kind::OBFUSCATED, "reversed text", name));
                let text = arg(0)
                    .exact_text()
                    .map(|t| t.chars().rev().collect::<String>());
                Value {
                    taint,
                    text: text.map(Into::into),
                    ..Value::default()
                }
            }
            "chr" => {
                let c = arg(0).scalar.and_then(|s| match s {
                    super::value::Scalar::Int(n) => u32::try_from(n.rem_euclid(256))
                        .ok()
                        .and_then(char::from_u32),
                    _ => None,
                });
                let mut v = Value::tainted(Taint::source(
                    kind::OBFUSCATED,
                    "characters built with chr()",
                    "chr",
                ));
                v.text = c.map(|c| c.to_string().into());
                v
            }
            "curl_init" => Value {
                text: arg(0).text,
                at: arg(0).at,
                ..Value::object("CurlHandle")
            },
            "curl_exec" | "curl_multi_getcontent" => {
                Value::tainted(Taint::source(kind::REMOTE, "remote response", name))
            }
            "fopen" | "file_get_contents" | "file" | "readfile" | "get_headers" => {
                url_reader(name, vals, all)
            }
            "stream_context_create" => Value::tainted(all),
            _ => Value::tainted(all),
        }
    }

    fn function_summary(
        &mut self,
        f: &mut Frame<'a>,
        i: usize,
        name: &str,
        vals: &[Value<'a>],
    ) -> Value<'a> {
        self.summary_used = true;
        let Some(summary) = self.functions.get(i).cloned() else {
            return Value::default();
        };
        let gateway = self.class.as_ref().is_some_and(|c| c.payment_gateway);
        for (bits, site) in &summary.sinks {
            let taint = by_params(*bits, vals);
            if !taint.params.is_empty() {
                f.sinks.push((taint.params, site.clone()));
            }
            self.out.sink(site, &taint, Some(name), gateway);
        }
        let mut ret = summary.ret.clone();
        ret.params = Flow::default();
        ret.join(&by_params(summary.ret.params, vals));
        Value {
            taint: ret,
            ty: summary.ret_ty,
            ..Value::default()
        }
    }
}

/// `file_get_contents` and friends: remote data when given a URL; a
/// handle that knows its path for `fopen`.
fn url_reader<'a>(name: &str, vals: &[Value<'a>], all: Taint) -> Value<'a> {
    let target = vals.first().cloned().unwrap_or_default();
    let remote = target.text.as_deref().is_some_and(is_url) || vals.len() > 2;
    let mut taint = all;
    if remote {
        taint.join(&Taint::source(kind::REMOTE, "remote response", name));
    }
    Value {
        taint,
        text: target.text,
        ..Value::default()
    }
}

/// The name a receiver goes by: `$this->logger` and `$logger` → `logger`.
pub fn receiver_hint<'a>(recv: &Expr<'a>) -> Option<&'a str> {
    match &recv.kind {
        ExprKind::Var(name) if *name != "this" => Some(name),
        ExprKind::Prop {
            name: Member::Name(name),
            ..
        } => Some(name),
        ExprKind::StaticProp { name, .. } => Some(name),
        ExprKind::Call {
            callee:
                Callee::Method {
                    name: Member::Name(name),
                    ..
                },
            ..
        } => Some(name),
        _ => None,
    }
}

/// Everything the arguments carry.
pub fn union(vals: &[Value<'_>]) -> Taint {
    let mut taint = Taint::default();
    for v in vals {
        taint.join(&v.taint);
    }
    taint
}

/// What the parameters named by `bits` carry at a call.
/// Arguments that reach a sink or the return value through `flow`
/// replay the sanitizers they met on the way (hash, mask).
fn by_params(flow: Flow, vals: &[Value<'_>]) -> Taint {
    let mut taint = Taint::default();
    for (i, v) in vals.iter().enumerate().take(16) {
        let bit = 1 << i;
        if flow.plain & bit != 0 {
            taint.join(&v.taint);
        }
        if flow.hashed & bit != 0 {
            taint.join(&hashed(v.taint.clone()));
        }
        if flow.masked & bit != 0 {
            taint.join(&mask_cards(v.taint.clone()));
        }
    }
    taint
}

/// A hash keeps personal data an identifier; card data and hostile input
/// are gone.
pub fn hashed(mut taint: Taint) -> Taint {
    taint.dump();
    taint.convert(kind::PHI, kind::HASHED);
    taint.remove(kind::CARD | kind::HOSTILE);
    let p = taint.params;
    taint.params = Flow {
        plain: 0,
        hashed: p.plain | p.hashed | p.masked,
        masked: 0,
    };
    taint
}

/// Card numbers cut to their last four digits or masked with `*`.
fn mask_cards(mut taint: Taint) -> Taint {
    taint.remove(kind::CARD);
    let p = taint.params;
    taint.params = Flow {
        plain: 0,
        hashed: p.hashed,
        masked: p.masked | p.plain,
    };
    taint
}

/// `substr($pan, -4)` and `substr($pan, 0, 6)` leave no card number.
fn masked(taint: Taint, start: &Value<'_>, length: &Value<'_>) -> Taint {
    use super::value::Scalar::Int;
    let last_four = matches!(start.scalar, Some(Int(n)) if (-4..0).contains(&n));
    let first_six =
        matches!(start.scalar, Some(Int(0))) && matches!(length.scalar, Some(Int(n)) if n <= 6);
    if last_four || first_six {
        return mask_cards(taint);
    }
    taint
}

/// A replacement made only of mask characters (`*`, `X`, `#`).
fn masks(replacement: &Value<'_>) -> bool {
    replacement.exact_text().is_some_and(|t| {
        !t.is_empty() && t.chars().all(|c| matches!(c, '*' | 'X' | 'x' | '#' | '•'))
    })
}

/// Whether a string is an absolute URL of a remote scheme.
pub fn is_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("ftp://")
}

/// Whether `ty` is an HTTP client class.
pub fn is_http_client(ty: &str) -> bool {
    super::sinks::class_matches(HTTP_CLIENTS, ty)
}

/// Whether `name` returns a client's response.
pub fn is_response_method(name: &str) -> bool {
    listed(RESPONSE_METHODS, name)
}
