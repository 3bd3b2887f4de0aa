//! Tests for signed notes and checkpoints: our own round trips and
//! refusals, then notes published with the C2SP spec and Go's
//! golang.org/x/mod/sumdb/note (data only).

#![allow(clippy::unwrap_used)]

use super::*;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

fn verifier(name: &str, seed: u8) -> NoteVerifier {
    NoteVerifier::new(name, key(seed).public()).unwrap()
}

const TEXT: &str = "approve acme/pay 1.2.1\nsha256 0123\n";

/// The signature lines of a note (everything after its text).
fn signature_lines(note: &str) -> &str {
    &note[TEXT.len() + 1..]
}

// ---------------------------------------------------------------------
// Keys and vkeys
// ---------------------------------------------------------------------

#[test]
fn vkey_round_trips() {
    let v = verifier("registry.example.com/log", 1);
    let vkey = v.to_vkey();
    let id = hex::encode(v.key_id());
    assert!(vkey.starts_with(&format!("registry.example.com/log+{id}+A")));
    assert_eq!(NoteVerifier::parse(&vkey).unwrap(), v);
}

#[test]
fn key_names_follow_the_rule() {
    let public = key(1).public();
    assert!(NoteVerifier::new("example.com/log42", public).is_ok());
    assert!(NoteVerifier::new("ünïcode", public).is_ok());
    for bad in [
        "",
        "two words",
        "a+b",
        "tab\there",
        "nbsp\u{a0}x",
        "del\u{7f}",
    ] {
        let err = NoteVerifier::new(bad, public).unwrap_err();
        assert!(matches!(err, NoteError::InvalidName { .. }), "{bad:?}");
    }
}

#[test]
fn vkey_problems_are_named() {
    let good = verifier("log", 1).to_vkey();
    let (_, key_b64) = good.rsplit_once('+').unwrap();
    let wrong_id = format!("log+00000000+{key_b64}");
    assert!(matches!(
        NoteVerifier::parse(&wrong_id),
        Err(NoteError::KeyIdMismatch { .. })
    ));

    let mut raw = BASE64.decode(key_b64).unwrap();
    raw[0] = 0x04;
    let other_type = format!("log+00000000+{}", BASE64.encode(&raw));
    assert!(matches!(
        NoteVerifier::parse(&other_type),
        Err(NoteError::UnsupportedAlgorithm { alg: 0x04, .. })
    ));

    // The identity point is a weak key: refused whatever the ID says.
    let mut weak = vec![ED25519_TYPE, 1];
    weak.extend_from_slice(&[0u8; 31]);
    let weak = format!("log+00000000+{}", BASE64.encode(&weak));
    assert!(matches!(
        NoteVerifier::parse(&weak),
        Err(NoteError::BadPublicKey { .. })
    ));

    for bad in ["log", "log+abcd", "log+0000000g+AQ==", "+00000000+AQ=="] {
        assert!(NoteVerifier::parse(bad).is_err(), "{bad}");
    }
}

/// Every proper substring and every one-byte change of a good vkey must
/// be refused.
fn assert_manglings_refused(vkey: &str) {
    for i in 0..vkey.len() {
        for j in i + 1..=vkey.len() {
            if (i, j) != (0, vkey.len()) {
                assert!(NoteVerifier::parse(&vkey[i..j]).is_err(), "{i}..{j}");
            }
        }
    }
    let bytes = vkey.as_bytes();
    for i in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[i] += 1;
        let changed = String::from_utf8(changed).unwrap();
        assert!(NoteVerifier::parse(&changed).is_err(), "{changed}");
    }
}

#[test]
fn mangled_vkeys_are_refused() {
    assert_manglings_refused(&verifier("registry.example.com/log", 1).to_vkey());
    assert_manglings_refused(C2SP_VKEY);
}

// ---------------------------------------------------------------------
// Notes
// ---------------------------------------------------------------------

#[test]
fn signed_note_round_trips() {
    let note = sign_note(TEXT, "u:akim", &key(1)).unwrap();
    assert!(note.starts_with(&format!("{TEXT}\n\u{2014} u:akim ")));
    assert!(note.ends_with('\n'));

    let opened = verify_note(&note, &[verifier("u:akim", 1)]).unwrap();
    assert_eq!(opened.text, TEXT);
    assert_eq!(opened.signatures.len(), 1);
    assert_eq!(opened.signatures[0].key_id, verifier("u:akim", 1).key_id());
    assert_eq!(opened.signatures[0].signature.len(), 64);
    assert_eq!(parse_note(&note).unwrap(), opened);
}

