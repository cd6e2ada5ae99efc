//! Inside an item: the folder's entries (type, size, CID) with the trail of
//! folders above, and the selected file's preview beside or below.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::layout::browse_areas;
use super::theme::Theme;
use super::widgets::ellipsize;
use crate::app::browse::{Browse, BrowseEntry, BrowseSort, PreviewState};
use crate::app::{Mode, State};
use crate::cluster::dag::Kind;
use crate::format::{human_bytes, short_id};
use crate::preview::PreviewKind;

pub(super) fn draw(st: &State, b: &Browse, f: &mut Frame, area: Rect, th: Theme) {
    let a = browse_areas(area);
    list(st, b, f, a.list, th);
    preview(b, f, a.preview, th);
}

/// Widths of the list's columns for a pane `inner` columns wide.
#[derive(Debug, Clone, Copy)]
struct Widths {
    name: u16,
    /// 13 (`Qmabcd…uvwxyz`) or 0 (hidden, under 70 columns).
    cid: u16,
}

fn widths(inner: usize) -> Widths {
    let cid: u16 = if inner >= 70 { 13 } else { 0 };
    let name = (inner as u16).saturating_sub(6 + 9 + cid + 3);
    Widths { name, cid }
}

/// A column of the list: its header, width and cell in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Type,
    Name,
    Size,
    Cid,
}

impl Column {
    const ALL: [Column; 4] = [Column::Type, Column::Name, Column::Size, Column::Cid];

    fn header(self) -> &'static str {
        match self {
            Column::Type => "TYPE",
            Column::Name => "NAME",
            Column::Size => "SIZE",
            Column::Cid => "CID",
        }
    }

    fn width(self, w: Widths) -> u16 {
        match self {
            Column::Type => 6,
            Column::Name => w.name,
            Column::Size => 9,
            Column::Cid => w.cid,
        }
    }

    fn cell(self, e: &BrowseEntry, w: Widths, th: Theme) -> Cell<'static> {
        match self {
            Column::Type => {
                let (kind, style) = match (&e.error, e.kind) {
                    (Some(_), _) => ("ERROR", th.bad()),
                    (None, Some(Kind::Dir)) => ("dir", th.title()),
                    (None, Some(Kind::File)) => ("file", Style::default()),
                    (None, Some(Kind::Symlink)) => ("link", th.dim()),
                    (None, None) => ("…", th.dim()),
                };
                Cell::from(Span::styled(kind, style))
            }
            Column::Name => {
                let name = if e.is_dir() {
                    format!("{}/", e.name)
                } else {
                    e.name.clone()
                };
                Cell::from(ellipsize(&name, w.name as usize))
            }
            Column::Size => Cell::from(human_bytes(e.shown_size())),
            Column::Cid => Cell::from(Span::styled(short_id(&e.cid, 6), th.dim())),
        }
    }
}

fn list(st: &State, b: &Browse, f: &mut Frame, r: Rect, th: Theme) {
    let inner_w = r.width.saturating_sub(2) as usize;
    let block = list_block(st, b, inner_w, th);
    if let (Some(e), true) = (&b.error, b.entries.is_empty()) {
        f.render_widget(cannot_list(e, th).block(block), r);
        return;
    }
    let w = widths(inner_w);
    let shown: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|c| *c != Column::Cid || w.cid > 0)
        .collect();
    let h = r.height.saturating_sub(3) as usize;
    let rows = b
        .order
        .iter()
        .enumerate()
        .skip(b.offset)
        .take(h)
        .filter_map(|(k, &i)| {
            let e = b.entries.get(i)?;
            let row = Row::new(shown.iter().map(|c| c.cell(e, w, th)));
            Some(if k == b.selected {
                row.style(th.selected())
            } else {
                row
            })
        });
    let widths = shown.iter().map(|c| Constraint::Length(c.width(w)));
    let head = Row::new(shown.iter().map(|c| c.header())).style(th.header());
    let mut table = Table::new(rows, widths).header(head).block(block);
    if b.order.is_empty() && !b.loading {
        let msg = if b.entries.is_empty() {
            "an empty folder"
        } else {
            "no entry matches"
        };
        table = table.footer(Row::new(vec![Cell::from(""), Cell::from(msg)]).style(th.dim()));
    }
    f.render_widget(table, r);
}

