//! Reading a response body, with a progress bar for archive downloads.
//!
//! The bar goes to stderr and only when stderr is a terminal, so piped or
//! CI output stays clean and stdout stays free for the command's result.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::blocking::Response;
use std::io::{IsTerminal, Read};

/// Reads the body, at most `max` bytes of it (one more is read to tell
/// "exactly max" from "too long"); with a `label`, shows a bar meanwhile.
///
/// We cap every body because an upstream is not trusted: a hostile or
/// broken server could otherwise stream until memory runs out.
pub(crate) fn read_body(
    response: Response,
    label: Option<&str>,
    max: u64,
) -> std::io::Result<Vec<u8>> {
    let expected = response.content_length();
    let capacity = expected.unwrap_or(0).min(max).min(64 * 1024 * 1024);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    let mut response = response.take(max.saturating_add(1));
    let Some(bar) = label.and_then(|l| bar_for(l, expected)) else {
        response.read_to_end(&mut body)?;
        return Ok(body);
    };
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = response.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(body)
}

/// A bar on stderr, or `None` when stderr is not a terminal.
fn bar_for(label: &str, length: Option<u64>) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(label.to_string());
    Some(bar)
}
