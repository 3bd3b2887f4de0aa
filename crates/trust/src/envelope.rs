//! DSSE envelopes: how a statement and its signature travel together.
//!
//! A signed statement is stored and logged as the exact bytes that were
//! signed, never re-serialized: JSON has no canonical form, so re-encoding
//! a payload could change the bytes a signature covers. The Dead Simple
//! Signing Envelope (secure-systems-lab/dsse) gives us that: the payload is
//! carried base64-encoded, and the signature covers the *pre-authentication
//! encoding* of the payload type and the raw payload bytes, so a signature
//! made for one kind of document can never be replayed as another.
//!
//! ```text
//! PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body
//! ```
//!
//! Verification follows the DSSE order: refuse an unknown payload type,
//! check the signature over the raw bytes, and only then parse the
//! payload. A `keyid` in the envelope is a hint for finding the key; it
//! proves nothing.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::keys::{PublicKey, Signature, SigningKey};

/// The payload type of every formulary statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.formulary.statement.v1+json";

/// Largest envelope we accept, in bytes. Log entries must stay below the
/// 64 KiB that C2SP entry bundles can carry, which is why findings are
/// referenced by digest rather than embedded.
pub const MAX_ENVELOPE_BYTES: usize = 60 * 1024;

/// Why an envelope was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Not JSON of the envelope's shape.
    #[error("not a signed statement envelope: {0}")]
    Malformed(String),
    /// Over [`MAX_ENVELOPE_BYTES`].
    #[error("statement envelope is {0} bytes; the limit is {MAX_ENVELOPE_BYTES}")]
    TooLarge(usize),
    /// A payload type other than [`PAYLOAD_TYPE`].
    #[error("statement payload type {0:?} is not {PAYLOAD_TYPE:?}")]
    PayloadType(String),
    /// formulary envelopes carry exactly one signature.
    #[error("statement envelope has {0} signatures; formulary statements carry exactly one")]
    SignatureCount(usize),
    /// The signature's key hint names another key.
    #[error("statement is signed by key {found}, not {expected}")]
    WrongKey {
        /// The key the caller checked with.
        expected: String,
        /// The key the envelope names.
        found: String,
    },
    /// The signature does not verify.
    #[error("statement signature does not verify with key {0}")]
    BadSignature(String),
}

/// One signature in an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// The signer's key id ([`PublicKey::key_id`]); a hint only.
    pub keyid: String,
    /// Base64 of the 64-byte Ed25519 signature over the PAE.
    pub sig: String,
}

/// A DSSE envelope holding one signed statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Always [`PAYLOAD_TYPE`] for envelopes we accept.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Base64 of the statement's exact bytes.
    pub payload: String,
    /// The signatures; formulary uses exactly one.
    pub signatures: Vec<EnvelopeSignature>,
}

/// The DSSE pre-authentication encoding of `payload_type` and `payload`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

impl Envelope {
    /// Signs `payload` (a statement's JSON bytes) with `key`.
    pub fn sign(payload: &[u8], key: &SigningKey) -> Envelope {
        let sig = key.sign(&pae(PAYLOAD_TYPE, payload));
        Envelope {
            payload_type: PAYLOAD_TYPE.to_string(),
            payload: BASE64.encode(payload),
            signatures: vec![EnvelopeSignature {
                keyid: key.key_id(),
                sig: sig.to_base64(),
            }],
        }
    }

    /// Reads an envelope from its stored bytes, checking its shape only.
    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge(bytes.len()));
        }
        let env: Envelope =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
        if env.payload_type != PAYLOAD_TYPE {
            return Err(EnvelopeError::PayloadType(env.payload_type));
        }
        if env.signatures.len() != 1 {
            return Err(EnvelopeError::SignatureCount(env.signatures.len()));
        }
        Ok(env)
    }

    /// The envelope as compact JSON: the bytes that go into the log.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a struct of strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The key id the signature claims; check it with [`Envelope::verify`].
    pub fn signer_hint(&self) -> &str {
        self.signatures.first().map_or("", |s| s.keyid.as_str())
    }

    /// Checks the one signature with `key` and returns the payload bytes.
    pub fn verify(&self, key: &PublicKey) -> Result<Vec<u8>, EnvelopeError> {
        if self.payload_type != PAYLOAD_TYPE {
            return Err(EnvelopeError::PayloadType(self.payload_type.clone()));
        }
        let [signature] = self.signatures.as_slice() else {
            return Err(EnvelopeError::SignatureCount(self.signatures.len()));
        };
        let key_id = key.key_id();
        if signature.keyid != key_id {
            return Err(EnvelopeError::WrongKey {
                expected: key_id,
                found: signature.keyid.clone(),
            });
        }
        let payload = self.payload_bytes()?;
        let bad = || EnvelopeError::BadSignature(key_id.clone());
        let sig = Signature::from_base64(&signature.sig).map_err(|_| bad())?;
        key.verify_strict(&pae(PAYLOAD_TYPE, &payload), &sig)
            .map_err(|_| bad())?;
        Ok(payload)
    }

    /// The payload bytes, unverified: for display and for finding the key.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        BASE64
            .decode(&self.payload)
            .map_err(|_| EnvelopeError::Malformed("payload is not base64".to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_seed(&[n; 32])
    }

    #[test]
    fn pae_matches_the_dsse_test_vector() {
        let got = pae("http://example.com/HelloWorld", b"hello world");
        assert_eq!(
            got,
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn a_signed_envelope_verifies_and_gives_back_the_exact_bytes() {
        let payload = br#"{"b":1, "a":2}"#;
        let env = Envelope::sign(payload, &key(1));
        let back = Envelope::from_bytes(&env.to_bytes()).unwrap();
        assert_eq!(back.verify(&key(1).public()).unwrap(), payload);
        assert_eq!(back.signer_hint(), key(1).key_id());
    }

    #[test]
    fn another_key_or_changed_payload_is_refused() {
        let env = Envelope::sign(b"approve", &key(1));
        let err = env.verify(&key(2).public()).unwrap_err();
        assert!(matches!(err, EnvelopeError::WrongKey { .. }));

        let mut forged = env.clone();
        forged.payload = BASE64.encode(b"reject!");
        let err = forged.verify(&key(1).public()).unwrap_err();
        assert!(matches!(err, EnvelopeError::BadSignature(_)));

        // A signature moved to another key's hint still fails on the maths.
        let mut relabelled = Envelope::sign(b"approve", &key(2));
        relabelled.signatures[0].keyid = key(1).key_id();
        assert!(relabelled.verify(&key(1).public()).is_err());
    }

    #[test]
    fn odd_envelopes_are_refused_before_any_signature_check() {
        let mut env = Envelope::sign(b"x", &key(1));
        env.payload_type = "application/vnd.in-toto+json".to_string();
        let err = Envelope::from_bytes(&env.to_bytes()).unwrap_err();
        assert!(matches!(err, EnvelopeError::PayloadType(_)));

        let mut two = Envelope::sign(b"x", &key(1));
        two.signatures.push(two.signatures[0].clone());
        let err = Envelope::from_bytes(&two.to_bytes()).unwrap_err();
        assert_eq!(err, EnvelopeError::SignatureCount(2));

        assert!(Envelope::from_bytes(b"{}").is_err());
        let big = vec![b' '; MAX_ENVELOPE_BYTES + 1];
        assert!(matches!(
            Envelope::from_bytes(&big),
            Err(EnvelopeError::TooLarge(_))
        ));
    }
}
