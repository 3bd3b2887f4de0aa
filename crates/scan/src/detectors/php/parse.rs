//! Parsing: mago's parser and name resolver, lowered into [`ir`].
//!
//! This file and `parse_expr.rs` are the only code that reads mago's
//! syntax tree. We parse each PHP or template file once; names are
//! resolved by `mago-names`, so `use Magento\Framework\HTTP\Client\Curl;`
//! makes a later `Curl` hint mean that class.

use bumpalo::Bump;
use mago_database::file::FileId;
use mago_names::resolver::NameResolver;
use mago_names::ResolvedNames;
use mago_span::HasSpan;
use mago_syntax::ast as m;

use super::ir::{Class, Expr, ExprKind, File, Func, Param, Prop, Span, Stmt};

/// Parses `bytes` and lowers the tree; parse errors are listed in
/// [`File::errors`] and whatever parsed is still returned.
pub fn parse<'a>(arena: &'a Bump, bytes: &[u8]) -> File<'a> {
    let program = mago_syntax::parser::parse_file_content(arena, FileId::new(b"php"), bytes);
    let names = NameResolver::new(arena).resolve(program);

    let mut lower = Lower {
        arena,
        names: &names,
        out: File::default(),
        depth: 0,
    };
    let top = lower.stmts(program.statements.iter());
    lower.out.top = top;
    for error in program.errors.iter() {
        lower
            .out
            .errors
            .push((error.span().start.offset, error.to_string()));
    }
    lower.out
}

/// The lowering pass: a cursor over the resolved names and the file being
/// built (nested declarations are hoisted into it).
pub(super) struct Lower<'n, 'a> {
    /// Where the IR lives: it is dropped with the parse, all at once.
    pub arena: &'a Bump,
    pub names: &'n ResolvedNames<'a>,
    pub out: File<'a>,
    /// Current expression nesting.
    pub depth: u32,
}

/// Moves `items` into the arena.
pub(super) fn bump<T>(arena: &Bump, items: impl IntoIterator<Item = T>) -> &[T] {
    bumpalo::collections::Vec::from_iter_in(items, arena).into_bump_slice()
}

/// A name as text; PHP names are ASCII in practice.
pub(super) fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

/// A byte range from mago's span.
pub(super) fn span_of(node: &impl HasSpan) -> Span {
    let s = node.span();
    Span {
        start: s.start.offset,
        end: s.end.offset,
    }
}