#[test]
fn tampered_text_is_refused() {
    let note = sign_note(TEXT, "u:akim", &key(1)).unwrap();
    let tampered = note.replace("1.2.1", "1.2.2");
    let err = verify_note(&tampered, &[verifier("u:akim", 1)]).unwrap_err();
    assert!(matches!(err, NoteError::BadSignature { .. }), "{err}");
    assert!(err.to_string().contains("u:akim+"), "{err}");
}

#[test]
fn tampered_signature_is_refused() {
    let note = sign_note(TEXT, "u:akim", &key(1)).unwrap();
    let sig_start = note.rfind(' ').unwrap() + 1;
    let trusted = [verifier("u:akim", 1)];
    // Change one base64 character in the signature part (past the key ID).
    for offset in [8, 20, 60] {
        let mut bytes = note.clone().into_bytes();
        let at = sig_start + offset;
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let err = verify_note(&tampered, &trusted).unwrap_err();
        assert!(matches!(err, NoteError::BadSignature { .. }), "{err}");
    }
}

#[test]
fn unknown_keys_are_ignored_but_needed_keys_are_not() {
    let ours = sign_note(TEXT, "registry", &key(1)).unwrap();
    let witness = sign_note(TEXT, "witness", &key(2)).unwrap();
    let both = format!("{ours}{}", signature_lines(&witness));

    let opened = verify_note(&both, &[verifier("registry", 1)]).unwrap();
    assert_eq!(opened.signatures.len(), 1);
    assert_eq!(opened.signatures[0].name, "registry");
    assert_eq!(parse_note(&both).unwrap().signatures.len(), 2);

    let trusted = [verifier("registry", 1), verifier("witness", 2)];
    assert_eq!(verify_note(&both, &trusted).unwrap().signatures.len(), 2);

    let err = verify_note(&witness, &[verifier("registry", 1)]).unwrap_err();
    assert!(matches!(err, NoteError::NoTrustedSignature { .. }));
    assert!(err.to_string().contains("registry+"), "{err}");
}

#[test]
fn name_or_id_alone_does_not_make_a_key_known() {
    // Same name, other key (so another ID): ignored, not a failure.
    let impostor = sign_note(TEXT, "registry", &key(9)).unwrap();
    let ours = sign_note(TEXT, "registry", &key(1)).unwrap();
    let note = format!("{ours}{}", signature_lines(&impostor));
    verify_note(&note, &[verifier("registry", 1)]).unwrap();

    // Our key ID under another name: ignored too.
    let renamed = signature_lines(&ours).replace("registry", "other");
    let note = format!("{ours}{renamed}");
    verify_note(&note, &[verifier("registry", 1)]).unwrap();
}

#[test]
fn a_known_key_with_a_bad_signature_rejects_the_note() {
    let good = sign_note(TEXT, "registry", &key(1)).unwrap();
    let other_text = "something else\n";
    let forged = sign_note(other_text, "registry", &key(1)).unwrap();
    let note = format!("{good}{}", &forged[other_text.len() + 1..]);
    let err = verify_note(&note, &[verifier("registry", 1)]).unwrap_err();
    assert!(matches!(err, NoteError::BadSignature { .. }), "{err}");
}

#[test]
fn duplicate_signatures_are_reported_once() {
    let note = sign_note(TEXT, "registry", &key(1)).unwrap();
    let twice = format!("{note}{}", signature_lines(&note));
    let opened = verify_note(&twice, &[verifier("registry", 1)]).unwrap();
    assert_eq!(opened.signatures.len(), 1);
    let listed_twice = [verifier("registry", 1), verifier("registry", 1)];
    verify_note(&note, &listed_twice).unwrap();
}

#[test]
fn signature_count_is_capped() {
    let note = sign_note(TEXT, "registry", &key(1)).unwrap();
    let line = signature_lines(&note);
    let trusted = [verifier("registry", 1)];

    let at_cap = format!("{TEXT}\n{}", line.repeat(MAX_NOTE_SIGNATURES));
    verify_note(&at_cap, &trusted).unwrap();
    let over = format!("{TEXT}\n{}", line.repeat(MAX_NOTE_SIGNATURES + 1));
    assert!(matches!(
        verify_note(&over, &trusted),
        Err(NoteError::TooManySignatures { count: 65 })
    ));
}

#[test]
fn malformed_notes_are_refused() {
    let note = sign_note(TEXT, "registry", &key(1)).unwrap();
    let line = signature_lines(&note);
    let bad = [
        TEXT.to_string(),
        format!("{TEXT}\n"),
        note[..note.len() - 1].to_string(),
        format!("\u{1}{note}"),
        note.replace('\n', "\r\n"),
        format!("{TEXT}\n{}", line.replace("registry", "two words")),
        format!("{TEXT}\n{}", line.replacen('\u{2014}', "-", 1)),
        format!("{note}Unexpected line.\n"),
        format!("{TEXT}\n\u{2014} registry AAAA\n"),
        format!("{TEXT}\n\u{2014} registry !!!!\n"),
        format!("{TEXT}\n\u{2014} registry\n"),
        format!("\n{line}"),
        String::new(),
    ];
    for note in bad {
        let result = verify_note(&note, &[verifier("registry", 1)]);
        assert!(result.is_err(), "accepted {note:?}");
        assert!(parse_note(&note).is_err(), "parsed {note:?}");
    }
}

