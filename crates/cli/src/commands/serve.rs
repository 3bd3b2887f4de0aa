//! `formulary serve`: the Composer repository and the JSON API.
//!
//! The registry is opened here, before the server binds, so a folder
//! held by another process fails at once with the usual message. Once the
//! port is open we print one line, `listening on http://ADDR`, and flush
//! it: scripts and tests start the server with `--listen 127.0.0.1:0` and
//! read the port from that line.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use formulary_registry::{HumanDuration, Registry, RegistryError};
use formulary_server::Settings;

/// Serves until SIGTERM or SIGINT.
pub fn run(
    registry: Registry,
    listen: Option<&str>,
    base_url: Option<&str>,
    intake_every: Option<HumanDuration>,
) -> anyhow::Result<ExitCode> {
    let mut settings = settings(&registry, listen, base_url)?;
    if let Some(period) = intake_every {
        // Fail now, not at the first run, when intake cannot start.
        if registry.config().intake.is_none() {
            return Err(RegistryError::NoIntake {
                path: registry.dir().config_file(),
            }
            .into());
        }
        settings = settings
            .with_intake_every(period.0)
            .map_err(|e| anyhow!(e))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    let registry = Arc::new(registry);
    runtime.block_on(formulary_server::serve(registry, settings, |addr| {
        println!("listening on http://{addr}");
        // A test reading our stdout through a pipe must see the line now.
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// formulary.toml's `[server]`, with the command line's overrides.
fn settings(
    registry: &Registry,
    listen: Option<&str>,
    base_url: Option<&str>,
) -> anyhow::Result<Settings> {
    let config_file = registry.dir().config_file();
    let in_file = |e: String| anyhow!("{}: {e}", config_file.display());
    let mut settings = Settings::from_config(&registry.config().server).map_err(in_file)?;
    if let Some(listen) = listen {
        settings = settings.with_listen(listen);
    }
    if let Some(url) = base_url {
        settings = settings
            .with_base_url(url)
            .map_err(|e| anyhow!("--base-url: {e}"))?;
    }
    Ok(settings)
}
