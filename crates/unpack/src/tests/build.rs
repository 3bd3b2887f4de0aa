//! Archive builders for the scenarios: the `zip` crate's writer for
//! honest archives, and a small hand-rolled writer for the hostile ones
//! the writer refuses to produce (NUL and `..` in names, backslashes,
//! symlink modes, duplicates, encrypted flags, odd extra fields).

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A manifest that passes every check.
pub const MANIFEST: &[u8] = br#"{"name": "acme/module-widget", "type": "magento2-module"}"#;

/// Builds an archive with the `zip` crate: `(name, bytes)` files, names
/// ending in `/` become directory entries.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o755);
    for (name, data) in entries {
        if name.ends_with('/') {
            writer.add_directory(*name, options).expect("dir");
        } else {
            writer.start_file(*name, options).expect("start");
            writer.write_all(data).expect("write");
        }
    }
    writer.finish().expect("finish").into_inner()
}

/// One entry for [`raw_zip`], stored (not compressed) unless told.
#[derive(Clone)]
pub struct Raw {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    pub external_attrs: u32,
    pub flags: u16,
    pub method: u16,
    pub extra: Vec<u8>,
}

impl Raw {
    /// A regular file, mode 0644, made on unix.
    pub fn file(name: &[u8], data: &[u8]) -> Raw {
        Raw {
            name: name.to_vec(),
            data: data.to_vec(),
            external_attrs: 0o100_644 << 16,
            flags: 0x0800,
            method: 0,
            extra: Vec::new(),
        }
    }

    /// The same entry with another unix mode.
    pub fn mode(mut self, mode: u32) -> Raw {
        self.external_attrs = mode << 16;
        self
    }
}

/// Writes a zip byte by byte: local headers and data, central directory,
/// end record. Sizes and CRCs are honest unless a test patches them.
pub fn raw_zip(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        put(&mut out, &[b"PK\x03\x04".as_slice(), &20u16.to_le_bytes()]);
        put(
            &mut out,
            &[&e.flags.to_le_bytes(), &e.method.to_le_bytes(), &[0; 4]],
        );
        sizes(&mut out, e);
        put(
            &mut out,
            &[
                &(e.name.len() as u16).to_le_bytes(),
                &(e.extra.len() as u16).to_le_bytes(),
            ],
        );
        put(&mut out, &[&e.name, &e.extra, &e.data]);
    }
    let start = out.len() as u32;
    for (e, offset) in entries.iter().zip(&offsets) {
        put(
            &mut out,
            &[
                b"PK\x01\x02".as_slice(),
                &0x031Eu16.to_le_bytes(),
                &20u16.to_le_bytes(),
            ],
        );
        put(
            &mut out,
            &[&e.flags.to_le_bytes(), &e.method.to_le_bytes(), &[0; 4]],
        );
        sizes(&mut out, e);
        put(
            &mut out,
            &[
                &(e.name.len() as u16).to_le_bytes(),
                &(e.extra.len() as u16).to_le_bytes(),
            ],
        );
        put(
            &mut out,
            &[
                &[0; 6],
                &e.external_attrs.to_le_bytes(),
                &offset.to_le_bytes(),
            ],
        );
        put(&mut out, &[&e.name, &e.extra]);
    }
    let size = out.len() as u32 - start;
    let count = (entries.len() as u16).to_le_bytes();
    put(
        &mut out,
        &[b"PK\x05\x06".as_slice(), &[0; 4], &count, &count],
    );
    put(
        &mut out,
        &[&size.to_le_bytes(), &start.to_le_bytes(), &[0; 2]],
    );
    out
}

fn sizes(out: &mut Vec<u8>, e: &Raw) {
    let len = (e.data.len() as u32).to_le_bytes();
    put(out, &[&crc32(&e.data).to_le_bytes(), &len, &len]);
}

fn put(out: &mut Vec<u8>, parts: &[&[u8]]) {
    for p in parts {
        out.extend_from_slice(p);
    }
}

/// CRC-32 (IEEE), bit by bit: slow, but only for test fixtures.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Offsets of every central directory header in `zip`.
pub fn central_headers(zip: &[u8]) -> Vec<usize> {
    zip.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x01\x02")
        .map(|(i, _)| i)
        .collect()
}

/// Rewrites a little-endian u32 field of the `nth` central header.
pub fn patch_central(zip: &mut [u8], nth: usize, field: usize, value: u32) {
    let at = central_headers(zip)[nth] + field;
    zip[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Central header field offsets.
pub const COMPRESSED_SIZE: usize = 20;
pub const UNCOMPRESSED_SIZE: usize = 24;

/// [`raw_zip`] with zip64 end records, as Java and streaming writers
/// produce: the classic record's fields are all 0xFF and point onward.
pub fn raw_zip64(entries: &[Raw]) -> Vec<u8> {
    let mut out = raw_zip(entries);
    let eocd = out.len() - 22;
    let (size, start) = (&out[eocd + 12..eocd + 16], &out[eocd + 16..eocd + 20]);
    let size = u64::from(u32::from_le_bytes(size.try_into().expect("4")));
    let start = u64::from(u32::from_le_bytes(start.try_into().expect("4")));
    out.truncate(eocd);
    let count = (entries.len() as u64).to_le_bytes();
    let zip64_at = (out.len() as u64).to_le_bytes();
    put(
        &mut out,
        &[
            b"PK\x06\x06".as_slice(),
            &44u64.to_le_bytes(),
            &[45, 3, 45, 0],
            &[0; 8],
        ],
    );
    put(
        &mut out,
        &[&count, &count, &size.to_le_bytes(), &start.to_le_bytes()],
    );
    put(
        &mut out,
        &[
            b"PK\x06\x07".as_slice(),
            &[0; 4],
            &zip64_at,
            &1u32.to_le_bytes(),
        ],
    );
    put(
        &mut out,
        &[
            b"PK\x05\x06".as_slice(),
            &[0; 4],
            &[0xFF; 4],
            &[0xFF; 8],
            &[0; 2],
        ],
    );
    out
}
