//! Finding the PHP file of a class that XML or GraphQL names, and
//! text-level facts about it.
//!
//! XML names classes (`@resolver(class: …)`, `<service class=…>`,
//! `<block class=…>`); the code behind them is in the same extension when
//! the vendor wrote it. We map the class to a file the way Composer does,
//! through the `autoload.psr-4` of the nearest composer.json above the XML
//! file, and fall back to Magento's `Vendor\Module\Path\Class` →
//! `<module root>/Path/Class.php` layout.
//!
//! The checks on the class are deliberately textual (a token search over
//! the source with comments blanked out): the PHP family owns the real
//! parser, and these checks only ask "does this class mention X at all".

use serde_json::Value;

use crate::detector::Extension;

/// A PHP class found in the extension: its path and text.
pub struct ClassSource {
    /// Path inside the extension.
    pub path: String,
    /// Source text with comments blanked (offsets kept).
    pub code: String,
}

/// Finds and reads the class `fqcn`, named by the file at `near`.
pub fn find(ext: &dyn Extension, near: &str, fqcn: &str) -> Option<ClassSource> {
    let fqcn = fqcn.trim().trim_start_matches('\\');
    if fqcn.is_empty() {
        return None;
    }
    let path = candidates(ext, near, fqcn)
        .into_iter()
        .find(|p| exists(ext, p))?;
    let bytes = ext.read(&path)?;
    let code = blank_comments(&String::from_utf8_lossy(&bytes));
    tracing::debug!(
        class = fqcn,
        path,
        "resolved class to a file in the extension"
    );
    Some(ClassSource { path, code })
}

fn exists(ext: &dyn Extension, path: &str) -> bool {
    ext.paths()
        .binary_search_by(|p| p.as_str().cmp(path))
        .is_ok()
}

/// Candidate paths for `fqcn`: psr-4 mappings of every composer.json
/// above `near` (nearest first), then the Magento module layout.
fn candidates(ext: &dyn Extension, near: &str, fqcn: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = ancestors(near);
    dirs.reverse();
    for dir in &dirs {
        let manifest = join(dir, "composer.json");
        if !exists(ext, &manifest) {
            continue;
        }
        let Some(bytes) = ext.read(&manifest) else {
            continue;
        };
        let Ok(json) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        out.extend(psr4_paths(&json, dir, fqcn));
    }
    if let Some(root) = module_root(near) {
        let rest: Vec<&str> = fqcn.split('\\').skip(2).collect();
        if !rest.is_empty() {
            out.push(join(&root, &format!("{}.php", rest.join("/"))));
        }
    }
    out
}

/// Paths for `fqcn` under the psr-4 map of a composer.json in `dir`,
/// longest matching prefix first.
fn psr4_paths(json: &Value, dir: &str, fqcn: &str) -> Vec<String> {
    let Some(map) = json.pointer("/autoload/psr-4").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut matches: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(prefix, _)| fqcn.starts_with(prefix.as_str()))
        .collect();
    matches.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
    let mut out = Vec::new();
    for (prefix, bases) in matches {
        let rest = fqcn[prefix.len()..].replace('\\', "/");
        let bases: Vec<&str> = match bases {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for base in bases {
            let base = join(dir, base.trim_start_matches("./"));
            out.push(join(&base, &format!("{rest}.php")));
        }
    }
    out
}

/// Every directory above `path`, outermost first, the root as "".
fn ancestors(path: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let parts: Vec<&str> = path.split('/').collect();
    for i in 1..parts.len() {
        out.push(parts[..i].join("/"));
    }
    out
}

/// The module root of a file under `etc/` or `view/`: the folder holding
/// that `etc` or `view`.
pub fn module_root(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts.iter().rposition(|p| *p == "etc" || *p == "view")?;
    Some(parts[..at].join("/"))
}

