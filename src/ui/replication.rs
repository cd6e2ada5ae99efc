//! The replication pane: the selected item, peer by peer.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::*;
use crate::app::{Pane, State};
use crate::cluster::types::TrackerStatus;
use crate::format::{human_bytes, short_id};

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let rs = &st.replication;
    let b = block(st, Pane::Replication, "replication".into(), &rs.fresh, th);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(cid) = &rs.cid else {
        f.render_widget(
            Paragraph::new(Span::styled("Select an item and press Enter.", th.dim())),
            inner,
        );
        return;
    };
    let row = st.pins.rows.iter().find(|x| &x.cid == cid);
    let mut lines: Vec<Line> = Vec::new();
    let name = rs
        .info
        .as_ref()
        .map(|g| g.name.clone())
        .or_else(|| row.map(|x| x.name.to_string()))
        .unwrap_or_default();
    lines.push(Line::from(vec![Span::styled(
        if name.is_empty() {
            "(no name)".to_string()
        } else {
            name
        },
        th.title(),
    )]));
    lines.push(Line::from(Span::raw(cid.to_string())));
    if let Some(x) = row {
        let factors = if x.rmin == -1 && x.rmax == -1 {
            "replication: everywhere".to_string()
        } else {
            format!("replication: min {} max {}", x.rmin, x.rmax)
        };
        let mut meta = factors;
        if !x.org.is_empty() {
            meta.push_str(&format!(" · org {}", x.org));
        }
        if let Some(s) = x.size {
            meta.push_str(&format!(" · {}", human_bytes(s)));
        }
        lines.push(Line::from(Span::styled(meta, th.dim())));
    }
    if let Some(g) = &rs.info {
        let others: Vec<String> = g
            .metadata
            .iter()
            .filter(|(k, _)| k != "org" && k != "size")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !others.is_empty() {
            lines.push(Line::from(Span::styled(others.join(" "), th.dim())));
        }
    }
    // Wrapped: a CIDv1 is wider than a narrow pane, and it must read whole.
    let w = inner.width.max(1) as usize;
    let head_h: u16 = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(w) as u16)
        .sum();
    let [top, table_area] = ratatui::layout::Layout::vertical([
        Constraint::Length(head_h.min(inner.height)),
        Constraint::Min(0),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    let Some(g) = &rs.info else {
        return;
    };
    let mut entries: Vec<_> = g.peer_map.iter().collect();
    // Trouble first, then by name: what an operator looks for.
    entries.sort_by_key(|(id, p)| {
        (
            !p.status.is_error(),
            p.status == TrackerStatus::Remote,
            p.peername.clone(),
            (*id).clone(),
        )
    });
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(
        format!("{:<9} {:<13} {:<11} {}", "PEER", "STATUS", "SINCE", "TRY"),
        th.header(),
    ))];
    for (i, (id, p)) in entries.iter().enumerate() {
        let label = if p.peername.is_empty() {
            short_id(id, 3)
        } else {
            p.peername.clone()
        };
        let when = p.timestamp.0.format("%m-%d %H:%M").to_string();
        let tries = if p.attempt_count > 0 {
            p.attempt_count.to_string()
        } else {
            String::new()
        };
        let selected = st.focus == Pane::Replication && i == rs.selected;
        let mut line = Line::from(vec![
            Span::raw(format!("{:<9.9} ", label)),
            Span::styled(format!("{:<13} ", p.status.upper()), th.status(p.status)),
            Span::raw(format!("{when:<11} {tries}")),
        ]);
        if selected {
            line = line.style(th.selected());
        }
        lines.push(line);
        if !p.error.is_empty() {
            // The error on its own line: it is the part an operator must read.
            lines.push(Line::from(Span::styled(
                format!("  └ {}", p.error),
                th.bad(),
            )));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), table_area);
}
