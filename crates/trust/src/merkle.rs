//! The Merkle tree behind the log: RFC 6962 hashing and the proofs of
//! RFC 9162.
//!
//! Every statement the registry accepts becomes a leaf of one append-only
//! tree. A client that holds a signed checkpoint (a tree size and its root)
//! can then check two things without downloading the log: that an entry is
//! in the tree (an *inclusion proof*), and that a later checkpoint extends
//! an earlier one rather than rewriting it (a *consistency proof*). Both
//! proofs are a few dozen hashes at most.
//!
//! Leaves and interior nodes are hashed with different prefixes (0x00 and
//! 0x01), so that no leaf can pass for a subtree. A tree of `n` leaves
//! splits at the largest power of two below `n`: the left side is always a
//! perfect tree and the right side is whatever is left.
//!
//! [`Frontier`] keeps only the roots of the perfect subtrees along the right
//! edge of the tree, which is enough to append and to compute the root.
//! The store keeps one instead of re-reading every leaf on each commit.
//!
//! The `*_proof` functions take the already-hashed leaves of the whole tree
//! and do O(n) hashing; the `verify_*` functions take only the proof.

use sha2::{Digest, Sha256};

#[cfg(test)]
mod tests;

/// A SHA-256 digest: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// The most hashes a proof may hold before we refuse to look at it.
///
/// A tree indexed by `u64` is at most 64 levels deep, so no inclusion proof
/// needs more, and no consistency proof does either while the tree holds
/// fewer than 2^63 leaves. We check the length before hashing anything, so
/// a hostile proof costs us no more than an honest one.
pub const MAX_PROOF_HASHES: usize = 64;

/// Why a proof could not be made or did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The number of leaves in the tree.
        size: u64,
    },
    /// The two tree sizes cannot be the ends of a consistency proof.
    #[error("no consistency proof exists from tree size {old} to tree size {new}")]
    BadSizes {
        /// The earlier tree size.
        old: u64,
        /// The later tree size.
        new: u64,
    },
    /// The proof is longer than any proof we accept.
    #[error("proof has {len} hashes; we refuse proofs of more than 64")]
    TooLong {
        /// Hashes in the proof.
        len: usize,
    },
    /// The proof does not have the length this tree shape needs.
    #[error("proof has {got} hashes; these tree sizes need exactly {expected}")]
    WrongLength {
        /// Hashes the tree shape needs.
        expected: usize,
        /// Hashes in the proof.
        got: usize,
    },
    /// The proof is well formed but does not lead to the given root(s).
    #[error("proof does not lead to the expected root hash")]
    RootMismatch,
    /// Bytes given to [`Frontier::from_bytes`] have the wrong length.
    #[error("frontier encoding is {len} bytes; expected {expected}")]
    FrontierLength {
        /// Bytes given.
        len: usize,
        /// Bytes expected (8 at least, then 32 per subtree root).
        expected: usize,
    },
}

/// The hash of one log entry: SHA-256(0x00 ‖ entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(entry)
        .finalize()
        .into()
}

/// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([0x01])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root of the empty tree: SHA-256 of no bytes.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The root (RFC 6962 MTH) of a tree over already-hashed leaves.
///
/// Runs in O(n) hashing and O(log n) memory.
pub fn root(leaves: &[Hash]) -> Hash {
    let mut frontier = Frontier::new();
    for leaf in leaves {
        frontier.push(*leaf);
    }
    frontier.root()
}

/// The inclusion proof (RFC 9162 `PATH`) for the leaf at `index` in the
/// tree of all `leaves`, ordered from the leaf's sibling up to the root.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let size = leaves.len() as u64;
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }

    // Walk down from the root, keeping the subtree that holds the leaf and
    // noting the root of the other one. Indices stay absolute.
    let (mut lo, mut hi) = (0usize, leaves.len());
    let index = index as usize;
    let mut siblings = Vec::new();
    while hi - lo > 1 {
        let mid = lo + split_point(hi - lo);
        if index < mid {
            siblings.push(root(&leaves[mid..hi]));
            hi = mid;
        } else {
            siblings.push(root(&leaves[lo..mid]));
            lo = mid;
        }
    }
    siblings.reverse();
    Ok(siblings)
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves with
/// `root`, following RFC 9162 section 2.1.3.2.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    check_length(proof.len(), inclusion_len(index, size))?;

    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            skip_lone_left_children(&mut fnode, &mut snode);
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }

    if snode != 0 || r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The consistency proof (RFC 9162 `PROOF`) from the first `old_size`
/// leaves to the tree of all `leaves`.
///
/// `old_size` must be in `1..=leaves.len()`; equal sizes give an empty
/// proof.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let new = leaves.len() as u64;
    if old_size == 0 || old_size > new {
        return Err(ProofError::BadSizes { old: old_size, new });
    }

    // Walk down the path of the old tree's right edge. `whole` stays true
    // while the subtree we are in is the old tree's root itself, which the
    // verifier already holds and so is left out of the proof.
    let (mut lo, mut hi, mut m) = (0usize, leaves.len(), old_size as usize);
    let mut whole = true;
    let mut siblings = Vec::new();
    while m != hi - lo {
        let k = split_point(hi - lo);
        if m <= k {
            siblings.push(root(&leaves[lo + k..hi]));
            hi = lo + k;
        } else {
            siblings.push(root(&leaves[lo..lo + k]));
            lo += k;
            m -= k;
            whole = false;
        }
    }

    let mut proof = Vec::with_capacity(siblings.len() + 1);
    if !whole {
        proof.push(root(&leaves[lo..hi]));
    }
    proof.extend(siblings.into_iter().rev());
    Ok(proof)
}

