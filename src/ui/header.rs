//! The top line: cluster, peers up, items, errors, the flash message.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::Theme;
use crate::app::State;

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let online = st.online_peers();
    let errors = st.pins.repl.values().filter(|x| x.errors > 0).count();
    let mut spans = vec![
        Span::styled(" ccs-tui ", th.title()),
        Span::raw(format!("cluster {}", st.cluster)),
    ];
    if let Some(u) = &st.user {
        spans.push(Span::raw(format!(" as {u}")));
    }
    spans.push(Span::styled(" │ ", th.dim()));
    let peer_style = if online < st.peers.rows.len() {
        th.warn()
    } else {
        th.ok()
    };
    spans.push(Span::styled(
        format!("{online}/{} peers up", st.peers.rows.len()),
        peer_style,
    ));
    spans.push(Span::styled(" │ ", th.dim()));
    spans.push(Span::raw(format!("{} items", st.pins.rows.len())));
    if errors > 0 {
        spans.push(Span::styled(" │ ", th.dim()));
        spans.push(Span::styled(format!("{errors} in error"), th.bad()));
    }
    if st.read_only {
        spans.push(Span::styled(" │ read-only", th.warn()));
    }
    if st.frozen {
        spans.push(Span::styled(
            " │ FROZEN",
            th.warn().add_modifier(Modifier::BOLD),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}
