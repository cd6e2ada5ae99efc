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
    let peer = |id: &str| {
        st.peers
            .rows
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    };
    // The command that lists all of what this view shows a few of.
    let all = match &r.if_failed {
        Some(x) => format!("ccs-tui risk --if-fails {} --json", peer(&x.peer)),
        None => "ccs-tui risk --json".to_string(),
    };
    // The sections first, then as many names of each as the screen holds
    // (shared out in turn), not four and a box of empty rows.
    let mut sections: Vec<(String, Vec<String>, bool)> = Vec::new();
    let named = |v: &[AtRisk]| v.iter().map(|a| a.label().to_string()).collect::<Vec<_>>();
    sections.push((
        "with no serving copy now".into(),
        named(&r.none_serving),
        true,
    ));
    sections.push((
        "below their replication minimum now".into(),
        named(&r.below_min),
        false,
    ));
    sections.push((
        "with a single serving copy".into(),
        named(&r.single_copy),
        false,
    ));
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
        sections.push(("with every copy at one org".into(), at_one, false));
    }
    let mut tail: Vec<Line> = Vec::new();
    if let Some(x) = &r.if_failed {
        let who = peer(&x.peer);
        sections.push((format!("if {who} failed, lost"), named(&x.lost), true));
        sections.push((
            format!("if {who} failed, below their minimum"),
            named(&x.below_min),
            false,
        ));
        if x.already_down {
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
    // The header and the footer stay in sight.
    let room = usize::from(area.height.saturating_sub(4));
    let lens: Vec<usize> = sections.iter().map(|s| s.1.len()).collect();
    let shown = share_rows(&lens, room.saturating_sub(sections.len() + tail.len()));
    let mut lines: Vec<Line> = Vec::new();
    for ((title, list, bad), n) in sections.into_iter().zip(shown) {
        let style = if list.is_empty() {
            th.ok()
        } else if bad {
            th.bad()
        } else {
            th.warn()
        };
        lines.push(Line::from(Span::styled(
            format!("{title}: {}", list.len()),
            style,
        )));
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
    }
    lines.extend(tail);
    let title = format!(" risk · {} items ", st.pins.rows.len());
    overlay(f, area, w, title, lines, th);
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
