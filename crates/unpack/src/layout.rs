//! Where entries land: stripping a single top folder the way Composer
//! does, and refusing paths that would land on each other.
//!
//! GitHub and most zip tools wrap a package in one folder
//! (`acme-module-1a2b3c/`). Composer unpacks a dist to a temporary folder
//! and, when that folder holds exactly one directory (ignoring a
//! `.DS_Store` beside it), installs that directory's contents instead. We
//! do the same so that the tree we hash and review is the tree Composer
//! installs. A top-level `.DS_Store` beside the single folder is dropped,
//! as Composer leaves it behind.
//!
//! Two paths that differ only in letter case become one on macOS and
//! Windows, and a path that is both a file and a directory cannot exist at
//! all; either way the installed tree would differ from the reviewed one,
//! so we refuse such archives.

use std::collections::HashMap;

use tracing::debug;

use crate::entry::Kind;
use crate::error::UnpackError;
use crate::plan::Planned;

/// The name macOS Finder leaves in every folder it opens.
const DS_STORE: &str = ".DS_Store";

/// Strips a single top folder from every path; returns its name.
pub(crate) fn strip_top_folder(entries: &mut Vec<Planned>) -> Option<String> {
    let top = single_top_folder(entries)?;
    if entries.iter().any(is_top_ds_store) {
        debug!(folder = %top, "dropping a .DS_Store beside the top folder");
    }
    entries.retain(|e| !is_top_ds_store(e) && e.path != top);
    let cut = top.len() + 1;
    for e in entries.iter_mut() {
        e.path.drain(..cut);
    }
    debug!(folder = %top, "stripping the single top folder, as Composer does");
    Some(top)
}

fn is_top_ds_store(e: &Planned) -> bool {
    e.kind == Kind::File && e.path == DS_STORE
}

/// The one folder every entry (but a top-level `.DS_Store`) lives in.
fn single_top_folder(entries: &[Planned]) -> Option<String> {
    let mut top: Option<&str> = None;
    for e in entries.iter().filter(|e| !is_top_ds_store(e)) {
        let first = match e.path.split_once('/') {
            Some((first, _)) => first,
            None if e.kind == Kind::Dir => e.path.as_str(),
            None => return None,
        };
        match top {
            Some(t) if t != first => return None,
            _ => top = Some(first),
        }
    }
    top.map(str::to_owned)
}

/// Refuses a path used as both file and directory, and paths that differ
/// only in letter case.
///
/// TODO: macOS also folds Unicode normalization forms (`é` precomposed and
/// decomposed are one name); catching that needs a normalization table
/// such as the `unicode-normalization` crate. Real extensions use ASCII
/// names, so we fold case only for now.
pub(crate) fn check_collisions(entries: &[Planned]) -> Result<(), UnpackError> {
    let mut claims = Claims::default();
    for e in entries {
        for (cut, _) in e.path.match_indices('/') {
            claims.claim(&e.path[..cut], Kind::Dir)?;
        }
        claims.claim(&e.path, e.kind)?;
    }
    Ok(())
}

/// Every path seen so far, exactly and with case folded.
#[derive(Default)]
struct Claims<'a> {
    kinds: HashMap<&'a str, Kind>,
    folded: HashMap<String, &'a str>,
}

impl<'a> Claims<'a> {
    fn claim(&mut self, path: &'a str, kind: Kind) -> Result<(), UnpackError> {
        if let Some(&seen) = self.kinds.get(path) {
            if seen == kind {
                return Ok(());
            }
            return Err(UnpackError::FileDirConflict {
                entry: path.to_owned(),
            });
        }
        self.kinds.insert(path, kind);
        let folded = path.to_lowercase();
        if let Some(other) = self.folded.insert(folded, path) {
            return Err(UnpackError::CaseCollision {
                entry: path.to_owned(),
                other: other.to_owned(),
            });
        }
        Ok(())
    }
}
