//! Which ESLint ignore comments silence a security check.
//!
//! `// eslint-disable-next-line no-console` is everyday hygiene; an ignore
//! that names no rule switches off every rule, security ones included, and
//! one naming `no-eval` or a security plugin's rule hides exactly what a
//! reviewer looks for.

/// Core rules about running strings as code.
const CORE_RULES: &[&str] = &["no-eval", "no-implied-eval", "no-new-func", "no-script-url"];

/// Plugins whose every rule is a security rule.
const PLUGINS: &[&str] = &["security/", "no-unsanitized/", "xss/", "scanjs-rules/"];

/// Whether the text after `eslint-disable` switches off all rules or a
/// security rule. `after` runs to the end of the file; we read the rest
/// of the comment only.
pub(super) fn silences_security(after: &str) -> bool {
    let comment = comment_rest(after);
    let rules = comment
        .strip_prefix("-next-line")
        .or_else(|| comment.strip_prefix("-line"))
        .unwrap_or(comment);
    // Anything else glued to the word is another directive's name.
    if !rules.is_empty() && !rules.starts_with(char::is_whitespace) {
        return false;
    }
    // ESLint allows a description after ` -- `.
    let rules = rules.split(" --").next().unwrap_or("").trim();
    rules.is_empty() || rules.split(',').map(str::trim).any(is_security_rule)
}

/// The rest of the comment: up to the line's end or a closing `*/`.
fn comment_rest(after: &str) -> &str {
    let line = after.split('\n').next().unwrap_or("");
    line.split("*/").next().unwrap_or("").trim_end()
}

fn is_security_rule(rule: &str) -> bool {
    CORE_RULES.contains(&rule) || PLUGINS.iter().any(|p| rule.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::silences_security;

    #[test]
    fn a_bare_disable_silences_everything() {
        assert!(silences_security(" */\nvar x = 1;"));
        assert!(silences_security("-next-line\neval(code);"));
    }

    #[test]
    fn security_rules_count_and_hygiene_rules_do_not() {
        assert!(silences_security("-line no-eval"));
        assert!(silences_security(
            "-next-line no-console, security/detect-eval-with-expression"
        ));
        assert!(!silences_security("-next-line no-console"));
        assert!(!silences_security(" no-unused-vars */"));
        assert!(!silences_security("-line no-alert -- legacy popup"));
    }

    #[test]
    fn an_enable_or_other_directive_is_not_a_disable() {
        assert!(!silences_security("d-rule foo"));
    }
}
