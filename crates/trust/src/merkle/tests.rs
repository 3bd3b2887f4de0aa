//! Tests for the Merkle tree: every small tree against a naive RFC 6962
//! reference, the frontier against `root`, and the published test vectors
//! of transparency-dev/merkle.

#![allow(clippy::unwrap_used)]

use super::*;

// ---------------------------------------------------------------------
// A naive reference, written straight from the recursive definitions of
// RFC 9162 section 2.1, for comparison with the iterative code.
// ---------------------------------------------------------------------

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn naive_root(d: &[Hash]) -> Hash {
    match d.len() {
        0 => empty_root(),
        1 => d[0],
        n => {
            let k = largest_power_of_two_below(n);
            node_hash(&naive_root(&d[..k]), &naive_root(&d[k..]))
        }
    }
}

fn naive_path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = largest_power_of_two_below(d.len());
    let (mut path, sibling) = if m < k {
        (naive_path(m, &d[..k]), naive_root(&d[k..]))
    } else {
        (naive_path(m - k, &d[k..]), naive_root(&d[..k]))
    };
    path.push(sibling);
    path
}

fn naive_subproof(m: usize, d: &[Hash], whole: bool) -> Vec<Hash> {
    if m == d.len() {
        return if whole {
            Vec::new()
        } else {
            vec![naive_root(d)]
        };
    }
    let k = largest_power_of_two_below(d.len());
    let (mut proof, sibling) = if m <= k {
        (naive_subproof(m, &d[..k], whole), naive_root(&d[k..]))
    } else {
        (naive_subproof(m - k, &d[k..], false), naive_root(&d[..k]))
    };
    proof.push(sibling);
    proof
}

