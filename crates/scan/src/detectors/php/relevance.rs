//! Which functions are worth walking.
//!
//! Every check reports at a call, a construct or an option array of a
//! few known shapes: a sink, `eval`, a decoder, a dynamic call, a
//! database or HTTP client, a TLS option. A function containing none of
//! them cannot produce a finding, and most functions of a typical module
//! (getters, setters, plugins, repositories) contain none. A quick walk
//! over the IR finds the ones that do; the engine walks those, the
//! methods they call on `$this` (their summaries are needed), and the
//! methods that write properties (their values may reach the others).

use super::ir::{Callee, ClassRef, Expr, ExprKind, Func, Item, Member, Stmt};
use super::sinks;
use super::sources::{self, lowercase};

/// Function names that can lead to a finding besides the sink table.
const SPECIAL_FUNCTIONS: &[&str] = &[
    "curl_setopt",
    "preg_replace",
    "preg_filter",
    "mysqli_connect",
    "mysqli_real_connect",
    "pg_connect",
    "pg_pconnect",
];

/// Classes whose construction is checked.
const CHECKED_CLASSES: &[&str] = &["PDO", "mysqli", "SoapClient", "Client"];

/// Option keys the transport checks read.
const OPTION_KEYS: &[&str] = &[
    "verify",
    "verify_peer",
    "verify_peer_name",
    "allow_self_signed",
    "sslverifypeer",
    "ssl_verify_peer",
];

/// What a quick walk saw in one function.
#[derive(Debug, Default)]
pub struct Scan<'a> {
    /// Something a check reports on.
    pub trigger: bool,
    /// Methods called on `$this`, `self::` or `static::`.
    pub own_calls: Vec<&'a str>,
    /// Whether it assigns `$this->x`.
    pub writes_props: bool,
}

/// Walks a function body.
pub fn scan<'a>(func: &Func<'a>) -> Scan<'a> {
    scan_stmts(func.body)
}

/// Walks a list of statements.
pub fn scan_stmts<'a>(list: &[Stmt<'a>]) -> Scan<'a> {
    let mut scan = Scan::default();
    stmts(list, &mut scan);
    scan
}

/// Which of `methods` to walk: those with a trigger, those writing
/// properties, constructors, and every method linked to them by calls on
/// `$this` either way (a caller supplies the data, a callee's return
/// value may carry some). All false when nothing in the class can report.
pub fn relevant(methods: &[Func<'_>]) -> Vec<bool> {
    let scans: Vec<Scan<'_>> = methods.iter().map(scan).collect();
    if !scans.iter().any(|s| s.trigger) {
        return vec![false; methods.len()];
    }
    let mut keep: Vec<bool> = scans
        .iter()
        .zip(methods)
        .map(|(s, m)| s.trigger || s.writes_props || m.name.eq_ignore_ascii_case("__construct"))
        .collect();
    let calls: Vec<Vec<usize>> = scans
        .iter()
        .map(|s| {
            s.own_calls
                .iter()
                .filter_map(|name| {
                    methods
                        .iter()
                        .position(|m| m.name.eq_ignore_ascii_case(name))
                })
                .collect()
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for (i, callees) in calls.iter().enumerate() {
            let linked = keep[i] || callees.iter().any(|&j| keep[j]);
            if linked && !keep[i] {
                keep[i] = true;
                changed = true;
            }
            for &j in callees.iter().filter(|_| linked) {
                if !keep[j] {
                    keep[j] = true;
                    changed = true;
                }
            }
        }
    }
    keep
}

fn stmts<'a>(list: &[Stmt<'a>], scan: &mut Scan<'a>) {
    for stmt in list {
        match stmt {
            Stmt::Expr(e) => expr(e, scan),
            Stmt::Echo(list) => exprs(list, scan),
            Stmt::Return(e) => {
                if let Some(e) = e {
                    expr(e, scan);
                }
            }
            Stmt::Branch { conds, arms, .. } => {
                exprs(conds, scan);
                for arm in *arms {
                    stmts(arm, scan);
                }
            }
            Stmt::Loop { head, body } => {
                exprs(head, scan);
                stmts(body, scan);
            }
            Stmt::Foreach {
                subject,
                key,
                value,
                body,
            } => {
                expr(subject, scan);
                if let Some(key) = key {
                    expr(key, scan);
                }
                expr(value, scan);
                stmts(body, scan);
            }
            Stmt::Try {
                body,
                catches,
                finally,
            } => {
                stmts(body, scan);
                for catch in *catches {
                    stmts(catch, scan);
                }
                stmts(finally, scan);
            }
            Stmt::Block(list) => stmts(list, scan),
            Stmt::Declare(items) => {
                for (_, init) in *items {
                    if let Some(e) = init {
                        expr(e, scan);
                    }
                }
            }
        }
    }
}

fn exprs<'a>(list: &[Expr<'a>], scan: &mut Scan<'a>) {
    for e in list {
        expr(e, scan);
    }
}

fn items<'a>(list: &[Item<'a>], scan: &mut Scan<'a>) {
    for item in list {
        if let Some(key) = &item.key {
            scan.trigger |= option_key(key);
            expr(key, scan);
        }
        expr(&item.value, scan);
    }
}

