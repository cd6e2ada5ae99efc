//! Where each pane goes for a given terminal size. Geometry, no drawing: the
//! view draws into these areas, and `update` needs the pins pane's height to
//! page and to know which rows are on screen.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

use super::{Pane, State};

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub header: Rect,
    pub peers: Option<Rect>,
    pub pins: Option<Rect>,
    pub replication: Option<Rect>,
    pub footer: Rect,
}

pub fn usable(area: Rect) -> bool {
    area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT
}

pub fn areas(area: Rect, st: &State) -> Areas {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut a = Areas {
        header,
        footer,
        ..Default::default()
    };
    let peers_h = (st.peers.rows.len().clamp(1, 6) as u16) + 3;
    // Short terminals show the focused pane alone.
    if body.height < peers_h + 8 {
        match st.focus {
            Pane::Peers => a.peers = Some(body),
            Pane::Pins => a.pins = Some(body),
            Pane::Replication => a.replication = Some(body),
        }
        return a;
    }
    let [peers, rest] =
        Layout::vertical([Constraint::Length(peers_h), Constraint::Min(0)]).areas(body);
    a.peers = Some(peers);
    if rest.width >= 110 {
        let [pins, repl] = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(62), Constraint::Percentage(38)])
            .areas(rest);
        a.pins = Some(pins);
        a.replication = Some(repl);
    } else if rest.height >= 18 {
        // Half each, two thirds to the replication pane while it has the
        // focus: it lists a peer per line and scrolls.
        let repl_h = if st.focus == Pane::Replication {
            rest.height * 2 / 3
        } else {
            rest.height / 2
        }
        .max(9);
        let [pins, repl] =
            Layout::vertical([Constraint::Min(6), Constraint::Length(repl_h)]).areas(rest);
        a.pins = Some(pins);
        a.replication = Some(repl);
    } else if st.focus == Pane::Replication {
        a.replication = Some(rest);
    } else {
        a.pins = Some(rest);
    }
    a
}

/// Data rows the pins pane shows (inside borders, below the column header):
/// the one definition for paging, the rows asked about, and drawing.
pub fn pins_rows(area: Rect, st: &State) -> usize {
    areas(area, st).pins.map_or(1, pins_rows_in)
}

pub fn pins_rows_in(pane: Rect) -> usize {
    pane.height.saturating_sub(3).max(1) as usize
}

/// The first row to show so that `selected` stays within `height` rows of a
/// list of `len`, moving `offset` as little as possible: the one scrolling
/// rule of the pins pane, the replication pane and browsing.
pub fn keep_in_view(selected: usize, offset: usize, height: usize, len: usize) -> usize {
    let h = height.max(1);
    let offset = if selected < offset {
        selected
    } else if selected >= offset + h {
        selected + 1 - h
    } else {
        offset
    };
    offset.min(len.saturating_sub(h))
}

/// Lines above the replication pane's peer list: name, CID, replication.
pub const REPLICATION_HEAD: u16 = 3;

/// Peer lines the replication pane shows at most (below its head and column
/// header, keeping a line for "+N more").
pub fn replication_rows(area: Rect, st: &State) -> usize {
    areas(area, st).replication.map_or(1, |r| {
        r.height.saturating_sub(2 + REPLICATION_HEAD + 1 + 1).max(1) as usize
    })
}

/// The help overlay for `rows` lines of keys.
pub fn help_area(area: Rect, rows: usize) -> Rect {
    let w = area.width.saturating_sub(4).min(84);
    let h = (rows as u16 + 2).min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
}

/// Key lines the help overlay shows at once.
pub fn help_visible(area: Rect, rows: usize) -> usize {
    help_area(area, rows).height.saturating_sub(2).max(1) as usize
}

/// Where browsing draws: the list, and the preview beside it (wide) or
/// below it (narrow).
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowseAreas {
    pub list: Rect,
    pub preview: Rect,
}

pub fn browse_areas(area: Rect) -> BrowseAreas {
    let [_, body, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    if body.width >= 100 {
        let [list, preview] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(body);
        BrowseAreas { list, preview }
    } else {
        let [list, preview] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
        BrowseAreas { list, preview }
    }
}

/// Entries the browse list shows (inside borders, below its column header).
pub fn browse_rows(area: Rect) -> usize {
    browse_areas(area).list.height.saturating_sub(3).max(1) as usize
}
