//! `registration.php`: Composer's autoloader includes it on every request,
//! so it must do nothing but register the component.
//!
//! A text check is enough here (the PHP family owns the parser): we split
//! the file into statements, with comments blanked and strings kept whole,
//! and allow only `declare`, `namespace`, `use` and
//! `ComponentRegistrar::register(...)` whose arguments are constants,
//! strings and `__DIR__`. The first other statement is the finding.

use regex::Regex;
use std::sync::OnceLock;

use super::rules::COMPOSER_AUTOLOAD_FILES;
use crate::context;
use crate::detector::Sink;
use crate::detectors::magento::{blank_comments, shorten};
use crate::finding::{Confidence, Finding, Location};

/// Checks one registration.php.
pub fn check(path: &str, text: &str, out: &mut Sink) {
    let code = blank_comments(text);
    let Some((offset, statement)) = statements(&code).into_iter().find(|(_, s)| !allowed(s)) else {
        return;
    };
    let normalized = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = format!(
        "registration.php does more than register the component: `{}` runs on every request",
        shorten(&normalized, 120)
    );
    let at = Location::at_offset(path, text, offset);
    let snippet = shorten(statement.lines().next().unwrap_or("").trim(), 160);
    let finding = Finding::new(&COMPOSER_AUTOLOAD_FILES, at, message, snippet, &normalized)
        .with_confidence(Confidence::Medium);
    out.finding(context::adjust(finding, path));
}

/// Statements of `code` with their start offsets. A statement ends at `;`
/// or at a brace outside parentheses and strings, so the head of an `if`
/// or a function is a statement of its own. The PHP open and close tags
/// are dropped.
fn statements(code: &str) -> Vec<(usize, &str)> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b';' | b'{' | b'}' if depth == 0 => {
                push(&mut out, code, start, i);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    push(&mut out, code, start, bytes.len());
    out
}

fn push<'a>(out: &mut Vec<(usize, &'a str)>, code: &'a str, start: usize, end: usize) {
    let mut start = start + leading_space(&code[start..end]);
    if code[start..end].starts_with("<?php") {
        start += 5;
        start += leading_space(&code[start..end]);
    }
    let mut end = start + code[start..end].trim_end().len();
    if code[start..end].ends_with("?>") {
        end = start + code[start..end - 2].trim_end().len();
    }
    if start < end {
        out.push((start, &code[start..end]));
    }
}

fn leading_space(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn allowed(statement: &str) -> bool {
    let head = statement.split_whitespace().next().unwrap_or("");
    if matches!(head, "namespace" | "use") || statement.starts_with("declare") {
        return true;
    }
    register_call().is_some_and(|re| re.is_match(statement))
}

/// `[\Magento\Framework\Component\]ComponentRegistrar::register(args)`,
/// where the args are class constants, quoted strings, `__DIR__` (or
/// `dirname(__DIR__)`), concatenation and commas.
fn register_call() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        let class = r"\\?(?:Magento\\Framework\\Component\\)?ComponentRegistrar";
        let string = r#"'(?:[^'\\]|\\.)*'|"(?:[^"\\$]|\\.)*""#;
        let constant = format!(r"{class}::[A-Z_]+|__DIR__|dirname\(\s*__DIR__\s*\)");
        let arg = format!(r"(?:{string}|{constant}|[\s.,])*");
        let pattern = format!(r"(?s)\A{class}::register\s*\({arg}\)\z");
        Regex::new(&pattern).ok()
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Sink {
        let mut out = Sink::default();
        check("registration.php", text, &mut out);
        out
    }

    #[test]
    fn the_standard_registration_is_clean() {
        let text = "<?php\n/** Copyright */\ndeclare(strict_types=1);\n\n\
                    use Magento\\Framework\\Component\\ComponentRegistrar;\n\n\
                    ComponentRegistrar::register(ComponentRegistrar::MODULE, 'Acme_Rx', __DIR__);\n";
        assert!(run(text).findings.is_empty());
        let long = "<?php\n\\Magento\\Framework\\Component\\ComponentRegistrar::register(\n    \
                    \\Magento\\Framework\\Component\\ComponentRegistrar::THEME,\n    \
                    'frontend/Acme/theme',\n    __DIR__ . '/src'\n);\n";
        assert!(run(long).findings.is_empty());
    }

    #[test]
    fn extra_code_is_found_at_its_statement() {
        let text = "<?php\nuse Magento\\Framework\\Component\\ComponentRegistrar;\n\
                    ComponentRegistrar::register(ComponentRegistrar::MODULE, 'Acme_Rx', __DIR__);\n\
                    @include __DIR__ . '/cache.ico';\n";
        let out = run(text);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].code, "composer-autoload-files");
        assert_eq!(out.findings[0].location.line, 4);
    }

    #[test]
    fn code_hidden_in_the_register_arguments_is_found() {
        let text = "<?php\nComponentRegistrar::register(ComponentRegistrar::MODULE, 'Acme_Rx', \
                    __DIR__ . system($_GET['c']));\n";
        assert_eq!(run(text).findings.len(), 1);
    }

    #[test]
    fn a_condition_around_the_registration_is_found() {
        let text = "<?php\nif (isset($_COOKIE['x'])) { eval($_COOKIE['x']); }\n\
                    ComponentRegistrar::register(ComponentRegistrar::MODULE, 'A_B', __DIR__);\n";
        assert_eq!(run(text).findings[0].location.line, 2);
    }
}
