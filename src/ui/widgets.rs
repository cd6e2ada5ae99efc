//! Shared pieces of the screen: a pane's frame (title, focus, freshness) and a centred box.

use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::theme::Theme;
use crate::app::state::Freshness;
use crate::app::{Pane, State};

pub(super) fn block<'a>(
    st: &State,
    pane: Pane,
    title: String,
    fresh: &Freshness,
    th: Theme,
) -> Block<'a> {
    let focused = st.focus == pane;
    let n = match pane {
        Pane::Peers => 1,
        Pane::Pins => 2,
        Pane::Replication => 3,
    };
    let age = fresh.describe(st.now);
    let age_style = if fresh.error.is_some() {
        th.bad()
    } else {
        th.dim()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            th.focused_border()
        } else {
            th.border()
        })
        .title(Line::from(vec![
            Span::styled(format!(" {n} "), th.dim()),
            Span::styled(
                title,
                if focused {
                    th.title()
                } else {
                    Style::default()
                },
            ),
            Span::raw(" "),
        ]))
        .title_bottom(
            Line::from(Span::styled(format!(" {age} "), age_style)).alignment(Alignment::Right),
        )
}

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
