//! Where values are stored and looked up: variables, array elements,
//! properties of `$this`, and constants (our own, Magento's directory
//! codes, `true`, `BP`).

use super::engine::{Engine, Frame};
use super::ir::{BinOp, ClassRef, Expr, ExprKind, Member};
use super::sources;
use super::value::{Flow, Scalar, Taint, Value};

/// Magento's directory codes, as the paths they stand for.
const DIRECTORIES: &[(&str, &str)] = &[
    ("ROOT", ""),
    ("APP", "app"),
    ("CONFIG", "app/etc"),
    ("PUB", "pub"),
    ("MEDIA", "pub/media"),
    ("STATIC_VIEW", "pub/static"),
    ("UPLOAD", "pub/media/upload"),
    ("VAR_DIR", "var"),
    ("VAR_EXPORT", "var/export"),
    ("VAR_IMPORT_EXPORT", "var/import_export"),
    ("LOG", "var/log"),
    ("TMP", "var/tmp"),
    ("CACHE", "var/cache"),
    ("SESSION", "var/session"),
    ("GENERATED", "generated"),
];

impl<'f, 'a> Engine<'f, 'a> {
    /// The joined value of `$this->name`.
    pub fn prop_value(&self, name: &str) -> Value<'a> {
        self.class
            .as_ref()
            .and_then(|c| c.props.get(name))
            .cloned()
            .unwrap_or_default()
    }

    /// Stores `value` into an assignment target.
    pub fn assign(&mut self, f: &mut Frame<'a>, target: &'f Expr<'a>, value: Value<'a>) {
        match &target.kind {
            ExprKind::Var(name) => {
                f.env.insert(name, value);
            }
            ExprKind::Index { base, index } => {
                let mut taint = value.taint.clone();
                if let Some(i) = index {
                    let key = self.eval(f, i);
                    taint.join(&key.taint);
                    if let Some(name) = key.exact_text() {
                        self.named_phi(&mut taint, name, &value);
                    }
                }
                self.assign_into(f, base, &taint);
            }
            ExprKind::Prop {
                base,
                name: Member::Name(prop),
            } if matches!(base.kind, ExprKind::Var("this")) => {
                self.store_prop(prop, value);
            }
            ExprKind::StaticProp { name, .. } => self.store_prop(name, value),
            ExprKind::List(items) | ExprKind::Array(items) => {
                for item in *items {
                    self.assign(f, &item.value, Value::tainted(value.taint.clone()));
                }
            }
            _ => {}
        }
    }

    /// Adds `taint` to the container an element is written into.
    fn assign_into(&mut self, f: &mut Frame<'a>, base: &'f Expr<'a>, taint: &Taint) {
        match &base.kind {
            ExprKind::Var(name) => {
                let slot = f.env.entry(name).or_default();
                slot.taint.join(taint);
                slot.text = None;
                slot.choices = None;
            }
            ExprKind::Index { base, .. } => self.assign_into(f, base, taint),
            ExprKind::Prop {
                base: b,
                name: Member::Name(prop),
            } if matches!(b.kind, ExprKind::Var("this")) => {
                self.store_prop(prop, Value::tainted(taint.clone()));
            }
            _ => {}
        }
    }

    /// Joins a value into `$this->name`. Parameter bits are dropped: they
    /// mean something only inside the method that wrote them.
    fn store_prop(&mut self, name: &'a str, mut value: Value<'a>) {
        value.taint.params = Flow::default();
        let Some(class) = self.class.as_mut() else {
            return;
        };
        let slot = class.props.entry(name).or_default();
        let declared = slot.ty.clone();
        let fresh = slot.taint == Taint::default() && slot.text.is_none() && slot.scalar.is_none();
        if fresh {
            if value.taint != Taint::default() {
                self.changed = true;
            }
            *slot = value;
        } else if slot.join(&value) {
            self.changed = true;
        }
        if declared.is_some() {
            slot.ty = declared;
        }
    }

    /// A class constant: our own (evaluated), Magento's directory codes
    /// (as paths), `X::class`; anything else is unknown.
    pub fn class_const(&mut self, class: &'f ClassRef<'a>, name: &str) -> Value<'a> {
        let own = match class {
            ClassRef::SelfRef | ClassRef::Static => true,
            ClassRef::Named(n) => Some(*n) == self.class_name(),
            _ => false,
        };
        if name.eq_ignore_ascii_case("class") {
            return match class {
                ClassRef::Named(n) => Value::text(n),
                _ => self.class_name().map(Value::text).unwrap_or_default(),
            };
        }
        if let ClassRef::Named(n) = class {
            let directory = DIRECTORIES.iter().find(|(code, _)| *code == name);
            if let (true, Some((_, path))) = (n.ends_with("Filesystem\\DirectoryList"), directory) {
                return Value::text(path);
            }
        }
        if !own || self.const_depth > 8 {
            return Value::default();
        }
        let Some(class) = self.class.as_ref() else {
            return Value::default();
        };
        let Some((_, expr)) = class.def.consts.iter().find(|(n, _)| *n == name) else {
            return Value::default();
        };
        self.const_depth += 1;
        let value = self.const_value(expr);
        self.const_depth -= 1;
        value
    }

    /// The value of a constant expression, without side effects.
    pub fn const_value(&mut self, e: &'f Expr<'a>) -> Value<'a> {
        match &e.kind {
            ExprKind::Str(_)
            | ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Const(_)
            | ExprKind::ClassConst { .. }
            | ExprKind::Array(_)
            | ExprKind::Binary {
                op: BinOp::Concat, ..
            } => {
                let mut scratch = Frame::default();
                self.eval(&mut scratch, e)
            }
            _ => Value::default(),
        }
    }
}

/// A global constant's value, where it matters.
pub fn constant<'a>(name: &str) -> Value<'a> {
    let mut buf = [0u8; 48];
    match sources::lowercase(name, &mut buf) {
        "true" => Value {
            scalar: Some(Scalar::Bool(true)),
            ..Value::default()
        },
        "false" => Value {
            scalar: Some(Scalar::Bool(false)),
            ..Value::default()
        },
        "null" => Value {
            scalar: Some(Scalar::Null),
            ..Value::default()
        },
        "bp" => Value::text(""),
        "php_eol" => Value::text("\n"),
        "directory_separator" => Value::text("/"),
        _ => Value::default(),
    }
}
