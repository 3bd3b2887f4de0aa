//! Method calls and `new`: what they return.

use std::borrow::Cow;
use std::rc::Rc;

use super::calls::{hashed, is_http_client, is_response_method, union};
use super::dispatch;
use super::engine::{Engine, Frame};
use super::ir::{Arg, ClassRef, Expr, ExprKind};
use super::malware;
use super::sources::{self, getter, listed};
use super::value::{concat_text, kind, Flow, Taint, Value};

const DIRECTORY_WRITE: &str = "Magento\\Framework\\Filesystem\\Directory\\WriteInterface";
const DIRECTORY_READ: &str = "Magento\\Framework\\Filesystem\\Directory\\ReadInterface";
const FILE_WRITE: &str = "Magento\\Framework\\Filesystem\\File\\WriteInterface";
const DB_ADAPTER: &str = "Magento\\Framework\\DB\\Adapter\\AdapterInterface";
const REQUEST: &str = "Magento\\Framework\\App\\RequestInterface";

/// Receiver names of entity repositories, for when the class is unknown.
const REPOSITORY_HINTS: &[&str] = &[
    "customerrepository",
    "orderrepository",
    "addressrepository",
    "cartrepository",
    "quoterepository",
];

impl<'f, 'a> Engine<'f, 'a> {
    /// What a method of another object returns.
    pub fn method_result(
        &mut self,
        recv: &Value<'a>,
        hint: Option<&'a str>,
        name: &str,
        args: &'f [Arg<'a>],
        vals: &[Value<'a>],
    ) -> Value<'a> {
        let all = union(vals);
        let ty = recv.ty.as_deref();
        let is = |n: &str| name.eq_ignore_ascii_case(n);

