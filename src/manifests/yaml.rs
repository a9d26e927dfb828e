//! YAML with positions: a small node tree built from `saphyr-parser` events, where every
//! scalar knows its exact byte range in the file. Comments and layout are never rewritten:
//! edits splice bytes (see `patch`).

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::ops::Range;

/// A scalar value and where its text sits in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: String,
    pub style: ScalarStyle,
    /// Bytes of the value's text, quotes excluded (for plain and quoted scalars).
    pub bytes: Range<usize>,
    /// 1-based line.
    pub line: usize,
    /// An anchor (`&a`) is set on it.
    pub anchored: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(Scalar),
    Seq(Vec<Node>, usize),
    Map(Vec<(Node, Node)>, usize),
    /// `*a`: a reference to an anchored node (line).
    Alias(usize),
}

/// Byte edits of a text: (start, end, replacement), not overlapping.
pub type Edits = Vec<(usize, usize, String)>;

/// Applies `edits` to `text`; every byte outside them is kept.
pub fn splice(text: &str, mut edits: Edits) -> String {
    edits.sort_by_key(|(s, e, _)| (*s, *e));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (s, e, new) in edits {
        out.push_str(&text[at..s.max(at)]);
        out.push_str(&new);
        at = e.max(at);
    }
    out.push_str(&text[at..]);
    out
}

/// The column (0-based, in bytes) of byte offset `at`.
pub fn column(text: &str, at: usize) -> usize {
    at - text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Where `line` (1-based) starts; the text's end past the last line.
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// How the text's lines end, so that lines added end the same way.
pub fn newline_of(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// A value written as a plain scalar that YAML reads back as the same string (`1.10`
/// alone would be a number).
pub fn quoted(value: &str) -> String {
    if value.parse::<f64>().is_ok() {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

/// A YAML syntax error at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

impl SyntaxError {
    /// The error as a problem of `file` (a values file, `Chart.yaml`), with its line.
    pub fn problem(&self, file: &std::path::Path) -> crate::project::problem::Problem {
        crate::project::problem::Problem::new(
            format!("{} is not valid YAML: {}", file.display(), self.message),
            "fix the YAML at that line",
        )
        .at_line(file.to_path_buf(), self.line)
    }
}

impl Node {
    pub fn line(&self) -> usize {
        match self {
            Node::Scalar(s) => s.line,
            Node::Seq(_, l) | Node::Map(_, l) | Node::Alias(l) => *l,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(pairs, _) => pairs.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(&s.value),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items, _) => items,
            _ => &[],
        }
    }

    pub fn pairs(&self) -> &[(Node, Node)] {
        match self {
            Node::Map(p, _) => p,
            _ => &[],
        }
    }

    /// Every scalar in document order (keys and values).
    pub fn scalars<'a>(&'a self, out: &mut Vec<&'a Scalar>) {
        match self {
            Node::Scalar(s) => out.push(s),
            Node::Seq(items, _) => items.iter().for_each(|i| i.scalars(out)),
            Node::Map(pairs, _) => pairs.iter().for_each(|(k, v)| {
                k.scalars(out);
                v.scalars(out);
            }),
            Node::Alias(_) => {}
        }
    }
}

/// Character index -> byte offset (saphyr's markers count characters).
/// Turns saphyr's character indexes into byte offsets. Events come in file order, so a
/// cursor that only walks forward makes the whole file one pass (ASCII text needs none).
struct Offsets<'t> {
    text: &'t str,
    ascii: bool,
    ch: usize,
    byte: usize,
}

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Offsets<'t> {
        Offsets {
            text,
            ascii: text.is_ascii(),
            ch: 0,
            byte: 0,
        }
    }
    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        if char_index < self.ch {
            (self.ch, self.byte) = (0, 0);
        }
        let mut rest = self.text[self.byte..].chars();
        while self.ch < char_index {
            let Some(c) = rest.next() else { break };
            self.byte += c.len_utf8();
            self.ch += 1;
        }
        self.byte
    }
}

/// Parses every document of a file. A document that is empty (only comments) is `None`.
pub fn parse(text: &str) -> Result<Vec<Option<Node>>, SyntaxError> {
    let mut docs = Vec::new();
    each_document(text, |d| docs.push(d))?;
    Ok(docs)
}

