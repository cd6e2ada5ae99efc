//! Every screen's keys as shipped: one table per screen.

use crossterm::event::KeyCode;

use super::{Action, Key, Screen};

use Action as A;
use KeyCode as K;

const MAIN: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::ch('q'), A::Quit),
    (Key::ctrl('c'), A::Quit),
    (Key::ch(':'), A::Command),
    (Key::ch('/'), A::Filter),
    (Key::code(K::Esc), A::Back),
    (Key::code(K::Tab), A::NextPane),
    (Key::code(K::BackTab), A::PrevPane),
    (Key::ch('1'), A::PeersPane),
    (Key::ch('2'), A::PinsPane),
    (Key::ch('3'), A::ReplicationPane),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::ch('g'), A::Top),
    (Key::code(K::Home), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::code(K::End), A::Bottom),
    (Key::code(K::PageDown), A::PageDown),
    (Key::ctrl('f'), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ctrl('b'), A::PageUp),
    (Key::code(K::Enter), A::Inspect),
    (Key::ch(' '), A::Mark),
    (Key::ch('p'), A::Problems),
    (Key::ch('N'), A::SortName),
    (Key::ch('C'), A::SortCreated),
    (Key::ch('Z'), A::SortSize),
    (Key::ch('S'), A::SortStatus),
    (Key::ch('y'), A::Copy),
    (Key::ctrl('r'), A::Refresh),
    (Key::ch('f'), A::Freeze),
    (Key::ch('a'), A::Upload),
    (Key::ch('u'), A::Upload),
    (Key::ch('o'), A::Fetch),
    (Key::ch('F'), A::Fetch),
    (Key::ch('x'), A::Unpin),
    (Key::ctrl('d'), A::Unpin),
    (Key::ch('r'), A::Recover),
    (Key::ch('R'), A::RecoverAll),
    (Key::ch('e'), A::Edit),
    (Key::ch('w'), A::Tasks),
    (Key::ch('c'), A::Capacity),
    (Key::ch('l'), A::Browse),
    (Key::code(K::Right), A::Browse),
    (Key::ctrl('z'), A::Suspend),
];

const RISK: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
];

const CAPACITY: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('t'), A::Units),
    (Key::ctrl('r'), A::Refresh),
];

const BROWSE: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::code(K::Enter), A::Open),
    (Key::ch('l'), A::Open),
    (Key::code(K::Right), A::Open),
    (Key::ch('h'), A::Parent),
    (Key::code(K::Left), A::Parent),
    (Key::code(K::Backspace), A::Parent),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::ch('g'), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::code(K::PageDown), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ch('/'), A::Filter),
    (Key::ch('N'), A::SortName),
    (Key::ch('Z'), A::SortSize),
    (Key::ch('o'), A::Fetch),
    (Key::ch('y'), A::Copy),
];

const READER: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::code(K::PageDown), A::PageDown),
    (Key::ch(' '), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ch('g'), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::ch('w'), A::Wrap),
    (Key::ch('h'), A::Left),
    (Key::code(K::Left), A::Left),
    (Key::ch('l'), A::Right),
    (Key::code(K::Right), A::Right),
    (Key::ch('o'), A::Fetch),
    (Key::ch('y'), A::Copy),
];

const PROMPT: &[(Key, Action)] = &[
    (Key::code(K::Enter), A::Submit),
    (Key::code(K::Esc), A::Close),
    (Key::ctrl('c'), A::Close),
    (Key::code(K::Tab), A::Complete),
    (Key::code(K::F(1)), A::Help),
];

const HELP: &[(Key, Action)] = &[
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('?'), A::Close),
    (Key::code(K::Enter), A::Close),
    (Key::code(K::F(1)), A::Close),
    (Key::ctrl('c'), A::Close),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::code(K::PageDown), A::PageDown),
    (Key::ch(' '), A::PageDown),
    (Key::ctrl('f'), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ctrl('b'), A::PageUp),
    (Key::ch('g'), A::Top),
    (Key::code(K::Home), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::code(K::End), A::Bottom),
];

const FORM: &[(Key, Action)] = &[
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Enter), A::Submit),
    (Key::code(K::Esc), A::Close),
    (Key::ctrl('c'), A::Close),
    (Key::code(K::Tab), A::Complete),
    (Key::code(K::Down), A::NextField),
    (Key::code(K::Up), A::PrevField),
    (Key::code(K::BackTab), A::PrevField),
];

const CONFIRM: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::ch('y'), A::Confirm),
    (Key::ch('Y'), A::Confirm),
    (Key::ch('n'), A::Cancel),
    (Key::ch('N'), A::Cancel),
    (Key::code(K::Esc), A::Cancel),
    (Key::ch('q'), A::Cancel),
    (Key::ctrl('c'), A::Cancel),
    (Key::code(K::Enter), A::Choose),
    (Key::code(K::Left), A::Toggle),
    (Key::code(K::Right), A::Toggle),
    (Key::code(K::Tab), A::Toggle),
    (Key::code(K::BackTab), A::Toggle),
    (Key::ch('h'), A::Toggle),
    (Key::ch('l'), A::Toggle),
    (Key::ch('e'), A::Second),
];

const TASKS: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('w'), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::ch('c'), A::CancelTask),
    (Key::ch('d'), A::Dismiss),
    (Key::code(K::Delete), A::Dismiss),
];

const PEER: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('h'), A::Close),
    (Key::ch('p'), A::PeerItems),
    (Key::code(K::Enter), A::PeerItems),
    (Key::ch('y'), A::Copy),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
];

pub(super) fn defaults(s: Screen) -> &'static [(Key, Action)] {
    match s {
        Screen::Main => MAIN,
        Screen::Prompt => PROMPT,
        Screen::Help => HELP,
        Screen::Form => FORM,
        Screen::Confirm => CONFIRM,
        Screen::Tasks => TASKS,
        Screen::Peer => PEER,
        Screen::Browse => BROWSE,
        Screen::Risk => RISK,
        Screen::Capacity => CAPACITY,
        Screen::Reader => READER,
    }
}

/// Keys that are not bindings but that each screen takes (typing in a field):
/// listed in its help so the screen is described whole.
pub fn typed_keys(s: Screen) -> &'static [(&'static str, &'static str)] {
    match s {
        Screen::Prompt => &[
            ("text", "type; Backspace, Ctrl-W (word), Ctrl-U (line)"),
            ("↑ ↓", "command line: earlier commands"),
            ("word", "filter: name, org or CID containing it"),
            ("status:", "filter: error, pinning, pinned or problem"),
            ("org: name:", "filter: that field contains it"),
            ("cid: peer:", "filter: CID contains it; items a peer holds"),
            ("!…", "filter: leading ! inverts the whole filter"),
        ],
        Screen::Form => &[("text", "type; ← → Home End move; Backspace, Ctrl-W delete")],
        _ => &[],
    }
}
