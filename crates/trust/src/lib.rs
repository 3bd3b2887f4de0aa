//! formulary-trust: the cryptography behind formulary's approvals.
//!
//! A review decision only counts if we can show, later and offline, who made
//! it. This crate owns the pieces that make that possible: Ed25519 keys and
//! their files on disk (now), then signed statements, the Merkle log,
//! checkpoints and proofs (later issues). It knows nothing of the store or
//! the server; `registry` is the one crate that joins them.
//!
//! ```
//! use formulary_trust::SigningKey;
//!
//! let key = SigningKey::generate();
//! let sig = key.sign(b"approve acme/pay 1.2.1");
//! assert!(key.public().verify_strict(b"approve acme/pay 1.2.1", &sig).is_ok());
//! ```

pub mod envelope;
pub mod key_file;
pub mod keys;
pub mod merkle;
pub mod note;
pub mod statement;

pub use key_file::{
    read_private_key, read_public_key, write_private_key, write_public_key, KeyFileError,
};
pub use keys::{KeyError, NamedPublicKey, PublicKey, Signature, SigningKey};
