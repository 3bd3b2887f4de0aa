//! C2SP signed notes, and the tlog checkpoints written in them.
//!
//! The registry publishes the state of its log as a *checkpoint*: the log's
//! origin, its tree size and its Merkle root, signed by the registry key
//! (c2sp.org/tlog-checkpoint). A checkpoint travels as a *signed note*
//! (c2sp.org/signed-note), the text format that Go's checksum database and
//! the transparency-dev witnesses already read, so that others can check
//! or cosign our log with their own tools.
//!
//! ```text
//! registry.example.com/log
//! 42
//! <base64 of the 32-byte root>
//!
//! — registry.example.com/log <base64 of key ID ‖ signature>
//! ```
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one line
//! per signature: an em dash, the key name, and base64 of a 4-byte key ID
//! followed by the Ed25519 signature over the text. A verifier is known to
//! a reader by its *vkey*, `<name>+<hex key ID>+<base64(0x01 ‖ key)>`.
//!
//! Reading a note, we ignore signatures from keys we were not given (a
//! witness may have cosigned), but a signature that claims to be from one
//! of our keys must verify, and at least one must.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::keys::{KeyError, PublicKey, Signature, SigningKey};
use crate::merkle::Hash;

#[cfg(test)]
mod tests;

/// The most signature lines we read in one note.
///
/// The spec asks readers to accept at least 16. We stop at 64 so that a
/// hostile note cannot make us decode and check signatures without end.
pub const MAX_NOTE_SIGNATURES: usize = 64;

/// Starts every signature line: U+2014 EM DASH and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// The signature type byte of Ed25519 in key IDs and vkeys.
const ED25519_TYPE: u8 = 0x01;

/// Why a note, vkey or checkpoint was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note text is empty.
    #[error("note text is empty")]
    EmptyText,
    /// The note text does not end in a newline.
    #[error("note text does not end in a newline")]
    NoFinalNewline,
    /// A control character other than newline appears.
    #[error("note has control character U+{code:04X} at byte {offset}; only newline is allowed")]
    ControlCharacter {
        /// Byte offset in the note.
        offset: usize,
        /// The character's code point.
        code: u32,
    },
    /// There is no blank line followed by signature lines.
    #[error("note has no signature lines after a blank line")]
    NoSignatureBlock,
    /// A signature line does not have the `— <name> <base64>` form.
    #[error("signature line {line} is malformed: {reason}")]
    BadSignatureLine {
        /// 1-based line number within the signature block.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The note has more signature lines than we read.
    #[error("note has {count} signature lines; we read at most 64")]
    TooManySignatures {
        /// Signature lines found.
        count: usize,
    },
    /// A key name breaks the signed-note naming rule.
    #[error("key name {name:?} is not allowed: {reason}")]
    InvalidName {
        /// The refused name.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A vkey string is not `<name>+<hex id>+<base64 key>`.
    #[error("verifier key is malformed: {reason}")]
    BadVerifierKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A vkey names a signature type other than Ed25519.
    #[error("verifier key {name} has signature type 0x{alg:02x}; we support only Ed25519 (0x01)")]
    UnsupportedAlgorithm {
        /// The key name.
        name: String,
        /// The type byte found.
        alg: u8,
    },
    /// A vkey holds a public key we refuse.
    #[error("verifier key {name} holds an unusable public key")]
    BadPublicKey {
        /// The key name.
        name: String,
        /// Why the key was refused.
        #[source]
        source: KeyError,
    },
    /// A vkey's stated key ID is not the one its name and key give.
    #[error("verifier key {name} states key ID {stated} but its name and key give {computed}")]
    KeyIdMismatch {
        /// The key name.
        name: String,
        /// Hex key ID in the vkey.
        stated: String,
        /// Hex key ID computed from name and key.
        computed: String,
    },
    /// Two different verifiers share a name and key ID.
    #[error("two different verifier keys are named {name}+{key_id}; remove one")]
    AmbiguousKey {
        /// The key name.
        name: String,
        /// Hex key ID.
        key_id: String,
    },
    /// A signature from a known key does not verify.
    #[error(
        "signature by {name}+{key_id} does not verify: the note was altered or the key is wrong"
    )]
    BadSignature {
        /// The key name.
        name: String,
        /// Hex key ID.
        key_id: String,
    },
    /// No signature in the note is from a key we were given.
    #[error("note has no signature from a trusted key (trusted: {trusted})")]
    NoTrustedSignature {
        /// The trusted vkeys' names and IDs, comma-separated.
        trusted: String,
    },
    /// A checkpoint body line is missing or malformed.
    #[error("checkpoint line {line} ({field}) is invalid: {reason}")]
    BadCheckpoint {
        /// 1-based line number in the body.
        line: usize,
        /// "origin", "tree size", "root hash" or "extension".
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The checkpoint's origin is not the name of the key that signed it.
    #[error("checkpoint origin {origin:?} is not the log key name {key_name:?}")]
    OriginMismatch {
        /// The origin line.
        origin: String,
        /// The verifier's key name.
        key_name: String,
    },
}

