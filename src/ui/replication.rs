//! The replication pane: the selected item, peer by peer, scrolling; the
//! peers that should hold it first, `remote` last (one line for them all
//! when they are many), "+N more" when cut.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::{block, ellipsize};
use crate::app::rows::PeerLine;
use crate::app::state::ReplicationState;
use crate::app::{Pane, State};
use crate::cluster::types::GlobalPinInfo;
use crate::format::{human_bytes, short_id};
use crate::pinset;

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let rs = &st.replication;
    let all = st.replication_lines();
    let b = block(st, Pane::Replication, title(st, &all), &rs.fresh, th);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(cid) = &rs.cid else {
        f.render_widget(
            Paragraph::new(Span::styled("Select an item and press Enter.", th.dim())),
            inner,
        );
        return;
    };
    let w = inner.width as usize;
    let row = st.pins.row_of(cid);
    let mut lines = name_and_cid(&item_name(rs, row), cid, w, th);
    let meta = meta(row, rs.info.as_ref());
    lines.push(Line::from(Span::styled(ellipsize(&meta, w), th.dim())));
    if rs.info.is_some() {
        lines.push(Line::from(Span::styled(
            ellipsize(
                &format!("{:<9} {:<13} {:<11} {}", "PEER", "STATUS", "SINCE", "TRY"),
                w,
            ),
            th.header(),
        )));
        let room = (inner.height as usize).saturating_sub(lines.len());
        lines.extend(peer_lines(st, &all, room, w, th));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// How many peers, and whether the item shown is the selected one: it
/// shows the item opened with Enter, not the one under the cursor.
fn title(st: &State, all: &[PeerLine]) -> String {
    let mut title = "replication".to_string();
    if !all.is_empty() {
        let peers: usize = all.iter().map(|l| l.peers).sum();
        title.push_str(&format!(" ({peers} peers)"));
    }
    let elsewhere = st
        .replication
        .cid
        .as_deref()
        .is_some_and(|c| st.pins.selected_row().is_some_and(|r| r.cid() != c));
    if elsewhere {
        title.push_str(" · not the selected item (Enter)");
    }
    title
}

/// The item's name as the cluster's status gives it, else as its row does.
fn item_name(rs: &ReplicationState, row: Option<pinset::Row<'_>>) -> String {
    let name = rs
        .info
        .as_ref()
        .map(|g| g.name.clone())
        .or_else(|| row.map(|x| x.name().to_string()))
        .unwrap_or_default();
    if name.is_empty() {
        "(no name)".to_string()
    } else {
        name
    }
}

/// Name and CID share a line when both fit (wide panes), else one each.
fn name_and_cid(name: &str, cid: &str, w: usize, th: Theme) -> Vec<Line<'static>> {
    let name_w = unicode_width::UnicodeWidthStr::width(name);
    if name_w + 2 + cid.len() <= w {
        vec![Line::from(vec![
            Span::styled(name.to_string(), th.title()),
            Span::raw(format!("{:>pad$}", cid, pad = w - name_w)),
        ])]
    } else {
        vec![
            Line::from(Span::styled(ellipsize(name, w), th.title())),
            Line::from(Span::raw(ellipsize(cid, w))),
        ]
    }
}

/// Its replication bounds, org and size, then the rest of its metadata.
fn meta(row: Option<pinset::Row<'_>>, info: Option<&GlobalPinInfo>) -> String {
    let mut meta = String::new();
    if let Some(x) = row {
        meta = if x.rmin() == -1 && x.rmax() == -1 {
            "everywhere".to_string()
        } else {
            format!("min {} max {}", x.rmin(), x.rmax())
        };
        if !x.org().is_empty() {
            meta.push_str(&format!(" · org {}", x.org()));
        }
        if let Some(s) = x.size() {
            meta.push_str(&format!(" · {}", human_bytes(s)));
        }
    }
    if let Some(g) = info {
        for (k, v) in g.metadata.iter().filter(|(k, _)| k != "org" && k != "size") {
            meta.push_str(&format!(" · {k}={v}"));
        }
    }
    meta
}

