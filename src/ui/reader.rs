//! A file read whole, over the folder it is in: its rows (wrapped or
//! scrolled sideways), and a title that says where in it the view is.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::ellipsize;
use crate::app::reader::{Reader, ReaderText};
use crate::format::human_bytes;
use crate::preview::PreviewKind;

pub(super) fn draw(r: &Reader, f: &mut Frame, area: Rect, th: Theme) {
    // The header and footer stay in sight.
    let area = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let (w, h) = (
        usize::from(area.width.saturating_sub(2)).max(1),
        usize::from(area.height.saturating_sub(2)).max(1),
    );
    let (title, lines): (String, Vec<Line>) = match &r.text {
        ReaderText::Loading => (
            format!(" {} ", r.name),
            vec![Line::from(Span::styled(
                "reading, block by verified block…",
                th.dim(),
            ))],
        ),
        ReaderText::Failed(e) => (
            format!(" {}: not shown ", r.name),
            vec![
                Line::from(Span::styled(e.clone(), th.bad())),
                Line::from(""),
                Line::from(Span::styled(
                    "Nothing is shown that does not match its CID.",
                    th.dim(),
                )),
            ],
        ),
        ReaderText::Ready { preview, size } => {
            let kind = match &preview.kind {
                PreviewKind::Text => "text".to_string(),
                PreviewKind::Json => "JSON, formatted".to_string(),
                PreviewKind::Hex => "binary (hex)".to_string(),
                PreviewKind::Media(m) => m.clone(),
            };
            let part = match (&preview.kind, preview.truncated) {
                (PreviewKind::Hex | PreviewKind::Media(_), true) => format!(
                    " · the first {} shown (o fetches it whole)",
                    human_bytes(crate::preview::READER_HEX_BYTES as u64)
                ),
                (_, true) => format!(
                    " · the first {} shown (o fetches it whole)",
                    human_bytes(crate::app::reader::READ_BYTES)
                ),
                _ => String::new(),
            };
            let wrap = if r.wrap { "wrapped" } else { "not wrapped" };
            (
                format!(
                    " {} · {kind} · {}{part} · {} · {wrap} ",
                    r.name,
                    human_bytes(*size),
                    r.position(w, h)
                ),
                r.visible(w, h)
                    .into_iter()
                    .map(|s| Line::from(s.to_string()))
                    .collect(),
            )
        }
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(ellipsize(&title, w), th.title()));
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
