//! The peers pane.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::*;
use crate::app::{Pane, State};
use crate::format::{human_bytes, short_id};

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let b = block(
        st,
        Pane::Peers,
        format!("peers ({})", st.peers.rows.len()),
        &st.peers.fresh,
        th,
    );
    let wide = r.width >= 100;
    let header = Row::new(if wide {
        vec![
            "NAME", "PEER ID", "VERSION", "STATE", "FREE", "PINNED", "ERRORS",
        ]
    } else {
        vec!["NAME", "PEER ID", "STATE", "FREE", "PINNED", "ERR"]
    })
    .style(th.header());
    // The STATE column's room: what the others and the borders leave.
    let fixed: u16 = if wide {
        10 + 13 + 8 + 8 + 7 + 6 + 6
    } else {
        9 + 13 + 8 + 6 + 3 + 5
    };
    let state_w = usize::from(r.width.saturating_sub(2 + fixed));
    let rows = st.peers.rows.iter().enumerate().map(|(i, p)| {
        // Why a peer does not answer, as its machine's tailnet state says.
        let machine = st
            .tailnet
            .as_ref()
            .and_then(|t| t.machine_of(&p.name, &p.addresses));
        let state = if let (false, Some(m)) = (p.online(), machine) {
            Span::styled(m.explains_down(), th.bad())
        } else if p.online() {
            Span::styled("online", th.ok())
        } else if let Some(why) = crate::cluster::members::missing_reason(&p.error) {
            // Dropped from the cluster's peer list (see cluster::members);
            // the pane is narrow: the time of day says enough (UTC).
            let why = match why.strip_prefix("no heartbeat since ") {
                Some(t) => chrono::DateTime::parse_from_rfc3339(t).map_or_else(
                    |_| why.to_string(),
                    |t| format!("no heartbeat since {} UTC", t.to_utc().format("%H:%M")),
                ),
                None => why.to_string(),
            };
            let long = format!("MISSING: {why}");
            // At 80 columns the time would lose its zone: the reason goes
            // first, as "MISSING" says most of it.
            let text = match why.strip_prefix("no heartbeat ") {
                Some(since) if long.chars().count() > state_w => format!("MISSING {since}"),
                _ => long,
            };
            Span::styled(text, th.bad())
        } else {
            Span::styled(format!("OFFLINE: {}", p.error), th.bad())
        };
        let name = if p.name.is_empty() {
            "?".to_string()
        } else {
            p.name.clone()
        };
        let mut cells = vec![Cell::from(name), Cell::from(short_id(&p.id, 6))];
        if wide {
            cells.push(Cell::from(p.version.clone()));
        }
        cells.push(Cell::from(state));
        cells.push(Cell::from(
            p.free_space
                .filter(|_| p.online())
                .map(human_bytes)
                .unwrap_or_else(|| "-".into()),
        ));
        cells.push(Cell::from(if p.online() {
            p.pinned.to_string()
        } else {
            "?".into()
        }));
        cells.push(Cell::from(Span::styled(
            p.errors.to_string(),
            if p.errors > 0 {
                th.bad()
            } else {
                Style::default()
            },
        )));
        let row = Row::new(cells);
        if st.focus == Pane::Peers && i == st.peers.selected {
            row.style(th.selected())
        } else {
            row
        }
    });
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(10),
            Constraint::Length(13),
            Constraint::Length(8),
            Constraint::Min(12),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(6),
        ]
    } else {
        vec![
            Constraint::Length(9),
            Constraint::Length(13),
            Constraint::Min(8),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(3),
        ]
    };
    // Drawn with the selection so the table scrolls to keep it in sight.
    let mut at = TableState::default().with_selected(Some(st.peers.selected));
    f.render_stateful_widget(Table::new(rows, widths).header(header).block(b), r, &mut at);
}
