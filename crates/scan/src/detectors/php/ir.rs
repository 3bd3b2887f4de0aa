//! A small intermediate form of a PHP file: the part of the syntax tree
//! the PHP checks read, with names already resolved.
//!
//! `parse.rs` lowers mago's tree into these types and is the only place
//! that knows mago's shapes, so a parser upgrade (mago renames and moves
//! nodes between minor versions) is one contained change. Everything here
//! borrows from the parse arena (`'a`): names and string values are slices
//! of the source or of the resolver's interned names.

/// A byte range in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// One parsed file.
#[derive(Debug, Default)]
pub struct File<'a> {
    /// Classes, interfaces, traits and enums, in source order.
    pub classes: Vec<Class<'a>>,
    /// Functions declared with `function name()` anywhere in the file.
    pub functions: Vec<Func<'a>>,
    /// Code outside any function: scripts, `registration.php`, templates.
    pub top: &'a [Stmt<'a>],
    /// Every string literal that looks like an absolute URL, with its span.
    pub urls: Vec<(Span, &'a str)>,
    /// Parse errors: offset and message.
    pub errors: Vec<(u32, String)>,
}

/// A class-like declaration.
#[derive(Debug, Default)]
pub struct Class<'a> {
    /// Fully qualified name, when the class is named.
    pub name: Option<&'a str>,
    /// The parent class, fully qualified.
    pub parent: Option<&'a str>,
    /// Implemented interfaces, fully qualified.
    pub interfaces: Vec<&'a str>,
    /// `const NAME = value;`
    pub consts: Vec<(&'a str, Expr<'a>)>,
    /// Declared properties.
    pub props: Vec<Prop<'a>>,
    /// Methods, `__construct` included.
    pub methods: Vec<Func<'a>>,
}

/// A declared property.
#[derive(Debug)]
pub struct Prop<'a> {
    pub name: &'a str,
    /// The first class-like type in its hint, fully qualified.
    pub ty: Option<&'a str>,
    pub default: Option<Expr<'a>>,
}

/// A function, method, or closure body.
#[derive(Debug, Default)]
pub struct Func<'a> {
    pub name: &'a str,
    pub params: &'a [Param<'a>],
    /// The first class-like type in the return hint, fully qualified.
    pub ret: Option<&'a str>,
    pub body: &'a [Stmt<'a>],
}

/// A parameter.
#[derive(Debug)]
pub struct Param<'a> {
    pub name: &'a str,
    /// The first class-like type in its hint, fully qualified.
    pub ty: Option<&'a str>,
    /// A constructor-promoted parameter (it is also a property).
    pub promoted: bool,
}

/// A statement.
#[derive(Debug)]
pub enum Stmt<'a> {
    Expr(Expr<'a>),
    Echo(&'a [Expr<'a>]),
    Return(Option<Expr<'a>>),
    /// `if`/`elseif`/`else` and `switch`: conditions, then the arms; one
    /// arm runs (or none, when `exhaustive` is false).
    Branch {
        conds: &'a [Expr<'a>],
        arms: &'a [&'a [Stmt<'a>]],
        exhaustive: bool,
    },
    /// `for`, `while`, `do`: header expressions, then the body.
    Loop {
        head: &'a [Expr<'a>],
        body: &'a [Stmt<'a>],
    },
    Foreach {
        subject: Expr<'a>,
        key: Option<Expr<'a>>,
        value: Expr<'a>,
        body: &'a [Stmt<'a>],
    },
    Try {
        body: &'a [Stmt<'a>],
        catches: &'a [&'a [Stmt<'a>]],
        finally: &'a [Stmt<'a>],
    },
    Block(&'a [Stmt<'a>]),
    /// `static $x = …;` and `global $x;` (value `None`).
    Declare(&'a [(&'a str, Option<Expr<'a>>)]),
}

/// An expression and where it is.
#[derive(Debug)]
pub struct Expr<'a> {
    pub span: Span,
    pub kind: ExprKind<'a>,
}