/// The signed-note key ID of an Ed25519 key: the first 4 bytes of
/// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn note_key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ED25519_TYPE])
        .chain_update(key.to_bytes())
        .finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A public key under the name it signs notes with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    /// The key name (for a log, its origin).
    pub name: String,
    /// The Ed25519 public key.
    pub key: PublicKey,
}

impl NoteVerifier {
    /// A verifier for `key` under `name`, checked against the naming rule.
    pub fn new(name: &str, key: PublicKey) -> Result<NoteVerifier, NoteError> {
        check_name(name)?;
        Ok(NoteVerifier {
            name: name.to_string(),
            key,
        })
    }

    /// The key ID signatures by this key carry.
    pub fn key_id(&self) -> [u8; 4] {
        note_key_id(&self.name, &self.key)
    }

    /// Reads a vkey string, `<name>+<hex key ID>+<base64(0x01 ‖ key)>`,
    /// refusing one whose key ID is not the one its name and key give.
    pub fn parse(s: &str) -> Result<NoteVerifier, NoteError> {
        let malformed = |reason| NoteError::BadVerifierKey { reason };
        // The name and ID hold no `+`; the base64 may.
        let parts = s
            .split_once('+')
            .and_then(|(name, rest)| Some((name, rest.split_once('+')?)));
        let (name, (id_hex, key_b64)) =
            parts.ok_or(malformed("expected <name>+<hex key ID>+<base64 key>"))?;

        let stated = decode_key_id(id_hex).ok_or(malformed("key ID is not 8 hex digits"))?;
        let raw = BASE64
            .decode(key_b64)
            .map_err(|_| malformed("key is not valid base64"))?;
        let verifier = NoteVerifier::new(name, ed25519_key(name, &raw)?)?;

        let computed = verifier.key_id();
        if computed != stated {
            return Err(NoteError::KeyIdMismatch {
                name: name.to_string(),
                stated: hex::encode(stated),
                computed: hex::encode(computed),
            });
        }
        Ok(verifier)
    }

    /// The vkey string [`NoteVerifier::parse`] reads.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![ED25519_TYPE];
        raw.extend_from_slice(&self.key.to_bytes());
        let id = hex::encode(self.key_id());
        format!("{}+{id}+{}", self.name, BASE64.encode(raw))
    }

    /// `name+hexid`, the way messages name a key.
    fn label(&self) -> String {
        format!("{}+{}", self.name, hex::encode(self.key_id()))
    }
}

/// One signature line of a note, decoded but not verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name on the line.
    pub name: String,
    /// The key ID the signature starts with.
    pub key_id: [u8; 4],
    /// The signature bytes after the key ID (64 for Ed25519; other types
    /// differ, and we keep them as they are).
    pub signature: Vec<u8>,
}

/// A note split into its text and signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote {
    /// The signed text, with its final newline.
    pub text: String,
    /// From [`parse_note`], every signature line; from [`verify_note`],
    /// only the signatures that verified, one per key.
    pub signatures: Vec<NoteSignature>,
}

/// Signs `text` with `key` under `name` and returns the whole note: the
/// text, a blank line and one signature line.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    check_text(text)?;
    check_name(name)?;
    let mut raw = note_key_id(name, &key.public()).to_vec();
    raw.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    Ok(format!(
        "{text}\n{SIGNATURE_PREFIX}{name} {}\n",
        BASE64.encode(raw)
    ))
}

/// Splits a note into its text and signature lines, checking the syntax
/// only: no signature is verified.
pub fn parse_note(note: &str) -> Result<SignedNote, NoteError> {
    check_controls(note)?;
    // The text ends at the last blank line; signature lines hold none.
    let split = note.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
    let (text, block) = (&note[..=split], &note[split + 2..]);
    check_text(text)?;

    let lines: Vec<&str> = block.split_inclusive('\n').collect();
    if lines.is_empty() {
        return Err(NoteError::NoSignatureBlock);
    }
    if lines.len() > MAX_NOTE_SIGNATURES {
        return Err(NoteError::TooManySignatures { count: lines.len() });
    }
    let signatures = lines
        .iter()
        .enumerate()
        .map(|(i, line)| parse_signature_line(line, i + 1))
        .collect::<Result<_, _>>()?;
    Ok(SignedNote {
        text: text.to_string(),
        signatures,
    })
}