/// The peers that fit `room` lines from the scroll position, the selected
/// one in sight, then how many are below and above.
fn peer_lines(
    st: &State,
    all: &[PeerLine],
    room: usize,
    w: usize,
    th: Theme,
) -> Vec<Line<'static>> {
    let rs = &st.replication;
    let start = first_shown(all, rs.offset, rs.selected, room);
    let mut lines = Vec::new();
    let mut used = 0;
    let mut shown = start;
    for (i, l) in all.iter().enumerate().skip(start) {
        let need = height_of(l);
        // Keep a line for "+N more" unless this is the last entry.
        let reserve = usize::from(i + 1 < all.len());
        if used + need + reserve > room {
            break;
        }
        used += need;
        shown = i + 1;
        let selected = st.focus == Pane::Replication && i == rs.selected;
        push_line(&mut lines, l, selected, w, th);
    }
    lines.extend(more_line(start, all.len() - shown, th));
    lines
}

/// `+N more ↓ · N above ↑`, when any are out of sight.
fn more_line(above: usize, below: usize, th: Theme) -> Option<Line<'static>> {
    if below == 0 && above == 0 {
        return None;
    }
    let mut t = String::new();
    if below > 0 {
        t.push_str(&format!("+{below} more ↓"));
    }
    if above > 0 {
        if !t.is_empty() {
            t.push_str(" · ");
        }
        t.push_str(&format!("{above} above ↑"));
    }
    Some(Line::from(Span::styled(format!("  {t}"), th.dim())))
}

/// A peer takes one line, two with an error to read.
fn height_of(l: &PeerLine) -> usize {
    1 + usize::from(!l.error.is_empty())
}

/// The first entry to draw: from the scroll offset, moved down if the
/// selected entry would not fit (errors make entries two lines tall).
fn first_shown(all: &[PeerLine], offset: usize, selected: usize, room: usize) -> usize {
    let mut start = offset.min(all.len().saturating_sub(1));
    if selected < start {
        return selected;
    }
    // Near the end, show earlier entries rather than blank lines.
    let tail = |s: usize| all[s..].iter().map(height_of).sum::<usize>() + usize::from(s > 0);
    while start > 0 && tail(start - 1) <= room {
        start -= 1;
    }
    loop {
        let need: usize = all[start..=selected.min(all.len().saturating_sub(1))]
            .iter()
            .map(height_of)
            .sum::<usize>()
            + usize::from(selected + 1 < all.len());
        if need <= room || start >= selected {
            return start;
        }
        start += 1;
    }
}

fn push_line(lines: &mut Vec<Line<'static>>, l: &PeerLine, selected: bool, w: usize, th: Theme) {
    if l.peers > 1 {
        let text = format!(
            "{} other peers: REMOTE (not allocated, hold no copy)",
            l.peers
        );
        let mut line = Line::from(Span::styled(ellipsize(&text, w), th.dim()));
        if selected {
            line = line.style(th.selected());
        }
        lines.push(line);
        return;
    }
    let label = if l.name.is_empty() {
        short_id(&l.id, 3)
    } else {
        l.name.clone()
    };
    let (status, style) = match l.status {
        Some(s) => (s.upper().to_string(), th.status(s)),
        // Down, and dropped from the status by the daemon (crdt).
        None => ("DOWN".to_string(), th.bad()),
    };
    let when = l
        .since
        .as_ref()
        .map(|t| t.0.format("%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let tries = if l.attempts > 0 {
        l.attempts.to_string()
    } else {
        String::new()
    };
    // Peers that need not hold it are dimmed: their state is not the item's.
    let (name_style, style) = if l.allocated {
        (Style::default(), style)
    } else {
        (th.dim(), th.dim())
    };
    let mut line = Line::from(vec![
        Span::styled(format!("{:<9} ", ellipsize(&label, 9)), name_style),
        Span::styled(format!("{status:<13} "), style),
        Span::styled(format!("{when:<11} {tries}"), name_style),
    ]);
    if selected {
        line = line.style(th.selected());
    }
    lines.push(line);
    if !l.error.is_empty() {
        // The error on its own line: it is the part an operator must read.
        lines.push(Line::from(Span::styled(
            ellipsize(&format!("  └ {}", l.error), w),
            th.bad(),
        )));
    }
}