fn expr<'a>(e: &Expr<'a>, scan: &mut Scan<'a>) {
    match &e.kind {
        ExprKind::Eval(_) | ExprKind::Include(_) | ExprKind::Shell(_) | ExprKind::DynVar(_) => {
            scan.trigger = true;
        }
        ExprKind::Call { callee, args } => {
            callee_of(callee, scan);
            for arg in *args {
                expr(&arg.value, scan);
            }
            return;
        }
        ExprKind::New { class, args } => {
            scan.trigger |= match class {
                ClassRef::Named(n) => CHECKED_CLASSES.contains(&n.rsplit('\\').next().unwrap_or(n)),
                ClassRef::Dynamic(_) => true,
                _ => false,
            };
            for arg in *args {
                expr(&arg.value, scan);
            }
            return;
        }
        ExprKind::Assign { target, value, .. } => {
            scan.writes_props |= writes_this(target);
            expr(target, scan);
            expr(value, scan);
            return;
        }
        ExprKind::Array(list) | ExprKind::List(list) => return items(list, scan),
        ExprKind::Closure { func, .. } => return stmts(func.body, scan),
        _ => {}
    }
    children(e, scan);
}

/// The sub-expressions of the shapes `expr` does not handle itself.
fn children<'a>(e: &Expr<'a>, scan: &mut Scan<'a>) {
    match &e.kind {
        ExprKind::Interp(list) | ExprKind::Isset(list) | ExprKind::Other(list) => exprs(list, scan),
        ExprKind::Index { base, index } => {
            expr(base, scan);
            if let Some(i) = index {
                expr(i, scan);
            }
        }
        ExprKind::Prop { base, name } => {
            expr(base, scan);
            if let Member::Dynamic(d) = name {
                expr(d, scan);
            }
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            expr(lhs, scan);
            expr(rhs, scan);
        }
        ExprKind::Unary { expr: inner, .. } | ExprKind::Print(inner) => expr(inner, scan),
        ExprKind::Ternary { cond, then, els } => {
            expr(cond, scan);
            if let Some(t) = then {
                expr(t, scan);
            }
            expr(els, scan);
        }
        ExprKind::Match { subject, arms } => {
            expr(subject, scan);
            exprs(arms, scan);
        }
        _ => {}
    }
}

fn callee_of<'a>(callee: &Callee<'a>, scan: &mut Scan<'a>) {
    match callee {
        Callee::Function(name) => {
            let mut buf = [0u8; 48];
            let lower = lowercase(name, &mut buf);
            scan.trigger |= sinks::function_sink(lower).is_some()
                || SPECIAL_FUNCTIONS.contains(&lower)
                || sinks::URL_READERS.contains(&lower)
                || sources::listed(sources::DECODERS, lower)
                || sinks::CALLBACK_FUNCTIONS.iter().any(|(n, _)| *n == lower);
        }
        Callee::Dynamic(target) => {
            scan.trigger = true;
            expr(target, scan);
        }
        Callee::Method { recv, name } => {
            match name {
                Member::Name(n) => {
                    let mut buf = [0u8; 48];
                    let lower = lowercase(n, &mut buf);
                    scan.trigger |= sinks::maybe_sink_method(lower)
                        || matches!(
                            lower,
                            "setoption" | "addoption" | "setcurloption" | "__soapcall"
                        );
                    if matches!(recv.kind, ExprKind::Var("this")) {
                        scan.own_calls.push(n);
                    }
                }
                Member::Dynamic(d) => {
                    scan.trigger = true;
                    expr(d, scan);
                }
            }
            expr(recv, scan);
        }
        Callee::Static { class, name } => {
            if let ClassRef::Dynamic(c) = class {
                scan.trigger = true;
                expr(c, scan);
            }
            match name {
                Member::Name(n) if matches!(class, ClassRef::SelfRef | ClassRef::Static) => {
                    scan.own_calls.push(n);
                }
                Member::Dynamic(d) => {
                    scan.trigger = true;
                    expr(d, scan);
                }
                _ => {}
            }
        }
    }
}

/// `'verify' => …`, `CURLOPT_SSL_VERIFYPEER => …` and their kin.
fn option_key(key: &Expr<'_>) -> bool {
    match &key.kind {
        ExprKind::Str(s) => OPTION_KEYS.iter().any(|k| k.eq_ignore_ascii_case(s)),
        ExprKind::Const(c) => c.contains("SSL_VERIFY"),
        ExprKind::ClassConst { name, .. } => {
            *name == "VERIFY" || name.starts_with("MYSQL_ATTR_SSL")
        }
        _ => false,
    }
}

/// `$this->x = …`, `$this->x[] = …`.
fn writes_this(target: &Expr<'_>) -> bool {
    match &target.kind {
        ExprKind::Prop { base, .. } => matches!(base.kind, ExprKind::Var("this")),
        ExprKind::Index { base, .. } => writes_this(base),
        ExprKind::StaticProp { .. } => true,
        _ => false,
    }
}
