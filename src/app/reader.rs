//! Reading a file whole (Enter on a file while browsing): its text, JSON
//! or hex, scrolled by line and page, wrapped or not. Pure state; the bytes
//! come verified from the effects, cleaned of control characters.

use unicode_width::UnicodeWidthChar;

use crate::preview::Preview;

/// The most a reader holds of one file; the rest is a `get` away.
pub const READ_BYTES: u64 = 16 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderText {
    Loading,
    Ready { preview: Preview, size: u64 },
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub cid: String,
    pub name: String,
    /// Where the file sits, for `y` (copy) and `o` (fetch).
    pub path: String,
    pub generation: u64,
    pub text: ReaderText,
    /// The first line shown, and (wrapped) its first row shown.
    pub line: usize,
    pub sub: usize,
    /// Columns scrolled right (not wrapped).
    pub hscroll: usize,
    pub wrap: bool,
}

/// A line cut into rows of at most `width` columns (one row when empty):
/// after the last space that fits, else (a word longer than the row)
/// where the row is full.
pub fn wrap_line(line: &str, width: usize) -> Vec<&str> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut rest = line;
    loop {
        let mut cols = 0;
        let mut cut = None;
        let mut space = None;
        for (i, c) in rest.char_indices() {
            let w = c.width().unwrap_or(0);
            if cols + w > width && i > 0 {
                cut = Some(i);
                break;
            }
            cols += w;
            if c == ' ' {
                space = Some(i + 1);
            }
        }
        match cut {
            None => {
                rows.push(rest);
                return rows;
            }
            Some(i) => {
                let at = space
                    .filter(|s| *s < i || rest[i..].starts_with(' '))
                    .unwrap_or(i);
                rows.push(&rest[..at]);
                rest = &rest[at..];
            }
        }
    }
}

/// The columns of `line` from `skip` on.
fn from_column(line: &str, skip: usize) -> &str {
    let mut cols = 0;
    for (i, c) in line.char_indices() {
        if cols >= skip {
            return &line[i..];
        }
        cols += c.width().unwrap_or(0);
    }
    ""
}

impl Reader {
    pub fn new(cid: String, name: String, path: String, generation: u64) -> Self {
        Reader {
            cid,
            name,
            path,
            generation,
            text: ReaderText::Loading,
            line: 0,
            sub: 0,
            hscroll: 0,
            wrap: true,
        }
    }

    pub fn lines(&self) -> &[String] {
        match &self.text {
            ReaderText::Ready { preview, .. } => &preview.lines,
            _ => &[],
        }
    }

    fn rows_in(&self, line: usize, width: usize) -> usize {
        match self.lines().get(line) {
            Some(l) if self.wrap => wrap_line(l, width).len(),
            Some(_) => 1,
            None => 0,
        }
    }

    /// `n` rows down, stopping where the last row is at the bottom.
    pub fn down(&mut self, n: usize, width: usize, height: usize) {
        for _ in 0..n {
            if self.rows_below(width, height + 1) <= height {
                break;
            }
            if self.sub + 1 < self.rows_in(self.line, width) {
                self.sub += 1;
            } else {
                self.line += 1;
                self.sub = 0;
            }
        }
    }

    pub fn up(&mut self, n: usize, width: usize) {
        for _ in 0..n {
            if self.sub > 0 {
                self.sub -= 1;
            } else if self.line > 0 {
                self.line -= 1;
                self.sub = self.rows_in(self.line, width).saturating_sub(1);
            } else {
                break;
            }
        }
    }

    pub fn top(&mut self) {
        self.line = 0;
        self.sub = 0;
    }

    pub fn bottom(&mut self, width: usize, height: usize) {
        let last = self.lines().len().saturating_sub(1);
        self.line = last;
        self.sub = self.rows_in(last, width).saturating_sub(1);
        self.up(height.saturating_sub(1), width);
    }

    /// Rows from the first shown, up to `limit` (counting stops there).
    fn rows_below(&self, width: usize, limit: usize) -> usize {
        let mut n = self.rows_in(self.line, width).saturating_sub(self.sub);
        let mut at = self.line + 1;
        while n < limit && at < self.lines().len() {
            n += self.rows_in(at, width);
            at += 1;
        }
        n
    }

    /// Wrapping on or off, keeping the first line shown.
    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.sub = 0;
        self.hscroll = 0;
    }

    pub fn right(&mut self, n: usize) {
        if !self.wrap {
            self.hscroll += n;
        }
    }

    pub fn left(&mut self, n: usize) {
        self.hscroll = self.hscroll.saturating_sub(n);
    }

    /// The rows to draw in `width` × `height`.
    pub fn visible(&self, width: usize, height: usize) -> Vec<&str> {
        let mut out = Vec::with_capacity(height);
        let lines = self.lines();
        let mut at = self.line;
        let mut skip = self.sub;
        while out.len() < height && at < lines.len() {
            if self.wrap {
                out.extend(
                    wrap_line(&lines[at], width)
                        .into_iter()
                        .skip(skip)
                        .take(height - out.len()),
                );
            } else {
                out.push(from_column(&lines[at], self.hscroll));
            }
            skip = 0;
            at += 1;
        }
        out
    }

    /// `line 12–40 of 300`, for the title.
    pub fn position(&self, width: usize, height: usize) -> String {
        let n = self.lines().len();
        if n == 0 {
            return String::new();
        }
        let shown = self.visible(width, height).len();
        let mut last = self.line;
        let mut rows = self.rows_in(self.line, width).saturating_sub(self.sub);
        while rows < shown && last + 1 < n {
            last += 1;
            rows += self.rows_in(last, width);
        }
        format!("lines {}–{} of {n}", self.line + 1, last + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::{Preview, PreviewKind};

    fn reader(lines: &[&str]) -> Reader {
        let mut r = Reader::new("c".into(), "n".into(), "/ipfs/c".into(), 1);
        r.text = ReaderText::Ready {
            preview: Preview {
                kind: PreviewKind::Text,
                lines: lines.iter().map(|s| s.to_string()).collect(),
                truncated: false,
            },
            size: 0,
        };
        r
    }

    #[test]
    fn long_lines_wrap_and_every_row_can_be_reached() {
        let long = "x".repeat(25);
        let mut r = reader(&["a", &long, "b", "c"]);
        assert_eq!(r.visible(10, 3), ["a", "xxxxxxxxxx", "xxxxxxxxxx"]);
        assert_eq!(wrap_line("one two three", 8), ["one two ", "three"]);
        r.bottom(10, 3);
        assert_eq!(r.visible(10, 3), ["xxxxx", "b", "c"]);
        r.down(5, 10, 3);
        assert_eq!(
            r.visible(10, 3),
            ["xxxxx", "b", "c"],
            "the end stays in sight"
        );
        r.up(1, 10);
        assert_eq!(r.visible(10, 3), ["xxxxxxxxxx", "xxxxx", "b"]);
        r.top();
        r.toggle_wrap();
        assert_eq!(r.visible(10, 3), ["a", long.as_str(), "b"]);
        r.right(20);
        assert_eq!(r.visible(10, 3), ["", "xxxxx", ""]);
        assert_eq!(r.position(10, 3), "lines 1–3 of 4");
    }

    #[test]
    fn wide_characters_wrap_by_columns() {
        assert_eq!(wrap_line("日本語テキスト", 6), ["日本語", "テキス", "ト"]);
        assert_eq!(wrap_line("", 6), [""]);
    }
}
