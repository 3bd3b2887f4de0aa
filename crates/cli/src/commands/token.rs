//! `formulary token new | list | revoke`
//!
//! Tokens are managed on the server's machine, against the data folder:
//! making one is how an operator hands out access, so it is never done
//! over the network. The secret is printed once, here, and nowhere else.

use std::process::ExitCode;

use formulary_registry::{DataDir, NewToken, Registry};
use formulary_store::TokenRecord;
use serde::Serialize;

use crate::cli::TokenCommand;
use crate::output::print_json;

/// Runs one token command.
pub fn run(dir: DataDir, command: &TokenCommand, json: bool) -> anyhow::Result<ExitCode> {
    let registry = Registry::open(dir)?;
    match command {
        TokenCommand::New { name, scope } => {
            let token = registry.new_token(name, *scope)?;
            show_new(&token, json)?;
        }
        TokenCommand::List => list(&registry.tokens()?, json)?,
        TokenCommand::Revoke { name } => {
            let record = registry.revoke_token(name)?;
            show_revoked(&record, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `token list` and `token revoke` show of a token: everything but
/// the hash, which helps nobody and would only invite offline guessing.
#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    scope: &'a str,
    created_at: &'a str,
    revoked_at: Option<&'a str>,
}

impl<'a> From<&'a TokenRecord> for Listed<'a> {
    fn from(record: &'a TokenRecord) -> Listed<'a> {
        Listed {
            name: &record.name,
            scope: &record.scope,
            created_at: &record.created_at,
            revoked_at: record.revoked_at.as_deref(),
        }
    }
}

fn show_new(token: &NewToken, json: bool) -> anyhow::Result<()> {
    let (name, secret) = (&token.name, token.secret.expose());
    if json {
        return print_json(&serde_json::json!({
            "name": name,
            "scope": token.scope,
            "secret": secret,
        }));
    }
    println!("token {name} (scope {}) created", token.scope);
    println!("secret  {secret}");
    println!("This secret is shown only once: formulary keeps only its hash.");
    println!("Store it now; if it is lost, revoke the token and make a new one.");
    println!("Use it from Composer's auth.json, as http-basic (user = the token's name)");
    println!(
        "  \"http-basic\": {{\"HOST\": {{\"username\": \"{name}\", \"password\": \"SECRET\"}}}}"
    );
    println!("or as a bearer token");
    println!("  \"bearer\": {{\"HOST\": \"SECRET\"}}");
    println!("and from formulary as --token {name}:SECRET (or FORMULARY_TOKEN).");
    Ok(())
}

fn list(tokens: &[TokenRecord], json: bool) -> anyhow::Result<()> {
    if json {
        let listed: Vec<Listed> = tokens.iter().map(Listed::from).collect();
        return print_json(&listed);
    }
    if tokens.is_empty() {
        println!("no tokens yet; make one with `formulary token new --name NAME --scope read`");
        return Ok(());
    }
    println!("{:<24} {:<7} {:<21} STATUS", "NAME", "SCOPE", "CREATED");
    for t in tokens {
        let status = match &t.revoked_at {
            Some(when) => format!("revoked {when}"),
            None => "active".to_string(),
        };
        println!(
            "{:<24} {:<7} {:<21} {status}",
            t.name, t.scope, t.created_at
        );
    }
    Ok(())
}

fn show_revoked(record: &TokenRecord, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&Listed::from(record));
    }
    let when = record.revoked_at.as_deref().unwrap_or("now");
    println!(
        "revoked token {} (scope {}) as of {when}; it is refused from now on",
        record.name, record.scope
    );
    Ok(())
}