impl<'n, 'a> Lower<'n, 'a> {
    /// The fully qualified name of a class reference.
    pub fn class_name(&self, id: &m::Identifier<'a>) -> &'a str {
        let raw = self.names.resolve(id).unwrap_or(id.value());
        text(raw.strip_prefix(b"\\").unwrap_or(raw))
    }

    /// A function or constant name: PHP falls back to the global one for
    /// an unqualified name that was not imported, so that is what we use.
    pub fn global_name(&self, id: &m::Identifier<'a>) -> &'a str {
        if id.is_local() && !self.names.is_imported(id) {
            return text(id.value());
        }
        self.class_name(id)
    }

    /// The first class-like type in a hint (`?Curl` → `…\Curl`).
    pub fn hint_class(&self, hint: &m::Hint<'a>) -> Option<&'a str> {
        match hint {
            m::Hint::Identifier(id) => Some(self.class_name(id)),
            m::Hint::Nullable(h) => self.hint_class(h.hint),
            m::Hint::Parenthesized(h) => self.hint_class(h.hint),
            m::Hint::Union(h) => self.hint_class(h.left).or_else(|| self.hint_class(h.right)),
            m::Hint::Intersection(h) => {
                self.hint_class(h.left).or_else(|| self.hint_class(h.right))
            }
            _ => None,
        }
    }

    /// Lowers a run of statements, hoisting declarations.
    pub fn stmts<'s>(&mut self, list: impl Iterator<Item = &'s m::Statement<'a>>) -> &'a [Stmt<'a>]
    where
        'a: 's,
    {
        let mut out = Vec::new();
        for statement in list {
            self.stmt(statement, &mut out);
        }
        bump(self.arena, out)
    }

    fn block(&mut self, statement: &m::Statement<'a>) -> &'a [Stmt<'a>] {
        let mut out = Vec::new();
        self.stmt(statement, &mut out);
        bump(self.arena, out)
    }

    /// Lowers expressions into the arena.
    fn exprs<'s>(&mut self, list: impl Iterator<Item = &'s &'a m::Expression<'a>>) -> &'a [Expr<'a>]
    where
        'a: 's,
    {
        let lowered: Vec<Expr<'a>> = list.map(|e| self.expr(e)).collect();
        bump(self.arena, lowered)
    }

    fn stmt(&mut self, statement: &m::Statement<'a>, out: &mut Vec<Stmt<'a>>) {
        use m::Statement as S;
        match statement {
            S::Namespace(ns) => {
                let body = match &ns.body {
                    m::NamespaceBody::Implicit(b) => &b.statements,
                    m::NamespaceBody::BraceDelimited(b) => &b.statements,
                };
                for inner in body.iter() {
                    self.stmt(inner, out);
                }
            }
            S::Class(c) => {
                let class = self.class(
                    Some(&c.name),
                    c.extends.as_ref(),
                    c.implements.as_ref(),
                    c.members.iter(),
                );
                self.out.classes.push(class);
            }
            S::Interface(c) => {
                let class = self.class(Some(&c.name), None, None, c.members.iter());
                self.out.classes.push(class);
            }
            S::Trait(c) => {
                let class = self.class(Some(&c.name), None, None, c.members.iter());
                self.out.classes.push(class);
            }
            S::Enum(c) => {
                let class = self.class(Some(&c.name), None, None, c.members.iter());
                self.out.classes.push(class);
            }
            S::Function(f) => {
                let func = Func {
                    name: text(f.name.value),
                    params: self.params(&f.parameter_list),
                    ret: f
                        .return_type_hint
                        .as_ref()
                        .and_then(|h| self.hint_class(&h.hint)),
                    body: self.stmts(f.body.statements.iter()),
                };
                self.out.functions.push(func);
            }
            S::Block(b) => out.push(Stmt::Block(self.stmts(b.statements.iter()))),
            S::Constant(c) => {
                for item in c.items.iter() {
                    out.push(Stmt::Expr(self.expr(item.value)));
                }
            }
            S::Declare(d) => match &d.body {
                m::DeclareBody::Statement(s) => self.stmt(s, out),
                m::DeclareBody::ColonDelimited(b) => {
                    for inner in b.statements.iter() {
                        self.stmt(inner, out);
                    }
                }
            },
            S::Try(t) => out.push(Stmt::Try {
                body: self.stmts(t.block.statements.iter()),
                catches: {
                    let catches: Vec<_> = t
                        .catch_clauses
                        .iter()
                        .map(|c| self.stmts(c.block.statements.iter()))
                        .collect();
                    bump(self.arena, catches)
                },
                finally: t
                    .finally_clause
                    .as_ref()
                    .map(|f| self.stmts(f.block.statements.iter()))
                    .unwrap_or_default(),
            }),
            S::Foreach(f) => out.push(self.foreach(f)),
            S::For(f) => {
                let head = self.exprs(
                    f.initializations
                        .iter()
                        .chain(f.conditions.iter())
                        .chain(f.increments.iter()),
                );
                let body = match &f.body {
                    m::ForBody::Statement(s) => self.block(s),
                    m::ForBody::ColonDelimited(b) => self.stmts(b.statements.iter()),
                };
                out.push(Stmt::Loop { head, body });
            }
            S::While(w) => {
                let head = self.exprs([w.condition].iter());
                let body = match &w.body {
                    m::WhileBody::Statement(s) => self.block(s),
                    m::WhileBody::ColonDelimited(b) => self.stmts(b.statements.iter()),
                };
                out.push(Stmt::Loop { head, body });
            }
            S::DoWhile(d) => {
                let head = self.exprs([d.condition].iter());
                out.push(Stmt::Loop {
                    head,
                    body: self.block(d.statement),
                });
            }
            S::Switch(s) => out.push(self.switch(s)),
            S::If(i) => out.push(self.if_stmt(i)),
            S::Return(r) => out.push(Stmt::Return(r.value.map(|v| self.expr(v)))),
            S::Expression(e) => out.push(Stmt::Expr(self.expr(e.expression))),
            S::Echo(e) => {
                let values = self.exprs(e.values.iter());
                out.push(Stmt::Echo(values));
            }
            S::EchoTag(e) => {
                let values = self.exprs(e.values.iter());
                out.push(Stmt::Echo(values));
            }
            S::Global(g) => {
                let names = g.variables.iter().filter_map(|v| match v {
                    m::Variable::Direct(d) => Some((var_name(d.name), None)),
                    _ => None,
                });
                out.push(Stmt::Declare(bump(self.arena, names)));
            }
            S::Static(s) => {
                let items: Vec<_> = s
                    .items
                    .iter()
                    .map(|item| match item {
                        m::StaticItem::Abstract(a) => (var_name(a.variable.name), None),
                        m::StaticItem::Concrete(c) => {
                            (var_name(c.variable.name), Some(self.expr(c.value)))
                        }
                    })
                    .collect();
                out.push(Stmt::Declare(bump(self.arena, items)));
            }
            S::Unset(u) => {
                let values = self.exprs(u.values.iter());
                out.push(Stmt::Expr(Expr {
                    span: span_of(u),
                    kind: ExprKind::Other(values),
                }));
            }
            _ => {}
        }
    }

    fn foreach(&mut self, f: &m::Foreach<'a>) -> Stmt<'a> {
        let (key, value) = match &f.target {
            m::ForeachTarget::Value(v) => (None, self.expr(v.value)),
            m::ForeachTarget::KeyValue(kv) => (Some(self.expr(kv.key)), self.expr(kv.value)),
        };
        let body = match &f.body {
            m::ForeachBody::Statement(s) => self.block(s),
            m::ForeachBody::ColonDelimited(b) => self.stmts(b.statements.iter()),
        };
        Stmt::Foreach {
            subject: self.expr(f.expression),
            key,
            value,
            body,
        }
    }

    fn switch(&mut self, s: &m::Switch<'a>) -> Stmt<'a> {
        let cases = match &s.body {
            m::SwitchBody::BraceDelimited(b) => &b.cases,
            m::SwitchBody::ColonDelimited(b) => &b.cases,
        };
        let mut conds = vec![self.expr(s.expression)];
        let mut arms = Vec::new();
        let mut exhaustive = false;
        for case in cases.iter() {
            let statements = match case {
                m::SwitchCase::Expression(c) => {
                    conds.push(self.expr(c.expression));
                    &c.statements
                }
                m::SwitchCase::Default(c) => {
                    exhaustive = true;
                    &c.statements
                }
            };
            arms.push(self.stmts(statements.iter()));
        }
        Stmt::Branch {
            conds: bump(self.arena, conds),
            arms: bump(self.arena, arms),
            exhaustive,
        }
    }

    fn if_stmt(&mut self, i: &m::If<'a>) -> Stmt<'a> {
        let mut conds = vec![self.expr(i.condition)];
        let mut arms = Vec::new();
        let mut exhaustive = false;
        match &i.body {
            m::IfBody::Statement(b) => {
                arms.push(self.block(b.statement));
                for clause in b.else_if_clauses.iter() {
                    conds.push(self.expr(clause.condition));
                    arms.push(self.block(clause.statement));
                }
                if let Some(e) = &b.else_clause {
                    exhaustive = true;
                    arms.push(self.block(e.statement));
                }
            }
            m::IfBody::ColonDelimited(b) => {
                arms.push(self.stmts(b.statements.iter()));
                for clause in b.else_if_clauses.iter() {
                    conds.push(self.expr(clause.condition));
                    arms.push(self.stmts(clause.statements.iter()));
                }
                if let Some(e) = &b.else_clause {
                    exhaustive = true;
                    arms.push(self.stmts(e.statements.iter()));
                }
            }
        }
        Stmt::Branch {
            conds: bump(self.arena, conds),
            arms: bump(self.arena, arms),
            exhaustive,
        }
    }

    /// A class-like declaration with its members.
    pub fn class<'s>(
        &mut self,
        name: Option<&m::LocalIdentifier<'a>>,
        extends: Option<&m::Extends<'a>>,
        implements: Option<&m::Implements<'a>>,
        members: impl Iterator<Item = &'s m::ClassLikeMember<'a>>,
    ) -> Class<'a>
    where
        'a: 's,
    {
        let mut class = Class {
            name: name.map(|n| {
                let raw = self.names.resolve(n).unwrap_or(n.value);
                text(raw)
            }),
            parent: extends
                .and_then(|e| e.types.first())
                .map(|id| self.class_name(id)),
            interfaces: implements
                .map(|i| i.types.iter().map(|id| self.class_name(id)).collect())
                .unwrap_or_default(),
            ..Class::default()
        };
        for member in members {
            self.class_member(member, &mut class);
        }
        class
    }

    fn class_member(&mut self, member: &m::ClassLikeMember<'a>, class: &mut Class<'a>) {
        match member {
            m::ClassLikeMember::Constant(c) => {
                for item in c.items.iter() {
                    class
                        .consts
                        .push((text(item.name.value), self.expr(item.value)));
                }
            }
            m::ClassLikeMember::Property(m::Property::Plain(p)) => {
                let ty = p.hint.as_ref().and_then(|h| self.hint_class(h));
                for item in p.items.iter() {
                    class.props.push(self.prop(item, ty));
                }
            }
            m::ClassLikeMember::Property(m::Property::Hooked(p)) => {
                let ty = p.hint.as_ref().and_then(|h| self.hint_class(h));
                class.props.push(self.prop(&p.item, ty));
            }
            m::ClassLikeMember::Method(method) => {
                let body = match &method.body {
                    m::MethodBody::Concrete(b) => self.stmts(b.statements.iter()),
                    m::MethodBody::Abstract(_) => &[],
                };
                class.methods.push(Func {
                    name: text(method.name.value),
                    params: self.params(&method.parameter_list),
                    ret: method
                        .return_type_hint
                        .as_ref()
                        .and_then(|h| self.hint_class(&h.hint)),
                    body,
                });
            }
            _ => {}
        }
    }

    fn prop(&mut self, item: &m::PropertyItem<'a>, ty: Option<&'a str>) -> Prop<'a> {
        match item {
            m::PropertyItem::Abstract(a) => Prop {
                name: var_name(a.variable.name),
                ty,
                default: None,
            },
            m::PropertyItem::Concrete(c) => Prop {
                name: var_name(c.variable.name),
                ty,
                default: Some(self.expr(c.value)),
            },
        }
    }

    /// Parameters of a function-like.
    pub fn params(&mut self, list: &m::FunctionLikeParameterList<'a>) -> &'a [Param<'a>] {
        let params = list.parameters.iter().map(|p| Param {
            name: var_name(p.variable.name),
            ty: p.hint.as_ref().and_then(|h| self.hint_class(h)),
            promoted: !p.modifiers.is_empty(),
        });
        bump(self.arena, params)
    }

    /// Notes a string literal that may hold a URL.
    pub fn note_string(&mut self, span: Span, value: &'a str) {
        if value.contains("://") {
            self.out.urls.push((span, value));
        }
    }
}

/// `$name` → `name`.
pub(super) fn var_name(raw: &[u8]) -> &str {
    text(raw.strip_prefix(b"$").unwrap_or(raw))
}