/// The list's frame: the trail of folders, the count, the filter and the
/// sort on top; below, whether the entries shown are verified.
fn list_block(st: &State, b: &Browse, inner_w: usize, th: Theme) -> Block<'static> {
    let crumbs: Vec<&str> = b.trail.iter().map(|c| c.name.as_str()).collect();
    let mut title = format!(" {} ", crumbs.join(" / "));
    if b.root_file {
        title.push_str("· a single file");
    } else {
        let n = b.entries.len();
        title.push_str(&format!("· {n} entr{}", if n == 1 { "y" } else { "ies" }));
    }
    if !b.filter.is_empty() || matches!(st.mode, Mode::BrowseFilter(_)) {
        title.push_str(&format!(" · /{} ({})", b.filter, b.order.len()));
    }
    title.push_str(match (b.sort, b.descending) {
        (BrowseSort::Name, false) => " · name ↑ ",
        (BrowseSort::Name, true) => " · name ↓ ",
        (BrowseSort::Size, false) => " · size ↓ ",
        (BrowseSort::Size, true) => " · size ↑ ",
    });
    let title = ellipsize(&title, inner_w);
    let status = if let Some(e) = &b.error {
        Span::styled(
            format!(" {} ", ellipsize(e, inner_w.saturating_sub(4))),
            th.bad(),
        )
    } else if b.loading {
        Span::styled(" loading… ", th.dim())
    } else {
        Span::styled(" verified blocks ", th.dim())
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(title, th.title()))
        .title_bottom(Line::from(status).alignment(ratatui::layout::Alignment::Right))
}

/// Nothing could be listed: why, whole (no gateway had a good copy).
fn cannot_list(e: &str, th: Theme) -> Paragraph<'static> {
    let lines = vec![
        Line::from(Span::styled("Cannot list this folder:", th.bad())),
        Line::from(Span::styled(e.to_string(), th.bad())),
        Line::from(""),
        Line::from(Span::styled(
            "Every gateway known was asked; nothing unverified is shown.",
            th.dim(),
        )),
    ];
    Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false })
}

fn preview(b: &Browse, f: &mut Frame, r: Rect, th: Theme) {
    let inner_w = r.width.saturating_sub(2) as usize;
    let (title, lines): (String, Vec<Line>) = match &b.preview {
        PreviewState::Nothing => (" preview ".into(), Vec::new()),
        PreviewState::Loading(_) => (
            " preview ".into(),
            vec![Line::from(Span::styled(
                "reading the first blocks…",
                th.dim(),
            ))],
        ),
        PreviewState::Folder(_) => (
            " folder ".into(),
            vec![Line::from(Span::styled(
                "A folder: Enter opens it.",
                th.dim(),
            ))],
        ),
        PreviewState::Failed { error, .. } => (
            " preview: not shown ".into(),
            vec![
                Line::from(Span::styled(error.clone(), th.bad())),
                Line::from(""),
                Line::from(Span::styled(
                    "Nothing is shown that does not match its CID.",
                    th.dim(),
                )),
            ],
        ),
        PreviewState::Ready { preview, .. } => {
            let kind = match &preview.kind {
                PreviewKind::Text => "text".to_string(),
                PreviewKind::Json => "JSON".to_string(),
                PreviewKind::Hex => "binary (hex)".to_string(),
                PreviewKind::Media(m) => m.clone(),
            };
            let more = if preview.truncated {
                " · first 64 KiB"
            } else {
                ""
            };
            (
                format!(" {kind}{more} "),
                // Wrapped, not cut: Enter reads the file whole.
                preview
                    .lines
                    .iter()
                    .map(|l| Line::from(l.as_str()))
                    .collect(),
            )
        }
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border())
        .title(Span::styled(ellipsize(&title, inner_w), th.title()));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block),
        r,
    );
}
