//! Lowering of mago expressions into [`ir::Expr`](super::ir::Expr).

use std::borrow::Cow;

use mago_syntax::ast as m;

use super::ir::{
    Arg, AssignOp, BinOp, Callee, ClassRef, Expr, ExprKind, Func, Item, Member, Stmt, UnOp,
};
use super::parse::{bump, span_of, text, var_name, Lower};

/// How deep expressions are followed.
const MAX_DEPTH: u32 = 200;

impl<'n, 'a> Lower<'n, 'a> {
    /// Lowers one expression. Past [`MAX_DEPTH`] levels of nesting the
    /// rest is dropped: nothing legitimate nests that deep, and the walk
    /// must not run out of stack.
    pub fn expr(&mut self, e: &m::Expression<'a>) -> Expr<'a> {
        if self.depth >= MAX_DEPTH {
            return Expr {
                span: span_of(e),
                kind: ExprKind::Other(&[]),
            };
        }
        self.depth += 1;
        let lowered = self.expr_inner(e);
        self.depth -= 1;
        lowered
    }

    fn expr_inner(&mut self, e: &m::Expression<'a>) -> Expr<'a> {
        use m::Expression as E;
        let span = span_of(e);
        let kind = match e {
            E::Binary(b) if matches!(b.operator, m::BinaryOperator::StringConcat(_)) => {
                ExprKind::Interp(self.concat_chain(b))
            }
            E::Binary(b) => self.binary(b),
            E::UnaryPrefix(u) => match (&u.operator, u.operand) {
                (m::UnaryPrefixOperator::Negation(_), E::Literal(m::Literal::Integer(i))) => {
                    ExprKind::Int(
                        i.value
                            .and_then(|v| i64::try_from(v).ok())
                            .map_or(0, |v| -v),
                    )
                }
                _ => ExprKind::Unary {
                    op: prefix_op(&u.operator),
                    expr: self.boxed(u.operand),
                },
            },
            E::UnaryPostfix(u) => ExprKind::Unary {
                op: UnOp::Number,
                expr: self.boxed(u.operand),
            },
            E::Parenthesized(p) => return self.expr(p.expression),
            E::Literal(l) => self.literal(l),
            E::CompositeString(s) => {
                let parts: Vec<_> = s.parts().iter().map(|p| self.string_part(p)).collect();
                let parts = bump(self.arena, parts);
                match s {
                    m::CompositeString::ShellExecute(_) => ExprKind::Shell(parts),
                    _ => ExprKind::Interp(parts),
                }
            }
            E::Assignment(a) => ExprKind::Assign {
                target: self.boxed(a.lhs),
                op: match a.operator {
                    m::AssignmentOperator::Assign(_) => AssignOp::Set,
                    _ => AssignOp::Update,
                },
                value: self.boxed(a.rhs),
            },
            E::Conditional(c) => ExprKind::Ternary {
                cond: self.boxed(c.condition),
                then: c.then.map(|t| self.boxed(t)),
                els: self.boxed(c.r#else),
            },
            E::Array(a) => ExprKind::Array(self.items(a.elements.iter())),
            E::LegacyArray(a) => ExprKind::Array(self.items(a.elements.iter())),
            E::List(l) => ExprKind::List(self.items(l.elements.iter())),
            E::ArrayAccess(a) => ExprKind::Index {
                base: self.boxed(a.array),
                index: Some(self.boxed(a.index)),
            },
            E::ArrayAppend(a) => ExprKind::Index {
                base: self.boxed(a.array),
                index: None,
            },
            E::AnonymousClass(c) => {
                let class = self.class(
                    None,
                    c.extends.as_ref(),
                    c.implements.as_ref(),
                    c.members.iter(),
                );
                self.out.classes.push(class);
                ExprKind::Other(self.arg_values(c.argument_list.as_ref()))
            }
            E::Closure(c) => {
                let func = Func {
                    name: "{closure}",
                    params: self.params(&c.parameter_list),
                    ret: None,
                    body: self.stmts(c.body.statements.iter()),
                };
                let uses = match &c.use_clause {
                    Some(u) => bump(
                        self.arena,
                        u.variables.iter().map(|v| var_name(v.variable.name)),
                    ),
                    None => &[],
                };
                ExprKind::Closure {
                    func: self.arena.alloc(func),
                    uses,
                    arrow: false,
                }
            }
            E::ArrowFunction(f) => {
                let returned = self.expr(f.expression);
                let body = bump(self.arena, [Stmt::Return(Some(returned))]);
                let params = self.params(&f.parameter_list);
                let func = Func {
                    name: "{closure}",
                    params,
                    ret: None,
                    body,
                };
                ExprKind::Closure {
                    func: self.arena.alloc(func),
                    uses: &[],
                    arrow: true,
                }
            }
            E::Variable(v) => self.variable(v),
            E::ConstantAccess(c) => ExprKind::Const(self.global_name(&c.name)),
            E::Identifier(id) => ExprKind::Const(self.global_name(id)),
            E::Match(mt) => {
                let arms: Vec<_> = mt
                    .arms
                    .iter()
                    .map(|arm| match arm {
                        m::MatchArm::Expression(a) => self.expr(a.expression),
                        m::MatchArm::Default(a) => self.expr(a.expression),
                    })
                    .collect();
                ExprKind::Match {
                    subject: self.boxed(mt.expression),
                    arms: bump(self.arena, arms),
                }
            }
            E::Construct(c) => self.construct(c),
            E::Throw(t) => ExprKind::Other(self.one(t.exception)),
            E::Clone(c) => ExprKind::Unary {
                op: UnOp::Keep,
                expr: self.boxed(c.object),
            },
            E::Call(c) => self.call(c),
            E::Access(a) => self.access(a),
            E::Instantiation(i) => ExprKind::New {
                class: self.class_ref(i.class),
                args: self.args(i.argument_list.as_ref()),
            },
            E::MagicConstant(mc) => ExprKind::Magic(magic_name(mc)),
            E::Pipe(p) => {
                let both = [self.expr(p.input), self.expr(p.callable)];
                ExprKind::Other(bump(self.arena, both))
            }
            E::Yield(y) => match y {
                m::Yield::Value(v) => match v.value {
                    Some(x) => ExprKind::Other(self.one(x)),
                    None => ExprKind::Other(&[]),
                },
                m::Yield::Pair(p) => ExprKind::Other(self.one(p.value)),
                m::Yield::From(f) => ExprKind::Other(self.one(f.iterator)),
            },
            _ => ExprKind::Other(&[]),
        };
        Expr { span, kind }
    }

    /// `a . b . c` is a left-leaning tree as deep as the chain is long;
    /// obfuscated code chains thousands of `chr()` calls. We flatten it
    /// without recursion.
    fn concat_chain(&mut self, b: &m::Binary<'a>) -> &'a [Expr<'a>] {
        let mut operands = vec![b.rhs];
        let mut left = b.lhs;
        while let m::Expression::Binary(inner) = left {
            if !matches!(inner.operator, m::BinaryOperator::StringConcat(_)) {
                break;
            }
            operands.push(inner.rhs);
            left = inner.lhs;
        }
        operands.push(left);
        let lowered: Vec<_> = operands.iter().rev().map(|o| self.expr(o)).collect();
        bump(self.arena, lowered)
    }

    fn boxed(&mut self, e: &m::Expression<'a>) -> &'a Expr<'a> {
        let lowered = self.expr(e);
        self.arena.alloc(lowered)
    }

    /// One expression, as a slice.
    fn one(&mut self, e: &m::Expression<'a>) -> &'a [Expr<'a>] {
        let lowered = self.expr(e);
        bump(self.arena, [lowered])
    }

    /// A string from the source, borrowed when it is valid UTF-8.
    fn string(&mut self, raw: &'a [u8]) -> &'a str {
        match String::from_utf8_lossy(raw) {
            Cow::Borrowed(s) => s,
            Cow::Owned(s) => self.arena.alloc_str(&s),
        }
    }

    fn binary(&mut self, b: &m::Binary<'a>) -> ExprKind<'a> {
        use m::BinaryOperator as B;
        let op = match b.operator {
            B::StringConcat(_) => BinOp::Concat,
            B::NullCoalesce(_) => BinOp::Coalesce,
            B::Addition(_)
            | B::Subtraction(_)
            | B::Multiplication(_)
            | B::Division(_)
            | B::Modulo(_)
            | B::Exponentiation(_)
            | B::BitwiseAnd(_)
            | B::BitwiseOr(_)
            | B::BitwiseXor(_)
            | B::LeftShift(_)
            | B::RightShift(_) => BinOp::Arith,
            _ => BinOp::Test,
        };
        ExprKind::Binary {
            op,
            lhs: self.boxed(b.lhs),
            rhs: self.boxed(b.rhs),
        }
    }

    fn literal(&mut self, l: &m::Literal<'a>) -> ExprKind<'a> {
        match l {
            m::Literal::String(s) => {
                let raw = s.value.unwrap_or_else(|| strip_quotes(s.raw));
                let value = self.string(raw);
                self.note_string(span_of(s), value);
                ExprKind::Str(value)
            }
            m::Literal::Integer(i) => {
                ExprKind::Int(i.value.and_then(|v| i64::try_from(v).ok()).unwrap_or(0))
            }
            m::Literal::Float(_) => ExprKind::Float,
            m::Literal::True(_) => ExprKind::Bool(true),
            m::Literal::False(_) => ExprKind::Bool(false),
            m::Literal::Null(_) => ExprKind::Null,
        }
    }

    fn string_part(&mut self, part: &m::StringPart<'a>) -> Expr<'a> {
        match part {
            m::StringPart::Literal(l) => {
                let value = self.string(l.value);
                self.note_string(span_of(l), value);
                Expr {
                    span: span_of(l),
                    kind: ExprKind::Str(value),
                }
            }
            m::StringPart::Expression(e) => self.expr(e),
            m::StringPart::BracedExpression(b) => self.expr(b.expression),
        }
    }

    fn items<'s>(
        &mut self,
        elements: impl Iterator<Item = &'s m::ArrayElement<'a>>,
    ) -> &'a [Item<'a>]
    where
        'a: 's,
    {
        let items: Vec<_> = elements
            .filter_map(|element| match element {
                m::ArrayElement::KeyValue(kv) => Some(Item {
                    key: Some(self.expr(kv.key)),
                    value: self.expr(kv.value),
                }),
                m::ArrayElement::Value(v) => Some(Item {
                    key: None,
                    value: self.expr(v.value),
                }),
                m::ArrayElement::Variadic(v) => Some(Item {
                    key: None,
                    value: self.expr(v.value),
                }),
                m::ArrayElement::Missing(_) => None,
            })
            .collect();
        bump(self.arena, items)
    }

    fn variable(&mut self, v: &m::Variable<'a>) -> ExprKind<'a> {
        match v {
            m::Variable::Direct(d) => ExprKind::Var(var_name(d.name)),
            m::Variable::Indirect(i) => ExprKind::DynVar(self.boxed(i.expression)),
            m::Variable::Nested(n) => {
                let inner = Expr {
                    span: span_of(n.variable),
                    kind: self.variable(n.variable),
                };
                ExprKind::DynVar(self.arena.alloc(inner))
            }
        }
    }

    fn construct(&mut self, c: &m::Construct<'a>) -> ExprKind<'a> {
        use m::Construct as C;
        match c {
            C::Isset(i) => {
                let values: Vec<_> = i.values.iter().map(|v| self.expr(v)).collect();
                ExprKind::Isset(bump(self.arena, values))
            }
            C::Empty(e) => ExprKind::Isset(self.one(e.value)),
            C::Eval(e) => ExprKind::Eval(self.boxed(e.value)),
            C::Include(i) => ExprKind::Include(self.boxed(i.value)),
            C::IncludeOnce(i) => ExprKind::Include(self.boxed(i.value)),
            C::Require(r) => ExprKind::Include(self.boxed(r.value)),
            C::RequireOnce(r) => ExprKind::Include(self.boxed(r.value)),
            C::Print(p) => ExprKind::Print(self.boxed(p.value)),
            C::Exit(e) => ExprKind::Other(self.arg_values(e.arguments.as_ref())),
            C::Die(d) => ExprKind::Other(self.arg_values(d.arguments.as_ref())),
        }
    }

    fn call(&mut self, c: &m::Call<'a>) -> ExprKind<'a> {
        let callee = match c {
            m::Call::Function(f) => match f.function {
                m::Expression::Identifier(id) => Callee::Function(self.global_name(id)),
                other => Callee::Dynamic(self.boxed(other)),
            },
            m::Call::Method(mc) => Callee::Method {
                recv: self.boxed(mc.object),
                name: self.member(&mc.method),
            },
            m::Call::NullSafeMethod(mc) => Callee::Method {
                recv: self.boxed(mc.object),
                name: self.member(&mc.method),
            },
            m::Call::StaticMethod(sc) => Callee::Static {
                class: self.class_ref(sc.class),
                name: self.member(&sc.method),
            },
        };
        let args = self.args(Some(c.get_argument_list()));
        ExprKind::Call { callee, args }
    }

    fn access(&mut self, a: &m::Access<'a>) -> ExprKind<'a> {
        match a {
            m::Access::Property(p) => ExprKind::Prop {
                base: self.boxed(p.object),
                name: self.member(&p.property),
            },
            m::Access::NullSafeProperty(p) => ExprKind::Prop {
                base: self.boxed(p.object),
                name: self.member(&p.property),
            },
            m::Access::StaticProperty(s) => {
                let name = match &s.property {
                    m::Variable::Direct(d) => var_name(d.name),
                    _ => "",
                };
                ExprKind::StaticProp {
                    class: self.class_ref(s.class),
                    name,
                }
            }
            m::Access::ClassConstant(c) => {
                let name = match &c.constant {
                    m::ClassLikeConstantSelector::Identifier(id) => text(id.value),
                    _ => "",
                };
                ExprKind::ClassConst {
                    class: self.class_ref(c.class),
                    name,
                }
            }
        }
    }

    fn member(&mut self, selector: &m::ClassLikeMemberSelector<'a>) -> Member<'a> {
        match selector {
            m::ClassLikeMemberSelector::Identifier(id) => Member::Name(text(id.value)),
            m::ClassLikeMemberSelector::Variable(v) => {
                let name = Expr {
                    span: span_of(v),
                    kind: self.variable(v),
                };
                Member::Dynamic(self.arena.alloc(name))
            }
            m::ClassLikeMemberSelector::Expression(e) => Member::Dynamic(self.boxed(e.expression)),
            m::ClassLikeMemberSelector::Missing(_) => Member::Name(""),
        }
    }

    fn class_ref(&mut self, e: &m::Expression<'a>) -> ClassRef<'a> {
        match e {
            m::Expression::Identifier(id) => ClassRef::Named(self.class_name(id)),
            m::Expression::Self_(_) => ClassRef::SelfRef,
            m::Expression::Parent(_) => ClassRef::Parent,
            m::Expression::Static(_) => ClassRef::Static,
            other => ClassRef::Dynamic(self.boxed(other)),
        }
    }

    fn args(&mut self, list: Option<&m::ArgumentList<'a>>) -> &'a [Arg<'a>] {
        let Some(list) = list else { return &[] };
        let args: Vec<_> = list
            .arguments
            .iter()
            .map(|arg| match arg {
                m::Argument::Positional(p) => Arg {
                    value: self.expr(p.value),
                },
                m::Argument::Named(n) => Arg {
                    value: self.expr(n.value),
                },
            })
            .collect();
        bump(self.arena, args)
    }

    /// The argument values of `exit(...)` and the like.
    fn arg_values(&mut self, list: Option<&m::ArgumentList<'a>>) -> &'a [Expr<'a>] {
        let Some(list) = list else { return &[] };
        let values: Vec<_> = list
            .arguments
            .iter()
            .map(|arg| match arg {
                m::Argument::Positional(p) => self.expr(p.value),
                m::Argument::Named(n) => self.expr(n.value),
            })
            .collect();
        bump(self.arena, values)
    }
}

fn prefix_op(op: &m::UnaryPrefixOperator<'_>) -> UnOp {
    use m::UnaryPrefixOperator as U;
    match op {
        U::StringCast(..)
        | U::BinaryCast(..)
        | U::ArrayCast(..)
        | U::ObjectCast(..)
        | U::ErrorControl(_)
        | U::Reference(_)
        | U::BitwiseNot(_) => UnOp::Keep,
        U::BoolCast(..) | U::BooleanCast(..) | U::Not(_) | U::UnsetCast(..) | U::VoidCast(..) => {
            UnOp::Bool
        }
        _ => UnOp::Number,
    }
}

fn magic_name<'a>(mc: &m::MagicConstant<'a>) -> &'a str {
    use m::MagicConstant as M;
    match mc {
        M::Line(_) => "__LINE__",
        M::File(_) => "__FILE__",
        M::Directory(_) => "__DIR__",
        M::Trait(_) => "__TRAIT__",
        M::Method(_) => "__METHOD__",
        M::Function(_) => "__FUNCTION__",
        M::Property(_) => "__PROPERTY__",
        M::Namespace(_) => "__NAMESPACE__",
        M::Class(_) => "__CLASS__",
    }
}

/// A raw string literal without its quotes, for when mago could not
/// unescape it.
fn strip_quotes(raw: &[u8]) -> &[u8] {
    let inner = raw
        .strip_prefix(b"'")
        .or_else(|| raw.strip_prefix(b"\""))
        .unwrap_or(raw);
    inner
        .strip_suffix(b"'")
        .or_else(|| inner.strip_suffix(b"\""))
        .unwrap_or(inner)
}
