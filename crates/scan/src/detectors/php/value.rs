//! Abstract values: what the taint engine knows about a PHP value.
//!
//! A value carries its taint (which kinds of sensitive or hostile data
//! may be in it, and where they came from), and whatever else the checks
//! need to know: its string content when it is built from literals (for
//! URLs and file paths), a boolean or number literal (for `verify =>
//! false`), the class of an object (for `$this->logger->info`), and the
//! strings of a constant list (for `foreach (self::CARD_FIELDS as $f)`).

use std::borrow::Cow;
use std::rc::Rc;

use super::ir::Span;

/// Kinds of taint, as bits.
pub mod kind {
    /// Personal or health data: names, contact details, diagnoses.
    pub const PHI: u16 = 1;
    /// Card data: the number, security code, expiry.
    pub const CARD: u16 = 1 << 1;
    /// Input an attacker controls: request parameters, cookies.
    pub const USER: u16 = 1 << 2;
    /// The output of a decoder (`base64_decode`, `gzinflate`…).
    pub const DECODED: u16 = 1 << 3;
    /// A response from a remote host.
    pub const REMOTE: u16 = 1 << 4;
    /// An object holding personal data: a customer, order, address.
    pub const ENTITY: u16 = 1 << 5;
    /// A payment object, which holds card data.
    pub const PAYMENT: u16 = 1 << 6;
    /// Personal data that went through a hash: still an identifier.
    pub const HASHED: u16 = 1 << 7;
    /// Text assembled to hide what it says (`chr()` chains, `strrev`).
    pub const OBFUSCATED: u16 = 1 << 8;

    /// Kinds that matter to code execution.
    pub const HOSTILE: u16 = USER | DECODED | REMOTE | OBFUSCATED;
}

/// Marks the unknown parts of a string built from known and unknown
/// pieces (`'https://x.test/?q=' . $q`).
pub const UNKNOWN: char = '\u{1}';

/// Where one kind of taint came from, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The kind bit this origin explains.
    pub kind: u16,
    /// What the data is: `customer telephone`.
    pub what: Cow<'static, str>,
    /// How it was read: `getTelephone`.
    pub via: Rc<str>,
    /// Inferred from a name alone (an array key, a parameter), not from
    /// an accessor we know: reported with lower confidence.
    pub weak: bool,
}

/// The most origins a value remembers; messages name two or three.
const MAX_ORIGINS: usize = 4;

/// Which parameters of the function being analysed flow into a value,
/// as bits, and how: as they are, through a hash, or with card numbers
/// masked. A method's summary keeps this, so that `send(hash($email))`
/// inside a helper is still a hash when a caller passes an email.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flow {
    pub plain: u16,
    pub hashed: u16,
    pub masked: u16,
}

impl Flow {
    /// Parameter `bits` flowing as they are.
    pub fn plain(bits: u16) -> Flow {
        Flow {
            plain: bits,
            ..Flow::default()
        }
    }

    /// Whether no parameter flows here.
    pub fn is_empty(self) -> bool {
        self.plain | self.hashed | self.masked == 0
    }

    /// Both flows.
    pub fn union(self, other: Flow) -> Flow {
        Flow {
            plain: self.plain | other.plain,
            hashed: self.hashed | other.hashed,
            masked: self.masked | other.masked,
        }
    }
}

/// The taint of one value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taint {
    /// Kind bits (see [`kind`]).
    pub kinds: u16,
    /// Parameters of the function being analysed that flow here; they
    /// make the function's summary.
    pub params: Flow,
    /// How many decoders were applied in a row.
    pub decode_depth: u8,
    /// Where the kinds came from.
    pub origins: Vec<Origin>,
}

impl Taint {
    /// A fresh source of `kind`.
    pub fn source(kind: u16, what: impl Into<Cow<'static, str>>, via: &str) -> Taint {
        let origin = Origin {
            kind,
            what: what.into(),
            via: Rc::from(via),
            weak: false,
        };
        Taint {
            kinds: kind,
            params: Flow::default(),
            decode_depth: 0,
            origins: vec![origin],
        }
    }

    /// A source inferred from a name only.
    pub fn named(kind: u16, what: impl Into<Cow<'static, str>>, via: &str) -> Taint {
        let mut taint = Taint::source(kind, what, via);
        for origin in &mut taint.origins {
            origin.weak = true;
        }
        taint
    }

    /// Whether any of `bits` is present.
    pub fn has(&self, bits: u16) -> bool {
        self.kinds & bits != 0
    }

