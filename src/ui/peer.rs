//! Overlay: one peer in detail: who it is, where it listens, and what of the
//! archive rests on it.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::{ellipsize, overlay};
use crate::app::state::PeerDetail;
use crate::app::State;
use crate::format::human_bytes;

pub(super) fn draw(st: &State, d: &PeerDetail, f: &mut Frame, area: Rect, th: Theme) {
    let Some(p) = st.peers.rows.iter().find(|p| p.id == d.id) else {
        return;
    };
    let w = area.width.saturating_sub(4).min(100);
    // Values are cut, not wrapped: a multiaddr wrapped mid-way misleads.
    let value_w = (w as usize).saturating_sub(2 + 14);
    let label = |k: &str| Span::styled(format!("{k:<14}"), th.dim());
    let mut lines: Vec<Line> = Vec::new();
    let state = if p.online() {
        Span::styled("online", th.ok())
    } else {
        Span::styled(p.error.clone(), th.bad())
    };
    lines.push(Line::from(vec![label("state"), state]));
    if let Some(m) = st
        .tailnet
        .as_ref()
        .and_then(|t| t.machine_of(&p.name, &p.addresses))
    {
        let text = if p.online() {
            format!("machine {}", m.describe())
        } else {
            m.explains_down()
        };
        lines.push(Line::from(vec![label("tailnet"), Span::raw(text)]));
    }
    lines.push(Line::from(vec![label("peer ID"), Span::raw(p.id.clone())]));
    lines.push(Line::from(vec![
        label("version"),
        Span::raw(if p.version.is_empty() {
            "-".to_string()
        } else {
            p.version.clone()
        }),
    ]));
    lines.push(Line::from(vec![
        label("free space"),
        Span::raw(
            p.free_space
                .filter(|_| p.online())
                .map(human_bytes)
                .unwrap_or_else(|| "-".into()),
        ),
    ]));
    let s = &d.stats;
    let items = |n: usize| format!("{n} item{}", if n == 1 { "" } else { "s" });
    lines.push(Line::from(vec![
        label("allocated"),
        Span::raw(items(s.allocated)),
    ]));
    lines.push(Line::from(vec![
        label("in error"),
        Span::styled(
            items(s.errors),
            if s.errors > 0 { th.bad() } else { th.ok() },
        ),
    ]));
    let only = if !p.online() {
        // What a peer that does not answer holds is not known; what no peer
        // serves now is :risk's first list.
        Span::styled(
            "not known while it is down (:risk lists the items no peer serves now)",
            th.warn(),
        )
    } else if s.only_copy == 0 {
        Span::styled("none: every item it holds has another pinned copy", th.ok())
    } else {
        let mut t = items(s.only_copy);
        if !s.only_copy_names.is_empty() {
            t.push_str(&format!(": {}", s.only_copy_names.join(", ")));
            if s.only_copy > s.only_copy_names.len() {
                t.push_str(", …");
            }
        }
        Span::styled(t, th.bad())
    };
    lines.push(Line::from(vec![label("only copy"), only]));
    // Each address with its class, the public ones first and in red: the
    // seed's privacy is checked here, peer by peer.
    let addrs = |title: &str, v: &[String], lines: &mut Vec<Line>| {
        use crate::cluster::exposure::{classify, AddrClass};
        if v.is_empty() {
            lines.push(Line::from(vec![label(title), Span::raw("-")]));
        }
        const SHOWN: usize = 3;
        let mut v: Vec<(Option<AddrClass>, &String)> = v.iter().map(|a| (classify(a), a)).collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.0));
        for (i, (class, a)) in v.iter().take(SHOWN).enumerate() {
            let tag = class.map_or("?", |c| c.label());
            let style = if *class == Some(AddrClass::Public) {
                th.bad()
            } else {
                ratatui::style::Style::default()
            };
            lines.push(Line::from(vec![
                label(if i == 0 { title } else { "" }),
                Span::styled(format!("{tag:<10} "), style),
                Span::styled(ellipsize(a, value_w.saturating_sub(11)), style),
            ]));
        }
        if v.len() > SHOWN {
            lines.push(Line::from(vec![
                label(""),
                Span::styled(format!("+{} more", v.len() - SHOWN), th.dim()),
            ]));
        }
    };
    addrs("addresses", &p.addresses, &mut lines);
    lines.push(Line::from(vec![
        label("IPFS ID"),
        Span::raw(if p.ipfs_id.is_empty() {
            "-".to_string()
        } else {
            p.ipfs_id.clone()
        }),
    ]));
    addrs("IPFS addrs", &p.ipfs_addresses, &mut lines);
    let e = crate::cluster::exposure::assess(&p.as_api());
    for f in &e.findings {
        // Said whole: the address is what the operator must find.
        for (i, l) in super::widgets::wrap_words(&format!("EXPOSED: {}", f.what), value_w, "  ")
            .into_iter()
            .enumerate()
        {
            lines.push(Line::from(vec![
                label(if i == 0 { "privacy" } else { "" }),
                Span::styled(l, th.bad()),
            ]));
        }
        for l in super::widgets::wrap_words(&format!("fix: {}", f.fix), value_w, "     ") {
            lines.push(Line::from(vec![label(""), Span::styled(l, th.dim())]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "p/Enter its items · y copies the ID · j/k next peer · Esc closes · ? keys",
        th.dim(),
    )));
    let name = if p.name.is_empty() { "?" } else { &p.name };
    let title = if e.exposed {
        format!(" peer {name} · EXPOSED ")
    } else {
        format!(" peer {name} ")
    };
    overlay(f, area, w, title, lines, th);
}