        if is("encrypt") || is("decrypt") {
            return Value::default();
        }
        if is("getHash")
            || (is("hash") && hint.is_some_and(|h| sources::contains_ic(h, "encryptor")))
        {
            return Value::tainted(hashed(all));
        }
        if listed(sources::REQUEST_GETTERS, name) && is_request(ty) {
            let whole = (vals.is_empty() && !is("getCookie")) || is("getContent");
            let key = key_of(args, vals);
            let key = if whole {
                None
            } else {
                Some(key.as_deref().unwrap_or(""))
            };
            return Value::tainted(self.request_source(name, key));
        }
        if is("getRequest") {
            return Value::object(REQUEST);
        }
        if let Some(v) = self.data_access(recv, name, args, vals) {
            return v;
        }
        if let Some(v) = self.entity_source(recv, hint, name) {
            return v;
        }
        if let Some(v) = framework_object(recv, hint, name, vals) {
            return v;
        }
        if is_response_method(name)
            && (ty.is_some_and(is_http_client) || hint.is_some_and(http_hint))
        {
            return Value::tainted(Taint::source(kind::REMOTE, "remote response", name));
        }
        let mut taint = all;
        if is("serialize") || is("jsonEncode") || is("encode") {
            taint.dump();
        }
        let mut carried = recv.taint.clone();
        carried.remove(!kind::HOSTILE);
        carried.params = Flow::default();
        taint.join(&carried);
        Value::tainted(taint)
    }

    /// `getData('key')`, whole-entity dumps, `getCustomAttribute('key')`.
    fn data_access(
        &self,
        recv: &Value<'a>,
        name: &str,
        args: &[Arg<'a>],
        vals: &[Value<'a>],
    ) -> Option<Value<'a>> {
        let on_entity = recv.taint.has(kind::ENTITY | kind::PAYMENT);
        let keyed = [
            "getData",
            "getCustomAttribute",
            "getDataByKey",
            "getDataUsingMethod",
            "getOrigData",
        ]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name));
        if keyed && !vals.is_empty() {
            let key = key_of(args, vals);
            // What checkout posts for a payment (`additional_data`) holds
            // the card fields of any gateway that takes them directly.
            let posted = key.as_deref().map(sources::snake).is_some_and(|k| {
                sources::has_term(&k, "additional_data")
                    || sources::has_term(&k, "additional_information")
            });
            if posted && recv.taint.has(kind::PAYMENT) {
                let via = format!("{name}('{}')", key.as_deref().unwrap_or(""));
                return Some(Value::tainted(Taint::source(
                    kind::CARD,
                    "payment form data",
                    &via,
                )));
            }
            if let Some(entity) = key.as_deref().and_then(entity_key) {
                return Some(entity);
            }
            return match key {
                Some(key) => Some(match self.settings.lexicon.kind_of(&key) {
                    Some((bits, what)) => {
                        Value::tainted(Taint::source(bits, what, &format!("{name}('{key}')")))
                    }
                    None => Value::default(),
                }),
                None if on_entity => {
                    let mut taint = recv.taint.clone();
                    taint.params = Flow::default();
                    taint.dump();
                    Some(Value::tainted(taint))
                }
                None => None,
            };
        }
        if on_entity && listed(sources::DUMP_METHODS, name) {
            let mut taint = recv.taint.clone();
            taint.params = Flow::default();
            taint.dump();
            return Some(Value::tainted(taint));
        }
        None
    }

    /// Getters of personal data, entities and repositories.
    fn entity_source(&self, recv: &Value<'a>, hint: Option<&str>, name: &str) -> Option<Value<'a>> {
        let on_entity = recv.taint.has(kind::ENTITY | kind::PAYMENT);
        if let Some(g) =
            getter(sources::ENTITY_GETTERS, name).filter(|g| !g.entity_only || on_entity)
        {
            return Some(Value::tainted(Taint::source(g.kind, g.what, name)));
        }
        // A receiver of a class we know and that has nothing to do with
        // customers (a shop location, a product) keeps its getters.
        if let Some(g) = getter(sources::GETTERS, name) {
            let ty = recv.ty.as_deref().filter(|t| Some(*t) != self.class_name());
            let open = on_entity || ty.is_none_or(sources::may_hold_personal_data);
            if open && (!g.entity_only || on_entity) {
                return Some(Value::tainted(Taint::source(g.kind, g.what, name)));
            }
        }
        let magic = name.get(..3).is_some_and(|g| g.eq_ignore_ascii_case("get"));
        let attribute = name.get(3..).unwrap_or("");
        if magic && !attribute.is_empty() && self.settings.lexicon.is_phi(attribute) {
            let what = format!("health data '{}'", sources::snake(attribute));
            return Some(Value::tainted(Taint::source(kind::PHI, what, name)));
        }
        let fetch = ["get", "getById", "getList", "getByIncrementId"]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name));
        if !fetch {
            return None;
        }
        let repository = match recv.ty.as_deref() {
            Some(ty) => sources::ENTITY_REPOSITORIES.contains(&ty),
            None => {
                hint.is_some_and(|h| REPOSITORY_HINTS.iter().any(|r| sources::contains_ic(h, r)))
            }
        };
        if fetch && repository {
            let what = recv
                .ty
                .as_deref()
                .and_then(|t| t.rsplit('\\').next())
                .map(|s| {
                    s.trim_end_matches("RepositoryInterface")
                        .to_ascii_lowercase()
                })
                .unwrap_or_else(|| "customer".to_string());
            return Some(Value::tainted(Taint::source(kind::ENTITY, what, name)));
        }
        None
    }

    /// `new X(...)`.
    pub fn new_object(
        &mut self,
        f: &mut Frame<'a>,
        e: &'f Expr<'a>,
        class: &'f ClassRef<'a>,
        args: &'f [Arg<'a>],
    ) -> Value<'a> {
        let name: Option<Cow<'a, str>> = match class {
            ClassRef::Named(n) => Some(Cow::Borrowed(*n)),
            ClassRef::SelfRef | ClassRef::Static => self.class_name().map(Cow::Borrowed),
            ClassRef::Parent => self
                .class
                .as_ref()
                .and_then(|c| c.def.parent)
                .map(Cow::Borrowed),
            ClassRef::Dynamic(d) => {
                let v = self.eval(f, d);
                malware::dynamic_call(self, e, &v, d);
                None
            }
        };
        let vals = self.args(f, args);
        let Some(name) = name else {
            return Value::default();
        };
        let base = self.client_base(&name, args, &vals);
        dispatch::new_object(self, f, e, &name, args, &vals, &base);
        Value {
            ty: Some(name),
            text: base.text,
            at: base.at,
            ..Value::default()
        }
    }

    /// The URL an HTTP client is built for (`base_uri`, a Laminas URI,
    /// a SOAP WSDL).
    fn client_base(&mut self, class: &str, args: &'f [Arg<'a>], vals: &[Value<'a>]) -> Value<'a> {
        let base = if class.starts_with("GuzzleHttp\\") {
            args.first()
                .and_then(|options| self.array_entry(&options.value, "base_uri"))
        } else if is_http_client(class) {
            vals.first().cloned()
        } else {
            None
        };
        let base = base.unwrap_or_default();
        Value {
            text: base.text,
            at: base.at,
            ..Value::default()
        }
    }

    /// The constant value of `key` in an array literal.
    pub fn array_entry(&mut self, e: &'f Expr<'a>, key: &str) -> Option<Value<'a>> {
        let ExprKind::Array(items) = &e.kind else {
            return None;
        };
        let item = items.iter().find(|i| {
            i.key
                .as_ref()
                .is_some_and(|k| matches!(&k.kind, ExprKind::Str(s) if *s == key))
        })?;
        Some(self.const_value(&item.value))
    }
}

