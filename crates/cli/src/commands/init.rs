//! `formulary init`

use std::process::ExitCode;

use formulary_registry::{DataDir, Registry};

use crate::output::print_json;

/// Makes the registry and says where everything went.
pub fn run(dir: DataDir, json: bool) -> anyhow::Result<ExitCode> {
    let registry = Registry::init(dir)?;
    let dir = registry.dir();
    if json {
        print_json(&serde_json::json!({
            "data": dir.root(),
            "config": dir.config_file(),
            "registry_key": dir.registry_key(),
        }))?;
    } else {
        println!("made a registry in {}", dir.root().display());
        println!("  settings      {}", dir.config_file().display());
        println!("  registry key  {}", dir.registry_key().display());
        println!("next: formulary ingest SOURCE  (a .zip, a folder, git URL#ref, vendor/name)");
    }
    Ok(ExitCode::SUCCESS)
}
