//! Ed25519 keys and signatures, and the text formats we keep them in.
//!
//! Every decision in formulary is signed: the registry key signs checkpoints
//! and publications, each reviewer signs their own approvals, and the intake
//! key signs what policy approved automatically. This module wraps
//! `ed25519-dalek` so that the rest of the workspace sees three small types,
//! [`SigningKey`], [`PublicKey`] and [`Signature`], and never the secret
//! bytes themselves: a signing key's `Debug` shows its key id only, and no
//! error message quotes the contents of a key file.
//!
//! # Key id
//!
//! [`PublicKey::key_id`] is the lowercase hex of the first 16 bytes of
//! SHA-256 over the raw 32-byte public key (32 hex characters). It names a
//! key in messages and file names; it is a hint, never a proof.
//!
//! # Private key format (v1)
//!
//! UTF-8 text, one field per line, `\n` line ends:
//!
//! ```text
//! formulary-ed25519-private-key v1
//! seed: <base64 (standard, padded) of the 32-byte Ed25519 seed>
//! public: <base64 of the 32-byte public key>
//! name: <key name>
//! ```
//!
//! The first line is fixed. `seed` is required. `public` is written by us
//! and, when present, must match the key derived from the seed, so that a
//! damaged file is caught before it signs anything. `name` is optional. Each
//! field appears at most once; blank lines are ignored; any other line is an
//! error.
//!
//! # Public key format (v1)
//!
//! One line: `formulary-ed25519-public-key v1 <base64 key> [<name>]`.
//!
//! A key name is 1 to 128 characters with no whitespace, no control
//! characters and no `+`, so that it can also serve as a C2SP signed-note
//! key name later.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use rand_core::{CryptoRngCore, OsRng};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// First line of a v1 private key file.
pub const PRIVATE_KEY_HEADER: &str = "formulary-ed25519-private-key v1";

/// First word pair of a v1 public key line.
pub const PUBLIC_KEY_HEADER: &str = "formulary-ed25519-public-key v1";

/// Longest key name we accept, in characters.
pub const MAX_NAME_CHARS: usize = 128;

/// Why a key, key text or signature was refused.
///
/// Messages never quote secret material: a malformed private key line is
/// described by its field name, not its value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The first line is not the expected format header.
    #[error("not a formulary {kind} key: the first line is not `{expected}`")]
    BadHeader {
        /// "private" or "public".
        kind: &'static str,
        /// The header we expected.
        expected: &'static str,
    },
    /// A line of a private key file is neither blank nor a known field.
    #[error("private key line {line} is not `seed:`, `public:` or `name:`")]
    UnknownLine {
        /// 1-based line number.
        line: usize,
    },
    /// A field appears twice.
    #[error("private key field `{field}` appears more than once")]
    DuplicateField {
        /// The field name.
        field: &'static str,
    },
    /// A required field is absent.
    #[error("private key has no `{field}:` line")]
    MissingField {
        /// The field name.
        field: &'static str,
    },
    /// A field is not valid base64.
    #[error("{field} is not valid base64")]
    BadBase64 {
        /// Which value: "seed", "public key" or "signature".
        field: &'static str,
    },
    /// A field decodes to the wrong number of bytes.
    #[error("{field} is {len} bytes long; expected {expected}")]
    BadLength {
        /// Which value.
        field: &'static str,
        /// Bytes found.
        len: usize,
        /// Bytes expected.
        expected: usize,
    },
    /// The `public:` line does not belong to the seed.
    #[error(
        "the `public:` line does not match the seed; the key file is damaged, \
         restore it from backup"
    )]
    PublicMismatch,
    /// The public key is not a valid Ed25519 point, or is a weak key.
    #[error("public key is not a usable Ed25519 key ({reason})")]
    InvalidPublicKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The public key line has too many words.
    #[error("public key line has extra words after the name")]
    TrailingWords,
    /// A key name breaks the naming rule.
    #[error("key name {name:?} is not allowed: {reason}")]
    InvalidName {
        /// The refused name.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A signature did not verify.
    #[error("signature does not verify with key {key_id}")]
    BadSignature {
        /// The key that was tried.
        key_id: String,
    },
}

