//! The pins pane: the archive, windowed. Narrow terminals shorten the CID
//! (then drop it) before the names, and a cut name ends in `…`.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::layout::pins_rows_in;
use super::theme::Theme;
use super::widgets::{block, ellipsize};
use crate::app::state::PinsState;
use crate::app::{Pane, State};
use crate::format::{count, human_bytes, short_id};
use crate::pinset;

pub(super) fn fmt_time(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Widths of the columns for a pane `inner` columns wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Widths {
    name: u16,
    /// 46+ (whole), 13 (`Qmabcd…uvwxyz`), 7 (`Qma…xyz`) or 0 (hidden).
    cid: u16,
    /// ORG and CREATED are shown.
    wide: bool,
}

/// Names keep at least this many columns before the CID gives any up.
const NAME_MIN: u16 = 24;
/// `1/3, 1 err, 1 down`, the longest summary of a three-copy item.
const REPL_W: u16 = 18;
const SIZE_W: u16 = 8;
const ORG_W: u16 = 10;
const CREATED_W: u16 = 16;

fn widths(inner: u16) -> Widths {
    let wide = inner >= 100;
    // Mark, replication, size (and org, created), with a space between columns.
    let mut fixed = 1 + REPL_W + SIZE_W + 3;
    if wide {
        fixed += ORG_W + CREATED_W + 2;
    }
    let avail = inner.saturating_sub(fixed);
    let cid = [59u16, 46, 13, 7]
        .into_iter()
        .find(|c| avail >= c + 1 + NAME_MIN + if *c >= 46 { 16 } else { 0 })
        .unwrap_or(0);
    let name = avail.saturating_sub(if cid > 0 { cid + 1 } else { 0 });
    Widths { name, cid, wide }
}

impl Widths {
    /// The columns shown at these widths, left to right.
    fn shown(self) -> impl Iterator<Item = Column> {
        Column::ALL.into_iter().filter(move |c| match c {
            Column::Cid => self.cid > 0,
            Column::Org | Column::Created => self.wide,
            Column::Mark | Column::Name | Column::Replication | Column::Size => true,
        })
    }
}

/// A column of the table: its header, width and cell in one place, so the
/// header row, the widths and every row cannot disagree on which columns
/// there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Mark,
    Name,
    Cid,
    Replication,
    Org,
    Size,
    Created,
}

/// What a row's cells are drawn from: the item and what the pane knows of it.
struct Item<'a> {
    row: pinset::Row<'a>,
    marked: bool,
    replication: Span<'static>,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Mark,
        Column::Name,
        Column::Cid,
        Column::Replication,
        Column::Org,
        Column::Size,
        Column::Created,
    ];

    fn header(self) -> &'static str {
        match self {
            Column::Mark => "",
            Column::Name => "NAME",
            Column::Cid => "CID",
            Column::Replication => "REPLICATION",
            Column::Org => "ORG",
            Column::Size => "SIZE",
            Column::Created => "CREATED",
        }
    }

    fn width(self, w: Widths) -> u16 {
        match self {
            Column::Mark => 1,
            Column::Name => w.name,
            Column::Cid => w.cid,
            Column::Replication => REPL_W,
            Column::Org => ORG_W,
            Column::Size => SIZE_W,
            Column::Created => CREATED_W,
        }
    }

    fn cell(self, item: &Item<'_>, w: Widths) -> Cell<'static> {
        let row = item.row;
        match self {
            Column::Mark => Cell::from(if item.marked { "●" } else { " " }),
            Column::Name => Cell::from(ellipsize(row.name(), w.name as usize)),
            Column::Cid => Cell::from(cid_text(row.cid(), w.cid)),
            Column::Replication => Cell::from(item.replication.clone()),
            Column::Org => Cell::from(ellipsize(row.org(), ORG_W as usize)),
            Column::Size => Cell::from(row.size().map(human_bytes).unwrap_or_default()),
            Column::Created => Cell::from(fmt_time(row.created())),
        }
    }
}

fn cid_text(cid: &str, w: u16) -> String {
    match w {
        0 => String::new(),
        7 => short_id(cid, 3),
        13 => short_id(cid, 6),
        _ => ellipsize(cid, w as usize),
    }
}

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let p = &st.pins;
    let b = block(st, Pane::Pins, title(p), &p.fresh, th);
    let w = widths(r.width.saturating_sub(2));
    let shown: Vec<Column> = w.shown().collect();
    let header = Row::new(shown.iter().map(|c| c.header())).style(th.header());
    let constraints = shown.iter().map(|c| Constraint::Length(c.width(w)));
    let rows = visible_rows(st, &shown, w, pins_rows_in(r), th);
    f.render_widget(Table::new(rows, constraints).header(header).block(b), r);
    if let Some(msg) = empty_message(p) {
        draw_empty(f, r, &msg, th);
    }
}

