//! Overlay: how full each peer is (the archive's bytes, free space, the
//! reserve), when it fills at the last 90 days' rate, its free space over
//! time, and the archive's growth by month and org. Drawn in characters
//! that read without colour (NO_COLOR): █ the archive, ░ free, ▒ reserve;
//! each org of the chart its own shade.

mod chart;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use self::chart::chart;
use super::theme::Theme;
use super::widgets::{ellipsize, overlay, wrap_words};
use crate::app::capacity::CapacityView;
use crate::app::State;
use crate::cluster::capacity::history::Sample;
use crate::cluster::capacity::{Capacity, PeerCapacity, Projection};
use crate::format::{count, human_bytes};

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub(super) fn draw(st: &State, v: &CapacityView, f: &mut Frame, area: Rect, th: Theme) {
    let w = area.width.saturating_sub(2).min(160);
    let inner = usize::from(w.saturating_sub(2));
    // The header and the footer stay in sight.
    let room = usize::from(area.height.saturating_sub(4));
    let (title, lines) = match (&v.figures, &v.error) {
        (_, Some(e)) => (
            " capacity ".to_string(),
            wrap_words(
                &format!("The figures could not be worked out: {e}"),
                inner,
                "",
            )
            .into_iter()
            .map(|l| Line::from(Span::styled(l, th.bad())))
            .chain([Line::from(Span::styled(
                "Ctrl-R tries again · Esc closes",
                th.dim(),
            ))])
            .collect(),
        ),
        (None, None) => (
            " capacity ".to_string(),
            vec![Line::from(Span::styled(
                format!(
                    "Working out the figures from {} items…",
                    count(st.pins.rows.len())
                ),
                th.dim(),
            ))],
        ),
        (Some(c), None) => (
            format!(
                " capacity · {} items · {} · rates of the last 90 days ",
                count(c.items),
                human_bytes(c.bytes)
            ),
            figures(c, v, inner, room, th),
        ),
    };
    overlay(f, area, w, title, lines, th);
}

fn figures(
    c: &Capacity,
    v: &CapacityView,
    width: usize,
    room: usize,
    th: Theme,
) -> Vec<Line<'static>> {
    let mut out = peer_lines(c, v, width, th);
    let tail = tail_lines(c, width, th);
    // The chart takes what is left: its title, legend and axis, and bars
    // at least three rows high.
    let left = room.saturating_sub(out.len() + tail.len() + 4);
    if left >= 3 {
        out.push(Line::from(""));
        out.extend(chart(c, v.items, width, left.min(16), th));
    }
    out.extend(tail);
    out
}

/// One line per peer: name, bar, free, when it fills, its free space trend.
fn peer_lines(c: &Capacity, v: &CapacityView, width: usize, th: Theme) -> Vec<Line<'static>> {
    let name_w = c
        .peers
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 12);
    let trend_w = if width >= 110 { 24 } else { 10 };
    let (free_w, fill_w) = (8, 8);
    let bar_w = width
        .saturating_sub(name_w + free_w + fill_w + trend_w + 4)
        .max(8);
    let mut out = vec![Line::from(Span::styled(
        format!(
            "{:<name_w$} {:<bar_w$} {:>free_w$} {:>fill_w$} {}",
            "PEER", "█ archive ░ free ▒ reserve", "FREE", "FILLS IN", "FREE TREND"
        ),
        th.header(),
    ))];
    for p in &c.peers {
        let style = match p.projection {
            Projection::Full => th.bad(),
            x if x.fills_within(6.0) => th.bad(),
            x if x.fills_within(12.0) => th.warn(),
            Projection::Unknown => th.dim(),
            _ => th.ok(),
        };
        let samples = v.history.of(&p.id);
        let name = if p.name.is_empty() {
            crate::format::short_id(&p.id, 3)
        } else {
            crate::sanitize::clean(&p.name).into_owned()
        };
        out.push(Line::from(vec![
            Span::raw(format!("{:<name_w$} ", ellipsize(&name, name_w))),
            Span::raw(bar(p, bar_w)),
            Span::raw(format!(
                " {:>free_w$} ",
                p.free.map_or("?".into(), human_bytes)
            )),
            Span::styled(format!("{:>fill_w$} ", p.projection.short()), style),
            Span::styled(sparkline(samples, trend_w), th.dim()),
        ]));
    }
    out
}

/// The peer's disk as the archive sees it: its items' bytes, then its free
/// space, the reserve at the end.
fn bar(p: &PeerCapacity, w: usize) -> String {
    let Some(free) = p.free else {
        return format!(
            "{:<w$}",
            format!("{} held; free space unknown", human_bytes(p.used))
        );
    };
    let total = (p.used + free).max(1) as f64;
    let cells = |b: u64| ((b as f64 / total) * w as f64).round() as usize;
    let used = cells(p.used).min(w);
    let reserve = cells(p.reserve.min(free)).min(w - used);
    let free_cells = w - used - reserve;
    format!(
        "{}{}{}",
        "█".repeat(used),
        "░".repeat(free_cells),
        "▒".repeat(reserve)
    )
}

/// The last `w` samples as a sparkline from the least to the most free.
fn sparkline(samples: &[Sample], w: usize) -> String {
    if samples.len() < 2 {
        return format!("{:<w$}", "sampling…");
    }
    let take: Vec<u64> = if samples.len() > w {
        (0..w)
            .map(|i| samples[i * (samples.len() - 1) / (w - 1).max(1)].free)
            .collect()
    } else {
        samples.iter().map(|s| s.free).collect()
    };
    let (lo, hi) = (
        take.iter().copied().min().unwrap_or(0),
        take.iter().copied().max().unwrap_or(0),
    );
    let span = (hi - lo).max(1) as f64;
    take.iter()
        .map(|&x| SPARKS[(((x - lo) as f64 / span) * 7.0).round() as usize])
        .collect()
}

/// What the figures rest on: the orgs' last 90 days, the items without
/// size metadata (named), the rule of the projection.
fn tail_lines(c: &Capacity, width: usize, th: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let recent: u64 = c.orgs.iter().map(|o| o.recent_bytes).sum();
    if recent > 0 {
        let parts: Vec<String> = c
            .orgs
            .iter()
            .filter(|o| o.recent_bytes > 0)
            .take(4)
            .map(|o| {
                format!(
                    "{} {}%",
                    if o.org.is_empty() { "(no org)" } else { &o.org },
                    o.recent_bytes * 100 / recent
                )
            })
            .collect();
        out.push(Line::from(ellipsize(
            &format!(
                "Last 90 days: +{} ({})",
                human_bytes(recent),
                parts.join(", ")
            ),
            width,
        )));
    }
    let based = if c.without_size > 0 {
        let names: Vec<String> = c
            .without_size_named
            .iter()
            .take(3)
            .map(|(cid, n)| {
                crate::sanitize::clean(crate::cluster::types::item_label(n, cid)).into_owned()
            })
            .collect();
        let more = c.without_size - names.len();
        format!(
            "{} items without size metadata are not counted: {}{}. ",
            count(c.without_size),
            names.join(", "),
            if more > 0 {
                format!(" and {} more", count(more))
            } else {
                String::new()
            }
        )
    } else {
        String::new()
    };
    let text = format!(
        "{based}Fills in: free space above the reserve, at the monthly rate its items grew by over the last 90 days (dated by their pin time, which a re-pin renews). Esc closes."
    );
    let style: Style = if c.without_size > 0 {
        th.warn()
    } else {
        th.dim()
    };
    for l in wrap_words(&text, width, "").into_iter().take(2) {
        out.push(Line::from(Span::styled(l, style)));
    }
    out
}
