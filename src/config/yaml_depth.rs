//! Pure: how deep YAML text nests, measured in one pass before any parser sees it, so a
//! hostile file (100,000 `[`) is refused in microseconds, for manifests and `.release.yml`.

/// The deepest nesting any file is allowed (real manifests are about ten levels deep).
pub const MAX_DEPTH: usize = 64;

/// The first line (1-based) at which YAML text nests deeper than `max` levels, by flow
/// brackets or by indentation; `None` when it does not. Linear, so a hostile file is refused
/// before a parser spends its time on it.
pub fn too_deep(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent / 2 > max * 2 {
            return Some(n + 1);
        }
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > max {
                        return Some(n + 1);
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_line() {
        assert_eq!(super::too_deep("a: [1, [2]]\n", 64), None);
        assert_eq!(super::too_deep("a: 1\nb: [[[x]]]\n", 2), Some(2));
        assert_eq!(super::too_deep("a: '[[[['\n", 2), None);
    }
}
