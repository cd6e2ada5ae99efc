//! The capacity overlay's chart: the archive's growth by month, stacked by
//! org, each org its own shade (it reads without colour).

use ratatui::text::{Line, Span};

use crate::cluster::capacity::{Capacity, Month};
use crate::format::{count, human_bytes};
use crate::ui::theme::Theme;

/// The chart's shades, for its largest orgs in turn; the rest share the last.
const SHADES: [char; 4] = ['█', '▓', '▒', '░'];

/// What the chart counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Items,
    Bytes,
}

impl Measure {
    fn of_month(self, m: &Month) -> u64 {
        match self {
            Measure::Items => m.items as u64,
            Measure::Bytes => m.bytes,
        }
    }

    /// An org's part of a month: `(org, items, bytes)`.
    fn of_org(self, (_, n, b): &(String, usize, u64)) -> u64 {
        match self {
            Measure::Items => *n as u64,
            Measure::Bytes => *b,
        }
    }

    fn fmt(self, x: u64) -> String {
        match self {
            Measure::Items => count(x as usize),
            Measure::Bytes => human_bytes(x),
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Measure::Items => "items",
            Measure::Bytes => "bytes",
        }
    }

    /// The one `t` switches to.
    fn other(self) -> Measure {
        match self {
            Measure::Items => Measure::Bytes,
            Measure::Bytes => Measure::Items,
        }
    }
}

/// The growth by month, stacked by org, as many months as fit.
pub(super) fn chart(
    c: &Capacity,
    items: bool,
    width: usize,
    height: usize,
    th: Theme,
) -> Vec<Line<'static>> {
    let by = if items {
        Measure::Items
    } else {
        Measure::Bytes
    };
    let shown_n = (width / 3).min(c.months.len()).max(1);
    let shown = &c.months[c.months.len().saturating_sub(shown_n)..];
    let totals = org_totals(shown, by);
    // The largest orgs over the months shown get their own shade.
    let named: Vec<&str> = totals
        .iter()
        .take(SHADES.len() - 1)
        .map(|(n, _)| n.as_str())
        .collect();
    let max = shown
        .iter()
        .map(|m| by.of_month(m))
        .max()
        .unwrap_or(0)
        .max(1);
    let columns: Vec<Vec<char>> = shown
        .iter()
        .map(|m| month_column(m, by, &named, max, height))
        .collect();
    let mut out = vec![chart_title(by, max, th)];
    out.extend(bars(&columns, height));
    out.push(axis(shown, th));
    out.push(legend(&named, totals.len()));
    out
}

/// Each org's total over the months shown, the largest first.
fn org_totals(shown: &[Month], by: Measure) -> Vec<(String, u64)> {
    let mut totals: Vec<(String, u64)> = Vec::new();
    for m in shown {
        for o in &m.by_org {
            match totals.iter_mut().find(|(n, _)| *n == o.0) {
                Some(t) => t.1 += by.of_org(o),
                None => totals.push((o.0.clone(), by.of_org(o))),
            }
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    totals
}

/// An org's shade: its own if it is one of the `named`, else the last.
fn shade(named: &[&str], org: &str) -> char {
    named
        .iter()
        .position(|n| *n == org)
        .map_or(SHADES[SHADES.len() - 1], |i| SHADES[i])
}

fn chart_title(by: Measure, max: u64, th: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("GROWTH BY MONTH, in {}", by.unit()), th.header()),
        Span::styled(
            format!("  (t: in {}) · highest {}", by.other().unit(), by.fmt(max)),
            th.dim(),
        ),
    ])
}

/// A month's column, bottom up, `height` cells for the `max` month: its
/// orgs' cells, largest shade first.
fn month_column(m: &Month, by: Measure, named: &[&str], max: u64, height: usize) -> Vec<char> {
    let value = by.of_month(m);
    // A month with anything in it shows at least a cell.
    let cells = ((value as f64 / max as f64) * height as f64).round() as usize;
    let cells = if value > 0 { cells.max(1) } else { 0 };
    let mut col = Vec::with_capacity(cells);
    let total = value.max(1) as f64;
    let mut by_shade: Vec<(char, u64)> = Vec::new();
    for o in &m.by_org {
        let s = shade(named, &o.0);
        match by_shade.iter_mut().find(|(c, _)| *c == s) {
            Some(x) => x.1 += by.of_org(o),
            None => by_shade.push((s, by.of_org(o))),
        }
    }
    by_shade.sort_by_key(|(c, _)| SHADES.iter().position(|s| s == c));
    let mut acc = 0.0;
    for (ch, v) in by_shade {
        acc += v as f64 / total * cells as f64;
        while (col.len() as f64) < acc.round() && col.len() < cells {
            col.push(ch);
        }
    }
    while col.len() < cells {
        col.push(SHADES[SHADES.len() - 1]);
    }
    col
}

/// The columns drawn side by side, the top row first.
fn bars(columns: &[Vec<char>], height: usize) -> Vec<Line<'static>> {
    (0..height)
        .rev()
        .map(|row| {
            let text: String = columns
                .iter()
                .map(|col| match col.get(row) {
                    Some(ch) => format!("{ch}{ch} "),
                    None => "   ".to_string(),
                })
                .collect();
            Line::from(text)
        })
        .collect()
}

/// The axis: the first month, the middle one, the last.
fn axis(shown: &[Month], th: Theme) -> Line<'static> {
    let mut axis = vec![' '; shown.len() * 3];
    let mut put = |i: usize, label: &str| {
        let at = (i * 3).min(axis.len().saturating_sub(label.len()));
        for (k, ch) in label.chars().enumerate() {
            if let Some(a) = axis.get_mut(at + k) {
                *a = ch;
            }
        }
    };
    if let Some(first) = shown.first() {
        put(0, &first.month);
    }
    if shown.len() > 8 {
        put(shown.len() / 2, &shown[shown.len() / 2].month);
    }
    if let Some(last) = shown.last() {
        put(shown.len() - 1, &last.month);
    }
    Line::from(Span::styled(axis.into_iter().collect::<String>(), th.dim()))
}

/// Each named org's shade, then, when there are more of the `orgs`, the one
/// the others share.
fn legend(named: &[&str], orgs: usize) -> Line<'static> {
    let mut legend: Vec<Span> = Vec::new();
    for (i, n) in named.iter().enumerate() {
        legend.push(Span::raw(format!(
            "{} {}  ",
            SHADES[i],
            if n.is_empty() { "(no org)" } else { n }
        )));
    }
    if orgs > named.len() {
        legend.push(Span::raw(format!("{} others", SHADES[SHADES.len() - 1])));
    }
    Line::from(legend)
}
