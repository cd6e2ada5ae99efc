//! The peers pane.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::block;
use crate::app::rows::PeerRow;
use crate::app::{Pane, State};
use crate::cluster::members::missing_reason;
use crate::format::{human_bytes, short_id};

/// A column of the table: its header, width and cell in one place. STATE
/// takes what the others leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    PeerId,
    /// Wide panes only.
    Version,
    State,
    Free,
    Pinned,
    Errors,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Name,
        Column::PeerId,
        Column::Version,
        Column::State,
        Column::Free,
        Column::Pinned,
        Column::Errors,
    ];

    /// The columns of a pane, wide (100 columns and more) or not.
    fn shown(wide: bool) -> impl Iterator<Item = Column> {
        Column::ALL
            .into_iter()
            .filter(move |c| wide || *c != Column::Version)
    }

    fn header(self, wide: bool) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::PeerId => "PEER ID",
            Column::Version => "VERSION",
            Column::State => "STATE",
            Column::Free => "FREE",
            Column::Pinned => "PINNED",
            Column::Errors if wide => "ERRORS",
            Column::Errors => "ERR",
        }
    }

    /// Its width, the least for STATE.
    fn width(self, wide: bool) -> u16 {
        match (self, wide) {
            (Column::Name, true) => 10,
            (Column::Name, false) => 9,
            (Column::PeerId, _) => 13,
            (Column::Version, _) => 8,
            (Column::State, true) => 12,
            (Column::State, false) => 8,
            (Column::Free, _) => 8,
            (Column::Pinned, true) => 7,
            (Column::Pinned, false) => 6,
            (Column::Errors, true) => 6,
            (Column::Errors, false) => 3,
        }
    }

    fn constraint(self, wide: bool) -> Constraint {
        match self {
            Column::State => Constraint::Min(self.width(wide)),
            _ => Constraint::Length(self.width(wide)),
        }
    }

    fn cell(self, st: &State, p: &PeerRow, state_w: usize, th: Theme) -> Cell<'static> {
        match self {
            Column::Name => Cell::from(if p.name.is_empty() {
                "?".to_string()
            } else {
                p.name.clone()
            }),
            Column::PeerId => Cell::from(short_id(&p.id, 6)),
            Column::Version => Cell::from(p.version.clone()),
            Column::State => Cell::from(state(st, p, state_w, th)),
            Column::Free => Cell::from(
                p.free_space
                    .filter(|_| p.online())
                    .map(human_bytes)
                    .unwrap_or_else(|| "-".into()),
            ),
            Column::Pinned => Cell::from(if p.online() {
                p.pinned.to_string()
            } else {
                "?".into()
            }),
            Column::Errors => Cell::from(Span::styled(
                p.errors.to_string(),
                if p.errors > 0 {
                    th.bad()
                } else {
                    Style::default()
                },
            )),
        }
    }
}

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let b = block(
        st,
        Pane::Peers,
        format!("peers ({})", st.peers.rows.len()),
        &st.peers.fresh,
        th,
    );
    let wide = r.width >= 100;
    let shown: Vec<Column> = Column::shown(wide).collect();
    let header = Row::new(shown.iter().map(|c| c.header(wide))).style(th.header());
    // The STATE column's room: what the others, the spaces between columns
    // and the borders leave.
    let fixed: u16 = shown
        .iter()
        .filter(|c| **c != Column::State)
        .map(|c| c.width(wide) + 1)
        .sum();
    let state_w = usize::from(r.width.saturating_sub(2 + fixed));
    let rows = st.peers.rows.iter().enumerate().map(|(i, p)| {
        let row = Row::new(shown.iter().map(|c| c.cell(st, p, state_w, th)));
        if st.focus == Pane::Peers && i == st.peers.selected {
            row.style(th.selected())
        } else {
            row
        }
    });
    let widths = shown.iter().map(|c| c.constraint(wide));
    // Drawn with the selection so the table scrolls to keep it in sight.
    let mut at = TableState::default().with_selected(Some(st.peers.selected));
    f.render_stateful_widget(Table::new(rows, widths).header(header).block(b), r, &mut at);
}

/// A peer's state in `width` columns: online, or why it does not answer,
/// as its machine's tailnet state says when known.
fn state(st: &State, p: &PeerRow, width: usize, th: Theme) -> Span<'static> {
    let machine = st
        .tailnet
        .as_ref()
        .and_then(|t| t.machine_of(&p.name, &p.addresses));
    if let (false, Some(m)) = (p.online(), machine) {
        Span::styled(m.explains_down(), th.bad())
    } else if p.online() {
        Span::styled("online", th.ok())
    } else if let Some(why) = missing_reason(&p.error) {
        Span::styled(missing(why, width), th.bad())
    } else {
        Span::styled(format!("OFFLINE: {}", p.error), th.bad())
    }
}

/// A peer dropped from the cluster's peer list (see cluster::members); the
/// pane is narrow: the time of day says enough (UTC).
fn missing(why: &str, width: usize) -> String {
    let why = match why.strip_prefix("no heartbeat since ") {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t).map_or_else(
            |_| why.to_string(),
            |t| format!("no heartbeat since {} UTC", t.to_utc().format("%H:%M")),
        ),
        None => why.to_string(),
    };
    let long = format!("MISSING: {why}");
    // At 80 columns the time would lose its zone: the reason goes first,
    // as "MISSING" says most of it.
    match why.strip_prefix("no heartbeat ") {
        Some(since) if long.chars().count() > width => format!("MISSING {since}"),
        _ => long,
    }
}
