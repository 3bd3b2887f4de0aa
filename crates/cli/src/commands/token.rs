//! `formulary token new | list | revoke`
//!
//! Tokens are managed against the data folder, or, while `formulary
//! serve` holds it, through the server with an admin token (`--server`;
//! see `run_remote`). Either way the secret is printed once, here, and
//! nowhere else; listings never show a hash.

use std::process::ExitCode;

use formulary_registry::{DataDir, Registry, Scope, TokenView};

use crate::cli::TokenCommand;
use crate::output::print_json;

/// Runs one token command.
pub fn run(dir: DataDir, command: &TokenCommand, json: bool) -> anyhow::Result<ExitCode> {
    let registry = Registry::open(dir)?;
    match command {
        TokenCommand::New { name, scope } => {
            let token = registry.new_token(name, *scope)?;
            show_new(&token.name, token.scope, token.secret.expose(), json)?;
        }
        TokenCommand::List => {
            let tokens: Vec<TokenView> = registry.tokens()?.iter().map(TokenView::from).collect();
            list(&tokens, json)?;
        }
        TokenCommand::Revoke { name } => {
            let record = registry.revoke_token(name)?;
            show_revoked(&TokenView::from(&record), json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a token just made, with its secret, once.
pub(crate) fn show_new(name: &str, scope: Scope, secret: &str, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&serde_json::json!({
            "name": name,
            "scope": scope,
            "secret": secret,
        }));
    }
    println!("token {name} (scope {scope}) created");
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

/// Prints every token: name, scope, when made, whether revoked.
pub(crate) fn list(tokens: &[TokenView], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&tokens);
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

/// Prints a token as it stands after `token revoke`.
pub(crate) fn show_revoked(record: &TokenView, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(record);
    }
    let when = record.revoked_at.as_deref().unwrap_or("now");
    println!(
        "revoked token {} (scope {}) as of {when}; it is refused from now on",
        record.name, record.scope
    );
    Ok(())
}
