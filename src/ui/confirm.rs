//! Overlay: a confirmation, Cancel focused.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::*;
use crate::app::dialog::{Confirm, ConfirmAction};
use crate::format::short_id;

pub(super) fn draw(c: &Confirm, f: &mut Frame, area: Rect, th: Theme) {
    let w = area.width.saturating_sub(2).min(100);
    // Item lines are cut, not wrapped: the buttons must always fit.
    let inner = w.saturating_sub(2) as usize;
    let (title, mut lines, verb): (&str, Vec<Line>, &str) = match &c.action {
        ConfirmAction::Unpin(items) => {
            let mut l = vec![Line::from(Span::styled(
                if items.len() == 1 {
                    "Unpin this item? It is removed from every peer of the cluster.".to_string()
                } else {
                    format!(
                        "Unpin these {} items? They are removed from every peer of the cluster.",
                        items.len()
                    )
                },
                th.warn(),
            ))];
            for (cid, name, holders) in items.iter().take(6) {
                let name = if name.is_empty() { "(no name)" } else { name };
                // The last copy in the archive is said loudest.
                let (held, style) = match holders {
                    0 => ("no pinned copy".to_string(), th.warn()),
                    1 => ("THE ONLY PINNED COPY".to_string(), th.bad()),
                    n => (
                        format!("held by {n} peers"),
                        ratatui::style::Style::default(),
                    ),
                };
                let head = ellipsize(
                    &format!("  {name} · {}", short_id(cid, 6)),
                    inner.saturating_sub(held.len() + 3),
                );
                l.push(Line::from(vec![
                    ratatui::text::Span::raw(format!("{head} · ")),
                    ratatui::text::Span::styled(held, style),
                ]));
            }
            if items.len() > 6 {
                l.push(Line::from(format!("  … and {} more", items.len() - 6)));
            }
            (" unpin ", l, "Unpin")
        }
        ConfirmAction::RecoverAll(n) => (
            " recover all ",
            vec![Line::from(format!("Re-queue every item in error ({n})?"))],
            "Recover",
        ),
    };
    lines.push(Line::from(""));
    let cancel_style = if c.on_action {
        Style::default()
    } else {
        th.selected()
    };
    let act_style = if c.on_action {
        th.selected().patch(th.bad())
    } else {
        th.bad()
    };
    lines.push(Line::from(vec![
        Span::styled(" Cancel ", cancel_style),
        Span::raw("   "),
        Span::styled(format!(" {verb} "), act_style),
        Span::styled("    y confirms · Esc/n cancels · ←→ moves", th.dim()),
    ]));
    let h: u16 = lines
        .iter()
        .map(|l| (l.width().max(1).div_ceil(inner.max(1))) as u16)
        .sum::<u16>()
        + 2;
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.bad())
        .title(Span::styled(title, th.bad().add_modifier(Modifier::BOLD)));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(b), r);
}
