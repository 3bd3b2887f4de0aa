//! Archives built at run time: well-formed modules, and hostile ones with
//! exactly one thing wrong. Names the zip writer would refuse or fix are
//! written as a placeholder of the same length and patched in the bytes.

use std::io::Write;

use zip::write::SimpleFileOptions;

/// A minimal valid Magento module's `composer.json`.
pub fn composer_json(name: &str, version: Option<&str>) -> Vec<u8> {
    let mut manifest = serde_json::json!({
        "name": name,
        "type": "magento2-module",
        "license": "MIT",
        "require": {"magento/framework": "^103.0"},
        "autoload": {"files": ["registration.php"], "psr-4": {"Acme\\Sample\\": ""}}
    });
    if let Some(v) = version {
        manifest["version"] = v.into();
    }
    serde_json::to_vec_pretty(&manifest).unwrap()
}

/// The files of a small module: composer.json, registration.php, a class.
pub fn module(name: &str, version: &str) -> Vec<(String, Vec<u8>)> {
    vec![
        ("composer.json".into(), composer_json(name, Some(version))),
        (
            "registration.php".into(),
            b"<?php\n// registers Acme_Sample\n".to_vec(),
        ),
        (
            "Model/Rate.php".into(),
            b"<?php\nnamespace Acme\\Sample\\Model;\nclass Rate {}\n".to_vec(),
        ),
    ]
}

/// A zip of the given files, deflated.
pub fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A valid module with one more entry named `name`.
pub fn module_plus(name: &str, content: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files = module("acme/sample", "1.0.0");
    files.push((name.to_string(), content.to_vec()));
    files
}

/// Replaces every occurrence of `from` in the zip's bytes by `to` (same
/// length): both the local header and the central directory name.
pub fn patch_name(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len(), "patched names keep their length");
    let mut hits = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            hits += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(
        hits >= 2,
        "expected the name in local header and central directory"
    );
    bytes
}

/// A valid module plus a symbolic link entry.
pub fn with_symlink(link: &str, target: &str) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    for (name, bytes) in module("acme/sample", "1.0.0") {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.add_symlink(link, target, options).unwrap();
    writer.finish().unwrap().into_inner()
}
