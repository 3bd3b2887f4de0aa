//! The `formulary-diff/v1` JSON document (`docs/diff.md`).
//!
//! The document is the [`Delta`] itself with a schema marker and its size
//! beside it, so that a reader (a CI job, the HTML page of another tool)
//! deserializes it back into the same types. Snapshot tests pin its
//! shape; a breaking change needs a new `schema` value.

use serde::Serialize;

use super::SCHEMA;
use crate::delta::Delta;

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    #[serde(flatten)]
    delta: &'a Delta,
    size: usize,
}

/// The document, pretty-printed, ending in a line break.
pub fn document(delta: &Delta) -> String {
    let document = Document {
        schema: SCHEMA,
        delta,
        size: delta.size(),
    };
    // Serializing plain data to a string cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
