//! The bottom line: the keys of the screen you are on, `?` and `q` first,
//! then the focused pane's actions, as many as the width holds; or the
//! prompt being typed; or a message.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
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
            let room = (r.width as usize).saturating_sub(t.chars().count() + 5);
            match (&st.prompt_hint, &st.flash) {
                (Some(h), _) => spans.push(Span::styled(
                    format!("   {}", super::widgets::ellipsize(h, room)),
                    th.dim(),
                )),
                (None, Some(fl)) if matches!(fl.level, Level::Error) => spans.push(Span::styled(
                    format!("   {}", super::widgets::ellipsize(&fl.text, room)),
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
                Line::from(Span::styled(fl.text.clone(), style))
            } else {
                keys_line(st, r.width as usize, th)
            }
        }
    };
    f.render_widget(Paragraph::new(line), r);
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