    /// Adds `other` into `self`; returns whether anything was new.
    pub fn join(&mut self, other: &Taint) -> bool {
        let before = (
            self.kinds,
            self.params,
            self.decode_depth,
            self.origins.len(),
        );
        self.kinds |= other.kinds;
        self.params = self.params.union(other.params);
        self.decode_depth = self.decode_depth.max(other.decode_depth);
        for origin in &other.origins {
            if self.origins.len() >= MAX_ORIGINS {
                break;
            }
            if !self
                .origins
                .iter()
                .any(|o| o.kind == origin.kind && o.via == origin.via)
            {
                self.origins.push(origin.clone());
            }
        }
        before
            != (
                self.kinds,
                self.params,
                self.decode_depth,
                self.origins.len(),
            )
    }

    /// Removes kinds (and their origins).
    pub fn remove(&mut self, bits: u16) {
        self.kinds &= !bits;
        self.origins.retain(|o| o.kind & bits == 0);
        if bits & kind::DECODED != 0 {
            self.decode_depth = 0;
        }
    }

    /// Renames one kind to another (a hashed email is still an identifier).
    pub fn convert(&mut self, from: u16, to: u16) {
        if !self.has(from) {
            return;
        }
        self.kinds = (self.kinds & !from) | to;
        for origin in &mut self.origins {
            if origin.kind == from {
                origin.kind = to;
            }
        }
    }

    /// Whole-object dumps (`json_encode($order)`, `$order->getData()`)
    /// turn an entity into the personal data it holds.
    pub fn dump(&mut self) {
        for (from, to) in [(kind::ENTITY, kind::PHI), (kind::PAYMENT, kind::CARD)] {
            if self.has(from) {
                for origin in &mut self.origins {
                    if origin.kind == from {
                        origin.what = Cow::Owned(format!("{} data", origin.what));
                    }
                }
                self.convert(from, to);
            }
        }
    }

    /// The origins that explain `bits`.
    pub fn origins_of(&self, bits: u16) -> impl Iterator<Item = &Origin> {
        self.origins.iter().filter(move |o| o.kind & bits != 0)
    }

    /// Whether every origin of `bits` was inferred from a name only.
    pub fn only_weak(&self, bits: u16) -> bool {
        self.origins_of(bits).all(|o| o.weak)
    }
}

/// A literal the checks care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Null,
}

impl Scalar {
    /// PHP's idea of false.
    pub fn is_falsy(self) -> bool {
        matches!(self, Scalar::Bool(false) | Scalar::Int(0) | Scalar::Null)
    }
}

/// What we know about a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Value<'a> {
    pub taint: Taint,
    /// Its string content, with [`UNKNOWN`] for unknown parts.
    pub text: Option<Rc<str>>,
    /// Where the string literal its text starts with is written.
    pub at: Option<Span>,
    /// An option array that says `'verify' => false`, and where: reported
    /// when it reaches a Guzzle client.
    pub verify_off: Option<Span>,
    pub scalar: Option<Scalar>,
    /// The class of an object, fully qualified.
    pub ty: Option<Cow<'a, str>>,
    /// The strings of a constant list.
    pub choices: Option<Rc<[Rc<str>]>>,
}

impl<'a> Value<'a> {
    /// A value with a taint and nothing else known.
    pub fn tainted(taint: Taint) -> Value<'a> {
        Value {
            taint,
            ..Value::default()
        }
    }

    /// A known string.
    pub fn text(text: &str) -> Value<'a> {
        Value {
            text: Some(Rc::from(text)),
            ..Value::default()
        }
    }

    /// An object of class `ty`.
    pub fn object(ty: impl Into<Cow<'a, str>>) -> Value<'a> {
        Value {
            ty: Some(ty.into()),
            ..Value::default()
        }
    }

    /// The known text, if all of it is known.
    pub fn exact_text(&self) -> Option<&str> {
        self.text.as_deref().filter(|t| !t.contains(UNKNOWN))
    }

    /// Merges what two control-flow paths know.
    pub fn join(&mut self, other: &Value<'a>) -> bool {
        let changed = self.taint.join(&other.taint);
        if self.text != other.text {
            self.text = None;
            self.at = None;
        }
        if self.scalar != other.scalar {
            self.scalar = None;
        }
        if self.ty.is_none() {
            self.ty.clone_from(&other.ty);
        }
        if self.choices != other.choices {
            self.choices = None;
        }
        self.verify_off = self.verify_off.or(other.verify_off);
        changed
    }
}

/// Concatenates two partial strings.
pub fn concat_text(lhs: Option<&str>, rhs: Option<&str>) -> Option<Rc<str>> {
    match (lhs, rhs) {
        (None, None) => None,
        (l, r) => {
            let unknown = UNKNOWN.to_string();
            Some(Rc::from(format!(
                "{}{}",
                l.unwrap_or(&unknown),
                r.unwrap_or(&unknown)
            )))
        }
    }
}
