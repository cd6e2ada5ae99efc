//! Overlay: the keys of the current screen, from the keymap.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Clear, Row, Table};
use ratatui::Frame;

use super::theme::Theme;
use crate::app::State;

pub(super) fn draw(st: &State, f: &mut Frame, area: Rect, th: Theme) {
    let rows = st.keymap.help_rows();
    let w = area.width.saturating_sub(4).min(70);
    let h = (rows.len() as u16 + 4).min(area.height.saturating_sub(2));
    let r = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let table = Table::new(
        rows.into_iter()
            .map(|(k, d)| Row::new(vec![Cell::from(Span::styled(k, th.title())), Cell::from(d)])),
        [Constraint::Length(22), Constraint::Min(10)],
    )
    .block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(th.focused_border())
            .title(Span::styled(" keys (Esc closes) ", th.title())),
    );
    f.render_widget(table, r);
}