/// Leaves `leaf_hash(i as 4 BE bytes)` for `0..n`.
fn numbered_leaves(n: usize) -> Vec<Hash> {
    (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn flip(hash: &Hash) -> Hash {
    let mut out = *hash;
    out[0] ^= 0x08;
    out
}

// ---------------------------------------------------------------------
// Hashing and roots
// ---------------------------------------------------------------------

#[test]
fn hashes_use_rfc6962_prefixes() {
    let empty_leaf = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";
    assert_eq!(hex::encode(leaf_hash(b"")), empty_leaf);
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(hex::encode(empty_root()), empty);
    assert_eq!(root(&[]), empty_root());

    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let mut joined = vec![1u8];
    joined.extend_from_slice(&a);
    joined.extend_from_slice(&b);
    assert_eq!(node_hash(&a, &b), <[u8; 32]>::from(Sha256::digest(joined)));
}

#[test]
fn root_matches_naive_reference_for_sizes_up_to_64() {
    let leaves = numbered_leaves(64);
    for n in 0..=64 {
        assert_eq!(root(&leaves[..n]), naive_root(&leaves[..n]), "size {n}");
    }
}

// ---------------------------------------------------------------------
// Inclusion
// ---------------------------------------------------------------------

#[test]
fn every_inclusion_proof_matches_reference_and_verifies() {
    let leaves = numbered_leaves(64);
    for n in 1..=64usize {
        let tree = &leaves[..n];
        let r = root(tree);
        for i in 0..n {
            let proof = inclusion_proof(tree, i as u64).unwrap();
            assert_eq!(proof, naive_path(i, tree), "size {n} index {i}");
            verify_inclusion(&tree[i], i as u64, n as u64, &proof, &r).unwrap();
        }
    }
}

#[test]
fn tampered_inclusion_proofs_fail() {
    let leaves = numbered_leaves(64);
    for n in 1..=64usize {
        let tree = &leaves[..n];
        let (r, size) = (root(tree), n as u64);
        for i in 0..n {
            let (idx, leaf) = (i as u64, tree[i]);
            let proof = inclusion_proof(tree, idx).unwrap();
            let check = |leaf: &Hash, idx, size, proof: &[Hash], r: &Hash| {
                let result = verify_inclusion(leaf, idx, size, proof, r);
                assert!(result.is_err(), "size {n} index {i} accepted");
            };

            check(&flip(&leaf), idx, size, &proof, &r);
            check(&leaf, idx, size, &proof, &flip(&r));
            check(&leaf, idx + 1, size, &proof, &r);
            check(&leaf, idx ^ 1, size, &proof, &r);
            check(&leaf, idx, size * 2, &proof, &r);
            check(&leaf, idx, size / 2, &proof, &r);
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bad[k] = flip(&bad[k]);
                check(&leaf, idx, size, &bad, &r);
            }
            check(&leaf, idx, size, &[proof.as_slice(), &[r]].concat(), &r);
            if let Some((_, shorter)) = proof.split_last() {
                check(&leaf, idx, size, shorter, &r);
            }
        }
    }
}

#[test]
fn inclusion_errors_name_the_problem() {
    let leaves = numbered_leaves(5);
    let r = root(&leaves);
    assert_eq!(
        inclusion_proof(&leaves, 5),
        Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert_eq!(
        inclusion_proof(&[], 0),
        Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
    );
    let proof = inclusion_proof(&leaves, 1).unwrap();
    assert_eq!(
        verify_inclusion(&leaves[1], 1, 5, &proof[..2], &r),
        Err(ProofError::WrongLength {
            expected: 3,
            got: 2
        })
    );
    assert_eq!(
        verify_inclusion(&leaves[1], 1, 5, &[r; 65], &r),
        Err(ProofError::TooLong { len: 65 })
    );
    assert_eq!(
        verify_inclusion(&leaves[2], 1, 5, &proof, &r),
        Err(ProofError::RootMismatch)
    );
}

#[test]
fn inclusion_in_huge_tree_has_bounded_length() {
    // Nobody can build these trees, but the length rule must hold for them.
    let (leaf, r) = (leaf_hash(b"x"), empty_root());
    let proof = [r; 64];
    let err = verify_inclusion(&leaf, 0, u64::MAX, &proof, &r).unwrap_err();
    assert_eq!(err, ProofError::RootMismatch);
    let err = verify_inclusion(&leaf, u64::MAX - 1, u64::MAX, &proof, &r).unwrap_err();
    assert!(matches!(err, ProofError::WrongLength { got: 64, .. }));
}

// ---------------------------------------------------------------------
// Consistency
// ---------------------------------------------------------------------

#[test]
fn every_consistency_proof_matches_reference_and_verifies() {
    let leaves = numbered_leaves(64);
    for n in 1..=64usize {
        let tree = &leaves[..n];
        let new_root = root(tree);
        for m in 1..=n {
            let proof = consistency_proof(tree, m as u64).unwrap();
            assert_eq!(proof, naive_subproof(m, tree, true), "{m} -> {n}");
            let old_root = root(&tree[..m]);
            verify_consistency(m as u64, n as u64, &old_root, &new_root, &proof).unwrap();
        }
    }
}

#[test]
fn tampered_consistency_proofs_fail() {
    let leaves = numbered_leaves(64);
    for n in 1..=64usize {
        let tree = &leaves[..n];
        let (r2, new) = (root(tree), n as u64);
        for m in 1..=n {
            let (r1, old) = (root(&tree[..m]), m as u64);
            let proof = consistency_proof(tree, old).unwrap();
            let check = |old, new, r1: &Hash, r2: &Hash, proof: &[Hash]| {
                let result = verify_consistency(old, new, r1, r2, proof);
                assert!(result.is_err(), "{m} -> {n} accepted");
            };

            check(old, new, &flip(&r1), &r2, &proof);
            check(old, new, &r1, &flip(&r2), &proof);
            check(old, new * 2, &r1, &r2, &proof);
            check(old + 1, new, &r1, &r2, &proof);
            check(old, new, &r1, &r2, &[proof.as_slice(), &[r2]].concat());
            check(old, new, &r1, &r2, &[&[r1], proof.as_slice()].concat());
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bad[k] = flip(&bad[k]);
                check(old, new, &r1, &r2, &bad);
            }
            if let Some((_, shorter)) = proof.split_last() {
                check(old, new, &r1, &r2, shorter);
            }
        }
    }
}

#[test]
fn consistency_edge_cases() {
    let leaves = numbered_leaves(8);
    let (r3, r8) = (root(&leaves[..3]), root(&leaves));
    let empty = empty_root();

    // Equal sizes: empty proof and equal roots.
    assert_eq!(consistency_proof(&leaves, 8).unwrap(), Vec::<Hash>::new());
    verify_consistency(8, 8, &r8, &r8, &[]).unwrap();
    assert_eq!(
        verify_consistency(8, 8, &r3, &r8, &[]),
        Err(ProofError::RootMismatch)
    );
    assert!(verify_consistency(8, 8, &r8, &r8, &[r8]).is_err());

    // From the empty tree: empty proof, and the old root must be empty.
    verify_consistency(0, 8, &empty, &r8, &[]).unwrap();
    verify_consistency(0, 0, &empty, &empty, &[]).unwrap();
    assert!(verify_consistency(0, 8, &r3, &r8, &[]).is_err());
    assert!(verify_consistency(0, 8, &empty, &r8, &[empty]).is_err());

    // Sizes that cannot be the ends of a proof.
    let bad = |old, new| ProofError::BadSizes { old, new };
    assert_eq!(consistency_proof(&leaves, 0), Err(bad(0, 8)));
    assert_eq!(consistency_proof(&leaves, 9), Err(bad(9, 8)));
    assert_eq!(verify_consistency(9, 8, &r8, &r8, &[]), Err(bad(9, 8)));
    assert_eq!(
        verify_consistency(3, 8, &r3, &r8, &[r8; 65]),
        Err(ProofError::TooLong { len: 65 })
    );
}

// ---------------------------------------------------------------------
// Frontier
// ---------------------------------------------------------------------

#[test]
fn frontier_root_equals_root_for_sizes_up_to_300() {
    let leaves = numbered_leaves(300);
    let mut frontier = Frontier::new();
    for n in 0..=300usize {
        assert_eq!(frontier.size(), n as u64);
        assert_eq!(frontier.root(), root(&leaves[..n]), "size {n}");

        let bytes = frontier.to_bytes();
        assert_eq!(bytes.len(), 8 + 32 * (n as u64).count_ones() as usize);
        assert_eq!(Frontier::from_bytes(&bytes).unwrap(), frontier);

        if let Some(leaf) = leaves.get(n) {
            frontier.push(*leaf);
        }
    }
}

#[test]
fn frontier_refuses_wrong_lengths() {
    let mut frontier = Frontier::new();
    for leaf in numbered_leaves(5) {
        frontier.push(leaf);
    }
    let bytes = frontier.to_bytes();
    assert_eq!(bytes.len(), 8 + 64);

    let refused = |b: &[u8], expected| {
        let len = b.len();
        let err = Frontier::from_bytes(b).unwrap_err();
        assert_eq!(err, ProofError::FrontierLength { len, expected });
    };
    refused(&bytes[..7], 8);
    refused(&bytes[..8], 72);
    refused(&bytes[..40], 72);
    refused(&[bytes.as_slice(), &[0u8; 32]].concat(), 72);
    refused(&[], 8);
    assert_eq!(Frontier::from_bytes(&[0u8; 8]).unwrap(), Frontier::new());
}

#[test]
fn large_tree_proofs_verify() {
    // Big enough to cross many levels, small enough for a debug build.
    let leaves = numbered_leaves(10_007);
    let r = root(&leaves);
    for i in [0u64, 1, 4095, 4096, 8191, 10_000, 10_006] {
        let proof = inclusion_proof(&leaves, i).unwrap();
        verify_inclusion(&leaves[i as usize], i, 10_007, &proof, &r).unwrap();
    }
    for m in [1u64, 2, 4096, 5000, 10_006] {
        let proof = consistency_proof(&leaves, m).unwrap();
        let old = root(&leaves[..m as usize]);
        verify_consistency(m, 10_007, &old, &r, &proof).unwrap();
    }
}

// ---------------------------------------------------------------------
// Published vectors: transparency-dev/merkle (testonly/constants.go,
// cmd/proofgen, testdata/). Data only.
// ---------------------------------------------------------------------

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn hs(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| h(s)).collect()
}