/// What the rows on screen are: while another view is on its way, the one
/// they were computed for, and what is being worked out.
fn title(p: &PinsState) -> String {
    let v = &p.shown;
    let mut title = if v.problems_only {
        format!(
            "problems ({}/{})",
            count(p.index.len()),
            count(p.rows.len())
        )
    } else if v.filter.is_empty() {
        format!("pins ({})", count(p.rows.len()))
    } else {
        format!("pins ({}/{})", count(p.index.len()), count(p.rows.len()))
    };
    title.push_str(&format!(
        " · {} {}",
        v.sort.key.label(),
        if v.sort.descending { "↓" } else { "↑" }
    ));
    if !v.filter.is_empty() {
        title.push_str(&format!(" · /{}", v.filter));
    }
    if p.index_pending.is_some() {
        let a = &p.asked;
        title.push_str(match () {
            _ if a.problems_only && !v.problems_only => " · finding problems…",
            _ if a.problems_only != v.problems_only || a.filter != v.filter => " · filtering…",
            _ => " · sorting…",
        });
    }
    if !p.marked.is_empty() {
        title.push_str(&format!(" · {} marked", p.marked.len()));
    }
    title
}

/// The rows of the `height` items from the pane's offset. Only the visible
/// window becomes ratatui rows: a million-item pinset costs the same to
/// draw as a ten-item one.
fn visible_rows<'s>(
    st: &'s State,
    shown: &'s [Column],
    w: Widths,
    height: usize,
    th: Theme,
) -> impl Iterator<Item = Row<'static>> + 's {
    let p = &st.pins;
    let end = (p.offset + height).min(p.index.len());
    let start = p.offset.min(end);
    p.index[start..end]
        .iter()
        .enumerate()
        .filter_map(move |(k, &i)| {
            let row = p.rows.get(i as usize)?;
            let item = Item {
                row,
                marked: p.marked.contains(row.cid()),
                replication: replication(st, row, th),
            };
            let cells = shown.iter().map(|c| c.cell(&item, w));
            let r = Row::new(cells);
            Some(if st.focus == Pane::Pins && start + k == p.selected {
                r.style(th.selected())
            } else if item.marked {
                r.style(Style::default().add_modifier(Modifier::BOLD))
            } else {
                r
            })
        })
}

/// The replication cell: the summary in the colour of how bad it is.
fn replication(st: &State, row: pinset::Row<'_>, th: Theme) -> Span<'static> {
    match st.pins.repl.of(row) {
        Some(rp) => {
            let style = if rp.errors > 0 {
                th.bad()
            } else if rp.is_problem() {
                th.warn()
            } else {
                th.ok()
            };
            Span::styled(rp.summary(), style)
        }
        // The problems list has not come yet: said, not left to a bare `?`
        // the operator has to guess at.
        None => Span::styled(
            format!("?/{} checking", row.wanted(st.peers.rows.len())),
            th.dim(),
        ),
    }
}

/// Why an empty pane is empty, and how to get rows back.
fn empty_message(p: &PinsState) -> Option<String> {
    let v = &p.shown;
    if p.rows.is_empty() {
        Some(if p.fresh.error.is_some() {
            "no data yet".to_string()
        } else if p.fresh.fetched.is_some() {
            "the pinset is empty".to_string()
        } else {
            "loading the pinset…".to_string()
        })
    } else if p.index.is_empty() && p.index_pending.is_none() {
        Some(match (v.problems_only, v.filter.is_empty()) {
            (true, true) => "no problems: every item has all its copies · Esc: all pins".into(),
            (_, false) => format!("no item matches /{} · Esc clears the filter", v.filter),
            (false, true) => "no item to show".into(),
        })
    } else {
        None
    }
}

/// The message on the pane's first line, where the eye lands: across the
/// columns, under the header, past the mark column.
fn draw_empty(f: &mut Frame, r: Rect, msg: &str, th: Theme) {
    let line = Rect {
        x: r.x + 3,
        y: r.y + 2,
        width: r.width.saturating_sub(4),
        height: 1,
    }
    .intersection(r);
    f.render_widget(
        Paragraph::new(ellipsize(msg, line.width as usize)).style(th.dim()),
        line,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cid_gives_way_before_the_names() {
        let at = |w| widths(w);
        assert_eq!(at(78).cid, 13, "80 columns: short CID, names 30+");
        assert!(at(78).name >= NAME_MIN);
        assert_eq!(at(64).cid, 7);
        assert_eq!(at(56).cid, 0, "narrow: no CID, the name stays");
        assert!(at(56).name >= NAME_MIN);
        assert!(at(158).cid >= 46, "wide: the whole CIDv0");
        assert!(at(158).wide);
    }

    #[test]
    fn every_summary_of_a_three_copy_item_fits_its_column() {
        use crate::app::rows::Repl;
        for pinned in 0..=3 {
            for errors in 0..=3 - pinned {
                for down in 0..=3 - pinned - errors {
                    let r = Repl {
                        pinned,
                        errors,
                        cluster_errors: down,
                        allocated: 3,
                        ..Repl::default()
                    };
                    let s = r.summary();
                    assert!(s.len() <= usize::from(REPL_W), "{s:?}");
                }
            }
        }
    }
}
