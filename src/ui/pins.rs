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
use super::widgets::*;
use crate::app::{Pane, State};
use crate::format::{count, human_bytes, short_id};

pub(super) fn fmt_time(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Widths of the columns for a pane `inner` columns wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
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

fn columns(inner: u16) -> Columns {
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
    Columns { name, cid, wide }
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
    // What the rows on screen are: while another view is on its way, the
    // one they were computed for, and what is being worked out.
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
    let b = block(st, Pane::Pins, title, &p.fresh, th);
    let cols = columns(r.width.saturating_sub(2));
    let mut head = vec!["", "NAME"];
    if cols.cid > 0 {
        head.push("CID");
    }
    head.push("REPLICATION");
    if cols.wide {
        head.push("ORG");
    }
    head.push("SIZE");
    if cols.wide {
        head.push("CREATED");
    }
    let header = Row::new(head).style(th.header());
    let h = pins_rows_in(r);
    let end = (p.offset + h).min(p.index.len());
    let start = p.offset.min(end);
    // Only the visible window becomes ratatui rows: a million-item pinset
    // costs the same to draw as a ten-item one.
    let rows = p.index[start..end]
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| {
            let row = p.rows.get(i as usize)?;
            let (text, style) = match p.repl.of(row) {
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
                // The problems list has not come yet: said, not left to a
                // bare `?` the operator has to guess at.
                None => (
                    format!("?/{} checking", row.wanted(st.peers.rows.len())),
                    th.dim(),
                ),
            };
            let marked = p.marked.contains(row.cid());
            let mut cells = vec![
                Cell::from(if marked { "●" } else { " " }),
                Cell::from(ellipsize(row.name(), cols.name as usize)),
            ];
            if cols.cid > 0 {
                cells.push(Cell::from(cid_text(row.cid(), cols.cid)));
            }
            cells.push(Cell::from(Span::styled(text, style)));
            if cols.wide {
                cells.push(Cell::from(ellipsize(row.org(), ORG_W as usize)));
            }
            cells.push(Cell::from(row.size().map(human_bytes).unwrap_or_default()));
            if cols.wide {
                cells.push(Cell::from(fmt_time(row.created())));
            }
            let r = Row::new(cells);
            Some(if st.focus == Pane::Pins && start + k == p.selected {
                r.style(th.selected())
            } else if marked {
                r.style(Style::default().add_modifier(Modifier::BOLD))
            } else {
                r
            })
        });
    let mut widths = vec![Constraint::Length(1), Constraint::Length(cols.name)];
    if cols.cid > 0 {
        widths.push(Constraint::Length(cols.cid));
    }
    widths.push(Constraint::Length(REPL_W));
    if cols.wide {
        widths.push(Constraint::Length(ORG_W));
    }
    widths.push(Constraint::Length(SIZE_W));
    if cols.wide {
        widths.push(Constraint::Length(CREATED_W));
    }
    // An empty pane says why on its first line, where the eye lands, and
    // how to get rows back.
    let empty = if p.rows.is_empty() {
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
    };
    let table = Table::new(rows, widths).header(header).block(b);
    f.render_widget(table, r);
    if let Some(msg) = empty {
        // Across the columns, under the header, past the mark column.
        let line = Rect {
            x: r.x + 3,
            y: r.y + 2,
            width: r.width.saturating_sub(4),
            height: 1,
        }
        .intersection(r);
        f.render_widget(
            Paragraph::new(ellipsize(&msg, line.width as usize)).style(th.dim()),
            line,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cid_gives_way_before_the_names() {
        let at = |w| columns(w);
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
