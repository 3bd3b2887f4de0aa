//! Evaluation of expressions other than calls: how taint, text and types
//! move through assignments, arrays, string building and operators.

use std::borrow::Cow;
use std::rc::Rc;

use super::engine::{Engine, Frame};
use super::ir::{AssignOp, BinOp, ClassRef, Expr, ExprKind, Item, Member, UnOp};
use super::report::SinkSite;
use super::sinks::SinkKind;
use super::sources;
use super::state::constant;
use super::value::{concat_text, kind, Scalar, Taint, Value};
use super::{malware, transport};

impl<'f, 'a> Engine<'f, 'a> {
    /// Evaluates an expression.
    pub fn eval(&mut self, f: &mut Frame<'a>, e: &'f Expr<'a>) -> Value<'a> {
        match &e.kind {
            ExprKind::Var(name) => self.variable(f, name),
            ExprKind::DynVar(inner) => {
                self.eval(f, inner);
                Value::default()
            }
            ExprKind::Str(s) => Value {
                at: Some(e.span),
                ..Value::text(s)
            },
            ExprKind::Int(i) => Value {
                scalar: Some(Scalar::Int(*i)),
                ..Value::text(&i.to_string())
            },
            ExprKind::Float => Value::default(),
            ExprKind::Bool(b) => Value {
                scalar: Some(Scalar::Bool(*b)),
                ..Value::default()
            },
            ExprKind::Null => Value {
                scalar: Some(Scalar::Null),
                ..Value::default()
            },
            ExprKind::Interp(parts) => self.concat_all(f, parts),
            ExprKind::Shell(parts) => {
                let value = self.concat_all(f, parts);
                let site = self.site(SinkKind::Exec, "backtick operator", e);
                self.sink(f, site, &value.taint);
                Value::default()
            }
            ExprKind::Const(name) => constant(name),
            ExprKind::Magic(name) => match *name {
                "__CLASS__" => self.class_name().map(Value::text).unwrap_or_default(),
                _ => Value::default(),
            },
            ExprKind::ClassConst { class, name } => self.class_const(class, name),
            ExprKind::Array(items) => self.array(f, items),
            ExprKind::Index { base, index } => self.index(f, base, index.as_deref()),
            ExprKind::Prop { base, name } => self.property(f, base, name),
            ExprKind::StaticProp { class, name } => {
                if let ClassRef::Dynamic(c) = class {
                    self.eval(f, c);
                }
                self.prop_value(name)
            }
            ExprKind::Call { callee, args } => self.call(f, e, callee, args),
            ExprKind::New { class, args } => self.new_object(f, e, class, args),
            ExprKind::Assign { target, op, value } => {
                let mut v = self.eval(f, value);
                if *op == AssignOp::Update {
                    let old = self.eval(f, target);
                    v.text = concat_text(old.text.as_deref(), v.text.as_deref());
                    v.taint.join(&old.taint);
                }
                self.assign(f, target, v.clone());
                v
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(f, *op, lhs, rhs),
            ExprKind::Unary { op, expr } => {
                let mut v = self.eval(f, expr);
                match op {
                    UnOp::Keep => v,
                    UnOp::Bool => Value::default(),
                    UnOp::Number => {
                        v.taint.remove(!(kind::PHI | kind::CARD | kind::HASHED));
                        Value::tainted(v.taint)
                    }
                }
            }
            ExprKind::Ternary { cond, then, els } => {
                let c = self.eval(f, cond);
                let mut v = match then {
                    Some(t) => self.eval(f, t),
                    None => c,
                };
                let other = self.eval(f, els);
                v.join(&other);
                v
            }
            ExprKind::Closure { func, uses, arrow } => self.closure(f, func, uses, *arrow),
            ExprKind::Match { subject, arms } => {
                self.eval(f, subject);
                let mut v: Option<Value<'a>> = None;
                for arm in *arms {
                    let a = self.eval(f, arm);
                    match v.as_mut() {
                        Some(v) => {
                            v.join(&a);
                        }
                        None => v = Some(a),
                    }
                }
                v.unwrap_or_default()
            }
            ExprKind::Eval(code) => {
                let value = self.eval(f, code);
                let site = self.site(SinkKind::Eval, "eval", e);
                self.eval_sink(f, site, &value);
                Value::default()
            }
            ExprKind::Include(path) => {
                let value = self.eval(f, path);
                let site = self.site(SinkKind::Include, "include", e);
                self.sink(f, site, &value.taint);
                Value::default()
            }
            ExprKind::Isset(list) | ExprKind::Other(list) => {
                for item in *list {
                    self.eval(f, item);
                }
                Value::default()
            }
            ExprKind::Print(inner) => {
                self.eval(f, inner);
                Value::default()
            }
            ExprKind::List(_) => Value::default(),
        }
    }

    /// A sink site at expression `e`.
    pub fn site(&self, kind: SinkKind, label: &str, e: &Expr<'a>) -> SinkSite {
        SinkSite {
            kind,
            label: Rc::from(label),
            span: e.span,
            url: None,
            url_at: None,
            path: None,
            by_name: false,
            unnamed_key: false,
        }
    }

    /// `eval` of a value: besides the taint checks, an `eval` of code
    /// that is not a constant string is worth a look on its own.
    pub fn eval_sink(&mut self, f: &mut Frame<'a>, site: SinkSite, value: &Value<'a>) {
        if value.exact_text().is_none() && !value.taint.has(kind::HOSTILE) {
            malware::eval_dynamic(&mut self.out, &site);
        }
        self.sink(f, site, &value.taint);
    }

    fn variable(&mut self, f: &Frame<'a>, name: &str) -> Value<'a> {
        if name == "this" {
            return self
                .class_name()
                .map(|n| Value::object(Cow::Borrowed(n)))
                .unwrap_or_default();
        }
        if let Some(v) = f.env.get(name) {
            return v.clone();
        }
        if sources::SUPERGLOBALS.contains(&name) {
            return Value::tainted(self.request_source(name, None));
        }
        Value::default()
    }

    /// The fully qualified name of the class being analysed.
    pub fn class_name(&self) -> Option<&'a str> {
        self.class.as_ref().and_then(|c| c.def.name)
    }

    /// Request input: always hostile; personal or card data too when the
    /// whole request is taken, or a key says so.
    pub fn request_source(&self, via: &str, key: Option<&str>) -> Taint {
        let mut taint = Taint::source(kind::USER, "request input", via);
        match key {
            None => {
                taint.join(&Taint::named(kind::PHI, "the whole request", via));
            }
            Some(key) => {
                if let Some((bits, what)) = self.settings.lexicon.kind_of(key) {
                    taint.join(&Taint::source(
                        bits,
                        format!("request parameter ({what})"),
                        via,
                    ));
                }
            }
        }
        taint
    }

    fn concat_all(&mut self, f: &mut Frame<'a>, parts: &'f [Expr<'a>]) -> Value<'a> {
        let mut out = Value::text("");
        for part in parts {
            let v = self.eval(f, part);
            if out.at.is_none() && out.text.as_deref() == Some("") {
                out.at = v.at;
            }
            out.text = concat_text(out.text.as_deref(), v.text.as_deref());
            out.taint.join(&v.taint);
        }
        out
    }

    fn binary(
        &mut self,
        f: &mut Frame<'a>,
        op: BinOp,
        lhs: &'f Expr<'a>,
        rhs: &'f Expr<'a>,
    ) -> Value<'a> {
        let mut l = self.eval(f, lhs);
        let r = self.eval(f, rhs);
        match op {
            BinOp::Concat => {
                let at = if l.text.as_deref().is_some_and(|t| !t.is_empty()) {
                    l.at
                } else {
                    r.at
                };
                l.text = concat_text(l.text.as_deref(), r.text.as_deref());
                l.taint.join(&r.taint);
                Value {
                    taint: l.taint,
                    text: l.text,
                    at,
                    ..Value::default()
                }
            }
            BinOp::Coalesce => {
                l.join(&r);
                l
            }
            BinOp::Arith => {
                l.taint.join(&r.taint);
                l.taint.remove(!(kind::PHI | kind::CARD | kind::HASHED));
                Value::tainted(l.taint)
            }
            BinOp::Test => Value::default(),
        }
    }

    fn array(&mut self, f: &mut Frame<'a>, items: &'f [Item<'a>]) -> Value<'a> {
        let mut out = Value::default();
        let mut choices = Vec::new();
        let mut all_text = true;
        for item in items {
            let key = item.key.as_ref().map(|k| self.eval(f, k));
            let value = self.eval(f, &item.value);
            if let Some(key) = &key {
                out.taint.join(&key.taint);
                if let Some(span) = transport::array_option(self, item, key, &value) {
                    out.verify_off = Some(span);
                }
                if let Some(name) = key.exact_text() {
                    self.named_phi(&mut out.taint, name, &value);
                }
            }
            out.taint.join(&value.taint);
            out.verify_off = out.verify_off.or(value.verify_off);
            match value.exact_text() {
                Some(t) => choices.push(Rc::from(t)),
                None => all_text = false,
            }
        }
        if all_text && !choices.is_empty() {
            out.choices = Some(Rc::from(choices));
        }
        out
    }

    /// An array key from the PHI lexicon, holding data that is not a
    /// literal, marks that data as health data (with low certainty).
    pub fn named_phi(&self, taint: &mut Taint, key: &str, value: &Value<'a>) {
        let literal = value.exact_text().is_some() || value.scalar.is_some();
        if !literal && value.ty.is_none() && self.settings.lexicon.is_phi(key) {
            let what = format!("health data '{}'", sources::snake(key));
            taint.join(&Taint::named(kind::PHI, what, &format!("'{key}' =>")));
        }
    }

    fn index(
        &mut self,
        f: &mut Frame<'a>,
        base: &'f Expr<'a>,
        index: Option<&'f Expr<'a>>,
    ) -> Value<'a> {
        let key = index.map(|i| self.eval(f, i));
        let key_text = key
            .as_ref()
            .and_then(|k| k.exact_text().map(str::to_string));
        if let ExprKind::Var(name) = &base.kind {
            if sources::SUPERGLOBALS.contains(name) && !f.env.contains_key(name) {
                let key = Some(key_text.as_deref().unwrap_or(""));
                return Value::tainted(self.request_source(&format!("${name}"), key));
            }
        }
        let b = self.eval(f, base);
        let mut taint = b.taint;
        if let Some(k) = &key {
            taint.join(&k.taint);
        }
        let keyed = key_text.as_deref().and_then(|k| {
            self.settings
                .lexicon
                .kind_of(k)
                .map(|(bits, what)| (k, bits, what))
        });
        if let Some((key, bits, what)) = keyed {
            let holds = taint.has(kind::ENTITY | kind::PAYMENT | kind::CARD | kind::PHI);
            if (holds || bits == kind::CARD) && !taint.has(bits) {
                taint.join(&Taint::source(bits, what, &format!("['{key}']")));
            }
        }
        Value::tainted(taint)
    }

    fn property(
        &mut self,
        f: &mut Frame<'a>,
        base: &'f Expr<'a>,
        name: &'f Member<'a>,
    ) -> Value<'a> {
        if let Member::Dynamic(n) = name {
            self.eval(f, n);
        }
        if let (ExprKind::Var("this"), Some(prop)) = (&base.kind, name.name()) {
            return self.prop_value(prop);
        }
        let b = self.eval(f, base);
        Value::tainted(b.taint)
    }
}