/// Objects the framework hands out: factories' products, directories
/// and files that know their path, database connections, events.
fn framework_object<'a>(
    recv: &Value<'a>,
    hint: Option<&str>,
    name: &str,
    vals: &[Value<'a>],
) -> Option<Value<'a>> {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    let arg_text = |i: usize| vals.get(i).and_then(|v| v.text.as_deref());
    let ty = recv.ty.as_deref();
    if let Some(product) = ty
        .and_then(|t| t.strip_suffix("Factory"))
        .filter(|_| is("create"))
    {
        return Some(Value::object(Cow::Owned(product.to_string())));
    }
    if is("getDirectoryWrite") || is("getDirectoryRead") {
        let class = if is("getDirectoryWrite") {
            DIRECTORY_WRITE
        } else {
            DIRECTORY_READ
        };
        return Some(Value {
            text: vals.first().and_then(|v| v.text.clone()),
            ..Value::object(class)
        });
    }
    if is("openFile") {
        return Some(Value {
            text: join_path(recv.text.as_deref(), arg_text(0)),
            ..Value::object(FILE_WRITE)
        });
    }
    if is("getAbsolutePath") {
        return Some(Value {
            text: join_path(recv.text.as_deref(), arg_text(0)),
            ..Value::default()
        });
    }
    let directory_list = ty.is_some_and(|t| t.ends_with("DirectoryList"))
        || hint.is_some_and(|h| sources::contains_ic(h, "directorylist"));
    if is("getPath") && directory_list {
        return Some(Value {
            text: vals.first().and_then(|v| v.text.clone()),
            ..Value::default()
        });
    }
    if is("getConnection") {
        return Some(Value::object(DB_ADAPTER));
    }
    if is("getEvent") {
        return Some(Value::object("Magento\\Framework\\Event"));
    }
    None
}

/// Event data by key: `$observer->getData('order')` is `getOrder()`.
fn entity_key<'a>(key: &str) -> Option<Value<'a>> {
    let (bits, what) = match key {
        "order" => (kind::ENTITY, "order"),
        "customer" => (kind::ENTITY, "customer"),
        "quote" => (kind::ENTITY, "quote"),
        "address" | "billing_address" | "shipping_address" => (kind::ENTITY, "address"),
        "payment" => (kind::PAYMENT, "payment"),
        _ => return None,
    };
    Some(Value::tainted(Taint::source(
        bits,
        what,
        &format!("getData('{key}')"),
    )))
}

/// A path under a directory: `pub/media` + `rx/a.csv`.
pub fn join_path(base: Option<&str>, rel: Option<&str>) -> Option<Rc<str>> {
    match base {
        Some(base) if !base.is_empty() => {
            let rel = rel.map(|r| r.trim_start_matches('/'));
            concat_text(Some(&format!("{}/", base.trim_end_matches('/'))), rel)
        }
        _ => rel.map(Rc::from),
    }
}

/// Whether a receiver of class `ty` (unknown: maybe) reads the request.
fn is_request(ty: Option<&str>) -> bool {
    ty.is_none_or(|t| t.contains("Request") || t.ends_with("\\Http") || t.contains("CookieManager"))
}

fn http_hint(hint: &str) -> bool {
    ["curl", "httpclient", "guzzle", "soapclient"]
        .iter()
        .any(|w| sources::contains_ic(hint, w))
}

/// The key of a keyed getter: its text, or for a constant of a class we
/// cannot see (`PaymentInterface::KEY_ADDITIONAL_DATA`), the constant's name.
fn key_of(args: &[Arg<'_>], vals: &[Value<'_>]) -> Option<String> {
    if let Some(text) = vals.first().and_then(|v| v.exact_text()) {
        return Some(text.to_string());
    }
    match &args.first()?.value.kind {
        ExprKind::ClassConst { name, .. } => {
            Some(name.strip_prefix("KEY_").unwrap_or(name).to_string())
        }
        _ => None,
    }
}