/// Parses a note and verifies it against `verifiers`.
///
/// Signatures from keys not in `verifiers` (name and key ID both must
/// match) are ignored. Every signature from a listed key must verify, and
/// at least one must be present. The result holds only the verified
/// signatures, one per key.
pub fn verify_note(note: &str, verifiers: &[NoteVerifier]) -> Result<SignedNote, NoteError> {
    let parsed = parse_note(note)?;
    let mut verified: Vec<NoteSignature> = Vec::new();
    for sig in &parsed.signatures {
        let Some(verifier) = find_verifier(sig, verifiers)? else {
            continue;
        };
        check_signature(verifier, sig, &parsed.text)?;
        let seen = verified
            .iter()
            .any(|v| v.name == sig.name && v.key_id == sig.key_id);
        if !seen {
            verified.push(sig.clone());
        }
    }

    if verified.is_empty() {
        let trusted: Vec<String> = verifiers.iter().map(NoteVerifier::label).collect();
        let trusted = if trusted.is_empty() {
            "none".to_string()
        } else {
            trusted.join(", ")
        };
        return Err(NoteError::NoTrustedSignature { trusted });
    }
    Ok(SignedNote {
        text: parsed.text,
        signatures: verified,
    })
}

/// A log's signed statement of its size and root (c2sp.org/tlog-checkpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity; also the name of the key that signs it.
    pub origin: String,
    /// Leaves in the tree.
    pub size: u64,
    /// The Merkle root of the tree at that size.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: origin, decimal size and base64 root, one per line.
    pub fn body(&self) -> String {
        let root = BASE64.encode(self.root);
        format!("{}\n{}\n{root}\n", self.origin, self.size)
    }

    /// Reads a checkpoint body. Extension lines after the root are allowed
    /// by the spec and ignored here; they must not be empty.
    pub fn parse_body(text: &str) -> Result<Checkpoint, NoteError> {
        check_text(text)?;
        let mut lines = text[..text.len() - 1].split('\n');
        let mut next = |line, field| {
            let found = lines.next().filter(|l| !l.is_empty());
            found.ok_or(checkpoint_error(line, field, "it is missing or empty"))
        };
        let origin = next(1, "origin")?.to_string();
        let size = parse_tree_size(next(2, "tree size")?)?;
        let root = parse_root(next(3, "root hash")?)?;

        // Extension lines are opaque to us, but the spec has them non-empty.
        if let Some(i) = lines.position(str::is_empty) {
            return Err(checkpoint_error(4 + i, "extension", "it is empty"));
        }
        Ok(Checkpoint { origin, size, root })
    }

    /// The signed note of this checkpoint, signed by `key` under the
    /// origin as key name.
    pub fn sign(&self, key: &SigningKey) -> Result<String, NoteError> {
        sign_note(&self.body(), &self.origin, key)
    }

    /// Verifies a checkpoint note with the log's key and reads it. The
    /// origin must be the key's name, so that one log's checkpoint cannot
    /// be passed off as another's.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, NoteError> {
        let signed = verify_note(note, std::slice::from_ref(verifier))?;
        let checkpoint = Checkpoint::parse_body(&signed.text)?;
        if checkpoint.origin != verifier.name {
            return Err(NoteError::OriginMismatch {
                origin: checkpoint.origin,
                key_name: verifier.name.clone(),
            });
        }
        Ok(checkpoint)
    }
}

/// Checks a key name: non-empty, no whitespace, no `+`, no control
/// characters.
fn check_name(name: &str) -> Result<(), NoteError> {
    let refuse = |reason| {
        Err(NoteError::InvalidName {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return refuse("it is empty");
    }
    if name.chars().any(char::is_whitespace) {
        return refuse("it contains whitespace");
    }
    if name.contains('+') {
        return refuse("it contains `+`");
    }
    if name.chars().any(char::is_control) {
        return refuse("it contains a control character");
    }
    Ok(())
}

/// Checks note text: non-empty, ending in a newline, no control
/// characters but newline.
fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::EmptyText);
    }
    if !text.ends_with('\n') {
        return Err(NoteError::NoFinalNewline);
    }
    check_controls(text)
}