#[test]
fn text_may_hold_blank_lines() {
    let text = "first\n\nthird\n\n";
    let note = sign_note(text, "registry", &key(1)).unwrap();
    let opened = verify_note(&note, &[verifier("registry", 1)]).unwrap();
    assert_eq!(opened.text, text);
}

#[test]
fn sign_note_refuses_bad_text_and_names() {
    let k = key(1);
    assert!(matches!(sign_note("", "r", &k), Err(NoteError::EmptyText)));
    assert!(matches!(
        sign_note("no newline", "r", &k),
        Err(NoteError::NoFinalNewline)
    ));
    assert!(matches!(
        sign_note("tab\there\n", "r", &k),
        Err(NoteError::ControlCharacter { offset: 3, code: 9 })
    ));
    assert!(matches!(
        sign_note(TEXT, "a b", &k),
        Err(NoteError::InvalidName { .. })
    ));
}

// ---------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: "registry.example.com/log".to_string(),
        size: 42,
        root: crate::merkle::leaf_hash(b"root"),
    }
}

#[test]
fn checkpoint_round_trips() {
    let cp = checkpoint();
    let body = cp.body();
    let root_b64 = BASE64.encode(cp.root);
    assert_eq!(body, format!("registry.example.com/log\n42\n{root_b64}\n"));
    assert_eq!(Checkpoint::parse_body(&body).unwrap(), cp);

    let note = cp.sign(&key(1)).unwrap();
    let v = verifier("registry.example.com/log", 1);
    assert_eq!(Checkpoint::open(&note, &v).unwrap(), cp);
}

#[test]
fn tampered_checkpoints_are_refused() {
    let cp = checkpoint();
    let note = cp.sign(&key(1)).unwrap();
    let v = verifier("registry.example.com/log", 1);
    let other_root = BASE64.encode(crate::merkle::leaf_hash(b"other"));
    let tampered = [
        note.replace("\n42\n", "\n43\n"),
        note.replace(&BASE64.encode(cp.root), &other_root),
        note.replacen("registry.example.com/log", "registry.example.com/lag", 1),
    ];
    for note in tampered {
        let err = Checkpoint::open(&note, &v).unwrap_err();
        assert!(matches!(err, NoteError::BadSignature { .. }), "{err}");
    }
    let stranger = verifier("registry.example.com/log", 2);
    assert!(matches!(
        Checkpoint::open(&note, &stranger),
        Err(NoteError::NoTrustedSignature { .. })
    ));
}

#[test]
fn checkpoint_origin_must_be_the_key_name() {
    let mut cp = checkpoint();
    cp.origin = "other.example.com/log".to_string();
    let body = cp.body();
    let note = sign_note(&body, "registry.example.com/log", &key(1)).unwrap();
    let v = verifier("registry.example.com/log", 1);
    assert!(matches!(
        Checkpoint::open(&note, &v),
        Err(NoteError::OriginMismatch { .. })
    ));

    cp.origin = "not a key name".to_string();
    assert!(matches!(
        cp.sign(&key(1)),
        Err(NoteError::InvalidName { .. })
    ));
}

#[test]
fn checkpoint_body_rules() {
    let root = BASE64.encode([7u8; 32]);
    let ok = |body: &str| Checkpoint::parse_body(body).unwrap();
    assert_eq!(ok(&format!("log\n0\n{root}\n")).size, 0);
    assert_eq!(
        ok(&format!("log\n18446744073709551615\n{root}\n")).size,
        u64::MAX
    );
    assert_eq!(ok(&format!("log\n5\n{root}\nextension one\nx\n")).size, 5);
    assert_eq!(
        ok(&format!("a log with spaces\n5\n{root}\n")).origin,
        "a log with spaces"
    );

    let short_root = BASE64.encode([7u8; 31]);
    let refused = [
        (format!("log\n05\n{root}\n"), 2),
        (format!("log\n+5\n{root}\n"), 2),
        (format!("log\n-1\n{root}\n"), 2),
        (format!("log\n 5\n{root}\n"), 2),
        (format!("log\n18446744073709551616\n{root}\n"), 2),
        (format!("log\n5\n{short_root}\n"), 3),
        (format!("log\n5\n{}\n", &root[..43]), 3),
        ("log\n5\n".to_string(), 3),
        (format!("\n5\n{root}\n"), 1),
        (format!("log\n5\n{root}\n\nx\n"), 4),
    ];
    for (body, line) in refused {
        match Checkpoint::parse_body(&body) {
            Err(NoteError::BadCheckpoint { line: got, .. }) => assert_eq!(got, line, "{body:?}"),
            other => panic!("{body:?}: {other:?}"),
        }
    }
    assert!(Checkpoint::parse_body(&format!("log\n5\n{root}")).is_err());
    assert!(Checkpoint::parse_body(&format!("log\r\n5\n{root}\n")).is_err());
}

