//! `formulary key new | trust | revoke | list`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use formulary_registry::{DataDir, Registry};
use formulary_store::KeyRecord;
use formulary_trust::{
    read_public_key, write_private_key, write_public_key, PublicKey, SigningKey,
};

use crate::cli::KeyCommand;
use crate::output::{print_json, short};

/// Runs one key command.
pub fn run(dir: DataDir, command: &KeyCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::New { name, out } => new(name, out, json),
        KeyCommand::Trust { file, name, role } => {
            let registry = Registry::open(dir)?;
            let record = registry.trust_key(&read_public(file)?, name, *role)?;
            show_one("trusted", &record, json)
        }
        KeyCommand::Revoke { id, reason } => {
            let registry = Registry::open(dir)?;
            let record = registry.revoke_key(id, reason.as_deref())?;
            show_one("revoked", &record, json)
        }
        KeyCommand::List => print_list(&Registry::open(dir)?.keys()?, json),
    }
}

/// The public key in `file` (a `key new` FILE.pub), to trust.
pub fn read_public(file: &Path) -> anyhow::Result<PublicKey> {
    let public =
        read_public_key(file).with_context(|| format!("cannot trust {}", file.display()))?;
    Ok(public.key)
}

/// Makes a key pair: FILE (0600) and FILE.pub.
fn new(name: &str, out: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let key = SigningKey::generate().with_name(name)?;
    let public_path = public_path(out);
    if public_path.exists() {
        anyhow::bail!(
            "{} already exists; refusing to overwrite it (choose another --out)",
            public_path.display()
        );
    }
    write_private_key(out, &key)?;
    write_public_key(&public_path, &key.named_public())?;
    if json {
        print_json(&serde_json::json!({
            "key_id": key.key_id(),
            "name": name,
            "private_key": out,
            "public_key": public_path,
            "public": key.public().to_base64(),
        }))?;
    } else {
        println!("key id       {}", key.key_id());
        println!(
            "private key  {} (readable by you only; keep it safe)",
            out.display()
        );
        println!("public key   {}", public_path.display());
        print!("{}", key.named_public().to_line());
        println!(
            "next: an admin runs `formulary key trust {} --name {name} --role ROLE` \
             (reviewer for a person, intake for the key `[intake] key` names)",
            public_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn public_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Prints a key just trusted or revoked, here or on a server.
pub fn show_one(verb: &str, record: &KeyRecord, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(record)?;
    } else {
        let at = record.revoked_at.unwrap_or(record.trusted_at);
        println!(
            "{verb} key {} ({}, {}) at log index {at}",
            record.key_id, record.name, record.role
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints `key list`, from the data folder or a server.
pub fn print_list(keys: &[KeyRecord], json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(&keys)?;
        return Ok(ExitCode::SUCCESS);
    }
    if keys.is_empty() {
        println!("no keys trusted yet; add one with `formulary key trust FILE.pub --name NAME --role reviewer`");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<14} {:<20} {:<9} {:>8}  STATUS",
        "KEY", "NAME", "ROLE", "TRUSTED"
    );
    for k in keys {
        let status = match k.revoked_at {
            Some(at) => format!("revoked at {at}"),
            None => "trusted".to_string(),
        };
        println!(
            "{:<14} {:<20} {:<9} {:>8}  {status}",
            short(&k.key_id),
            k.name,
            k.role.to_string(),
            k.trusted_at
        );
    }
    Ok(ExitCode::SUCCESS)
}
