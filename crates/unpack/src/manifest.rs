//! Reading the package's own `composer.json` once the tree is on disk.
//!
//! The manifest is the first place untrusted bytes meet a parser, so the
//! parsing itself (depth check first, then name and version checks the way
//! Composer makes them) lives in `formulary-composer`. Here we only pass
//! our configured depth limit along and turn its errors into refusals of
//! the archive.

use formulary_composer::manifest::ManifestError;
use formulary_composer::ComposerJson;

use crate::error::UnpackError;
use crate::limits::Limits;

/// Parses the manifest bytes collected during extraction.
pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<ComposerJson, UnpackError> {
    ComposerJson::from_slice_with_depth(bytes, limits.max_json_depth).map_err(refusal)
}

fn refusal(err: ManifestError) -> UnpackError {
    match err {
        ManifestError::TooDeep { limit, .. } => UnpackError::ManifestTooDeep { limit },
        ManifestError::Json { source, .. } => UnpackError::InvalidManifest {
            reason: source.to_string(),
        },
        ManifestError::MissingName => UnpackError::InvalidPackageName {
            reason: "\"name\" is missing or not a string".to_owned(),
        },
        ManifestError::InvalidName(e) => UnpackError::InvalidPackageName {
            reason: e.to_string(),
        },
        ManifestError::InvalidVersion(e) => UnpackError::InvalidVersion {
            reason: e.to_string(),
        },
    }
}