/// An Ed25519 signature (64 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(ed25519_dalek::Signature);

impl Signature {
    /// The raw 64 bytes.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0.to_bytes()
    }

    /// Reads a signature from its raw 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Signature, KeyError> {
        let arr: [u8; 64] = bytes.try_into().map_err(|_| KeyError::BadLength {
            field: "signature",
            len: bytes.len(),
            expected: 64,
        })?;
        Ok(Signature(ed25519_dalek::Signature::from_bytes(&arr)))
    }

    /// Standard padded base64 of the raw bytes.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.to_bytes())
    }

    /// Reads a signature from standard padded base64.
    pub fn from_base64(s: &str) -> Result<Signature, KeyError> {
        let bytes = decode_b64(s, "signature")?;
        Signature::from_slice(&bytes)
    }
}

/// An Ed25519 public key: what verifiers hold.
///
/// Equality and hashing are over the 32 key bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Reads a public key from its raw 32 bytes, refusing invalid points
    /// and weak (small-order) keys, which would accept forged signatures.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, KeyError> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| {
            KeyError::InvalidPublicKey {
                reason: "not a valid curve point",
            }
        })?;
        if key.is_weak() {
            return Err(KeyError::InvalidPublicKey {
                reason: "weak key of small order",
            });
        }
        Ok(PublicKey(key))
    }

    /// The raw 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Standard padded base64 of the raw bytes.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.to_bytes())
    }

    /// Reads a public key from standard padded base64.
    pub fn from_base64(s: &str) -> Result<PublicKey, KeyError> {
        let bytes = decode_b64(s, "public key")?;
        PublicKey::from_bytes(&to_32(&bytes, "public key")?)
    }

    /// Lowercase hex of the first 16 bytes of SHA-256 over the raw key.
    pub fn key_id(&self) -> String {
        let digest = Sha256::digest(self.to_bytes());
        hex::encode(&digest[..16])
    }

    /// Verifies `sig` over `msg` with the strict rules of `ed25519-dalek`
    /// (no malleable signatures, no weak keys).
    pub fn verify_strict(&self, msg: &[u8], sig: &Signature) -> Result<(), KeyError> {
        self.0
            .verify_strict(msg, &sig.0)
            .map_err(|_| KeyError::BadSignature {
                key_id: self.key_id(),
            })
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKey").field(&self.key_id()).finish()
    }
}

/// Displays as standard base64 of the raw key.
impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// Serializes as the base64 string.
impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

/// Deserializes from the base64 string, with the same checks as
/// [`PublicKey::from_base64`].
impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PublicKey::from_base64(&s).map_err(serde::de::Error::custom)
    }
}

/// A public key with the optional name it is filed under: one line of a
/// public key file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPublicKey {
    /// The key.
    pub key: PublicKey,
    /// Its name, if it has one.
    pub name: Option<String>,
}

impl NamedPublicKey {
    /// Parses `formulary-ed25519-public-key v1 <base64> [<name>]`.
    pub fn parse_line(line: &str) -> Result<NamedPublicKey, KeyError> {
        let rest = line
            .trim_end_matches(['\r', '\n'])
            .strip_prefix(PUBLIC_KEY_HEADER)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(KeyError::BadHeader {
                kind: "public",
                expected: PUBLIC_KEY_HEADER,
            })?;

        let mut words = rest.split(' ');
        let key = PublicKey::from_base64(words.next().unwrap_or(""))?;
        let name = words.next().map(check_name).transpose()?;
        if words.next().is_some() {
            return Err(KeyError::TrailingWords);
        }
        Ok(NamedPublicKey { key, name })
    }

