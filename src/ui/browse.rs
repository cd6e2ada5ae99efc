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
use crate::app::browse::{Browse, BrowseSort, PreviewState};
use crate::app::{Mode, State};
use crate::cluster::dag::Kind;
use crate::format::{human_bytes, short_id};
use crate::preview::PreviewKind;

pub(super) fn draw(st: &State, b: &Browse, f: &mut Frame, area: Rect, th: Theme) {
    let a = browse_areas(area);
    list(st, b, f, a.list, th);
    preview(b, f, a.preview, th);
}

fn list(st: &State, b: &Browse, f: &mut Frame, r: Rect, th: Theme) {
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
    let inner_w = r.width.saturating_sub(2) as usize;
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
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(title, th.title()))
        .title_bottom(Line::from(status).alignment(ratatui::layout::Alignment::Right));
    let cid_w: u16 = if inner_w >= 70 { 13 } else { 0 };
    let name_w = (inner_w as u16).saturating_sub(6 + 9 + cid_w + 3);
    let h = r.height.saturating_sub(3) as usize;
    let rows = b
        .order
        .iter()
        .enumerate()
        .skip(b.offset)
        .take(h)
        .filter_map(|(k, &i)| {
            let e = b.entries.get(i)?;
            let (kind, style) = match (&e.error, e.kind) {
                (Some(_), _) => ("ERROR", th.bad()),
                (None, Some(Kind::Dir)) => ("dir", th.title()),
                (None, Some(Kind::File)) => ("file", Style::default()),
                (None, Some(Kind::Symlink)) => ("link", th.dim()),
                (None, None) => ("…", th.dim()),
            };
            let name = if e.is_dir() {
                format!("{}/", e.name)
            } else {
                e.name.clone()
            };
            let mut cells = vec![
                Cell::from(Span::styled(kind, style)),
                Cell::from(ellipsize(&name, name_w as usize)),
                Cell::from(human_bytes(e.shown_size())),
            ];
            if cid_w > 0 {
                cells.push(Cell::from(Span::styled(short_id(&e.cid, 6), th.dim())));
            }
            let row = Row::new(cells);
            Some(if k == b.selected {
                row.style(th.selected())
            } else {
                row
            })
        });
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Length(name_w),
        Constraint::Length(9),
    ];
    let mut head = vec!["TYPE", "NAME", "SIZE"];
    if cid_w > 0 {
        widths.push(Constraint::Length(cid_w));
        head.push("CID");
    }
    if let (Some(e), true) = (&b.error, b.entries.is_empty()) {
        // Nothing could be listed: say why, whole (no gateway had a good copy).
        let lines = vec![
            Line::from(Span::styled("Cannot list this folder:", th.bad())),
            Line::from(Span::styled(e.clone(), th.bad())),
            Line::from(""),
            Line::from(Span::styled(
                "Every gateway known was asked; nothing unverified is shown.",
                th.dim(),
            )),
        ];
        f.render_widget(
            Paragraph::new(lines)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(block),
            r,
        );
        return;
    }
    let mut table = Table::new(rows, widths)
        .header(Row::new(head).style(th.header()))
        .block(block);
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
