//! The taint engine: an abstract interpreter over one file's [`ir`].
//!
//! Each function body is walked once per round, statement by statement,
//! with an environment from variable names to [`Value`]s. Assignments
//! replace a variable's value; the arms of an `if` or `switch` start from
//! the same environment and are joined afterwards; a loop body runs a
//! second time when the first pass added taint to a variable, so values
//! carried round the loop are seen. Nothing is quadratic in the file: the
//! cost is the size of the tree times a small number of rounds, and only
//! the functions `relevance.rs` picks are walked at all.
//!
//! Methods of one class are analysed together. Each gets a summary: what
//! its return value carries (sources read inside it, and which parameters
//! flow out) and which parameters reach which sinks. A call
//! `$this->send($email)` then uses the summary of `send`. Summaries and the
//! class's property values (`$this->x`) are recomputed until they stop
//! changing (at most [`MAX_ROUNDS`] rounds); the findings of the last round
//! are the ones kept.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::ir::{Class, File, Func, Stmt};
use super::relevance;
use super::report::{Report, SinkSite};
use super::sources;
use super::value::{kind, Flow, Taint, Value};

/// Rounds of summary refinement per class before we settle.
const MAX_ROUNDS: usize = 4;

/// Loop nesting below which a loop body is walked twice.
const LOOP_REPEAT_DEPTH: u8 = 2;

/// Settings a reviewer can change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Names that mark card, health and identity data; the health part
    /// is [`sources::PHI_TERMS`] unless a reviewer gives their own.
    pub lexicon: sources::Lexicon,
}

impl Settings {
    /// Settings with `phi_terms` as the health lexicon.
    pub fn with_phi_terms(phi_terms: &[Cow<'static, str>]) -> Settings {
        Settings {
            lexicon: sources::Lexicon::new(phi_terms),
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        let terms: Vec<Cow<'static, str>> = sources::PHI_TERMS
            .iter()
            .map(|t| Cow::Borrowed(*t))
            .collect();
        Settings::with_phi_terms(&terms)
    }
}

/// Variables of one function.
pub type Env<'a> = HashMap<&'a str, Value<'a>, BuildHasherDefault<NameHasher>>;

/// A small, fast hash for variable and property names (FNV-1a): the maps
/// are tiny and their keys are not chosen by anyone who gains from
/// collisions beyond slowing their own file down.
#[derive(Default)]
pub struct NameHasher(u64);

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// What a function does, seen from a caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary<'a> {
    /// What the return value carries; `params` bits name the parameters
    /// that flow out.
    pub ret: Taint,
    /// The class of the returned object, when known.
    pub ret_ty: Option<Cow<'a, str>>,
    /// Sinks reached by parameters: how they flow there, and the sink.
    pub sinks: Vec<(Flow, SinkSite)>,
}

/// The state of one function while it is walked.
#[derive(Debug, Default)]
pub struct Frame<'a> {
    pub env: Env<'a>,
    pub ret: Value<'a>,
    pub sinks: Vec<(Flow, SinkSite)>,
}

/// What we know about the class being analysed.
pub struct ClassState<'f, 'a> {
    pub def: &'f Class<'a>,
    /// `$this->x` and `self::$x`, joined over every write.
    pub props: Env<'a>,
    pub summaries: Vec<Summary<'a>>,
    /// A payment gateway command or client: sending card data to the
    /// gateway over HTTPS is its job.
    pub payment_gateway: bool,
}

/// The engine for one file.
pub struct Engine<'f, 'a> {
    pub file: &'f File<'a>,
    pub settings: &'f Settings,
    pub out: Report<'f>,
    pub class: Option<ClassState<'f, 'a>>,
    /// Summaries of the file's functions, by index.
    pub functions: Vec<Summary<'a>>,
    /// Whether a property gained taint this round.
    pub changed: bool,
    /// Whether a summary changed this round, and whether any was read:
    /// a class whose methods never call each other settles in one round.
    summary_changed: bool,
    pub summary_used: bool,
    /// The value a closure's parameters receive when it is a callback.
    pub callback_arg: Option<Value<'a>>,
    /// Current loop nesting.
    depth: u8,
    /// Class-constant evaluation depth, against cycles.
    pub const_depth: u8,
}

impl<'f, 'a> Engine<'f, 'a> {
    /// An engine reporting into `out`.
    pub fn new(file: &'f File<'a>, settings: &'f Settings, out: Report<'f>) -> Engine<'f, 'a> {
        Engine {
            file,
            settings,
            out,
            class: None,
            functions: vec![Summary::default(); file.functions.len()],
            changed: false,
            summary_changed: false,
            summary_used: false,
            callback_arg: None,
            depth: 0,
            const_depth: 0,
        }
    }

