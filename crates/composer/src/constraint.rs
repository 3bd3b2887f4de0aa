//! Composer version constraints: `^2.4.6`, `~1.2`, `>=1.0 <2.0 || 3.*`.
//!
//! formulary matches constraints in two places: when a reviewer or the
//! intake job asks for `vendor/name:^2.4`, and when it decides which
//! approved versions a Composer client would pick. Both must agree with
//! composer/semver, so the parser (in `constraint/parse.rs`) is a port of
//! `VersionParser::parseConstraints`, and matching follows
//! `Constraint::matchSpecific`: named branches (`dev-main`) only ever match
//! `==` the same name, and everything else is PHP's `version_compare`.

mod parse;

use crate::version::{version_compare, Stability, Version};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// Why a constraint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstraintError {
    /// A version inside the constraint is not one Composer accepts.
    #[error(
        "constraint {constraint:?}: {part:?} is not a version Composer understands ({source})"
    )]
    InvalidVersion {
        /// The whole constraint as given.
        constraint: String,
        /// The piece that failed.
        part: String,
        /// What was wrong with its version.
        source: crate::version::VersionError,
    },
    /// `~>`, Ruby's operator, which Composer refuses.
    #[error("constraint {constraint:?}: invalid operator \"~>\", you probably meant \"~\"")]
    TildeArrow {
        /// The whole constraint as given.
        constraint: String,
    },
}

/// A comparison operator of one bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `==` (also written `=` or nothing).
    Eq,
    /// `!=` (also written `<>`).
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl Op {
    /// Composer's spelling, as in its constraint strings.
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Whether `candidate <op> bound` holds, given how they compare.
    fn holds(self, order: Ordering) -> bool {
        match self {
            Op::Eq => order == Ordering::Equal,
            Op::Ne => order != Ordering::Equal,
            Op::Lt => order == Ordering::Less,
            Op::Le => order != Ordering::Greater,
            Op::Gt => order == Ordering::Greater,
            Op::Ge => order != Ordering::Less,
        }
    }
}

/// The parsed shape of a constraint, as Composer builds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    /// `*`: everything, branches included.
    Any,
    /// One bound: operator and a normalized version.
    Atom(Op, String),
    /// All of these (`,` or space).
    All(Vec<Node>),
    /// Any of these (`||`).
    AnyOf(Vec<Node>),
}

impl Node {
    fn matches(&self, candidate: &str) -> bool {
        match self {
            Node::Any => true,
            Node::Atom(op, bound) => atom_matches(*op, bound, candidate),
            Node::All(nodes) => nodes.iter().all(|n| n.matches(candidate)),
            Node::AnyOf(nodes) => nodes.iter().any(|n| n.matches(candidate)),
        }
    }

    /// Composer's `__toString` of the parsed constraint.
    fn composer_string(&self) -> String {
        let join = |nodes: &[Node], sep: &str| {
            let parts: Vec<String> = nodes.iter().map(Node::composer_string).collect();
            format!("[{}]", parts.join(sep))
        };
        match self {
            Node::Any => "*".to_string(),
            Node::Atom(op, bound) => format!("{} {bound}", op.as_str()),
            Node::All(nodes) => join(nodes, " "),
            Node::AnyOf(nodes) => join(nodes, " || "),
        }
    }
}

/// One bound against one normalized candidate, as `matchSpecific` does:
/// a named branch only equals itself and is unequal to everything else;
/// it is never less or greater than anything.
fn atom_matches(op: Op, bound: &str, candidate: &str) -> bool {
    let bound_branch = bound.starts_with("dev-");
    let candidate_branch = candidate.starts_with("dev-");
    match op {
        Op::Ne if bound_branch || candidate_branch => candidate != bound,
        Op::Eq if bound_branch && candidate_branch => candidate == bound,
        _ if bound_branch || candidate_branch => false,
        _ => op.holds(version_compare(candidate, bound)),
    }
}

/// A parsed version constraint.
///
/// ```
/// use formulary_composer::{Constraint, Version};
/// let c = Constraint::parse("^2.4.6").unwrap();
/// assert!(c.matches(&Version::parse("2.4.6-p3").unwrap()));
/// assert!(!c.matches(&Version::parse("3.0.0").unwrap()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    pretty: String,
    root: Node,
    stability_flag: Option<Stability>,
}

impl Constraint {
    /// Parses a constraint as Composer's `parseConstraints` does.
    pub fn parse(s: &str) -> Result<Constraint, ConstraintError> {
        let (root, stability_flag) = parse::parse(s)?;
        Ok(Constraint {
            pretty: s.to_string(),
            root,
            stability_flag,
        })
    }

    /// Whether `version` satisfies this constraint.
    pub fn matches(&self, version: &Version) -> bool {
        self.root.matches(version.normalized())
    }

    /// Whether an already-normalized version satisfies this constraint.
    pub fn matches_normalized(&self, normalized: &str) -> bool {
        self.root.matches(normalized)
    }

    /// The constraint as written.
    pub fn pretty(&self) -> &str {
        &self.pretty
    }

    /// The least stable `@flag` written in the constraint (`^1.0@beta`),
    /// which lets a root package accept that stability for this package.
    pub fn stability_flag(&self) -> Option<Stability> {
        self.stability_flag
    }

    /// The bounds Composer derived, in Composer's own notation:
    /// `^2.4.6` gives `[>= 2.4.6.0-dev < 3.0.0.0-dev]`.
    pub fn composer_string(&self) -> String {
        self.root.composer_string()
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pretty)
    }
}

impl std::str::FromStr for Constraint {
    type Err = ConstraintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Constraint::parse(s)
    }
}

impl Serialize for Constraint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.pretty)
    }
}

impl<'de> Deserialize<'de> for Constraint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Constraint::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