/// `dir` and `name` joined with one `/` (no leading `/` for the root).
pub fn join(dir: &str, name: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let name = name.trim_start_matches('/');
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

/// `code` with PHP comments (`//`, `#`, `/* */`) replaced by spaces, so
/// offsets and lines stay where they were. Quoted strings are kept (a `//`
/// inside a URL is not a comment); heredocs are not special-cased, which
/// at worst blanks the rest of a line of one.
pub fn blank_comments(code: &str) -> String {
    let bytes = code.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = find_from(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
                blank(&mut out, i, end);
                i = end;
            }
            b'#' if bytes.get(i + 1) != Some(&b'[') => i = blank_line(bytes, &mut out, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = blank_line(bytes, &mut out, i),
            _ => i += 1,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

fn blank_line(bytes: &[u8], out: &mut [u8], start: usize) -> usize {
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |e| start + e);
    // `?>` ends a line comment in PHP.
    let end = find_from(&bytes[..end], start, b"?>").unwrap_or(end);
    blank(out, start, end);
    end
}

fn blank(out: &mut [u8], start: usize, end: usize) {
    for b in &mut out[start..end] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// `code` without `use` import lines: a class imported but never used
/// must not count as a check it performs.
pub fn without_imports(code: &str) -> String {
    code.lines()
        .filter(|line| !line.trim_start().starts_with("use "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The parameter names of `method` as declared in `code` (`$customerId`
/// → `customerId`), or empty when the method is not found.
pub fn method_params(code: &str, method: &str) -> Vec<String> {
    let needle = format!("function {method}");
    let Some(start) = code
        .match_indices(&needle)
        .map(|(i, _)| i + needle.len())
        .find(|&i| code[i..].trim_start().starts_with('('))
    else {
        return Vec::new();
    };
    let rest = &code[start..];
    let Some(open) = rest.find('(') else {
        return Vec::new();
    };
    let close = rest[open..].find(')').map_or(rest.len(), |c| open + c);
    rest[open..close]
        .split('$')
        .skip(1)
        .map(|p| {
            p.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tree(Vec<(String, String)>, Vec<String>);

    impl Tree {
        fn new(files: &[(&str, &str)]) -> Tree {
            let mut files: Vec<(String, String)> = files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect();
            files.sort();
            let paths = files.iter().map(|(p, _)| p.clone()).collect();
            Tree(files, paths)
        }
    }

    impl Extension for Tree {
        fn paths(&self) -> &[String] {
            &self.1
        }
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, t)| t.clone().into_bytes())
        }
    }

    const COMPOSER: &str = r#"{"autoload": {"psr-4": {"Acme\\Rx\\": "src/"}}}"#;

    #[test]
    fn a_class_is_found_through_composer_psr4() {
        let tree = Tree::new(&[
            ("composer.json", COMPOSER),
            ("src/Model/Resolver/List.php", "<?php class List {}"),
            ("src/etc/schema.graphqls", ""),
        ]);
        let found = find(
            &tree,
            "src/etc/schema.graphqls",
            "\\Acme\\Rx\\Model\\Resolver\\List",
        );
        assert_eq!(
            found.map(|c| c.path).as_deref(),
            Some("src/Model/Resolver/List.php")
        );
    }

    #[test]
    fn without_composer_the_module_layout_is_used() {
        let tree = Tree::new(&[("Model/A.php", "<?php"), ("etc/webapi.xml", "")]);
        let found = find(&tree, "etc/webapi.xml", "Acme\\Rx\\Model\\A");
        assert_eq!(found.map(|c| c.path).as_deref(), Some("Model/A.php"));
        assert!(find(&tree, "etc/webapi.xml", "Magento\\Sales\\Model\\Order").is_none());
    }

    #[test]
    fn comments_are_blanked_but_strings_and_lines_stay() {
        let code = "a(); // getUserId()\n$u = 'http://x'; /* isLoggedIn\n */ b();";
        let blanked = blank_comments(code);
        assert!(!blanked.contains("getUserId") && !blanked.contains("isLoggedIn"));
        assert!(blanked.contains("'http://x'"));
        assert_eq!(blanked.lines().count(), code.lines().count());
        assert_eq!(blanked.len(), code.len());
    }

    #[test]
    fn method_parameters_are_read_from_the_signature() {
        let code = "public function getList(int $customerId, ?string $status = null): array;";
        assert_eq!(method_params(code, "getList"), ["customerId", "status"]);
        assert!(method_params(code, "get").is_empty());
    }
}
