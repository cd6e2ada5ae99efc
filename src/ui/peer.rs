//! Overlay: one peer in detail: who it is, where it listens, and what of the
//! archive rests on it.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::{ellipsize, overlay, wrap_words};
use crate::app::rows::PeerRow;
use crate::app::state::{PeerDetail, PeerStats};
use crate::app::State;
use crate::cluster::exposure::{assess, classify, AddrClass, Finding};
use crate::format::human_bytes;

/// Columns of the labels on the left.
const LABEL_W: usize = 14;
/// Addresses shown of each kind; the rest are counted.
const ADDRS_SHOWN: usize = 3;

pub(super) fn draw(st: &State, d: &PeerDetail, f: &mut Frame, area: Rect, th: Theme) {
    let Some(p) = st.peers.rows.iter().find(|p| p.id == d.id) else {
        return;
    };
    let w = area.width.saturating_sub(4).min(100);
    // Values are cut, not wrapped: a multiaddr wrapped mid-way misleads.
    let value_w = (w as usize).saturating_sub(2 + LABEL_W);
    let e = assess(&p.as_api());
    let mut lines = identity(st, p, th);
    lines.extend(holdings(p, &d.stats, th));
    lines.extend(addresses("addresses", &p.addresses, value_w, th));
    lines.push(field("IPFS ID", Span::raw(or_dash(&p.ipfs_id)), th));
    lines.extend(addresses("IPFS addrs", &p.ipfs_addresses, value_w, th));
    lines.extend(e.findings.iter().flat_map(|x| finding(x, value_w, th)));
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

fn label(k: &str, th: Theme) -> Span<'static> {
    Span::styled(format!("{k:<LABEL_W$}"), th.dim())
}

/// One line: the label, then its value.
fn field(k: &str, value: Span<'static>, th: Theme) -> Line<'static> {
    Line::from(vec![label(k, th), value])
}

fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "-".to_string()
    } else {
        s.to_string()
    }
}

/// Who the peer is: its state (and its machine's, on a tailnet), ID,
/// version and free space.
fn identity(st: &State, p: &PeerRow, th: Theme) -> Vec<Line<'static>> {
    let state = if p.online() {
        Span::styled("online", th.ok())
    } else {
        Span::styled(p.error.clone(), th.bad())
    };
    let mut lines = vec![field("state", state, th)];
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
        lines.push(field("tailnet", Span::raw(text), th));
    }
    lines.push(field("peer ID", Span::raw(p.id.clone()), th));
    lines.push(field("version", Span::raw(or_dash(&p.version)), th));
    let free = p
        .free_space
        .filter(|_| p.online())
        .map(human_bytes)
        .unwrap_or_else(|| "-".into());
    lines.push(field("free space", Span::raw(free), th));
    lines
}

fn items(n: usize) -> String {
    format!("{n} item{}", if n == 1 { "" } else { "s" })
}

/// What of the archive rests on the peer: allocated, in error, only copy.
fn holdings(p: &PeerRow, s: &PeerStats, th: Theme) -> Vec<Line<'static>> {
    let errors_style = if s.errors > 0 { th.bad() } else { th.ok() };
    vec![
        field("allocated", Span::raw(items(s.allocated)), th),
        field("in error", Span::styled(items(s.errors), errors_style), th),
        field("only copy", only_copy(p, s, th), th),
    ]
}

fn only_copy(p: &PeerRow, s: &PeerStats, th: Theme) -> Span<'static> {
    if !p.online() {
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
    }
}

/// Each address with its class, the public ones first and in red: the
/// seed's privacy is checked here, peer by peer.
fn addresses(title: &str, v: &[String], value_w: usize, th: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if v.is_empty() {
        lines.push(field(title, Span::raw("-"), th));
    }
    let mut v: Vec<(Option<AddrClass>, &String)> = v.iter().map(|a| (classify(a), a)).collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.0));
    for (i, (class, a)) in v.iter().take(ADDRS_SHOWN).enumerate() {
        let tag = class.map_or("?", |c| c.label());
        let style = if *class == Some(AddrClass::Public) {
            th.bad()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            label(if i == 0 { title } else { "" }, th),
            Span::styled(format!("{tag:<10} "), style),
            Span::styled(ellipsize(a, value_w.saturating_sub(11)), style),
        ]));
    }
    if v.len() > ADDRS_SHOWN {
        let more = format!("+{} more", v.len() - ADDRS_SHOWN);
        lines.push(field("", Span::styled(more, th.dim()), th));
    }
    lines
}

/// A privacy finding, said whole: the address is what the operator must find.
fn finding(x: &Finding, value_w: usize, th: Theme) -> Vec<Line<'static>> {
    let what = wrap_words(&format!("EXPOSED: {}", x.what), value_w, "  ");
    let fix = wrap_words(&format!("fix: {}", x.fix), value_w, "     ");
    let what = what.into_iter().enumerate().map(|(i, l)| {
        let k = if i == 0 { "privacy" } else { "" };
        field(k, Span::styled(l, th.bad()), th)
    });
    let fix = fix
        .into_iter()
        .map(|l| field("", Span::styled(l, th.dim()), th));
    what.chain(fix).collect()
}
