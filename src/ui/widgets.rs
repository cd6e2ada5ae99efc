//! Shared pieces of the screen: a pane's frame (title, focus, freshness) and a centred box.

use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::theme::Theme;
use crate::app::state::Freshness;
use crate::app::{Pane, State};

pub(super) fn block<'a>(
    st: &State,
    pane: Pane,
    title: String,
    fresh: &Freshness,
    th: Theme,
) -> Block<'a> {
    let focused = st.focus == pane;
    let n = match pane {
        Pane::Peers => 1,
        Pane::Pins => 2,
        Pane::Replication => 3,
    };
    let old = |t: std::time::Instant| st.now.saturating_duration_since(t).as_secs();
    // When the cluster stops answering, data fetched on a long interval (a
    // big pinset's) is still on time by its own clock: not `live` all the
    // same.
    let unreachable = pane != Pane::Peers && fresh.error.is_none() && st.unreachable();
    // Frozen: say so rather than `live`, with how old the data is.
    let age = match (fresh.fetched, st.frozen, unreachable) {
        (Some(t), true, _) => format!("frozen · {} s old", old(t)),
        (Some(t), false, true) => format!("no answer from the cluster · {} s old", old(t)),
        _ => fresh.describe(st.now),
    };
    let age_style = if fresh.error.is_some() || unreachable {
        th.bad()
    } else {
        th.dim()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            th.focused_border()
        } else {
            th.border()
        })
        .title(Line::from(vec![
            Span::styled(format!(" {n} "), th.dim()),
            Span::styled(
                title,
                if focused {
                    th.title()
                } else {
                    Style::default()
                },
            ),
            Span::raw(" "),
        ]))
        .title_bottom(
            Line::from(Span::styled(format!(" {age} "), age_style)).alignment(Alignment::Right),
        )
}

/// A boxed overlay `w` wide, as tall as its lines, centred over `area`,
/// cleared beneath: peer detail, risk.
pub(super) fn overlay(
    f: &mut ratatui::Frame,
    area: Rect,
    w: u16,
    title: String,
    lines: Vec<Line<'_>>,
    th: Theme,
) {
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = centered(area, w, h);
    f.render_widget(ratatui::widgets::Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(title, th.title()));
    f.render_widget(ratatui::widgets::Paragraph::new(lines).block(b), r);
}

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// `text` cut to `width` columns, with `…` where it was cut.
pub(super) fn ellipsize(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A message fitted to `width` columns without losing its end, where the
/// advice is: CIDs first keep only their ends (`QmWPhn…F80030`), then
/// paths their last part (`…/scan-15.tif`), and only then is the middle of
/// the message itself cut (`start … end`).
pub(super) fn fit_message(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if text.width() <= width {
        return text.to_string();
    }
    let words: Vec<String> = text.split(' ').map(String::from).collect();
    let join = |w: &[String]| w.join(" ");
    let mut words = words;
    // CIDs, longest first.
    for w in words.iter_mut() {
        let core = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let cid_like = core.chars().all(|c| c.is_ascii_alphanumeric())
            && ((core.starts_with("Qm") && core.len() == 46)
                || (core.starts_with("baf") && core.len() > 40));
        if cid_like {
            let short = format!("{}…{}", &core[..6], &core[core.len() - 6..]);
            *w = w.replacen(core, &short, 1);
        }
    }
    if join(&words).width() <= width {
        return join(&words);
    }
    for w in words.iter_mut() {
        if let Some(i) = w.rfind('/').filter(|i| *i > 0 && w.len() > 16) {
            *w = format!("…{}", &w[i..]);
        }
    }
    let text = join(&words);
    if text.width() <= width || width < 5 {
        return ellipsize(&text, width);
    }
    // The start and the end, the middle given up.
    let chars: Vec<char> = text.chars().collect();
    let keep_end = (width - 1) * 3 / 5;
    let keep_start = width - 1 - keep_end;
    let start: String = chars.iter().take(keep_start).collect();
    let end: String = chars[chars.len().saturating_sub(keep_end)..]
        .iter()
        .collect();
    ellipsize(&format!("{start}…{end}"), width)
}

/// `text` in lines of at most `width` columns, broken between words (a
/// word longer than a line is cut); lines after the first start with
/// `indent`, the first keeps `text`'s own.
pub(super) fn wrap_words(text: &str, width: usize, indent: &str) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let width = width.max(indent.width() + 8);
    let body = text.trim_start_matches(' ');
    let mut line = text[..text.len() - body.len()].to_string();
    let mut fresh = true;
    let mut out = Vec::new();
    for word in body.split(' ').filter(|w| !w.is_empty()) {
        if !fresh && line.width() + 1 + word.width() > width {
            out.push(std::mem::replace(&mut line, indent.to_string()));
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    out.push(line);
    out.into_iter().map(|l| ellipsize(&l, width)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_wrap_whole_under_an_indent() {
        let text = "  3 stay as they are: pihost holds a copy but is down";
        let lines = super::wrap_words(text, 24, "    ");
        assert_eq!(
            lines,
            [
                "  3 stay as they are:",
                "    pihost holds a copy",
                "    but is down"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 24));
        assert_eq!(super::wrap_words("short", 40, "  "), ["short"]);
    }

    #[test]
    fn ellipsize_cuts_by_columns() {
        assert_eq!(super::ellipsize("scan-0001.tif", 20), "scan-0001.tif");
        assert_eq!(super::ellipsize("scan-0001.tif", 8), "scan-00…");
        assert_eq!(super::ellipsize("档案档案档案", 5), "档案…");
        assert_eq!(super::ellipsize("abc", 0), "");
    }
}

#[cfg(test)]
mod fit_tests {
    use super::fit_message;

    #[test]
    fn the_advice_at_the_end_survives() {
        let m = "copied QmWPhnXmHgFzRZ7ssvkGm3c8QeCoMd6eaM6aNGHHF80030 (tmux: needs set-clipboard on, or press y again outside tmux)";
        let f = fit_message(m, 80);
        assert!(f.ends_with("or press y again outside tmux)"), "{f}");
        assert!(f.contains("QmWPhn…F80030"), "{f}");
        let m = "fetched /home/archivist/collections/2026/scans/scan-15.tif (verified: matches QmWPhnXmHgFzRZ7ssvkGm3c8QeCoMd6eaM6aNGHHF80030)";
        let f = fit_message(m, 60);
        assert!(f.ends_with("matches QmWPhn…F80030)"), "{f}");
        assert!(f.contains("…/scan-15.tif"), "{f}");
        assert!(unicode_width::UnicodeWidthStr::width(f.as_str()) <= 60);
        assert_eq!(fit_message("short", 80), "short");
        let long = "x".repeat(200) + " keep this end";
        assert!(fit_message(&long, 40).ends_with("keep this end"));
    }
}