/// Checks that the tree of `new_size` leaves with `new_root` extends the
/// tree of `old_size` leaves with `old_root`, following RFC 9162 section
/// 2.1.4.2.
///
/// Equal sizes need an empty proof and equal roots. Every tree extends the
/// empty one, so `old_size == 0` needs an empty proof and `old_root` equal
/// to [`empty_root`]; we check the latter so that a checkpoint claiming an
/// empty tree with some other root is not waved through.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::BadSizes {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size || old_size == 0 {
        check_length(proof.len(), 0)?;
        let empty_ok = old_size != 0 || *old_root == empty_root();
        let same_ok = old_size != new_size || old_root == new_root;
        if !(empty_ok && same_ok) {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    check_length(proof.len(), consistency_len(old_size, new_size))?;

    let (old, new) = consistency_roots(old_size, new_size, old_root, proof);
    if old != *old_root || new != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Rebuilds the old and new roots from a consistency proof whose length
/// has been checked, for `0 < old_size < new_size`.
fn consistency_roots(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    proof: &[Hash],
) -> (Hash, Hash) {
    // When the old tree is perfect its root is the starting node and the
    // proof leaves it out; otherwise the proof starts with that node.
    let (seed, rest) = match (old_size.is_power_of_two(), proof.split_first()) {
        (false, Some((first, rest))) => (*first, rest),
        _ => (*old_root, proof),
    };

    // Skip the levels where the old tree's last node is a right child.
    let shift = (old_size - 1).trailing_ones();
    let (mut fnode, mut snode) = ((old_size - 1) >> shift, (new_size - 1) >> shift);
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            skip_lone_left_children(&mut fnode, &mut snode);
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    (fr, sr)
}

/// Right-shifts both indices past the levels where our node is a left
/// child with nothing to its right, which it crosses unchanged (RFC 9162:
/// "until either LSB(fn) is set or fn is 0").
fn skip_lone_left_children(fnode: &mut u64, snode: &mut u64) {
    while *fnode & 1 == 0 && *fnode != 0 {
        *fnode >>= 1;
        *snode >>= 1;
    }
}

/// Refuses an over-long proof, then one of the wrong length.
fn check_length(got: usize, expected: usize) -> Result<(), ProofError> {
    if got > MAX_PROOF_HASHES {
        return Err(ProofError::TooLong { len: got });
    }
    if got != expected {
        return Err(ProofError::WrongLength { expected, got });
    }
    Ok(())
}

/// Hashes in the inclusion proof for `index < size`.
///
/// Below the level where the paths to `index` and to the last leaf join,
/// every level gives one sibling (`inner`). Above it, the node is a left
/// child with no sibling unless its index bit is set (`border`).
fn inclusion_len(index: u64, size: u64) -> usize {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border = (index.checked_shr(inner).unwrap_or(0)).count_ones();
    (inner + border) as usize
}

/// Hashes in the consistency proof for `0 < old < new`: the inclusion
/// proof of the old tree's last perfect subtree, plus that subtree's root
/// unless it is the whole old tree.
fn consistency_len(old: u64, new: u64) -> usize {
    let level = old.trailing_zeros();
    let index = (old - 1) >> level;
    let last = (new - 1) >> level;
    let seed = usize::from(index != 0);
    inclusion_len(index, last + 1) + seed
}

/// Leaves in the left subtree of a tree of `n > 1` leaves: the largest
/// power of two below `n`.
fn split_point(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The right edge of a growing tree: the roots of its perfect subtrees,
/// largest (leftmost) first, one for each bit set in the size.
///
/// This is the "compact range" of the whole tree. It holds at most 64
/// hashes, lets us append a leaf with O(log n) hashing and gives the root
/// without the leaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash.
    ///
    /// # Panics
    ///
    /// If the tree already holds `u64::MAX` leaves.
    pub fn push(&mut self, leaf: Hash) {
        // Each trailing one bit of the size is a perfect subtree the same
        // height as the one we are building: merge it in, right to left.
        let merges = self.size.trailing_ones() as usize;
        let start = self.nodes.len() - merges;
        let merged = self
            .nodes
            .drain(start..)
            .rev()
            .fold(leaf, |right, left| node_hash(&left, &right));
        self.nodes.push(merged);
        self.size = self.size.checked_add(1).expect("a log of 2^64 leaves");
    }

    /// The root of the tree, equal to [`root`] over every leaf pushed.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        match nodes.next() {
            None => empty_root(),
            Some(last) => nodes.fold(*last, |right, left| node_hash(left, &right)),
        }
    }

    /// The size as 8 bytes big-endian, then the 32-byte subtree roots.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 32 * self.nodes.len());
        out.extend_from_slice(&self.size.to_be_bytes());
        for node in &self.nodes {
            out.extend_from_slice(node);
        }
        out
    }

    /// Reads the form written by [`Frontier::to_bytes`], refusing any
    /// length that does not match the number of bits set in the size.
    pub fn from_bytes(bytes: &[u8]) -> Result<Frontier, ProofError> {
        let too_short = ProofError::FrontierLength {
            len: bytes.len(),
            expected: 8,
        };
        let (size, rest) = bytes.split_first_chunk::<8>().ok_or(too_short)?;
        let size = u64::from_be_bytes(*size);

        let expected = 8 + 32 * size.count_ones() as usize;
        if bytes.len() != expected {
            return Err(ProofError::FrontierLength {
                len: bytes.len(),
                expected,
            });
        }
        let nodes = rest.chunks_exact(32).map(to_hash).collect();
        Ok(Frontier { size, nodes })
    }
}

/// Copies a 32-byte chunk (from `chunks_exact(32)`) into a [`Hash`].
fn to_hash(chunk: &[u8]) -> Hash {
    let mut hash = [0u8; 32];
    hash.copy_from_slice(chunk);
    hash
}