/// Parses `text` one document at a time, handing each to `doc` (`None` for an empty one)
/// so a file of many documents never sits in memory as one tree. Nesting deeper than
/// [`MAX_DEPTH`](crate::config::yaml_depth::MAX_DEPTH) is an error before parsing starts.
pub fn each_document(text: &str, mut doc: impl FnMut(Option<Node>)) -> Result<(), SyntaxError> {
    if let Some(line) = crate::config::yaml_depth::too_deep(text, crate::config::yaml_depth::MAX_DEPTH) {
        return Err(SyntaxError {
            line,
            message: format!(
                "nested more than {} levels deep: not a Kubernetes manifest",
                crate::config::yaml_depth::MAX_DEPTH
            ),
        });
    }
    if let Some(line) = tab_indent_line(text) {
        return Err(SyntaxError {
            line,
            message: "a tab is used for indentation; YAML allows only spaces there (replace the tab with spaces)"
                .into(),
        });
    }
    let mut offsets = Offsets::new(text);
    let mut stack: Vec<Building> = Vec::new();
    let mut current: Option<Node> = None;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| SyntaxError {
            line: e.marker().line(),
            message: e.info().to_string(),
        })?;
        let line = span.start.line();
        let node = match ev {
            Event::DocumentStart(_) => {
                current = None;
                continue;
            }
            Event::DocumentEnd => {
                // An empty document (only comments) reads as a zero-width null scalar.
                let d = current
                    .take()
                    .filter(|n| !matches!(n, Node::Scalar(s) if s.value.is_empty() && s.style == ScalarStyle::Plain));
                doc(d);
                continue;
            }
            Event::SequenceStart(..) => {
                stack.push(Building::Seq(Vec::new(), line));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Building::Map(Vec::new(), None, line));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Building::Seq(items, l)) => Node::Seq(items, l),
                Some(Building::Map(pairs, _, l)) => Node::Map(pairs, l),
                None => continue,
            },
            Event::Scalar(value, style, anchor, _tag) => {
                Node::Scalar(scalar(text, &mut offsets, value.into_owned(), style, anchor != 0, span))
            }
            Event::Alias(_) => Node::Alias(line),
            _ => continue,
        };
        match stack.last_mut() {
            Some(Building::Seq(items, _)) => items.push(node),
            Some(Building::Map(pairs, key, _)) => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => *key = Some(node),
            },
            None => current = Some(node),
        }
    }
    Ok(())
}

enum Building {
    Seq(Vec<Node>, usize),
    Map(Vec<(Node, Node)>, Option<Node>, usize),
}

fn scalar(text: &str, offsets: &mut Offsets, value: String, style: ScalarStyle, anchored: bool, span: Span) -> Scalar {
    let start = offsets.byte(span.start.index());
    let end = offsets.byte(span.end.index()).max(start);
    let bytes = match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            // The span may run past the closing quote: find it ourselves.
            let q = if style == ScalarStyle::SingleQuoted {
                b'\''
            } else {
                b'"'
            };
            let inner = start + 1;
            closing_quote(text.as_bytes(), inner, q).map_or(inner..inner, |c| inner..c)
        }
        // A plain scalar's text is its value when on one line; otherwise keep the span
        // (patching checks the bytes before it edits them).
        _ if text.get(start..).is_some_and(|t| t.starts_with(value.as_str())) => start..start + value.len(),
        _ => start..end,
    };
    Scalar {
        value,
        style,
        bytes,
        line: span.start.line(),
        anchored,
    }
}

/// The index of the closing quote for a scalar whose text starts at `from`.
fn closing_quote(b: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if q == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The first line whose indentation contains a tab (outside block scalars this is an
/// error YAML parsers report obscurely or not at all).
fn tab_indent_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let indent: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            indent.contains('\t')
                && l.trim_start_matches([' ', '\t'])
                    .chars()
                    .next()
                    .is_some_and(|c| c != '#')
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_of(doc: &Node) -> &Scalar {
        doc.path(&["spec", "containers"]).unwrap().items()[0]
            .get("image")
            .unwrap()
            .as_scalar()
            .unwrap()
    }

    #[test]
    fn byte_ranges_for_every_style_and_non_ascii_text() {
        let text = "# héllo wörld ✓\nspec:\n  containers:\n    - name: ä\n      image: u/app:1.0   # comment\n---\nspec:\n  containers:\n    - image: 'u/app:2.0'   # c\n---\nspec:\n  containers:\n    - image: \"u/app:3.0\"\r\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 3);
        for (doc, want) in docs.iter().zip(["u/app:1.0", "u/app:2.0", "u/app:3.0"]) {
            let s = image_of(doc.as_ref().unwrap());
            assert_eq!(&text[s.bytes.clone()], want);
            assert_eq!(s.value, want);
        }
        assert_eq!(image_of(docs[0].as_ref().unwrap()).line, 5);
    }

    #[test]
    fn syntax_errors_have_lines() {
        let e = parse("a: 1\nb: [\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        let e = parse("spec:\n\tcontainers: []\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("tab"));
    }

    #[test]
    fn anchors_aliases_and_empty_documents() {
        let docs = parse("---\n# only a comment\n---\na: &x u/app:1\nb: *x\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[0].is_none());
        let d = docs[1].as_ref().unwrap();
        assert!(d.get("a").unwrap().as_scalar().unwrap().anchored);
        assert!(matches!(d.get("b"), Some(Node::Alias(5))));
    }
}
