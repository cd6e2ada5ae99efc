//! The top line: cluster, peers up, items, problems, transfers, modes;
//! shortened (the user, then words) until it fits the width.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::Theme;
use crate::app::State;

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let line = Terse::ALL
        .into_iter()
        .map(|terse| header(st, th, terse))
        .find(|l| l.width() <= r.width as usize)
        .unwrap_or_else(|| header(st, th, Terse::ShortWords));
    f.render_widget(Paragraph::new(line), r);
}

/// How short the header is made to fit, from whole to shortest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Terse {
    Whole,
    WithoutUser,
    ShortWords,
}

impl Terse {
    const ALL: [Terse; 3] = [Terse::Whole, Terse::WithoutUser, Terse::ShortWords];
}

/// A part of the header after the cluster's name, in its colour.
type Segment = (String, Style);

/// The header at a level of terseness.
fn header(st: &State, th: Theme, terse: Terse) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = vec![
        Span::styled(" ccs-tui ", th.title()),
        Span::raw(who(st, terse)),
    ];
    for (text, style) in segments(st, th, terse) {
        spans.push(Span::styled(" │ ", th.dim()));
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

fn who(st: &State, terse: Terse) -> String {
    let mut who = if terse < Terse::ShortWords {
        format!("cluster {}", st.cluster)
    } else {
        st.cluster.clone()
    };
    if let (Some(u), Terse::Whole) = (&st.user, terse) {
        who.push_str(&format!(" as {u}"));
    }
    who
}

fn segments(st: &State, th: Theme, terse: Terse) -> Vec<Segment> {
    // Before the first answer, "0/0 peers up │ 0 items" would be news.
    let f = &st.peers.fresh;
    if f.fetched.is_none() && f.error.is_none() && st.peers.rows.is_empty() {
        return vec![("connecting…".into(), th.dim())];
    }
    let mut segs = vec![peers_up(st, th, terse)];
    segs.extend(exposed(st, th, terse));
    segs.push((
        format!("{} items", crate::format::count(st.pins.rows.len())),
        Style::default(),
    ));
    segs.extend(problems(st, th, terse));
    segs.extend(modes(st, th));
    segs
}

/// Peers up, or that the cluster does not answer (what follows is then as
/// it was when it last did).
fn peers_up(st: &State, th: Theme, terse: Terse) -> Segment {
    let online = st.online_peers();
    if st.unreachable() {
        let ago = st
            .peers
            .fresh
            .fetched
            .map(|t| st.now.saturating_duration_since(t).as_secs());
        let text = match (ago, terse) {
            (Some(s), Terse::Whole | Terse::WithoutUser) => {
                format!("NO ANSWER · as of {s} s ago")
            }
            _ => "NO ANSWER".to_string(),
        };
        return (text, th.bad());
    }
    let peers = if terse < Terse::ShortWords {
        format!("{online}/{} peers up", st.peers.rows.len())
    } else {
        format!("{online}/{} up", st.peers.rows.len())
    };
    let style = if online < st.peers.rows.len() {
        th.warn()
    } else {
        th.ok()
    };
    (peers, style)
}

/// The seed's promise broken: a member announces a public address. Said
/// early, so a narrow terminal keeps it.
fn exposed(st: &State, th: Theme, terse: Terse) -> Option<Segment> {
    let exposed: Vec<&str> = st
        .peers
        .rows
        .iter()
        .filter(|p| p.exposed())
        .map(|p| p.name.as_str())
        .collect();
    if exposed.is_empty() {
        return None;
    }
    let text = if terse < Terse::ShortWords {
        format!("EXPOSED: {} (its peer detail says why)", exposed.join(", "))
    } else if exposed.len() <= 2 {
        format!("EXPOSED: {}", exposed.join(", "))
    } else {
        format!("EXPOSED: {} peers", exposed.len())
    };
    Some((text, th.bad().add_modifier(Modifier::BOLD)))
}

/// The same count the problems view (`p`) lists; "no problems" once
/// checked, so that none is not mistaken for not yet known.
fn problems(st: &State, th: Theme, terse: Terse) -> Option<Segment> {
    let errors = st.pins.repl.in_error();
    if st.pins.problems > 0 {
        let mut text = format!("{} problems", crate::format::count(st.pins.problems));
        if errors > 0 {
            text.push_str(&if terse < Terse::ShortWords {
                format!(" ({errors} in error)")
            } else {
                format!(", {errors} err")
            });
        }
        Some((text, if errors > 0 { th.bad() } else { th.warn() }))
    } else if st.pins.repl.health.known && !st.pins.rows.is_empty() {
        Some(("no problems".into(), th.ok()))
    } else {
        None
    }
}

/// Transfers running, read-only, frozen.
fn modes(st: &State, th: Theme) -> Vec<Segment> {
    let mut segs = Vec::new();
    let running = st.running_tasks();
    if running > 0 {
        let s = if running == 1 { "" } else { "s" };
        segs.push((format!("{running} transfer{s} (w)"), th.warn()));
    }
    if st.read_only {
        segs.push(("read-only".into(), th.warn()));
    }
    if st.frozen {
        segs.push((
            "FROZEN (f)".into(),
            th.bad().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    segs
}