/// The shapes of expression the checks distinguish.
#[derive(Debug)]
pub enum ExprKind<'a> {
    /// `$name` (without the dollar).
    Var(&'a str),
    /// `$$name`, `${expr}`.
    DynVar(&'a Expr<'a>),
    Str(&'a str),
    Int(i64),
    Float,
    Bool(bool),
    Null,
    /// A double-quoted or heredoc string with interpolated parts.
    Interp(&'a [Expr<'a>]),
    /// A backtick shell command.
    Shell(&'a [Expr<'a>]),
    /// A global constant (`PHP_EOL`, `CURLOPT_URL`, `BP`).
    Const(&'a str),
    /// `__DIR__`, `__FILE__`, `__CLASS__`…
    Magic(&'a str),
    ClassConst {
        class: ClassRef<'a>,
        name: &'a str,
    },
    Array(&'a [Item<'a>]),
    Index {
        base: &'a Expr<'a>,
        index: Option<&'a Expr<'a>>,
    },
    Prop {
        base: &'a Expr<'a>,
        name: Member<'a>,
    },
    StaticProp {
        class: ClassRef<'a>,
        name: &'a str,
    },
    Call {
        callee: Callee<'a>,
        args: &'a [Arg<'a>],
    },
    New {
        class: ClassRef<'a>,
        args: &'a [Arg<'a>],
    },
    Assign {
        target: &'a Expr<'a>,
        op: AssignOp,
        value: &'a Expr<'a>,
    },
    Binary {
        op: BinOp,
        lhs: &'a Expr<'a>,
        rhs: &'a Expr<'a>,
    },
    Unary {
        op: UnOp,
        expr: &'a Expr<'a>,
    },
    Ternary {
        cond: &'a Expr<'a>,
        then: Option<&'a Expr<'a>>,
        els: &'a Expr<'a>,
    },
    /// A closure or arrow function; an arrow function's body is one
    /// `return` and it sees every variable of its parent.
    Closure {
        func: &'a Func<'a>,
        uses: &'a [&'a str],
        arrow: bool,
    },
    Match {
        subject: &'a Expr<'a>,
        arms: &'a [Expr<'a>],
    },
    Isset(&'a [Expr<'a>]),
    Eval(&'a Expr<'a>),
    Include(&'a Expr<'a>),
    Print(&'a Expr<'a>),
    /// `list(...)` / `[...] =` destructuring targets.
    List(&'a [Item<'a>]),
    /// Anything else: its sub-expressions are still visited.
    Other(&'a [Expr<'a>]),
}

/// An array element.
#[derive(Debug)]
pub struct Item<'a> {
    pub key: Option<Expr<'a>>,
    pub value: Expr<'a>,
}

/// What is called.
#[derive(Debug)]
pub enum Callee<'a> {
    /// A named function: the global name when the call is unqualified.
    Function(&'a str),
    /// `$f(...)`, `('na'.'me')(...)`.
    Dynamic(&'a Expr<'a>),
    Method {
        recv: &'a Expr<'a>,
        name: Member<'a>,
    },
    Static {
        class: ClassRef<'a>,
        name: Member<'a>,
    },
}

/// A member name: literal, or computed (`$obj->$name()`).
#[derive(Debug)]
pub enum Member<'a> {
    Name(&'a str),
    Dynamic(&'a Expr<'a>),
}

impl<'a> Member<'a> {
    /// The literal name, if there is one.
    pub fn name(&self) -> Option<&'a str> {
        match self {
            Member::Name(n) => Some(n),
            Member::Dynamic(_) => None,
        }
    }
}

/// A class reference in `new X`, `X::y()`, `X::C`.
#[derive(Debug)]
pub enum ClassRef<'a> {
    Named(&'a str),
    SelfRef,
    Parent,
    Static,
    Dynamic(&'a Expr<'a>),
}

/// A call argument.
#[derive(Debug)]
pub struct Arg<'a> {
    pub value: Expr<'a>,
}

/// Assignment operators, as far as data flow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    /// `=` (and `=&`).
    Set,
    /// `.=`, `+=`, `??=`… the old value flows on.
    Update,
}

/// Binary operators, as far as data flow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Concat,
    Coalesce,
    /// Arithmetic and bitwise: the operands flow on.
    Arith,
    /// Comparisons and logic: a boolean comes out.
    Test,
}

/// Unary operators, as far as data flow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `(bool)`, `!`, `(unset)`: a boolean (or nothing) comes out.
    Bool,
    /// `(int)`, `(float)`, `++`, `-`: a number comes out; a card number
    /// cast to an integer is still a card number.
    Number,
    /// `(string)`, `(array)`, `@`, `&`, `clone`: the value flows on.
    Keep,
}
