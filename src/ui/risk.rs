//! Overlay: what is fragile now, and what a peer's failure would cost.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::{ellipsize, overlay};
use crate::app::State;
use crate::cluster::steward::risk::AtRisk;
use crate::cluster::steward::Risk;

pub(super) fn draw(st: &State, r: &Risk, f: &mut Frame, area: Rect, th: Theme) {
    let w = area.width.saturating_sub(4).min(100);
    let inner = w.saturating_sub(2) as usize;
    // The command that lists all of what this view shows a few of.
    let all = match &r.if_failed {
        Some(x) => format!("ccs-tui risk --if-fails {} --json", peer_name(st, &x.peer)),
        None => "ccs-tui risk --json".to_string(),
    };
    // The sections first, then as many names of each as the screen holds
    // (shared out in turn), not four and a box of empty rows.
    let sections = sections(st, r);
    let tail = tail(st, r, th);
    // The header and the footer stay in sight.
    let room = usize::from(area.height.saturating_sub(4));
    let lens: Vec<usize> = sections.iter().map(|s| s.names.len()).collect();
    let shown = share_rows(&lens, room.saturating_sub(sections.len() + tail.len()));
    let mut lines: Vec<Line> = Vec::new();
    for (section, n) in sections.into_iter().zip(shown) {
        lines.extend(section.lines(n, &all, inner, th));
    }
    lines.extend(tail);
    let title = format!(" risk · {} items ", st.pins.rows.len());
    overlay(f, area, w, title, lines, th);
}

/// A peer by its name, else its ID.
fn peer_name(st: &State, id: &str) -> String {
    st.peers
        .rows
        .iter()
        .find(|p| p.id == id)
        .map_or_else(|| id.to_string(), |p| p.name.clone())
}

/// One list of the view: what its items are at risk of, and their names.
struct Section {
    title: String,
    names: Vec<String>,
    /// Its items are lost (said in red), not only weakened (yellow).
    lost: bool,
}

impl Section {
    fn new(title: impl Into<String>, items: &[AtRisk], lost: bool) -> Section {
        Section {
            title: title.into(),
            names: items.iter().map(|a| a.label().to_string()).collect(),
            lost,
        }
    }

    /// Its title with its count, then `n` rows of names, the last one
    /// saying how many more there are (and `all`, the command listing them)
    /// when they do not all fit.
    fn lines(self, n: usize, all: &str, inner: usize, th: Theme) -> Vec<Line<'static>> {
        let list = self.names;
        let style = if list.is_empty() {
            th.ok()
        } else if self.lost {
            th.bad()
        } else {
            th.warn()
        };
        let mut lines = vec![Line::from(Span::styled(
            format!("{}: {}", self.title, list.len()),
            style,
        ))];
        let more = list.len() - n;
        let names = if more > 0 { n.saturating_sub(1) } else { n };
        for l in list.iter().take(names) {
            lines.push(Line::from(ellipsize(&format!("  {l}"), inner)));
        }
        if more > 0 {
            lines.push(Line::from(Span::styled(
                format!("  … and {} more ({all} lists all)", list.len() - names),
                th.dim(),
            )));
        }
        lines
    }
}

/// What is fragile now; with a peer named, what its failure would cost.
fn sections(st: &State, r: &Risk) -> Vec<Section> {
    let mut sections = vec![
        Section::new("with no serving copy now", &r.none_serving, true),
        Section::new("below their replication minimum now", &r.below_min, false),
        Section::new("with a single serving copy", &r.single_copy, false),
    ];
    if !st.node_orgs.is_empty() {
        let at_one: Vec<String> = r
            .one_org
            .iter()
            .map(|o| {
                format!(
                    "{} ({})",
                    crate::cluster::types::item_label(&o.name, &o.cid),
                    o.org
                )
            })
            .collect();
        sections.push(Section {
            title: "with every copy at one org".into(),
            names: at_one,
            lost: false,
        });
    }
    if let Some(x) = &r.if_failed {
        let who = peer_name(st, &x.peer);
        sections.push(Section::new(
            format!("if {who} failed, lost"),
            &x.lost,
            true,
        ));
        sections.push(Section::new(
            format!("if {who} failed, below their minimum"),
            &x.below_min,
            false,
        ));
    }
    sections
}

/// Under the lists: what a peer's failure would cost (or that the peer is
/// down already), and what serving means.
fn tail(st: &State, r: &Risk, th: Theme) -> Vec<Line<'static>> {
    let mut tail: Vec<Line> = Vec::new();
    if let Some(x) = &r.if_failed {
        if x.already_down {
            let who = peer_name(st, &x.peer);
            tail.push(Line::from(Span::styled(
                format!("{who} is down already: the lists above count without it."),
                th.warn(),
            )));
        }
    } else {
        tail.push(Line::from(Span::styled(
            ":risk PEER shows what that peer's failure would cost.",
            th.dim(),
        )));
    }
    tail.push(Line::from(""));
    tail.push(Line::from(Span::styled(
        "Serving: allocated, up, and not in the problems list. Esc closes.",
        th.dim(),
    )));
    tail
}

/// Rows for each list out of `room`, shared a row at a time in turn so no
/// list starves another; a list cut short gives one of its rows to its
/// "… and N more" line.
fn share_rows(lens: &[usize], room: usize) -> Vec<usize> {
    let mut got = vec![0; lens.len()];
    let mut left = room;
    while left > 0 {
        let mut gave = false;
        for (i, len) in lens.iter().enumerate() {
            if left > 0 && got[i] < *len {
                got[i] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    got
}

#[cfg(test)]
mod tests {
    use super::share_rows;

    #[test]
    fn rows_are_shared_in_turn() {
        assert_eq!(share_rows(&[10, 2, 0, 10], 12), [5, 2, 0, 5]);
        assert_eq!(share_rows(&[3, 3], 100), [3, 3]);
        assert_eq!(share_rows(&[5, 5], 0), [0, 0]);
    }
}