const VECTOR_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots of the trees over the first 1..=8 vector leaves.
const VECTOR_ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

fn vector_leaves() -> Vec<Hash> {
    VECTOR_LEAVES
        .iter()
        .map(|s| leaf_hash(&hex::decode(s).unwrap()))
        .collect()
}

fn vector_root(size: u64) -> Hash {
    h(VECTOR_ROOTS[size as usize - 1])
}

/// (0-based leaf index, tree size, proof).
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (0, 1, vec![]),
        (
            0,
            8,
            hs(&[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]),
        ),
        (
            5,
            8,
            hs(&[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]),
        ),
        (
            2,
            3,
            hs(&["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        ),
        (
            1,
            5,
            hs(&[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]),
        ),
    ]
}

/// (old size, new size, proof).
fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            hs(&[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]),
        ),
        (
            6,
            8,
            hs(&[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]),
        ),
        (
            2,
            5,
            hs(&[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]),
        ),
        (
            6,
            7,
            hs(&[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]),
        ),
    ]
}

#[test]
fn vector_roots_match() {
    let leaves = vector_leaves();
    let mut frontier = Frontier::new();
    for size in 1..=8u64 {
        frontier.push(leaves[size as usize - 1]);
        assert_eq!(root(&leaves[..size as usize]), vector_root(size));
        assert_eq!(frontier.root(), vector_root(size));
    }
}

