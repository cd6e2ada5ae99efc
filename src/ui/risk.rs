//! Overlay: what is fragile now, and what a peer's failure would cost.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::{ellipsize, overlay};
use crate::app::State;
use crate::cluster::steward::risk::{AtRisk, SHOWN};
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
    let mut lines: Vec<Line> = Vec::new();
    let mut section = |title: String, list: Vec<String>, bad: bool| {
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
        for l in list.iter().take(SHOWN) {
            lines.push(Line::from(ellipsize(&format!("  {l}"), inner)));
        }
        if list.len() > SHOWN {
            lines.push(Line::from(Span::styled(
                format!("  … and {} more ({all} lists all)", list.len() - SHOWN),
                th.dim(),
            )));
        }
    };
    let named = |v: &[AtRisk]| v.iter().map(|a| a.label().to_string()).collect::<Vec<_>>();
    section(
        "below their replication minimum now".into(),
        named(&r.below_min),
        false,
    );
    section(
        "with a single serving copy".into(),
        named(&r.single_copy),
        false,
    );
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
        section("with every copy at one org".into(), at_one, false);
    }
    if let Some(x) = &r.if_failed {
        let who = peer(&x.peer);
        section(format!("if {who} failed, lost"), named(&x.lost), true);
        section(
            format!("if {who} failed, below their minimum"),
            named(&x.below_min),
            false,
        );
        if x.already_down {
            lines.push(Line::from(Span::styled(
                format!("{who} is down already: the lists above count without it."),
                th.warn(),
            )));
        }
    } else {
        lines.push(Line::from(Span::styled(
            ":risk PEER shows what that peer's failure would cost.",
            th.dim(),
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Serving: allocated, up, and not in the problems list. Esc closes.",
        th.dim(),
    )));
    let title = format!(" risk · {} items ", st.pins.rows.len());
    overlay(f, area, w, title, lines, th);
}
