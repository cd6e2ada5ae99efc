//! The bottom line: the keys of the screen you are on, `?` and `q` first,
//! then the focused pane's actions, as many as the width holds; or the
//! prompt being typed; or a message.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::theme::Theme;
use crate::app::keymap::{Action as A, Screen};
use crate::app::state::Level;
use crate::app::{Mode, Pane, State};

pub(super) fn draw(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let line = match &st.mode {
        Mode::Filter(t) | Mode::Command(t) | Mode::BrowseFilter(t) if st.help.is_none() => {
            let sigil = if matches!(st.mode, Mode::Filter(_) | Mode::BrowseFilter(_)) {
                "/"
            } else {
                ":"
            };
            let mut spans = vec![
                Span::styled(sigil, th.title()),
                Span::raw(t.clone()),
                Span::raw("█"),
            ];
            let room = prompt_room(t, r.width);
            let hint = st
                .prompt_hint
                .as_ref()
                .filter(|h| h.chars().count() <= room);
            match (hint, &st.flash) {
                (Some(h), _) => spans.push(Span::styled(
                    format!("   {}", super::widgets::ellipsize(h, room)),
                    th.dim(),
                )),
                (None, Some(fl)) if matches!(fl.level, Level::Error) => spans.push(Span::styled(
                    format!("   {}", super::widgets::fit_message(&fl.text, room)),
                    th.bad(),
                )),
                _ => spans.push(Span::styled(
                    match st.mode {
                        Mode::Command(_) => "   Tab completes · Enter runs · Esc cancels",
                        Mode::BrowseFilter(_) => "   Enter keeps it · Esc clears it",
                        _ => "   Tab completes · Enter keeps it · Esc clears it",
                    },
                    th.dim(),
                )),
            }
            Line::from(spans)
        }
        _ => {
            if let Some(fl) = &st.flash {
                let style = match fl.level {
                    Level::Info => th.ok(),
                    Level::Error => th.bad(),
                };
                Line::from(Span::styled(
                    super::widgets::fit_message(&fl.text, r.width as usize),
                    style,
                ))
            } else {
                keys_line(st, r.width as usize, th)
            }
        }
    };
    f.render_widget(Paragraph::new(line), r);
}

/// What the prompt line has left beside `typed` (its sigil, cursor and
/// gap taken): where a hint goes, or does not fit.
fn prompt_room(typed: &str, width: u16) -> usize {
    (width as usize).saturating_sub(typed.chars().count() + 5)
}

/// Tab's candidates when the prompt line cannot hold them all: wrapped in a
/// box just above it, as many lines as they need (up to `MAX_LINES`).
pub(super) fn draw_candidates(st: &State, f: &mut Frame, footer: Rect, th: Theme) {
    const MAX_LINES: usize = 6;
    let (Mode::Filter(t) | Mode::Command(t) | Mode::BrowseFilter(t)) = &st.mode else {
        return;
    };
    let Some(hint) = st.prompt_hint.as_ref().filter(|_| st.help.is_none()) else {
        return;
    };
    if hint.chars().count() <= prompt_room(t, footer.width) {
        return;
    }
    let inner = (footer.width as usize).saturating_sub(4).max(1);
    let words: Vec<&str> = hint.split("  ").collect();
    let mut lines: Vec<String> = Vec::new();
    for (k, w) in words.iter().enumerate() {
        let full = lines.len() == MAX_LINES;
        match lines.last_mut() {
            Some(l) if l.chars().count() + 2 + w.chars().count() <= inner => {
                l.push_str("  ");
                l.push_str(w);
            }
            Some(l) if full => {
                // The last line gives up its tail to say how many are left.
                let more = format!("  … {} more", words.len() - k);
                let keep = inner.saturating_sub(more.chars().count());
                *l = super::widgets::ellipsize(l, keep) + &more;
                break;
            }
            _ => lines.push(super::widgets::ellipsize(w, inner)),
        }
    }
    let height = (lines.len() as u16 + 2).min(footer.y);
    let area = Rect {
        x: footer.x,
        y: footer.y - height,
        width: footer.width,
        height,
    };
    let body: Vec<Line> = lines.into_iter().map(Line::from).collect();
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(body).block(
            Block::bordered()
                .title(" Tab: what can follow ")
                .border_style(th.dim()),
        ),
        area,
    );
}

/// The actions the footer offers on each screen, most needed first; `?` and
/// `q` (or the screen's way out) always lead.
fn footer_actions(st: &State) -> (Screen, &'static [A]) {
    let screen = st.screen();
    let list: &'static [A] = match screen {
        Screen::Main => match st.focus {
            Pane::Peers => &[
                A::Help,
                A::Quit,
                A::Inspect,
                A::Copy,
                A::NextPane,
                A::Refresh,
                A::Freeze,
                A::Command,
            ],
            Pane::Pins => &[
                A::Help,
                A::Quit,
                A::Filter,
                A::Inspect,
                A::Problems,
                A::Mark,
                A::Upload,
                A::Fetch,
                A::Unpin,
                A::Copy,
                A::NextPane,
                A::Command,
            ],
            Pane::Replication => &[
                A::Help,
                A::Quit,
                A::Back,
                A::Down,
                A::Recover,
                A::Fetch,
                A::Copy,
                A::Refresh,
            ],
        },
        Screen::Tasks => &[A::Help, A::Close, A::CancelTask, A::Dismiss, A::Down, A::Up],
        Screen::Browse => &[
            A::Help,
            A::Close,
            A::Open,
            A::Parent,
            A::Filter,
            A::Fetch,
            A::Copy,
            A::SortSize,
            A::SortName,
        ],
        Screen::Peer => &[A::Help, A::Close, A::PeerItems, A::Copy, A::Down, A::Up],
        Screen::Risk => &[A::Help, A::Close],
        Screen::Capacity => &[A::Help, A::Close, A::Units, A::Refresh],
        Screen::Reader => &[A::Help, A::Close, A::PageDown, A::Wrap, A::Fetch, A::Copy],
        Screen::Help => {
            let scrolls = st.help.as_ref().is_some_and(|h| {
                let rows = st.keymap.help_rows(h.of).len();
                st.screen
                    .is_some_and(|a| crate::app::layout::help_visible(a, rows) < rows)
            });
            if scrolls {
                &[A::Close, A::Down, A::Up, A::PageDown]
            } else {
                &[A::Close]
            }
        }
        Screen::Confirm => &[A::Help, A::Cancel, A::Confirm],
        Screen::Form => &[A::Help, A::Close, A::Submit, A::Complete],
        Screen::Prompt => &[A::Submit, A::Close, A::Complete],
    };
    (screen, list)
}

/// `<?> help  <q> quit  …`, cut at whole entries to fit `width`.
pub(super) fn keys_line(st: &State, width: usize, th: Theme) -> Line<'static> {
    let (screen, actions) = footer_actions(st);
    let mut spans = Vec::new();
    let mut used = 0;
    for a in actions {
        let Some(k) = st.keymap.key_for(screen, *a) else {
            continue;
        };
        let key = format!("<{k}>");
        let label = format!(" {}  ", a.short());
        let w = key.chars().count() + label.chars().count();
        if used + w > width + 2 {
            break;
        }
        used += w;
        spans.push(Span::styled(key, th.title()));
        spans.push(Span::raw(label));
    }
    Line::from(spans)
}
