//! The top line: cluster, peers up, items, problems, transfers, modes.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::Theme;
use crate::app::State;

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let online = st.online_peers();
    let errors = st
        .pins
        .repl
        .observed
        .values()
        .filter(|x| x.errors > 0)
        .count();
    let sep = || Span::styled(" │ ", th.dim());
    let mut spans = vec![
        Span::styled(" ccs-tui ", th.title()),
        Span::raw(format!("cluster {}", st.cluster)),
    ];
    if let Some(u) = &st.user {
        spans.push(Span::raw(format!(" as {u}")));
    }
    spans.push(sep());
    let peer_style = if online < st.peers.rows.len() {
        th.warn()
    } else {
        th.ok()
    };
    spans.push(Span::styled(
        format!("{online}/{} peers up", st.peers.rows.len()),
        peer_style,
    ));
    spans.push(sep());
    spans.push(Span::raw(format!("{} items", st.pins.rows.len())));
    // The same count the problems view (`p`) lists.
    if st.pins.problems > 0 {
        spans.push(sep());
        let mut text = format!("{} problems", st.pins.problems);
        if errors > 0 {
            text.push_str(&format!(" ({errors} in error)"));
        }
        spans.push(Span::styled(
            text,
            if errors > 0 { th.bad() } else { th.warn() },
        ));
    }
    let running = st.running_tasks();
    if running > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            format!(
                "{running} transfer{} (w)",
                if running == 1 { "" } else { "s" }
            ),
            th.warn(),
        ));
    }
    if st.read_only {
        spans.push(sep());
        spans.push(Span::styled("read-only", th.warn()));
    }
    if st.frozen {
        spans.push(sep());
        spans.push(Span::styled(
            "FROZEN (f)",
            th.bad().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}
