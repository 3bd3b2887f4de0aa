//! Capabilities: what an extension *can do*, whether or not it is wrong.
//!
//! A reviewer approving version 1.0.1 needs to know that it now contacts a
//! new host or hooks a new event even when no rule fired. Every scan lists
//! capabilities, and the diff of two versions compares them.

use serde::{Deserialize, Serialize};

/// The kinds of capability a scan reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapabilityKind {
    /// A host the code contacts (`api.example.com`).
    Host,
    /// An endpoint it exposes: REST route, GraphQL field, controller route.
    Endpoint,
    /// An event, class or method it hooks: observer, plugin, preference.
    Hook,
    /// Code that runs at install or on a schedule: composer plugin,
    /// `autoload.files`, setup patches, cron jobs.
    InstallTime,
    /// A place it writes files (`var/log/x.log`, `pub/media/…`).
    FileWrite,
}

/// One capability, with where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Capability {
    /// What kind.
    pub kind: CapabilityKind,
    /// The thing itself: a host name, `GET /V1/rx/:id`, `event:sales_order_place_after`.
    pub value: String,
    /// The file that declares or does it.
    pub path: String,
}

impl Capability {
    /// A capability of `kind` with `value`, seen in `path`.
    pub fn new(kind: CapabilityKind, value: impl Into<String>, path: impl Into<String>) -> Self {
        Capability {
            kind,
            value: value.into(),
            path: path.into(),
        }
    }
}