/// Refuses the ASCII control characters (below U+0020) other than
/// newline, as the spec does; a `\r` would otherwise let two readers
/// disagree about where lines end.
fn check_controls(s: &str) -> Result<(), NoteError> {
    match s.bytes().position(|b| b < 0x20 && b != b'\n') {
        Some(offset) => Err(NoteError::ControlCharacter {
            offset,
            code: u32::from(s.as_bytes()[offset]),
        }),
        None => Ok(()),
    }
}

/// Parses `— <name> <base64>\n`, line `line` of the signature block.
fn parse_signature_line(line: &str, number: usize) -> Result<NoteSignature, NoteError> {
    let bad = |reason| NoteError::BadSignatureLine {
        line: number,
        reason,
    };
    let line = line
        .strip_suffix('\n')
        .ok_or(bad("it does not end in a newline"))?;
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(bad("it does not start with an em dash and a space"))?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or(bad("it has no space after the key name"))?;
    check_name(name)?;

    let raw = BASE64
        .decode(b64)
        .map_err(|_| bad("the signature is not valid base64"))?;
    if raw.len() <= 4 {
        return Err(bad("the signature is no longer than its key ID"));
    }
    let (key_id, signature) = raw.split_at(4);
    Ok(NoteSignature {
        name: name.to_string(),
        key_id: [key_id[0], key_id[1], key_id[2], key_id[3]],
        signature: signature.to_vec(),
    })
}

/// The verifier `sig` claims to be from, if we were given it.
fn find_verifier<'a>(
    sig: &NoteSignature,
    verifiers: &'a [NoteVerifier],
) -> Result<Option<&'a NoteVerifier>, NoteError> {
    let mut matching = verifiers
        .iter()
        .filter(|v| v.name == sig.name && v.key_id() == sig.key_id);
    let Some(first) = matching.next() else {
        return Ok(None);
    };
    // The same vkey listed twice is harmless; two keys behind one name and
    // ID (a deliberate collision) leave us unable to tell which is meant.
    if matching.any(|other| other.key != first.key) {
        return Err(NoteError::AmbiguousKey {
            name: sig.name.clone(),
            key_id: hex::encode(sig.key_id),
        });
    }
    Ok(Some(first))
}

/// Verifies a signature from a known key over `text`, strictly.
fn check_signature(
    verifier: &NoteVerifier,
    sig: &NoteSignature,
    text: &str,
) -> Result<(), NoteError> {
    let bad = || NoteError::BadSignature {
        name: sig.name.clone(),
        key_id: hex::encode(sig.key_id),
    };
    let signature = Signature::from_slice(&sig.signature).map_err(|_| bad())?;
    verifier
        .key
        .verify_strict(text.as_bytes(), &signature)
        .map_err(|_| bad())
}

/// Decodes an 8-hex-digit key ID.
fn decode_key_id(s: &str) -> Option<[u8; 4]> {
    let bytes = hex::decode(s).ok()?;
    bytes.try_into().ok()
}

/// The Ed25519 key in a vkey's decoded `type ‖ key` bytes.
fn ed25519_key(name: &str, raw: &[u8]) -> Result<PublicKey, NoteError> {
    let (alg, key) = raw.split_first().ok_or(NoteError::BadVerifierKey {
        reason: "key is empty",
    })?;
    if *alg != ED25519_TYPE {
        return Err(NoteError::UnsupportedAlgorithm {
            name: name.to_string(),
            alg: *alg,
        });
    }
    let key: [u8; 32] = key.try_into().map_err(|_| NoteError::BadVerifierKey {
        reason: "Ed25519 key is not 32 bytes",
    })?;
    PublicKey::from_bytes(&key).map_err(|source| NoteError::BadPublicKey {
        name: name.to_string(),
        source,
    })
}

/// Parses a tree size: decimal digits, no leading zero but in "0".
fn parse_tree_size(s: &str) -> Result<u64, NoteError> {
    let bad = |reason| checkpoint_error(2, "tree size", reason);
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("it is not a decimal number"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(bad("it has a leading zero"));
    }
    s.parse().map_err(|_| bad("it does not fit in 64 bits"))
}

/// Parses the base64 root hash line.
fn parse_root(s: &str) -> Result<Hash, NoteError> {
    let bad = |reason| checkpoint_error(3, "root hash", reason);
    let raw = BASE64
        .decode(s)
        .map_err(|_| bad("it is not valid base64"))?;
    raw.try_into().map_err(|_| bad("it is not 32 bytes"))
}

/// A [`NoteError::BadCheckpoint`] for body line `line`.
fn checkpoint_error(line: usize, field: &'static str, reason: &'static str) -> NoteError {
    NoteError::BadCheckpoint {
        line,
        field,
        reason,
    }
}
