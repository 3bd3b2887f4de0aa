//! Small helpers for what the binary prints.

use serde::Serialize;

/// An error and its causes on one line, `outer: inner: innermost`, with
/// repeated messages (a wrapper that prints its source) dropped.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ").replace('\n', " ")
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The first `n` characters of a digest, for tables.
pub fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// What a decision was beside its verdict, as `review show` and `log
/// show` print it: ` under rule patch-fast-track (delta from 1.0.0)`.
pub fn decision_context(rule: Option<&str>, base: Option<&str>) -> String {
    let rule = rule.map(|r| format!(" under rule {r}")).unwrap_or_default();
    let base = base
        .map(|b| format!(" (delta from {b})"))
        .unwrap_or_default();
    format!("{rule}{base}")
}

/// The output format from `--format` and the global `--json`, which is
/// short for `--format json`: both given and disagreeing is refused, so
/// a script asking for JSON never gets something else.
pub fn chosen_format<F: clap::ValueEnum + PartialEq + Copy>(
    format: Option<F>,
    json: bool,
    json_form: F,
    default: F,
) -> anyhow::Result<F> {
    match format {
        Some(f) if json && f != json_form => {
            let name = f
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string());
            anyhow::bail!("--json asks for JSON but --format says {name}; pass one of them")
        }
        Some(f) => Ok(f),
        None if json => Ok(json_form),
        None => Ok(default),
    }
}