    /// Analyses everything in the file.
    pub fn run(&mut self) {
        let file = self.file;
        let top = relevance::scan_stmts(file.top).trigger;
        let functions = relevance::relevant(&file.functions);
        if top || functions.iter().any(|k| *k) {
            self.settle(|engine| {
                for (i, func) in file.functions.iter().enumerate() {
                    let summary = engine.function(func);
                    engine.store_summary(false, i, summary);
                }
            });
        }
        for class in &file.classes {
            let keep = relevance::relevant(&class.methods);
            if !keep.iter().any(|k| *k) {
                continue;
            }
            self.class = Some(self.class_state(class));
            self.init_props(class);
            self.settle(|engine| {
                for (i, method) in methods_in_order(class) {
                    if keep[i] {
                        let summary = engine.function(method);
                        engine.store_summary(true, i, summary);
                    }
                }
            });
            self.class = None;
        }
        if top {
            let mut frame = Frame::default();
            self.stmts(&mut frame, file.top);
        }
    }

    /// Runs `round` until summaries stop changing, keeping the findings
    /// of the last round only.
    fn settle(&mut self, mut round: impl FnMut(&mut Self)) {
        let mark = self.out.mark();
        for _ in 0..MAX_ROUNDS {
            self.out.rewind(mark);
            self.changed = false;
            self.summary_changed = false;
            self.summary_used = false;
            round(self);
            if !(self.changed || (self.summary_changed && self.summary_used)) {
                break;
            }
        }
    }

    fn store_summary(&mut self, in_class: bool, i: usize, summary: Summary<'a>) {
        let slot = match (in_class, self.class.as_mut()) {
            (true, Some(class)) => class.summaries.get_mut(i),
            _ => self.functions.get_mut(i),
        };
        if let Some(slot) = slot.filter(|s| **s != summary) {
            *slot = summary;
            self.summary_changed = true;
        }
    }

