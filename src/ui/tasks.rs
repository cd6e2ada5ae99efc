//! Overlay: the transfers, with progress.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::*;
use crate::app::transfers::{TaskKind, TaskState};
use crate::app::State;

pub(super) fn draw(st: &State, f: &mut Frame, area: Rect, th: Theme) {
    let w = area.width.saturating_sub(6).min(100);
    let inner_w = w.saturating_sub(2).max(1) as usize;
    // A failure's message wraps: it is the part to read whole.
    let state_lines: u16 = st
        .tasks
        .iter()
        .map(|t| match &t.state {
            TaskState::Done(m) | TaskState::Failed(m) => {
                (m.chars().count() + 2).div_ceil(inner_w) as u16
            }
            _ => 1,
        })
        .sum();
    let h = (st.tasks.len() as u16 + state_lines + 2)
        .max(5)
        .min(area.height);
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(
            " transfers (c cancels · d dismisses · Esc closes · ? keys) ",
            th.title(),
        ));
    let inner = b.inner(r);
    f.render_widget(b, r);
    if st.tasks.is_empty() {
        f.render_widget(
            Paragraph::new(Span::styled(
                "No transfers yet: a uploads, o fetches.",
                th.dim(),
            )),
            inner,
        );
        return;
    }
    let mut lines = Vec::new();
    let bar_w = 20usize;
    for (i, t) in st.tasks.iter().enumerate() {
        let kind = match t.kind {
            TaskKind::Audit => "audit ",
            TaskKind::Upload => "upload",
            TaskKind::Fetch => "fetch ",
            TaskKind::Steward => "copies",
            TaskKind::Edit => "edit  ",
            TaskKind::Erase => "erase ",
        };
        let filled = (t.ratio() * bar_w as f64).round() as usize;
        let bar = format!(
            "[{}{}]",
            "#".repeat(filled),
            " ".repeat(bar_w - filled.min(bar_w))
        );
        let (state, style) = match &t.state {
            TaskState::Running => (
                t.note.clone().unwrap_or_else(|| "running".to_string()),
                th.warn(),
            ),
            TaskState::Done(m) => (m.clone(), th.ok()),
            TaskState::Failed(e) => (e.clone(), th.bad()),
            TaskState::Cancelled => ("cancelled".to_string(), th.dim()),
        };
        let mut l = Line::from(vec![
            Span::raw(format!("{kind} {} ", t.what)),
            Span::styled(bar, style),
            Span::raw(format!(" {}", t.progress_text(st.now))),
        ]);
        if i == st.tasks_selected {
            l = l.style(th.selected());
        }
        lines.push(l);
        lines.push(Line::from(Span::styled(format!("  {state}"), style)));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