    /// The one-line text form, ending in `\n`.
    pub fn to_line(&self) -> String {
        match &self.name {
            Some(n) => format!("{PUBLIC_KEY_HEADER} {} {n}\n", self.key),
            None => format!("{PUBLIC_KEY_HEADER} {}\n", self.key),
        }
    }
}

/// An Ed25519 signing key with an optional name.
///
/// `Debug` prints the key id and name only; the seed is wiped from memory
/// when the key is dropped (`ed25519-dalek`'s `zeroize` feature).
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
    name: Option<String>,
}

impl SigningKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> SigningKey {
        SigningKey::generate_with(&mut OsRng)
    }

    /// A fresh key from the given random source (tests pass a fixed one).
    pub fn generate_with(rng: &mut impl CryptoRngCore) -> SigningKey {
        SigningKey {
            inner: ed25519_dalek::SigningKey::generate(rng),
            name: None,
        }
    }

    /// The key for a known 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        SigningKey {
            inner: ed25519_dalek::SigningKey::from_bytes(seed),
            name: None,
        }
    }

    /// The same key under `name` (checked against the naming rule).
    pub fn with_name(mut self, name: &str) -> Result<SigningKey, KeyError> {
        self.name = Some(check_name(name)?);
        Ok(self)
    }

    /// The key's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.inner.verifying_key())
    }

    /// The public key with this key's name, ready for a public key file.
    pub fn named_public(&self) -> NamedPublicKey {
        NamedPublicKey {
            key: self.public(),
            name: self.name.clone(),
        }
    }

    /// The key id of the public key.
    pub fn key_id(&self) -> String {
        self.public().key_id()
    }

    /// Signs `msg`.
    pub fn sign(&self, msg: &[u8]) -> Signature {
        Signature(self.inner.sign(msg))
    }

    /// The private key file text (see the module docs). The result holds
    /// the secret seed: write it to a 0600 file and drop it.
    pub fn to_file_string(&self) -> String {
        let seed = BASE64.encode(self.inner.to_bytes());
        let mut out = format!(
            "{PRIVATE_KEY_HEADER}\nseed: {seed}\npublic: {}\n",
            self.public()
        );
        if let Some(name) = &self.name {
            out.push_str(&format!("name: {name}\n"));
        }
        out
    }

    /// Parses private key file text (see the module docs).
    pub fn from_file_string(text: &str) -> Result<SigningKey, KeyError> {
        let mut lines = text.lines();
        if lines.next().map(str::trim_end) != Some(PRIVATE_KEY_HEADER) {
            return Err(KeyError::BadHeader {
                kind: "private",
                expected: PRIVATE_KEY_HEADER,
            });
        }

        let fields = PrivateFields::parse(lines)?;
        let seed_b64 = fields
            .seed
            .ok_or(KeyError::MissingField { field: "seed" })?;
        let seed = to_32(&decode_b64(seed_b64, "seed")?, "seed")?;
        let mut key = SigningKey::from_seed(&seed);

        if let Some(public) = fields.public {
            if PublicKey::from_base64(public)? != key.public() {
                return Err(KeyError::PublicMismatch);
            }
        }
        if let Some(name) = fields.name {
            key = key.with_name(name)?;
        }
        Ok(key)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id())
            .field("name", &self.name)
            .field("seed", &"<redacted>")
            .finish()
    }
}

/// The `key: value` lines of a private key file after the header.
#[derive(Default)]
struct PrivateFields<'a> {
    seed: Option<&'a str>,
    public: Option<&'a str>,
    name: Option<&'a str>,
}