#[test]
fn vector_inclusion_proofs_are_made_and_verified() {
    let leaves = vector_leaves();
    for (index, size, want) in inclusion_vectors() {
        let tree = &leaves[..size as usize];
        assert_eq!(
            inclusion_proof(tree, index).unwrap(),
            want,
            "{index}/{size}"
        );
        let leaf = &leaves[index as usize];
        verify_inclusion(leaf, index, size, &want, &vector_root(size)).unwrap();
    }
}

/// The corruptions that testdata/inclusion applies to each vector, less
/// those that need hashes of the wrong length (our types rule them out).
#[test]
fn vector_inclusion_corruptions_fail() {
    let leaves = vector_leaves();
    let some = h(SOME_HASH);
    for (i, n, proof) in inclusion_vectors() {
        let (leaf, r) = (leaves[i as usize], vector_root(n));
        let mut cases = vec![
            (i.wrapping_sub(1), n, leaf, r, proof.clone()),
            (i + 1, n, leaf, r, proof.clone()),
            (i ^ 2, n, leaf, r, proof.clone()),
            (i, n * 2, leaf, r, proof.clone()),
            (i, n / 2, leaf, r, proof.clone()),
            (i, n, leaf_hash(b"WrongLeaf"), r, proof.clone()),
            (i, n, leaf, empty_root(), proof.clone()),
            (i, n, leaf, some, proof.clone()),
            (i, n, leaf, r, [proof.as_slice(), &[r]].concat()),
            (i, n, leaf, r, [&[r], proof.as_slice()].concat()),
        ];
        for k in 0..proof.len() {
            let mut bad = proof.clone();
            bad[k][0] ^= 8;
            cases.push((i, n, leaf, r, bad));
        }
        if let Some((_, shorter)) = proof.split_last() {
            cases.push((i, n, leaf, r, shorter.to_vec()));
        }
        if let Some((first, rest)) = proof.split_first() {
            let inserted = [&[*first, some], rest].concat();
            cases.push((i, n, leaf, r, inserted));
        }
        for (idx, size, leaf, r, p) in cases {
            let result = verify_inclusion(&leaf, idx, size, &p, &r);
            assert!(result.is_err(), "{idx}/{size} {p:?}");
        }
    }
}

