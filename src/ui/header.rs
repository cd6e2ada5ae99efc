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
    let line = (0..3)
        .map(|terse| header(st, th, terse))
        .find(|l| l.width() <= r.width as usize)
        .unwrap_or_else(|| header(st, th, 2));
    f.render_widget(Paragraph::new(line), r);
}

/// The header at a level of terseness: 0 whole, 1 without the user, 2 short words.
fn header(st: &State, th: Theme, terse: u8) -> Line<'static> {
    let online = st.online_peers();
    let errors = st.pins.repl.in_error();
    let mut spans: Vec<Span<'static>> = vec![Span::styled(" ccs-tui ", th.title())];
    let seg = |spans: &mut Vec<Span<'static>>, text: String, style: Style| {
        spans.push(Span::styled(" │ ", th.dim()));
        spans.push(Span::styled(text, style));
    };
    let mut who = if terse < 2 {
        format!("cluster {}", st.cluster)
    } else {
        st.cluster.clone()
    };
    if let (Some(u), 0) = (&st.user, terse) {
        who.push_str(&format!(" as {u}"));
    }
    spans.push(Span::raw(who));
    let peer_style = if online < st.peers.rows.len() {
        th.warn()
    } else {
        th.ok()
    };
    // Before the first answer, "0/0 peers up │ 0 items" would be news.
    let f = &st.peers.fresh;
    if f.fetched.is_none() && f.error.is_none() && st.peers.rows.is_empty() {
        seg(&mut spans, "connecting…".into(), th.dim());
        return Line::from(spans);
    }
    if st.unreachable() {
        // What follows is as it was when the cluster last answered.
        let ago = f
            .fetched
            .map(|t| st.now.saturating_duration_since(t).as_secs());
        let text = match (ago, terse) {
            (Some(s), 0 | 1) => format!("NO ANSWER · as of {s} s ago"),
            _ => "NO ANSWER".to_string(),
        };
        seg(&mut spans, text, th.bad());
    } else {
        let peers = if terse < 2 {
            format!("{online}/{} peers up", st.peers.rows.len())
        } else {
            format!("{online}/{} up", st.peers.rows.len())
        };
        seg(&mut spans, peers, peer_style);
    }
    // The seed's promise broken: a member announces a public address.
    // Said early, so a narrow terminal keeps it.
    let exposed: Vec<&str> = st
        .peers
        .rows
        .iter()
        .filter(|p| p.exposed())
        .map(|p| p.name.as_str())
        .collect();
    if !exposed.is_empty() {
        seg(
            &mut spans,
            if terse < 2 {
                format!("EXPOSED: {} (its peer detail says why)", exposed.join(", "))
            } else if exposed.len() <= 2 {
                format!("EXPOSED: {}", exposed.join(", "))
            } else {
                format!("EXPOSED: {} peers", exposed.len())
            },
            th.bad().add_modifier(Modifier::BOLD),
        );
    }
    seg(
        &mut spans,
        format!("{} items", crate::format::count(st.pins.rows.len())),
        Style::default(),
    );
    // The same count the problems view (`p`) lists.
    if st.pins.problems > 0 {
        let mut text = format!("{} problems", crate::format::count(st.pins.problems));
        if errors > 0 {
            text.push_str(&if terse < 2 {
                format!(" ({errors} in error)")
            } else {
                format!(", {errors} err")
            });
        }
        seg(
            &mut spans,
            text,
            if errors > 0 { th.bad() } else { th.warn() },
        );
    } else if st.pins.repl.health.known && !st.pins.rows.is_empty() {
        // Said once checked, so that none is not mistaken for not yet known.
        seg(&mut spans, "no problems".into(), th.ok());
    }
    let running = st.running_tasks();
    if running > 0 {
        let s = if running == 1 { "" } else { "s" };
        seg(&mut spans, format!("{running} transfer{s} (w)"), th.warn());
    }
    if st.read_only {
        seg(&mut spans, "read-only".into(), th.warn());
    }
    if st.frozen {
        seg(
            &mut spans,
            "FROZEN (f)".into(),
            th.bad().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        );
    }
    Line::from(spans)
}
