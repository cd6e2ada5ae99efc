//! Overlay: the transfers, with progress.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::*;
use crate::app::transfers::{TaskKind, TaskState};
use crate::app::State;

/// Lines a task takes: its line (cut to the width) and what it says, which
/// wraps (a failure's message is the part to read whole).
fn state_text(t: &crate::app::transfers::Task) -> String {
    match &t.state {
        TaskState::Running => t.note.clone().unwrap_or_else(|| "running".to_string()),
        TaskState::Done(m) | TaskState::Failed(m) => m.clone(),
        TaskState::Cancelled => "cancelled".to_string(),
    }
}

fn height(t: &crate::app::transfers::Task, inner_w: usize) -> u16 {
    1 + (state_text(t).chars().count() + 2).div_ceil(inner_w).max(1) as u16
}

pub(super) fn draw(st: &State, f: &mut Frame, area: Rect, th: Theme) {
    let w = area.width.saturating_sub(6).min(100);
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let heights: Vec<u16> = st.tasks.iter().map(|t| height(t, inner_w)).collect();
    let total: u16 = heights.iter().sum();
    let h = (total + 2).max(5).min(area.height);
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
    let lines: Vec<Line> = st
        .tasks
        .iter()
        .enumerate()
        .flat_map(|(i, t)| task_lines(st, t, i == st.tasks_selected, inner_w, th))
        .collect();
    // The selected task in sight: as few lines above it cut as it needs.
    let sel = st.tasks_selected.min(heights.len().saturating_sub(1));
    let top: u16 = heights[..sel].iter().sum();
    let bottom = top + heights[sel];
    let offset = bottom.saturating_sub(inner.height).min(top);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((offset, 0)),
        inner,
    );
}

/// A task's line (kind, what, its bar and progress; what is cut to fit the
/// width, so that the line is one) and the line of what it says.
fn task_lines<'a>(
    st: &State,
    t: &crate::app::transfers::Task,
    selected: bool,
    inner_w: usize,
    th: Theme,
) -> [Line<'a>; 2] {
    let bar_w = 20usize;
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
    let style = match &t.state {
        TaskState::Running => th.warn(),
        TaskState::Done(_) => th.ok(),
        TaskState::Failed(_) => th.bad(),
        TaskState::Cancelled => th.dim(),
    };
    let progress = format!(" {}", t.progress_text(st.now));
    let room =
        inner_w.saturating_sub(kind.len() + 2 + bar.chars().count() + progress.chars().count());
    let mut l = Line::from(vec![
        Span::raw(format!("{kind} {} ", ellipsize(&t.what, room))),
        Span::styled(bar, style),
        Span::raw(progress),
    ]);
    if selected {
        l = l.style(th.selected());
    }
    [
        l,
        Line::from(Span::styled(format!("  {}", state_text(t)), style)),
    ]
}