impl<'a> PrivateFields<'a> {
    fn parse(lines: impl Iterator<Item = &'a str>) -> Result<Self, KeyError> {
        let mut fields = PrivateFields::default();
        // Line 1 was the header, so the first field line is line 2.
        for (i, line) in lines.enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (field, value) = line
                .split_once(':')
                .ok_or(KeyError::UnknownLine { line: i + 2 })?;
            let slot = match field {
                "seed" => (&mut fields.seed, "seed"),
                "public" => (&mut fields.public, "public"),
                "name" => (&mut fields.name, "name"),
                _ => return Err(KeyError::UnknownLine { line: i + 2 }),
            };
            if slot.0.replace(value.trim()).is_some() {
                return Err(KeyError::DuplicateField { field: slot.1 });
            }
        }
        Ok(fields)
    }
}

/// Checks a key name against the naming rule in the module docs.
fn check_name(name: &str) -> Result<String, KeyError> {
    let refuse = |reason| KeyError::InvalidName {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(refuse("it is empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(refuse("it is longer than 128 characters"));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse("it contains whitespace or control characters"));
    }
    if name.contains('+') {
        return Err(refuse("it contains `+`"));
    }
    Ok(name.to_string())
}

fn decode_b64(s: &str, field: &'static str) -> Result<Vec<u8>, KeyError> {
    BASE64
        .decode(s.trim())
        .map_err(|_| KeyError::BadBase64 { field })
}

fn to_32(bytes: &[u8], field: &'static str) -> Result<[u8; 32], KeyError> {
    bytes.try_into().map_err(|_| KeyError::BadLength {
        field,
        len: bytes.len(),
        expected: 32,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixed_key() -> SigningKey {
        SigningKey::from_seed(&[7u8; 32])
    }

    #[test]
    fn signature_round_trip_verifies() {
        let key = SigningKey::generate();
        let sig = key.sign(b"approve acme/pay 1.2.1");
        key.public()
            .verify_strict(b"approve acme/pay 1.2.1", &sig)
            .unwrap();
    }

    #[test]
    fn signature_over_other_bytes_is_refused() {
        let key = fixed_key();
        let sig = key.sign(b"approve acme/pay 1.2.1");
        let err = key
            .public()
            .verify_strict(b"approve acme/pay 1.2.2", &sig)
            .unwrap_err();
        assert!(err.to_string().contains(&key.key_id()));
    }

    #[test]
    fn signature_from_another_key_is_refused() {
        let sig = fixed_key().sign(b"msg");
        let other = SigningKey::from_seed(&[8u8; 32]);
        assert!(other.public().verify_strict(b"msg", &sig).is_err());
    }

    #[test]
    fn signature_base64_round_trip() {
        let sig = fixed_key().sign(b"msg");
        assert_eq!(Signature::from_base64(&sig.to_base64()).unwrap(), sig);
        assert!(Signature::from_slice(&[0u8; 63]).is_err());
    }

    #[test]
    fn key_id_is_first_16_bytes_of_sha256_in_hex() {
        let public = fixed_key().public();
        let full = hex::encode(Sha256::digest(public.to_bytes()));
        assert_eq!(public.key_id(), full[..32]);
        assert_eq!(public.key_id().len(), 32);
    }

    #[test]
    fn private_key_text_round_trips_with_name() {
        let key = fixed_key().with_name("u:akim").unwrap();
        let text = key.to_file_string();
        assert!(text.starts_with("formulary-ed25519-private-key v1\nseed: "));

        let back = SigningKey::from_file_string(&text).unwrap();
        assert_eq!(back.public(), key.public());
        assert_eq!(back.name(), Some("u:akim"));
    }

    #[test]
    fn private_key_without_public_or_name_is_accepted() {
        let seed = BASE64.encode([7u8; 32]);
        let text = format!("{PRIVATE_KEY_HEADER}\n\nseed: {seed}\n");
        let key = SigningKey::from_file_string(&text).unwrap();
        assert_eq!(key.public(), fixed_key().public());
        assert_eq!(key.name(), None);
    }

    #[test]
    fn damaged_public_line_is_caught() {
        let other = SigningKey::from_seed(&[9u8; 32]).public();
        let text = fixed_key()
            .to_file_string()
            .replace(&fixed_key().public().to_base64(), &other.to_base64());
        let err = SigningKey::from_file_string(&text).unwrap_err();
        assert!(matches!(err, KeyError::PublicMismatch));
    }

    #[test]
    fn private_key_errors_never_quote_the_seed() {
        let seed = BASE64.encode([7u8; 32]);
        let cases = [
            seed.clone(),
            format!("{PRIVATE_KEY_HEADER}\n{seed}\n"),
            format!("{PRIVATE_KEY_HEADER}\nseed: {seed}\nseed: {seed}\n"),
            format!("{PRIVATE_KEY_HEADER}\nsecret: {seed}\n"),
        ];
        for text in cases {
            let err = SigningKey::from_file_string(&text).unwrap_err();
            assert!(!err.to_string().contains(&seed), "{err}");
        }
    }

    #[test]
    fn private_key_field_problems_are_named() {
        let missing = SigningKey::from_file_string(&format!("{PRIVATE_KEY_HEADER}\n"));
        assert!(matches!(
            missing,
            Err(KeyError::MissingField { field: "seed" })
        ));
        let short = format!("{PRIVATE_KEY_HEADER}\nseed: {}\n", BASE64.encode([1u8; 31]));
        assert!(matches!(
            SigningKey::from_file_string(&short),
            Err(KeyError::BadLength { len: 31, .. })
        ));
        let junk = format!("{PRIVATE_KEY_HEADER}\nseed: ***\n");
        assert!(matches!(
            SigningKey::from_file_string(&junk),
            Err(KeyError::BadBase64 { field: "seed" })
        ));
    }

    #[test]
    fn debug_hides_the_seed() {
        let key = fixed_key().with_name("registry").unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.key_id()));
        assert!(shown.contains("<redacted>"));
        assert!(!shown.contains(&BASE64.encode([7u8; 32])));
        assert!(!shown.contains(&hex::encode([7u8; 32])));
    }

    #[test]
    fn public_key_line_round_trips() {
        let named = fixed_key().with_name("u:rpatel").unwrap().named_public();
        let line = named.to_line();
        assert!(line.starts_with("formulary-ed25519-public-key v1 "));
        assert!(line.ends_with(" u:rpatel\n"));
        assert_eq!(NamedPublicKey::parse_line(&line).unwrap(), named);

        let bare = fixed_key().named_public();
        assert_eq!(NamedPublicKey::parse_line(&bare.to_line()).unwrap(), bare);
    }

    #[test]
    fn public_key_line_problems_are_refused() {
        let b64 = fixed_key().public().to_base64();
        let bad = [
            format!("ssh-ed25519 {b64}"),
            format!("{PUBLIC_KEY_HEADER} {b64} name extra"),
            format!("{PUBLIC_KEY_HEADER} {b64} a+b"),
            format!("{PUBLIC_KEY_HEADER} not-base64"),
        ];
        for line in bad {
            assert!(NamedPublicKey::parse_line(&line).is_err(), "{line}");
        }
    }

    #[test]
    fn weak_public_key_is_refused() {
        // The identity point encodes as 1 followed by zeros: small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let err = PublicKey::from_bytes(&identity).unwrap_err();
        assert!(err.to_string().contains("weak"), "{err}");
    }

    #[test]
    fn names_follow_the_rule() {
        assert!(fixed_key().with_name("registry.example.com").is_ok());
        for bad in ["", "two words", "tab\there", "a+b", &"x".repeat(129)] {
            assert!(fixed_key().with_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn public_key_serde_is_base64_string() {
        let public = fixed_key().public();
        let json = serde_json::to_string(&public).unwrap();
        assert_eq!(json, format!("\"{}\"", public.to_base64()));
        let back: PublicKey = serde_json::from_str(&json).unwrap();
        assert_eq!(back, public);
    }
}
