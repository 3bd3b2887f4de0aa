//! Writes Composer repositories onto a test [`Site`]: the v2 layout
//! formulary serves and the v1 provider-includes layout repo.magento.com
//! serves, each with real zips and their SHA-1s.

use super::Site;
use formulary_composer::repository::P2File;
use serde_json::{json, Map, Value};
use sha1::Digest;
use std::collections::BTreeMap;
use std::io::Write;

/// One published version of a package.
pub struct Release {
    pub name: String,
    pub version: String,
    pub zip: Vec<u8>,
    /// Composer's `time` field, when the repository gives one.
    pub time: Option<String>,
}

pub fn release(name: &str, version: &str) -> Release {
    Release {
        name: name.into(),
        version: version.into(),
        zip: extension_zip(name, version),
        time: None,
    }
}

/// A small Magento-module-shaped zip whose bytes differ per version.
pub fn extension_zip(name: &str, version: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let manifest = json!({"name": name, "type": "magento2-module", "version": version});
    zip.start_file("composer.json", options).unwrap();
    zip.write_all(manifest.to_string().as_bytes()).unwrap();
    zip.start_file("registration.php", options).unwrap();
    zip.write_all(format!("<?php // {name} {version}\n").as_bytes())
        .unwrap();
    zip.finish().unwrap().into_inner()
}

pub fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(sha1::Sha1::digest(bytes))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn dist_path(release: &Release) -> String {
    format!("/dist/{}/{}.zip", release.name, release.version)
}

fn version_object(site: &Site, release: &Release) -> Map<String, Value> {
    let mut object = json!({
        "name": release.name,
        "version": release.version,
        "type": "magento2-module",
        "dist": {
            "type": "zip",
            "url": site.url(&dist_path(release)),
            "reference": null,
            "shasum": sha1_hex(&release.zip),
        },
    });
    if let Some(time) = &release.time {
        object["time"] = json!(time);
    }
    object.as_object().cloned().unwrap()
}

fn by_name(releases: &[Release]) -> BTreeMap<&str, Vec<&Release>> {
    let mut names: BTreeMap<&str, Vec<&Release>> = BTreeMap::new();
    for release in releases {
        names.entry(&release.name).or_default().push(release);
    }
    names
}

fn put_dists(site: &Site, releases: &[Release]) {
    for release in releases {
        site.put(&dist_path(release), release.zip.clone());
    }
}

/// v2: `packages.json` with `metadata-url` and `available-packages`, one
/// minified p2 file per name, an empty `~dev` file, and the dists.
pub fn publish_v2(site: &Site, releases: &[Release]) {
    let names = by_name(releases);
    let root = json!({
        "packages": [],
        "metadata-url": "/p2/%package%.json",
        "available-packages": names.keys().collect::<Vec<_>>(),
    });
    site.put("/packages.json", root.to_string().into_bytes());
    for (name, list) in &names {
        let objects = list.iter().map(|r| version_object(site, r)).collect();
        let file = P2File {
            packages: [(name.to_string(), objects)].into(),
            other: Map::new(),
        };
        site.put(
            &format!("/p2/{name}.json"),
            file.to_minified_json().to_string().into_bytes(),
        );
        let dev = json!({"packages": {*name: []}});
        site.put(
            &format!("/p2/{name}~dev.json"),
            dev.to_string().into_bytes(),
        );
    }
    put_dists(site, releases);
}

/// v1 as repo.magento.com serves it: `provider-includes` naming a listing
/// by its SHA-256, the listing naming each provider file by its SHA-256.
pub fn publish_v1(site: &Site, releases: &[Release]) {
    let mut providers = Map::new();
    for (name, list) in by_name(releases) {
        let versions: Map<String, Value> = list
            .iter()
            .map(|r| (r.version.clone(), Value::Object(version_object(site, r))))
            .collect();
        let file = json!({"packages": {name: versions}})
            .to_string()
            .into_bytes();
        let hash = sha256_hex(&file);
        site.put(&format!("/p/{name}${hash}.json"), file);
        providers.insert(name.to_string(), json!({"sha256": hash}));
    }
    let listing = json!({"providers": providers}).to_string().into_bytes();
    let listing_hash = sha256_hex(&listing);
    site.put(&format!("/p/provider-ce${listing_hash}.json"), listing);
    let root = json!({
        "packages": [],
        "providers-url": "/p/%package%$%hash%.json",
        "provider-includes": {"p/provider-ce$%hash%.json": {"sha256": listing_hash}},
    });
    site.put("/packages.json", root.to_string().into_bytes());
    put_dists(site, releases);
}
