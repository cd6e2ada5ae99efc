//! The pins pane: the archive, windowed.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::*;
use crate::app::{Pane, State};
use crate::format::{human_bytes, short_id};

pub(super) fn fmt_time(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let p = &st.pins;
    let mut title = if p.problems_only {
        format!("problems ({}/{})", p.index.len(), p.rows.len())
    } else if p.filter.is_empty() {
        format!("pins ({})", p.rows.len())
    } else {
        format!("pins ({}/{})", p.index.len(), p.rows.len())
    };
    title.push_str(&format!(
        " · {} {}",
        p.sort.key.label(),
        if p.sort.descending { "↓" } else { "↑" }
    ));
    if !p.filter.is_empty() {
        title.push_str(&format!(" · /{}", p.filter.raw));
    }
    if p.index_pending.is_some() {
        title.push_str(" · sorting…");
    }
    if !p.marked.is_empty() {
        title.push_str(&format!(" · {} marked", p.marked.len()));
    }
    let b = block(st, Pane::Pins, title, &p.fresh, th);
    let inner_w = r.width.saturating_sub(2);
    let wide = inner_w >= 100;
    let cid_w: u16 = if wide { 46 } else { 15 };
    let header = Row::new(if wide {
        vec!["", "NAME", "CID", "REPLICATION", "ORG", "SIZE", "CREATED"]
    } else {
        vec!["", "NAME", "CID", "REPLICATION", "SIZE"]
    })
    .style(th.header());
    let h = r.height.saturating_sub(3) as usize;
    let end = (p.offset + h).min(p.index.len());
    let start = p.offset.min(end);
    let online = st.online_peers();
    // Only the visible window becomes ratatui rows: a million-item pinset
    // costs the same to draw as a ten-item one.
    let rows = p.index[start..end]
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| {
            let row = p.rows.get(i as usize)?;
            let repl = p.repl.get(&row.cid);
            let (text, style) = match repl {
                Some(rp) => (
                    rp.summary(),
                    if rp.errors > 0 {
                        th.bad()
                    } else if rp.is_problem() {
                        th.warn()
                    } else {
                        th.ok()
                    },
                ),
                None => (format!("?/{}", row.wanted(online)), th.dim()),
            };
            let mark = if p.marked.contains(&row.cid) {
                "●"
            } else {
                " "
            };
            let cid = if wide {
                row.cid.to_string()
            } else {
                short_id(&row.cid, 6)
            };
            let size = row.size.map(human_bytes).unwrap_or_default();
            let mut cells = vec![
                Cell::from(mark),
                Cell::from(row.name.to_string()),
                Cell::from(cid),
                Cell::from(Span::styled(text, style)),
            ];
            if wide {
                cells.push(Cell::from(row.org.to_string()));
                cells.push(Cell::from(size));
                cells.push(Cell::from(fmt_time(row.created)));
            } else {
                cells.push(Cell::from(size));
            }
            let r = Row::new(cells);
            Some(if st.focus == Pane::Pins && start + k == p.selected {
                r.style(th.selected())
            } else if p.marked.contains(&row.cid) {
                r.style(Style::default().add_modifier(Modifier::BOLD))
            } else {
                r
            })
        });
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(1),
            Constraint::Min(16),
            Constraint::Length(cid_w),
            Constraint::Length(20),
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(16),
        ]
    } else {
        vec![
            Constraint::Length(1),
            Constraint::Min(10),
            Constraint::Length(cid_w),
            Constraint::Length(17),
            Constraint::Length(7),
        ]
    };
    let mut table = Table::new(rows, widths).header(header).block(b);
    if p.rows.is_empty() {
        let msg = if p.fresh.error.is_some() {
            "no data yet"
        } else if p.fresh.fetched.is_some() {
            "the pinset is empty"
        } else {
            "loading the pinset…"
        };
        table = table.footer(Row::new(vec![Cell::from(""), Cell::from(msg)]).style(th.dim()));
    } else if p.index.is_empty() {
        table = table
            .footer(Row::new(vec![Cell::from(""), Cell::from("no item matches")]).style(th.dim()));
    }
    f.render_widget(table, r);
}
