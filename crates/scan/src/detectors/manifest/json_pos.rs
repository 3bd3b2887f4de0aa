//! Where things are in a JSON text: the byte offset of every object key
//! and array element, by path.
//!
//! serde_json tells us what composer.json says but not where; findings
//! need a line. This walker runs only over text serde_json has already
//! accepted, so it can be simple: it records positions and never judges
//! validity. Paths are keys and array indices as strings
//! (`["autoload", "files", "1"]`); keys are taken as written, escapes
//! and all, which is exact for every key Composer defines.

/// Offsets of keys and elements in one JSON text.
#[derive(Debug, Default)]
pub struct Positions {
    entries: Vec<(Vec<String>, usize)>,
}

/// Deeper than this we stop recording; composer.json is shallow.
const MAX_DEPTH: usize = 32;

impl Positions {
    /// Walks `text` and records every key and element.
    pub fn of(text: &str) -> Positions {
        let mut walker = Walker {
            bytes: text.as_bytes(),
            at: 0,
            out: Positions::default(),
        };
        walker.value(&mut Vec::new());
        walker.out
    }

    /// The offset of the key or element at `path`, if recorded.
    pub fn offset(&self, path: &[&str]) -> Option<usize> {
        self.entries
            .iter()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, o)| *o)
    }
}

struct Walker<'a> {
    bytes: &'a [u8],
    at: usize,
    out: Positions,
}

impl Walker<'_> {
    fn peek(&mut self) -> Option<u8> {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
        self.bytes.get(self.at).copied()
    }

    fn value(&mut self, path: &mut Vec<String>) {
        match self.peek() {
            Some(b'{') => self.object(path),
            Some(b'[') => self.array(path),
            Some(b'"') => {
                self.string();
            }
            Some(_) => self.scalar(),
            None => {}
        }
    }

    fn object(&mut self, path: &mut Vec<String>) {
        self.at += 1;
        loop {
            match self.peek() {
                Some(b'"') => {}
                Some(b',') => {
                    self.at += 1;
                    continue;
                }
                _ => {
                    self.at += 1;
                    return;
                }
            }
            let start = self.at;
            let key = self.string();
            if self.peek() == Some(b':') {
                self.at += 1;
            }
            path.push(key);
            self.record(path, start);
            self.value(path);
            path.pop();
        }
    }

    fn array(&mut self, path: &mut Vec<String>) {
        self.at += 1;
        let mut index = 0;
        loop {
            match self.peek() {
                Some(b']') | None => {
                    self.at += 1;
                    return;
                }
                Some(b',') => {
                    self.at += 1;
                    continue;
                }
                Some(_) => {}
            }
            path.push(index.to_string());
            self.record(path, self.at);
            let before = self.at;
            self.value(path);
            path.pop();
            index += 1;
            if self.at == before {
                // A byte we do not understand: never loop on it.
                self.at += 1;
            }
        }
    }

    fn record(&mut self, path: &[String], offset: usize) {
        if path.len() <= MAX_DEPTH {
            self.out.entries.push((path.to_vec(), offset));
        }
    }

    /// Reads a string starting at the opening quote; returns its raw body.
    fn string(&mut self) -> String {
        let start = self.at + 1;
        let mut i = start;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        let end = i.min(self.bytes.len());
        self.at = (i + 1).min(self.bytes.len());
        String::from_utf8_lossy(&self.bytes[start..end]).into_owned()
    }

    fn scalar(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| !b",}] \t\r\n".contains(b))
        {
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Positions;

    const TEXT: &str = "{\n  \"name\": \"a/b\",\n  \"autoload\": {\n    \"files\": [\"registration.php\",\n      \"boot.php\"]\n  },\n  \"n\": [1, {\"x\": true}]\n}";

    fn line(text: &str, offset: usize) -> usize {
        text[..offset].matches('\n').count() + 1
    }

    #[test]
    fn keys_and_elements_have_their_offsets() {
        let pos = Positions::of(TEXT);
        let at = |path: &[&str]| pos.offset(path).map(|o| line(TEXT, o));
        assert_eq!(at(&["name"]), Some(2));
        assert_eq!(at(&["autoload", "files"]), Some(4));
        assert_eq!(at(&["autoload", "files", "1"]), Some(5));
        assert_eq!(at(&["n", "1", "x"]), Some(7));
        assert_eq!(at(&["missing"]), None);
    }

    #[test]
    fn an_element_offset_is_the_start_of_the_value() {
        let pos = Positions::of(TEXT);
        let offset = pos.offset(&["autoload", "files", "0"]).unwrap_or(0);
        assert!(TEXT[offset..].starts_with("\"registration.php\""));
    }
}
