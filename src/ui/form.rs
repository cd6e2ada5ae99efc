//! Overlay: a form (upload, fetch).

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::*;
use crate::app::dialog::{Form, FormKind};

pub(super) fn draw(form: &Form, f: &mut Frame, area: Rect, th: Theme) {
    let title = match form.kind {
        FormKind::Upload => " upload to the archive ",
        FormKind::Fetch => " fetch from the archive ",
        FormKind::Edit(..) => " edit the item ",
    };
    // The message under the fields wraps: a long error is read whole.
    let w = 76u16.min(area.width);
    let msg_lines = form.error.as_ref().or(form.note.as_ref()).map_or(1, |m| {
        (unicode_width::UnicodeWidthStr::width(m.as_str()).max(1))
            .div_ceil(w.saturating_sub(2).max(1) as usize) as u16
    });
    let h = form.fields.len() as u16 * 2 + 3 + msg_lines;
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(title, th.title()));
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    let label_w = 17usize;
    let field_w = (inner.width as usize).saturating_sub(label_w + 1).max(1);
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let scroll = field.input.visual_scroll(field_w.saturating_sub(1));
        let shown: String = field.value().chars().skip(scroll).take(field_w).collect();
        let style = if focused {
            th.selected()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>w$} ", field.label, w = label_w - 1),
                if focused { th.title() } else { th.dim() },
            ),
            Span::styled(format!("{shown:<field_w$}"), style),
        ]));
        lines.push(Line::from(Span::styled(
            format!("{:w$} {}", "", field.hint, w = label_w - 1),
            th.dim(),
        )));
        if focused {
            let x = inner.x
                + label_w as u16
                + (field.input.visual_cursor().saturating_sub(scroll)) as u16;
            cursor = Some((
                x.min(inner.x + inner.width.saturating_sub(1)),
                inner.y + (i as u16) * 2,
            ));
        }
    }
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(e.clone(), th.bad())));
    } else if let Some(n) = &form.note {
        lines.push(Line::from(Span::styled(n.clone(), th.warn())));
    } else if form.pending {
        lines.push(Line::from(Span::styled("checking…", th.dim())));
    } else {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Enter go · Esc cancel · ↑↓ field · Tab completes · F1 keys",
        th.dim(),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((x, y)) = cursor {
        f.set_cursor_position((x, y));
    }
}
