//! The bottom line: the keys of the screen you are on, `?` and `q` first.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::Theme;
use crate::app::state::Level;
use crate::app::{Mode, Pane, State};

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let line = match &st.mode {
        Mode::Filter(t) => Line::from(vec![
            Span::styled("/", th.title()),
            Span::raw(t.clone()),
            Span::raw("█"),
        ]),
        Mode::Command(t) => Line::from(vec![
            Span::styled(":", th.title()),
            Span::raw(t.clone()),
            Span::raw("█"),
        ]),
        _ => {
            if let Some(fl) = &st.flash {
                let style = match fl.level {
                    Level::Info => th.ok(),
                    Level::Error => th.bad(),
                };
                Line::from(Span::styled(fl.text.clone(), style))
            } else {
                keys_line(st, th)
            }
        }
    };
    f.render_widget(Paragraph::new(line), r);
}

pub(super) fn keys_line(st: &State, th: Theme) -> Line<'static> {
    use crate::app::keymap::Action as A;
    let actions: &[A] = match st.focus {
        Pane::Peers => &[
            A::Help,
            A::NextPane,
            A::Copy,
            A::Refresh,
            A::Freeze,
            A::Quit,
        ],
        Pane::Pins => &[
            A::Help,
            A::Filter,
            A::Inspect,
            A::Mark,
            A::Problems,
            A::Copy,
            A::NextPane,
            A::Quit,
        ],
        Pane::Replication => &[A::Help, A::Back, A::Copy, A::Refresh, A::Quit],
    };
    let mut spans = Vec::new();
    for a in actions {
        if let Some(k) = st.keymap.key_for(*a) {
            spans.push(Span::styled(format!("<{k}>"), th.title()));
            spans.push(Span::raw(format!(" {}  ", a.short())));
        }
    }
    Line::from(spans)
}