    /// Property types and constant defaults, before any method runs.
    fn init_props(&mut self, def: &'f Class<'a>) {
        let mut props = Env::default();
        for prop in &def.props {
            let mut value = Value {
                ty: prop.ty.map(Cow::Borrowed),
                ..Value::default()
            };
            if let Some(default) = &prop.default {
                let known = self.const_value(default);
                value.text = known.text;
                value.choices = known.choices;
            }
            props.insert(prop.name, value);
        }
        if let Some(ctor) = def
            .methods
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case("__construct"))
        {
            for param in ctor.params.iter().filter(|p| p.promoted) {
                props.insert(
                    param.name,
                    Value {
                        ty: param.ty.map(Cow::Borrowed),
                        ..Value::default()
                    },
                );
            }
        }
        if let Some(class) = self.class.as_mut() {
            class.props = props;
        }
    }

    fn class_state(&mut self, def: &'f Class<'a>) -> ClassState<'f, 'a> {
        let props = Env::default();
        let payment_gateway = def.interfaces.iter().chain(def.parent.iter()).any(|n| {
            n.starts_with("Magento\\Payment\\Gateway\\")
                || n.starts_with("Magento\\Payment\\Model\\Method\\")
        }) || self.out.path.split('/').any(|d| d == "Gateway");
        ClassState {
            def,
            props,
            summaries: vec![Summary::default(); def.methods.len()],
            payment_gateway,
        }
    }

    /// Walks one function and returns its summary.
    pub fn function(&mut self, func: &'f Func<'a>) -> Summary<'a> {
        let mut frame = Frame::default();
        for (i, param) in func.params.iter().enumerate() {
            let value = self.param_value(param.name, param.ty, i);
            frame.env.insert(param.name, value);
        }
        self.stmts(&mut frame, func.body);
        let ret_ty = func.ret.map(Cow::Borrowed).or(frame.ret.ty.clone());
        Summary {
            ret: frame.ret.taint,
            ret_ty,
            sinks: frame.sinks,
        }
    }

    /// What a parameter holds on entry: itself (as a summary bit), plus
    /// what its type or name says.
    pub fn param_value(&self, name: &'a str, ty: Option<&'a str>, index: usize) -> Value<'a> {
        let mut value = Value {
            ty: ty.map(Cow::Borrowed),
            ..Value::default()
        };
        if index < 16 {
            value.taint.params = Flow::plain(1 << index);
        }
        let entity = ty.and_then(|ty| sources::ENTITY_TYPES.iter().find(|(t, _, _)| *t == ty));
        if let Some((_, bits, what)) = entity {
            value
                .taint
                .join(&Taint::source(*bits, *what, &format!("${name}")));
        }
        if self.settings.lexicon.is_phi(name) {
            let what = format!("health data '{}'", sources::snake(name));
            value
                .taint
                .join(&Taint::named(kind::PHI, what, &format!("${name}")));
        }
        value
    }

    /// Walks a list of statements.
    pub fn stmts(&mut self, f: &mut Frame<'a>, list: &'f [Stmt<'a>]) {
        for stmt in list {
            self.stmt(f, stmt);
        }
    }

    fn stmt(&mut self, f: &mut Frame<'a>, stmt: &'f Stmt<'a>) {
        match stmt {
            Stmt::Expr(e) => {
                self.eval(f, e);
            }
            Stmt::Echo(list) => {
                for e in *list {
                    self.eval(f, e);
                }
            }
            Stmt::Return(e) => {
                if let Some(e) = e {
                    let value = self.eval(f, e);
                    f.ret.join(&value);
                    if f.ret.ty.is_none() {
                        f.ret.ty = value.ty;
                    }
                }
            }
            Stmt::Branch {
                conds,
                arms,
                exhaustive,
            } => {
                for cond in *conds {
                    self.eval(f, cond);
                }
                self.branches(f, arms, !*exhaustive);
            }
            Stmt::Loop { head, body } => {
                for e in *head {
                    self.eval(f, e);
                }
                self.repeat(f, body);
            }
            Stmt::Foreach {
                subject,
                key,
                value,
                body,
            } => {
                let collection = self.eval(f, subject);
                let element = Value {
                    taint: collection.taint.clone(),
                    choices: collection.choices.clone(),
                    ..Value::default()
                };
                if let Some(key) = key {
                    self.assign(f, key, Value::tainted(collection.taint.clone()));
                }
                self.assign(f, value, element);
                self.repeat(f, body);
            }
            Stmt::Try {
                body,
                catches,
                finally,
            } => {
                self.stmts(f, body);
                self.branches(f, catches, true);
                self.stmts(f, finally);
            }
            Stmt::Block(list) => self.stmts(f, list),
            Stmt::Declare(items) => {
                for (name, init) in *items {
                    let value = match init {
                        Some(e) => self.eval(f, e),
                        None => f.env.get(name).cloned().unwrap_or_default(),
                    };
                    f.env.insert(name, value);
                }
            }
        }
    }

    /// Runs each arm from the same environment and joins the results;
    /// `fallthrough` adds the path where no arm runs.
    fn branches(&mut self, f: &mut Frame<'a>, arms: &'f [&'a [Stmt<'a>]], fallthrough: bool) {
        let Some((first, rest)) = arms.split_first() else {
            return;
        };
        let base = f.env.clone();
        self.stmts(f, first);
        for arm in rest {
            let mut taken = std::mem::replace(&mut f.env, base.clone());
            self.stmts(f, arm);
            std::mem::swap(&mut taken, &mut f.env);
            join_env(&mut f.env, &taken);
        }
        if fallthrough {
            join_env(&mut f.env, &base);
        }
    }

    /// A loop body: once, and once more on the joined environment when
    /// the nesting is shallow, so values carried round the loop are seen.
    fn repeat(&mut self, f: &mut Frame<'a>, body: &'f [Stmt<'a>]) {
        let before = f.env.clone();
        self.depth += 1;
        self.stmts(f, body);
        join_env(&mut f.env, &before);
        if self.depth <= LOOP_REPEAT_DEPTH && grew(&before, &f.env) {
            self.stmts(f, body);
            join_env(&mut f.env, &before);
        }
        self.depth -= 1;
    }

    /// Records that `taint` reaches `site`: into the summary when a
    /// parameter flows there, and as a finding when real data does.
    pub fn sink(&mut self, f: &mut Frame<'a>, site: SinkSite, taint: &Taint) {
        if !taint.params.is_empty()
            && !f
                .sinks
                .iter()
                .any(|(p, s)| *p == taint.params && *s == site)
        {
            f.sinks.push((taint.params, site.clone()));
        }
        let gateway = self.class.as_ref().is_some_and(|c| c.payment_gateway);
        self.out.sink(&site, taint, None, gateway);
    }
}

/// Methods with the constructor first, so property types are known when
/// the others are walked.
fn methods_in_order<'f, 'a>(class: &'f Class<'a>) -> Vec<(usize, &'f Func<'a>)> {
    let mut list: Vec<_> = class.methods.iter().enumerate().collect();
    list.sort_by_key(|(_, m)| !m.name.eq_ignore_ascii_case("__construct"));
    list
}

/// Whether a variable that existed before a loop body carries more taint
/// after it: only then can a second pass see something new.
fn grew(before: &Env<'_>, after: &Env<'_>) -> bool {
    before.iter().any(|(name, old)| {
        after.get(name).is_some_and(|new| {
            new.taint.kinds != old.taint.kinds || new.taint.params != old.taint.params
        })
    })
}

/// Joins `other` into `env`.
pub fn join_env<'a>(env: &mut Env<'a>, other: &Env<'a>) {
    for (name, value) in other {
        match env.get_mut(name) {
            Some(mine) => {
                mine.join(value);
            }
            None => {
                env.insert(name, value.clone());
            }
        }
    }
}