#[test]
fn vector_inclusion_static_probes() {
    let (some, empty) = (h(SOME_HASH), empty_root());
    for (index, size) in [(0, 0), (0, 1), (1, 0), (2, 1)] {
        assert!(verify_inclusion(&some, index, size, &[], &empty).is_err());
    }
    let data = leaf_hash(b"data");
    verify_inclusion(&data, 0, 1, &[], &data).unwrap();
}

#[test]
fn vector_consistency_proofs_are_made_and_verified() {
    let leaves = vector_leaves();
    for (old, new, want) in consistency_vectors() {
        let tree = &leaves[..new as usize];
        assert_eq!(consistency_proof(tree, old).unwrap(), want, "{old}->{new}");
        let (r1, r2) = (vector_root(old), vector_root(new));
        verify_consistency(old, new, &r1, &r2, &want).unwrap();
    }
}

/// The corruptions that testdata/consistency applies to each vector with
/// a non-empty proof, less those that need hashes of the wrong length.
#[test]
fn vector_consistency_corruptions_fail() {
    for (m, n, proof) in consistency_vectors() {
        let Some((first, _)) = proof.split_first() else {
            continue;
        };
        let (r1, r2) = (vector_root(m), vector_root(n));
        let wrong = leaf_hash(b"WrongRoot");
        let mut cases = vec![
            (m - 1, n, r1, r2, proof.clone()),
            (m + 1, n, r1, r2, proof.clone()),
            (m ^ 2, n, r1, r2, proof.clone()),
            (m, n * 2, r1, r2, proof.clone()),
            (m, n / 2, r1, r2, proof.clone()),
            (m, n, wrong, r2, proof.clone()),
            (m, n, r1, wrong, proof.clone()),
            (m, n, r2, r1, proof.clone()),
            (m, n, r1, r2, vec![]),
            (m, n, r1, r2, [proof.as_slice(), &[r1]].concat()),
            (m, n, r1, r2, [proof.as_slice(), &[r2]].concat()),
            (m, n, r1, r2, [&[r1], proof.as_slice()].concat()),
            (m, n, r1, r2, [&[r2], proof.as_slice()].concat()),
            (m, n, r1, r2, [&[*first], proof.as_slice()].concat()),
            (m, n, r1, r2, proof[..proof.len() - 1].to_vec()),
        ];
        for k in 0..proof.len() {
            let mut bad = proof.clone();
            bad[k][0] ^= 16;
            cases.push((m, n, r1, r2, bad));
        }
        for (old, new, r1, r2, p) in cases {
            let result = verify_consistency(old, new, &r1, &r2, &p);
            assert!(result.is_err(), "{old}->{new} {p:?}");
        }
    }
}

/// testdata/consistency/additional, with 32-byte stand-ins for the
/// "don't care" roots.
#[test]
fn vector_consistency_static_probes() {
    let (r1, r2) = (leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2"));
    let empty = empty_root();
    let refused = [
        (0, 0, r1, r2, vec![]),
        (1, 1, r1, r2, vec![]),
        (0, 1, r1, r2, vec![]),
        (1, 0, r1, r2, vec![]),
        (2, 1, r1, r2, vec![]),
        (1, 2, r1, r2, vec![]),
        (0, 0, empty, r2, vec![]),
        (1, 1, empty, r2, vec![]),
        (0, 0, empty, empty, vec![empty]),
        (1, 1, empty, empty, vec![empty]),
        (0, 1, empty, empty, vec![empty]),
    ];
    for (old, new, a, b, p) in refused {
        let result = verify_consistency(old, new, &a, &b, &p);
        assert!(result.is_err(), "{old}->{new}");
    }
    verify_consistency(1, 1, &r2, &r2, &[]).unwrap();

    // Where we differ on purpose: transparency-dev now refuses any proof
    // from size 0 as meaningless; we accept the empty proof from the
    // empty root, since the empty tree is a prefix of every tree.
    verify_consistency(0, 1, &empty, &r2, &[]).unwrap();
}
