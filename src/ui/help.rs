//! Overlay: the keys of the screen help was opened on, from its keymap,
//! scrolled when they outgrow the terminal.

use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row, Table};
use ratatui::Frame;

use super::layout::{help_area, help_visible};
use super::theme::Theme;
use crate::app::state::HelpView;
use crate::app::State;

pub(super) fn draw(st: &State, h: &HelpView, f: &mut Frame, area: Rect, th: Theme) {
    let rows = st.keymap.help_rows(h.of);
    let r = help_area(area, rows.len());
    let visible = help_visible(area, rows.len());
    let start = h.offset.min(rows.len().saturating_sub(visible));
    let end = (start + visible).min(rows.len());
    let key_w = rows
        .iter()
        .map(|r| r.keys.chars().count())
        .max()
        .unwrap_or(8)
        .min(24) as u16;
    f.render_widget(Clear, r);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(
            format!(" keys: {} (Esc closes) ", h.of.title()),
            th.title(),
        ));
    if end - start < rows.len() {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" {}–{} of {} · j/k PgDn/PgUp ", start + 1, end, rows.len()),
                th.dim(),
            ))
            .alignment(Alignment::Right),
        );
    }
    let table = Table::new(
        rows[start..end].iter().map(|row| {
            Row::new(vec![
                Cell::from(Span::styled(row.keys.clone(), th.title())),
                Cell::from(row.text),
            ])
        }),
        [Constraint::Length(key_w), Constraint::Min(10)],
    )
    .block(block);
    f.render_widget(table, r);
}