// ---------------------------------------------------------------------
// Published vectors
// ---------------------------------------------------------------------

/// The verifier key and note in c2sp.org/signed-note, "Example".
const C2SP_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const C2SP_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo \
    Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

/// From golang.org/x/mod/sumdb/note: the vkeys and signatures of
/// PeterNeumann and EnochRoot over one text, and PeterNeumann's private
/// key (`PRIVATE+KEY+…+AYEK…`: type byte 0x01, then the seed).
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY_B64: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
    then you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann \
    x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot \
    rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

#[test]
fn c2sp_example_vkey_and_note() {
    let v = NoteVerifier::parse(C2SP_VKEY).unwrap();
    assert_eq!(v.name, "example.com/foo");
    assert_eq!(hex::encode(v.key_id()), "530d903a");
    assert_eq!(v.to_vkey(), C2SP_VKEY);

    let opened = verify_note(C2SP_NOTE, &[v]).unwrap();
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(opened.signatures[0].key_id, [0x53, 0x0d, 0x90, 0x3a]);

    let tampered = C2SP_NOTE.replace("example message", "example massage");
    let v = NoteVerifier::parse(C2SP_VKEY).unwrap();
    assert!(verify_note(&tampered, &[v]).is_err());
}

#[test]
fn go_sumdb_note_signing_is_reproduced() {
    let raw = BASE64.decode(PETER_SKEY_B64).unwrap();
    assert_eq!(raw[0], ED25519_TYPE);
    let peter_key = SigningKey::from_seed(&raw[1..].try_into().unwrap());
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    assert_eq!(peter_key.public(), peter.key);

    // Ed25519 is deterministic, so our note must match Go's byte for byte.
    let note = sign_note(GO_TEXT, "PeterNeumann", &peter_key).unwrap();
    assert_eq!(note, format!("{GO_TEXT}\n{PETER_SIG}"));
}

#[test]
fn go_sumdb_two_signature_note() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let enoch = NoteVerifier::parse(ENOCH_VKEY).unwrap();
    assert_eq!(hex::encode(enoch.key_id()), "af0cfe78");
    let note = format!("{GO_TEXT}\n{PETER_SIG}{ENOCH_SIG}");

    let only_peter = verify_note(&note, std::slice::from_ref(&peter)).unwrap();
    assert_eq!(only_peter.signatures.len(), 1);
    assert_eq!(only_peter.signatures[0].key_id, [0xc7, 0x4f, 0x20, 0xa3]);

    let both = verify_note(&note, &[peter.clone(), enoch]).unwrap();
    let names: Vec<&str> = both.signatures.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["PeterNeumann", "EnochRoot"]);

    assert!(matches!(
        verify_note(&note, &[]),
        Err(NoteError::NoTrustedSignature { .. })
    ));

    // Go's "invalid signature" case: four characters spliced into the
    // signature of a known key.
    let spliced = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    let note = format!("{GO_TEXT}\n{spliced}");
    assert!(matches!(
        verify_note(&note, &[peter]),
        Err(NoteError::BadSignature { .. })
    ));
}

/// A tree note from golang.org/x/mod/sumdb's client test, signed by its
/// test server key. Its origin line is not the key name, so it is a valid
/// note but not a checkpoint we would open.
const SUMDB_VKEY: &str =
    "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6";
const SUMDB_TREE: &str =
    "go.sum database tree\n6\nwc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=\n\n\
    \u{2014} localhost.localdev/sumdb \
    AAAMZ6oRNswlEZ6ZZhxrCvgl1MBy+nusq4JU+TG6Fe2NihWLqOzb+y2c2kzRLoCr4tvw9o36ucQEnhc20e4nA4Qc/wc=\n";

#[test]
fn go_sumdb_tree_note() {
    let v = NoteVerifier::parse(SUMDB_VKEY).unwrap();
    let opened = verify_note(SUMDB_TREE, std::slice::from_ref(&v)).unwrap();
    let tree = Checkpoint::parse_body(&opened.text).unwrap();
    assert_eq!(
        (tree.origin.as_str(), tree.size),
        ("go.sum database tree", 6)
    );
    assert!(matches!(
        Checkpoint::open(SUMDB_TREE, &v),
        Err(NoteError::OriginMismatch { .. })
    ));
}
