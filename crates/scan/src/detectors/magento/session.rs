//! Whether a block's class or template reads the customer or checkout
//! session, for the layout check.
//!
//! A block class that injects the session is common and harmless when the
//! page never renders what it reads (a pixel block whose homepage template
//! prints only the pixel id). So we go one step further, still at the text
//! level: we find which of the class's methods touch the session (directly
//! or through another method of the same class), and count the block as
//! rendering session data only when its template calls one of them.

use super::classes;
use super::Report;

/// Source text that shows a class or template reads the session.
pub const SESSION_TOKENS: &[&str] = &[
    "Customer\\Model\\Session",
    "Checkout\\Model\\Session",
    "CurrentCustomer",
    "getLastRealOrder(",
];

/// Lowercased fragments of a method body that read a session.
const BODY_TOKENS: &[&str] = &["session->", "getlastrealorder(", "currentcustomer->"];

/// A class in the extension that reads a session.
pub struct SessionClass {
    /// Its file.
    pub path: String,
    /// The session token its source names.
    pub token: &'static str,
    /// Its methods that read the session.
    pub methods: Vec<String>,
}

/// The session facts of `fqcn`, when it is in the extension and names a
/// session at all.
pub fn class(report: &Report, fqcn: &str) -> Option<SessionClass> {
    let source = classes::find(report.ext, report.path, fqcn)?;
    let token = SESSION_TOKENS.iter().find(|t| source.code.contains(*t))?;
    let methods = session_methods(&source.code);
    Some(SessionClass {
        path: source.path,
        token,
        methods,
    })
}

/// A template of the layout's module: `Vendor_Module::dir/file.phtml`
/// looked up under `view/frontend/templates` and `view/base/templates`.
/// Returns its path and its text with comments blanked.
pub fn template(report: &Report, name: &str) -> Option<(String, String)> {
    let file = name.rsplit("::").next().unwrap_or(name);
    let root = classes::module_root(report.path)?;
    ["frontend", "base"].iter().find_map(|area| {
        let path = classes::join(&root, &format!("view/{area}/templates/{file}"));
        let bytes = report.ext.read(&path)?;
        Some((
            path,
            classes::blank_comments(&String::from_utf8_lossy(&bytes)),
        ))
    })
}

/// The first session token a template names itself.
pub fn direct_token(code: &str) -> Option<&'static str> {
    SESSION_TOKENS.iter().copied().find(|t| code.contains(t))
}

/// Names of the methods of `code` that read a session, directly or by
/// calling (through `$this->`) another such method.
pub fn session_methods(code: &str) -> Vec<String> {
    let bodies = method_bodies(code);
    let mut reading: Vec<String> = bodies
        .iter()
        .filter(|(_, body)| {
            let body = body.to_ascii_lowercase();
            BODY_TOKENS.iter().any(|t| body.contains(t))
        })
        .map(|(name, _)| name.clone())
        .collect();
    // Calls through other methods: a few rounds reach any real chain.
    for _ in 0..3 {
        let more: Vec<String> = bodies
            .iter()
            .filter(|(name, _)| !reading.contains(name))
            .filter(|(_, body)| {
                reading
                    .iter()
                    .any(|m| body.contains(&format!("$this->{m}(")))
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        reading.extend(more);
    }
    reading
}

/// `(name, body)` of every `function name(...) { body }` in `code`.
fn method_bodies(code: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("function ") {
        let rest = &code[at + "function ".len()..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // The body opens at the first `{` after the parameter list; an
        // abstract or interface method meets `;` first and has none.
        let Some(close) = rest.find(')') else {
            continue;
        };
        let after = &rest[close..];
        let Some(open) = after.find(['{', ';']) else {
            continue;
        };
        if after.as_bytes()[open] == b';' {
            continue;
        }
        let body = &after[open..];
        out.push((name, &body[..matching_brace(body)]));
    }
    out
}

/// The length of the `{…}` block `text` starts with, strings skipped.
fn matching_brace(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::session_methods;

    #[test]
    fn methods_reading_the_session_directly_or_through_another_are_found() {
        let code = "class Pixel {\n\
            public function __construct(private Session $checkoutSession) {}\n\
            public function getPixelId(): string { return $this->config->get('x'); }\n\
            public function getEmail(): string { return $this->checkoutSession->getQuote()->getEmail(); }\n\
            public function getGreeting(): string { return 'Hi ' . $this->getEmail(); }\n\
            abstract public function other();\n}";
        assert_eq!(session_methods(code), ["getEmail", "getGreeting"]);
    }
}
