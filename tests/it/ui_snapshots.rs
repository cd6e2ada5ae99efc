//! Whole-screen snapshots (ratatui's TestBackend + insta) of each pane, the
//! help screen and the problems view, at 80x24 and 120x40; and tiny sizes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ccs_tui::app::rows::{PeerRow, PinRow};
use ccs_tui::app::{update, Msg, State};
use ccs_tui::cluster::gojson::{GoTime, List, Map};
use ccs_tui::cluster::types::{GlobalPinInfo, PinInfoShort, TrackerStatus};
use ccs_tui::ui::view;
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::common::console::{console, failing, peer, pin, press, typed};

const PEERS: [(&str, &str, &str); 5] = [
    (
        "12D3KooWNAS000000000000000000000000000000000000nas1",
        "nas",
        "",
    ),
    (
        "12D3KooWCHLL00000000000000000000000000000000000chl2",
        "chll",
        "",
    ),
    (
        "12D3KooWMEER00000000000000000000000000000000000mee3",
        "meerkat",
        "",
    ),
    (
        "12D3KooWPIHO00000000000000000000000000000000000pih4",
        "",
        "dial backoff",
    ),
    (
        "12D3KooWIPFS00000000000000000000000000000000000ipf5",
        "ipfs1",
        "",
    ),
];

fn cid(i: usize) -> String {
    // Valid-looking, stable CIDv0 strings.
    let base = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    format!("{}{:04}", &base[..42], i)
}

/// An item of the demo: commits, collections and scans of three orgs, each
/// on three of the five peers.
fn item(i: usize) -> PinRow {
    let (name, org) = match i % 3 {
        0 => (
            format!("commit_2026-01-{:02}T03:33:17Z", 1 + i % 28),
            "hrdag",
        ),
        1 => (format!("pincushion-collection-{i:03}"), "historypin"),
        _ => (format!("scan-{i:04}.tif"), "tfc"),
    };
    pin(cid(i))
        .name(name)
        .org(org)
        .meta("size", 65_000_000 + i as u64 * 1_234_567)
        .allocations(&[PEERS[i % 5].0, PEERS[(i + 1) % 5].0, PEERS[(i + 2) % 5].0])
        .replication(2, 3)
        .created(1_767_000_000 + i as i64 * 3600)
        .row()
}

fn info(i: usize, statuses: &[(usize, TrackerStatus, &str)]) -> GlobalPinInfo {
    let mut peer_map = BTreeMap::new();
    for (p, s, err) in statuses {
        peer_map.insert(
            PEERS[*p].0.to_string(),
            PinInfoShort {
                peername: if PEERS[*p].1.is_empty() {
                    "pihost".into()
                } else {
                    PEERS[*p].1.to_string()
                },
                status: *s,
                error: err.to_string(),
                attempt_count: if s.is_error() { 3 } else { 0 },
                timestamp: GoTime::from_unix(1_767_225_600, 0, 0),
                ..Default::default()
            },
        );
    }
    let row = item(i);
    GlobalPinInfo {
        cid: cid(i),
        name: row.name.to_string(),
        allocations: List::from(
            row.allocations
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>(),
        ),
        metadata: Map::from(vec![("org".to_string(), "hrdag".to_string())]),
        peer_map,
        ..Default::default()
    }
}

fn demo_state() -> State {
    let peers = PEERS
        .iter()
        .map(|(id, name, err)| match *err {
            "" => peer(id, name),
            // Never answered: no version known.
            err => PeerRow {
                version: String::new(),
                ..failing(peer(id, name), err)
            },
        })
        .collect();
    let mut st = console()
        .no_color()
        .pins_height(10)
        .peers(peers)
        .pins((0..40).map(item))
        .build();
    update(
        &mut st,
        Msg::Problems(
            Ok(vec![
                info(
                    39,
                    &[
                        (0, TrackerStatus::Pinned, ""),
                        (
                            1,
                            TrackerStatus::PinError,
                            "failed to pin: disk quota exceeded",
                        ),
                        (3, TrackerStatus::ClusterError, "dial backoff"),
                    ],
                ),
                info(
                    37,
                    &[
                        (2, TrackerStatus::Pinning, ""),
                        (4, TrackerStatus::Pinned, ""),
                    ],
                ),
            ]),
            Duration::from_secs(15),
        ),
    );
    update(
        &mut st,
        Msg::Statuses(
            (30..37)
                .map(|i| {
                    info(
                        i,
                        &[
                            (i % 5, TrackerStatus::Pinned, ""),
                            ((i + 1) % 5, TrackerStatus::Pinned, ""),
                            ((i + 2) % 5, TrackerStatus::Pinned, ""),
                            ((i + 3) % 5, TrackerStatus::Remote, ""),
                        ],
                    )
                })
                .collect(),
        ),
    );
    st
}

pub(crate) fn render(st: &mut State, w: u16, h: u16) -> String {
    update(
        st,
        Msg::Resize {
            width: w,
            height: h,
        },
    );
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(st, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

macro_rules! snap {
    ($name:expr, $st:expr, $w:expr, $h:expr) => {
        insta::assert_snapshot!(format!("{}_{}x{}", $name, $w, $h), render($st, $w, $h));
    };
}

#[test]
fn pins_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        snap!("pins", &mut st, w, h);
    }
}

#[test]
fn peers_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        press(&mut st, KeyCode::Char('1'));
        press(&mut st, KeyCode::Char('j'));
        snap!("peers", &mut st, w, h);
    }
}

#[test]
fn replication_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        press(&mut st, KeyCode::Enter);
        let cid = st.replication.cid.clone().unwrap().to_string();
        let idx: usize = cid[42..].parse().unwrap();
        update(
            &mut st,
            Msg::Selected(
                Ok(info(
                    idx,
                    &[
                        (0, TrackerStatus::Pinned, ""),
                        (
                            1,
                            TrackerStatus::PinError,
                            "failed to pin: disk quota exceeded",
                        ),
                        (2, TrackerStatus::Remote, ""),
                        (3, TrackerStatus::ClusterError, "dial backoff"),
                    ],
                )),
                Duration::from_secs(5),
            ),
        );
        snap!("replication", &mut st, w, h);
    }
}

#[test]
fn problems_view() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        press(&mut st, KeyCode::Char('p'));
        snap!("problems", &mut st, w, h);
    }
}

#[test]
fn help_screen() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        press(&mut st, KeyCode::Char('?'));
        snap!("help", &mut st, w, h);
    }
}

#[test]
fn filter_and_unreachable_cluster() {
    let mut st = demo_state();
    press(&mut st, KeyCode::Char('/'));
    for c in "scan".chars() {
        press(&mut st, KeyCode::Char(c));
    }
    update(
        &mut st,
        Msg::Peers(
            Err("cannot reach nas:9094: connection refused".into()),
            Duration::from_secs(8),
        ),
    );
    snap!("filter_unreachable", &mut st, 120, 40);
}

#[test]
fn every_size_renders_without_panic() {
    let mut st = demo_state();
    for w in [1u16, 2, 5, 20, 39, 40, 41, 79, 80, 200] {
        for h in [1u16, 2, 3, 9, 10, 11, 15, 24, 60] {
            let text = render(&mut st, w, h);
            if w < 40 || h < 10 {
                let flat: String = text.split_whitespace().collect();
                assert!(
                    flat.starts_with(&"terminal"[..flat.len().min(8)]),
                    "{w}x{h}: {text:?}"
                );
            }
        }
    }
    snap!("too_small", &mut st, 30, 6);
}

/// `:` and Tab at 80 columns: the commands that do not fit the prompt line
/// are all in a box above it, none cut.
#[test]
fn every_command_tab_offers_is_on_screen() {
    let mut st = demo_state();
    press(&mut st, KeyCode::Char(':'));
    press(&mut st, KeyCode::Tab);
    let screen = render(&mut st, 80, 24);
    assert!(screen.contains("what can follow"), "{screen}");
    for c in ["pins", "browse", "ensure-pins", "rebalance", "quit"] {
        assert!(screen.contains(c), "{c} missing:\n{screen}");
    }
    assert!(!screen.contains("more"), "{screen}");
    // One letter in, they fit the line again: no box.
    press(&mut st, KeyCode::Char('r'));
    press(&mut st, KeyCode::Tab);
    let screen = render(&mut st, 80, 24);
    assert!(!screen.contains("what can follow"), "{screen}");
}

/// The replication pane shows the item opened with Enter; once the cursor
/// leaves it, its title says so.
#[test]
fn the_replication_pane_says_when_it_is_not_the_selected_item() {
    let mut st = demo_state();
    press(&mut st, KeyCode::Enter);
    let screen = render(&mut st, 120, 40);
    assert!(!screen.contains("not the selected item"), "{screen}");
    if st.focus != ccs_tui::app::Pane::Pins {
        press(&mut st, KeyCode::Esc);
    }
    assert_eq!(st.focus, ccs_tui::app::Pane::Pins);
    press(&mut st, KeyCode::Down);
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains("not the selected item"), "{screen}");
    press(&mut st, KeyCode::Enter);
    let screen = render(&mut st, 120, 40);
    assert!(!screen.contains("not the selected item"), "{screen}");
}

/// Before the problems list comes, a row says its copies are being
/// checked rather than showing a bare `?`.
#[test]
fn rows_say_they_are_checked_until_the_problems_list_comes() {
    let now = Instant::now();
    let mut st = State::new("nas:9094".into(), None, now);
    st.color = false;
    let screen = render(&mut st, 120, 40);
    let header = screen.lines().next().unwrap_or("");
    assert!(
        header.contains("connecting…") && !header.contains("0/0"),
        "{header}"
    );
    update(&mut st, Msg::Peers(Ok(vec![]), Duration::from_secs(5)));
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: (0..3).map(item).collect(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains(" checking "), "{screen}");
    assert!(!screen.contains("no problems"), "not known yet:\n{screen}");
    update(&mut st, Msg::Problems(Ok(vec![]), Duration::from_secs(15)));
    let screen = render(&mut st, 120, 40);
    assert!(!screen.contains("checking"), "{screen}");
    let header = screen.lines().next().unwrap_or("");
    assert!(header.contains("no problems"), "{header}");
}

/// The problems view and the header's count follow one rule, and it needs
/// no status of any row: the pinset's allocations and the peers that are
/// down say what is under-replicated; the problems list adds errors and pins
/// in flight.
#[test]
fn problems_are_complete_at_once_and_the_header_agrees() {
    let mut st = demo_state();
    // pihost (PEERS[3]) is down: items allocated to it lack a copy, except
    // those whose status was observed; 39 is in error, 37 pinning.
    let observed = 30..37;
    let expected = (0..40)
        .filter(|i| *i == 39 || *i == 37 || (!observed.contains(i) && [1, 2, 3].contains(&(i % 5))))
        .count();
    assert_eq!(st.pins.problems, expected);
    let screen = render(&mut st, 120, 40);
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains(&format!("{expected} problems")),
        "{screen}"
    );
    assert!(
        !screen.contains("?/"),
        "every row has its summary:\n{screen}"
    );
    press(&mut st, KeyCode::Char('p'));
    assert_eq!(st.pins.index.len(), expected);
    // Another peer goes down: the count follows at once, no status needed.
    let mut rows = st.peers.rows.clone();
    rows[2].error = "context deadline exceeded".into();
    update(&mut st, Msg::Peers(Ok(rows), Duration::from_secs(5)));
    assert!(st.pins.problems > expected);
    assert_eq!(st.pins.index.len(), st.pins.problems);
}

#[test]
fn the_bottom_row_gets_its_status_and_the_end_fills_the_pane() {
    let mut st = demo_state();
    for (w, h) in [(80, 24), (100, 30), (120, 40)] {
        let screen = render(&mut st, w, h);
        let drawn = screen.lines().filter(|l| l.contains("QmT78z")).count();
        assert_eq!(st.visible_cids().len(), drawn, "{w}x{h}: asked = drawn");
        press(&mut st, KeyCode::Char('G'));
        let screen = render(&mut st, w, h);
        let lines: Vec<&str> = screen.lines().collect();
        let bottom = lines.iter().rposition(|l| l.contains("QmT78z")).unwrap();
        assert!(
            lines[bottom + 1].starts_with('└'),
            "{w}x{h}: the last row sits on the pane's border:\n{screen}"
        );
        assert!(
            lines[bottom].contains("commit_2026-01-01T03:33:17Z")
                || lines[bottom].contains(st.pins.selected_row().unwrap().name()),
            "{w}x{h}:\n{screen}"
        );
        press(&mut st, KeyCode::Char('g'));
    }
}

/// An item on twenty peers at 100x30: allocated peers first, `remote` last,
/// "+N more" when cut, and `j` scrolls.
#[test]
fn the_replication_pane_scrolls() {
    let mut st = demo_state();
    press(&mut st, KeyCode::Enter);
    let cid = st.replication.cid.clone().unwrap().to_string();
    let mut peer_map = BTreeMap::new();
    let mut allocations = Vec::new();
    for i in 0..20 {
        // Pinned everywhere on twenty peers (remote ones would be folded
        // into one line).
        let id = format!("12D3KooWEXTRA{i:038}");
        allocations.push(id.clone());
        peer_map.insert(
            id,
            PinInfoShort {
                peername: format!("member{i:02}"),
                status: TrackerStatus::Pinned,
                timestamp: GoTime::from_unix(1_767_225_600, 0, 0),
                ..Default::default()
            },
        );
    }
    let g = GlobalPinInfo {
        cid: cid.clone(),
        name: "eight".into(),
        allocations: List::from(allocations),
        peer_map,
        ..Default::default()
    };
    update(&mut st, Msg::Selected(Ok(g), Duration::from_secs(5)));
    let screen = render(&mut st, 100, 30);
    assert!(screen.contains("more ↓"), "{screen}");
    let pos = |s: &str, name: &str| s.find(name).unwrap_or(usize::MAX);
    assert!(
        pos(&screen, "member00") < pos(&screen, "member03"),
        "by name"
    );
    for _ in 0..19 {
        press(&mut st, KeyCode::Char('j'));
    }
    let screen = render(&mut st, 100, 30);
    assert!(
        screen.contains("member19"),
        "j reached the last peer:\n{screen}"
    );
    assert!(screen.contains("above ↑"), "{screen}");
    snap!("replication_scrolled", &mut st, 100, 30);
}

#[test]
fn peer_detail_and_its_items() {
    let mut st = demo_state();
    // pihost, down, is listed first, then by name: chll is the second row.
    typed(&mut st, "1j\r");
    let d = st.peer_detail.clone().expect("Enter on a peer opens it");
    assert_eq!(d.id, PEERS[1].0);
    let allocated = (0..40).filter(|i| [0, 4, 3].contains(&(i % 5))).count();
    assert_eq!(d.stats.allocated, allocated);
    assert_eq!(d.stats.errors, 1, "39 is in error on chll");
    let screen = render(&mut st, 80, 24);
    for what in [
        "peer chll",
        "allocated",
        "in error",
        "only copy",
        "IPFS ID",
        PEERS[1].0,
    ] {
        assert!(screen.contains(what), "{what}:\n{screen}");
    }
    snap!("peer_detail", &mut st, 80, 24);
    // Its items: the pins filtered to the peer.
    press(&mut st, KeyCode::Char('p'));
    assert!(st.peer_detail.is_none());
    assert_eq!(st.pins.filter.raw, "peer:chll");
    assert_eq!(st.pins.index.len(), allocated);
}

/// Every row of every screen's help can be reached at 80x24 by scrolling,
/// and the footer always starts with help and the way out.
#[test]
fn every_help_row_is_reachable_at_80x24() {
    use ccs_tui::app::keymap::Screen;
    let openers: &[(Screen, &str)] = &[
        (Screen::Main, "?"),
        (Screen::Tasks, "w?"),
        (Screen::Peer, "1\r?"),
        (Screen::Browse, "l?"),
        (Screen::Risk, ":risk\r?"),
        (Screen::Confirm, "x?"),
        (Screen::Form, "a"),
        (Screen::Prompt, "/"),
    ];
    for (screen, keys) in openers {
        let mut st = demo_state();
        typed(&mut st, keys);
        if matches!(screen, Screen::Form | Screen::Prompt) {
            press(&mut st, KeyCode::F(1));
        }
        assert_eq!(
            st.help.as_ref().map(|h| h.of),
            Some(*screen),
            "{keys:?} opens the help of {screen:?}"
        );
        let mut seen = String::new();
        for _ in 0..60 {
            seen.push_str(&render(&mut st, 80, 24));
            press(&mut st, KeyCode::Char('j'));
        }
        for row in st.keymap.help_rows(*screen) {
            let text: String = row.text.chars().take(40).collect();
            assert!(seen.contains(&text), "{screen:?}: {text:?} never shown");
        }
        press(&mut st, KeyCode::Esc);
        assert!(st.help.is_none());
    }
}

#[test]
fn the_footer_leads_with_help_and_quit_at_every_width() {
    let mut st = demo_state();
    for pane in ['1', '2', '3'] {
        press(&mut st, KeyCode::Char(pane));
        for w in [40u16, 60, 80, 100, 160] {
            let screen = render(&mut st, w, 24);
            let footer = screen.lines().last().unwrap();
            assert!(
                footer.starts_with("<?> help  <q> quit"),
                "{pane} at {w}: {footer:?}"
            );
            assert!(footer.chars().count() <= w as usize);
        }
    }
    // Every key offered says what it does (the help's footer too).
    press(&mut st, KeyCode::Char('?'));
    for w in [80u16, 120] {
        let screen = render(&mut st, w, 24);
        let footer = screen.lines().last().unwrap().trim_end();
        for entry in footer.split("  ").filter(|e| !e.is_empty()) {
            let label = entry.split_once("> ").map_or("", |(_, l)| l);
            assert!(!label.trim().is_empty(), "{entry:?} in {footer:?}");
        }
    }
}

#[test]
fn frozen_and_transfers_show_in_the_header() {
    let mut st = demo_state();
    press(&mut st, KeyCode::Char('f'));
    let later = st.now + Duration::from_secs(5);
    update(&mut st, Msg::Tick(later));
    update(
        &mut st,
        Msg::TaskStarted {
            id: 1,
            kind: ccs_tui::app::transfers::TaskKind::Upload,
            what: "scans".into(),
            total: Some(10),
        },
    );
    let screen = render(&mut st, 120, 40);
    let head = screen.lines().next().unwrap();
    assert!(head.contains("FROZEN"), "{head}");
    assert!(head.contains("1 transfer (w)"), "{head}");
    assert!(
        screen.contains("frozen ·"),
        "panes say frozen, not live:\n{screen}"
    );
    assert!(!screen.contains(" live "), "{screen}");
}

/// A running fetch's note (resuming, a holder dropped) replaces "running"
/// in the transfers view.
#[test]
fn a_running_fetch_shows_what_it_said() {
    let mut st = demo_state();
    update(
        &mut st,
        Msg::TaskStarted {
            id: 7,
            kind: ccs_tui::app::transfers::TaskKind::Fetch,
            what: "QmScans → scans.tar".into(),
            total: None,
        },
    );
    let note = "resuming: 612.0 MiB of 1.0 GiB already verified";
    update(
        &mut st,
        Msg::TaskNote {
            id: 7,
            note: note.into(),
        },
    );
    press(&mut st, KeyCode::Char('w'));
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains(note), "{screen}");
}

/// Found trying the demo as a newcomer: with three fetches to long paths,
/// the transfers box showed two (their lines wrapped past its height), `j`
/// moved onto the one not shown, and `d` dismissed what could not be seen.
#[test]
fn the_selected_transfer_is_always_in_sight() {
    let mut st = demo_state();
    for id in 1..=6u64 {
        update(
            &mut st,
            Msg::TaskStarted {
                id,
                kind: ccs_tui::app::transfers::TaskKind::Fetch,
                what: format!(
                    "#{id} QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o → /tmp/newcomer/out/fetch/oral-history-080.mp3"
                ),
                total: None,
            },
        );
    }
    press(&mut st, KeyCode::Char('w'));
    for i in 0..6 {
        let screen = render(&mut st, 80, 16);
        assert!(
            screen.lines().all(|l| !l.contains("/oral-history")),
            "a task's line is cut to the width, not wrapped: {screen}"
        );
        let id = st.tasks[st.tasks_selected].id;
        assert_eq!(st.tasks_selected, i);
        assert!(
            screen.contains(&format!("#{id} Qm")),
            "task {id} in sight: {screen}"
        );
        press(&mut st, KeyCode::Char('j'));
    }
}

#[test]
fn long_form_errors_wrap_inside_the_form() {
    let mut st = demo_state();
    press(&mut st, KeyCode::Char('a'));
    let long = "cannot read /home/archivist/scans-2026/box-14/folder-3/page-0001.tif: permission denied (the file belongs to another user)";
    update(&mut st, Msg::FormRefused(long.into()));
    let screen = render(&mut st, 80, 24);
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("permission denied (the file belongs to another user)"),
        "{screen}"
    );
    snap!("upload_form_error", &mut st, 80, 24);
}

/// The unpin confirmation fits 80x24 with its buttons, and says loudest
/// when the item's only pinned copy would go.
#[test]
fn unpin_confirmation_fits_and_names_the_only_copy() {
    let mut st = demo_state();
    typed(&mut st, "jjx");
    let screen = render(&mut st, 80, 24);
    assert!(screen.contains(" Cancel "), "{screen}");
    assert!(screen.contains(" Unpin "), "{screen}");
    assert!(screen.contains("THE ONLY PINNED COPY"), "{screen}");
    snap!("unpin_only_copy", &mut st, 80, 24);
}

fn browsing(st: &mut State) -> u64 {
    press(st, KeyCode::Char('l'));
    let b = st.browse.as_ref().expect("l looks inside");
    let g = b.generation;
    update(
        st,
        Msg::BrowseEntries {
            generation: g,
            entries: vec![
                ("data.json".into(), cid(101), 180),
                ("index.html".into(), cid(102), 2_400),
                ("scans".into(), cid(103), 48_000_000),
                ("oral-history-007.mp3".into(), cid(104), 1_600_000),
            ],
            done: true,
            error: None,
            root_file: false,
        },
    );
    use ccs_tui::cluster::dag::Kind;
    update(
        st,
        Msg::BrowseStats {
            generation: g,
            stats: vec![
                (cid(101), Ok((Kind::File, 171))),
                (cid(102), Ok((Kind::File, 2_311))),
                (cid(103), Ok((Kind::Dir, 48_000_000))),
                (cid(104), Ok((Kind::File, 1_600_000))),
            ],
        },
    );
    g
}

#[test]
fn browsing_with_previews() {
    use ccs_tui::app::msg::PreviewAnswer;
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        let g = browsing(&mut st);
        let json = br#"{"commit":"2026-01-12T03:33:17Z","org":"hrdag","files":["index.html","scans/"],"verified":true}"#;
        update(
            &mut st,
            Msg::Preview {
                generation: g,
                cid: cid(101),
                result: Ok(PreviewAnswer::File(ccs_tui::preview::preview(
                    "data.json",
                    json,
                    json.len() as u64,
                ))),
            },
        );
        let screen = render(&mut st, w, h);
        assert!(screen.contains("\"verified\": true"), "{screen}");
        assert!(screen.contains("scans/"), "{screen}");
        snap!("browse", &mut st, w, h);
    }
    // A corrupted block: the error and the gateway, no content.
    let mut st = demo_state();
    let g = browsing(&mut st);
    update(
        &mut st,
        Msg::Preview {
            generation: g,
            cid: cid(101),
            result: Err(format!(
                "block {} from 127.0.0.1:18090 does not match its CID: a corrupt copy",
                cid(101)
            )),
        },
    );
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains("does not match its CID"), "{screen}");
    assert!(screen.contains("Nothing is shown that does not match its CID."));
}

/// `:risk PEER`: what is fragile, and what that peer's failure would cost,
/// by the rule `ccs-tui risk` uses.
#[test]
fn the_risk_view() {
    let mut st = demo_state();
    typed(&mut st, ":risk ipfs1\r");
    let r = st.risk.clone().expect(":risk opens the view");
    // 37: meerkat still pinning, pihost down: ipfs1 alone serves it.
    let has = |v: &[ccs_tui::cluster::steward::risk::AtRisk]| v.iter().any(|a| a.cid == cid(37));
    assert!(has(&r.below_min), "{r:?}");
    assert!(has(&r.single_copy));
    assert!(has(&r.if_failed.as_ref().unwrap().lost));
    let screen = render(&mut st, 80, 24);
    assert!(screen.contains("if ipfs1 failed, lost: "), "{screen}");
    snap!("risk", &mut st, 80, 24);
    press(&mut st, KeyCode::Esc);
    assert!(st.risk.is_none());
    // A peer that is down already: said, not a reassuring "lost: 0".
    typed(&mut st, ":risk pihost\r");
    assert!(st
        .risk
        .as_ref()
        .and_then(|r| r.if_failed.as_ref())
        .is_some_and(|f| f.already_down));
    let screen = render(&mut st, 100, 40);
    assert!(screen.contains("pihost is down already"), "{screen}");
    press(&mut st, KeyCode::Esc);
}

/// A drain's plan before it runs: how much, from → to by node names, what
/// cannot move and why; Cancel focused; it fits 80x24 with its buttons.
#[test]
fn a_stewardship_plan_is_shown_before_it_runs() {
    use ccs_tui::cluster::steward::plan::{Item, Kind, Plan};
    let mut st = demo_state();
    // In the cluster's order (the pane lists peers that are down first).
    let ids: Vec<(String, String)> = PEERS
        .iter()
        .filter_map(|(id, _, _)| st.peers.rows.iter().find(|p| p.id == *id))
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let items = (0..11)
        .map(|i| Item {
            cid: cid(200 + i),
            name: format!("commit_2026-01-{:02}", i + 1),
            size: Some(1_500_000 * (i as u64 + 1)),
            current: vec![ids[0].0.clone(), ids[1].0.clone()],
            target: vec![ids[1].0.clone(), ids[2 + i % 2].0.clone()],
            blocked: None,
            resumed: false,
        })
        .chain(std::iter::once(Item {
            cid: cid(300),
            name: "everywhere.txt".into(),
            size: None,
            current: vec![],
            target: vec![],
            blocked: Some(
                "pinned on every peer: it leaves this peer only when the peer leaves the cluster"
                    .into(),
            ),
            resumed: false,
        }))
        .collect();
    let plan = Plan {
        kind: Kind::Drain {
            peer: ids[0].0.clone(),
            name: ids[0].1.clone(),
        },
        items,
        checked: 300,
        names: ids.clone(),
        up: ids.iter().map(|(id, _)| id.clone()).collect(),
        allowed: (2, 3),
    };
    update(&mut st, Msg::StewardPlanned(Ok(Box::new(plan))));
    let screen = render(&mut st, 80, 24);
    assert!(screen.contains(" Cancel "), "{screen}");
    assert!(screen.contains(" Go "), "{screen}");
    assert!(screen.contains("… and 3 more"), "{screen}");
    assert!(
        screen.contains(&format!("{} → {}", ids[0].1, ids[2].1)),
        "{screen}"
    );
    snap!("drain_plan", &mut st, 80, 24);
}

#[test]
fn while_another_view_is_on_its_way_the_title_says_what_is_shown() {
    let mut st = State::new("x".into(), None, Instant::now());
    let rows: Vec<PinRow> = (0..60_000).map(item).collect();
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: rows.into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    let pending = st.pins.index_pending.expect("an order on its way");
    update(
        &mut st,
        Msg::Index {
            generation: pending,
            indexed: ccs_tui::app::order::Indexed {
                index: (0..60_000).collect::<Vec<u32>>().into(),
                problems: 7,
            },
        },
    );
    press(&mut st, KeyCode::Char('p'));
    let screen = render(&mut st, 120, 32);
    assert!(
        screen.contains("pins (60,000) · created ↓ · finding problems…"),
        "{screen}"
    );
    assert!(!screen.contains("problems (60,000/60,000)"), "{screen}");
    press(&mut st, KeyCode::Char('N'));
    let screen = render(&mut st, 120, 32);
    assert!(screen.contains("pins (60,000) · created ↓ · "), "{screen}");
}

#[test]
fn an_empty_pane_says_why_on_its_first_line() {
    let mut st = demo_state();
    typed(&mut st, "/zzzqqq");
    press(&mut st, KeyCode::Enter);
    let screen = render(&mut st, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    let pane = lines
        .iter()
        .position(|l| l.contains("pins (0/40)"))
        .unwrap();
    assert!(
        lines[pane + 2].contains("no item matches /zzzqqq · Esc clears the filter"),
        "{screen}"
    );
}

#[test]
fn leaving_the_problems_view_selects_again_the_item_selected_before() {
    let mut st = demo_state();
    typed(&mut st, "jjjj");
    let before = st.pins.selected_row().unwrap().cid().to_string();
    for out in ["p", "\x1b", ":pins\r"] {
        typed(&mut st, "p");
        assert!(st.pins.problems_only);
        typed(&mut st, "j");
        typed(&mut st, out);
        assert!(!st.pins.problems_only, "{out:?}");
        assert_eq!(st.pins.selected_row().unwrap().cid(), before, "{out:?}");
    }
}

/// On a big cluster an item is `remote` on most peers: one line says how
/// many, and the title still counts every peer.
#[test]
fn remote_peers_by_the_dozen_take_one_line() {
    let mut st = demo_state();
    press(&mut st, KeyCode::Enter);
    let cid = st.replication.cid.clone().unwrap().to_string();
    let idx: usize = cid[42..].parse().unwrap();
    let mut g = info(
        idx,
        &[
            (0, TrackerStatus::Pinned, ""),
            (1, TrackerStatus::Pinned, ""),
        ],
    );
    for k in 0..45 {
        g.peer_map.insert(
            format!("12D3KooWRemote{k:02}"),
            PinInfoShort {
                peername: format!("far-{k:02}"),
                status: TrackerStatus::Remote,
                ..Default::default()
            },
        );
    }
    update(&mut st, Msg::Selected(Ok(g), Duration::from_secs(5)));
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains("45 other peers: REMOTE"), "{screen}");
    assert!(screen.contains("(47 peers)"), "{screen}");
    assert!(!screen.contains("far-00"), "{screen}");
}

/// A member the cluster dropped says since when, with its zone, at 80
/// columns as at 120.
#[test]
fn a_missing_peer_keeps_its_time_and_zone_at_80_columns() {
    let mut st = demo_state();
    let p = st
        .peers
        .rows
        .iter_mut()
        .find(|p| p.name == "pihost")
        .unwrap();
    p.error = "missing: no heartbeat since 2026-01-01T14:05:00Z".into();
    let narrow = render(&mut st, 80, 24);
    assert!(narrow.contains("MISSING since 14:05 UTC"), "{narrow}");
    let wide = render(&mut st, 120, 40);
    assert!(
        wide.contains("MISSING: no heartbeat since 14:05 UTC"),
        "{wide}"
    );
}

/// Fifty peers in a pane of a few rows: the one that is down is listed
/// first, and the pane scrolls with the cursor to the last.
#[test]
fn the_peers_pane_puts_a_down_peer_in_sight_and_scrolls() {
    let mut st = demo_state();
    let rows: Vec<PeerRow> = (1..=50)
        .map(|k| PeerRow {
            id: format!("12D3KooWPeer{k:02}"),
            name: format!("peer-{k:02}"),
            error: if k == 30 {
                "context deadline exceeded".into()
            } else {
                String::new()
            },
            ..Default::default()
        })
        .collect();
    update(&mut st, Msg::Peers(Ok(rows), Duration::from_secs(5)));
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains("peer-30"), "{screen}");
    assert!(screen.contains("OFFLINE: context deadline"), "{screen}");
    typed(&mut st, "1");
    for _ in 0..49 {
        press(&mut st, KeyCode::Char('j'));
    }
    let screen = render(&mut st, 120, 40);
    assert!(
        screen.contains("peer-50"),
        "the cursor's peer in sight:\n{screen}"
    );
    assert!(!screen.contains("peer-01 "), "{screen}");
    // A refresh keeps the cursor on its peer, whatever the order.
    let selected = st.peers.rows[st.peers.selected].id.clone();
    let rows = st.peers.rows.clone();
    update(&mut st, Msg::Peers(Ok(rows), Duration::from_secs(5)));
    assert_eq!(st.peers.rows[st.peers.selected].id, selected);
}

/// A terminal made smaller keeps the cursor's row on screen.
#[test]
fn a_smaller_terminal_keeps_the_selected_row_in_sight() {
    let mut st = demo_state();
    update(
        &mut st,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    for _ in 0..25 {
        press(&mut st, KeyCode::Char('j'));
    }
    let name = st.pins.selected_row().unwrap().name().to_string();
    assert!(render(&mut st, 160, 48).contains(&name));
    update(
        &mut st,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    let screen = render(&mut st, 80, 24);
    assert!(screen.contains(&name), "{name} not on screen:\n{screen}");
}

/// Issue 27: a member whose kubo announces a public address breaks the
/// seed's promise; the header says so, and its peer detail shows each
/// address with its class and the setting that closes it.
#[test]
fn an_exposed_peer_is_flagged_in_the_header_and_its_detail() {
    let mut st = demo_state();
    let screen = render(&mut st, 120, 40);
    assert!(!screen.contains("EXPOSED"), "{screen}");
    let i = st.peers.rows.iter().position(|p| p.name == "chll").unwrap();
    st.peers.rows[i].addresses = vec!["/ip4/100.64.0.32/tcp/9096".into()];
    st.peers.rows[i].ipfs_addresses = vec![
        "/ip4/100.64.0.32/tcp/4001".into(),
        "/ip4/203.0.113.50/tcp/4001".into(),
    ];
    let screen = render(&mut st, 120, 40);
    assert!(
        screen.lines().next().unwrap().contains("EXPOSED: chll"),
        "{screen}"
    );
    // Narrow: the name still shows.
    let narrow = render(&mut st, 80, 24);
    assert!(
        narrow.lines().next().unwrap().contains("EXPOSED: chll"),
        "{narrow}"
    );
    // pihost (down) first, then by name: chll is the second row.
    typed(&mut st, "1j\r");
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains("peer chll · EXPOSED"), "{screen}");
    assert!(screen.contains("PUBLIC"), "{screen}");
    assert!(screen.contains("203.0.113.50"), "{screen}");
    assert!(screen.contains("tailnet"), "{screen}");
    assert!(screen.contains("Addresses.Announce"), "{screen}");
}

/// Issue 27: with Tailscale on the operator's machine, a peer that does not
/// answer reads as its machine's state; its detail says it too.
#[test]
fn a_peer_down_reads_as_its_machines_tailnet_state() {
    let mut st = demo_state();
    let t = ccs_tui::tailnet::parse(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/tailscale/status-1.76.json"),
        )
        .unwrap(),
    )
    .unwrap();
    update(&mut st, Msg::Tailnet(t));
    let screen = render(&mut st, 120, 40);
    let row = screen.lines().find(|l| l.contains("pihost")).unwrap();
    assert!(
        row.contains("machine offline since 2026-12-06 14:05 UTC"),
        "{screen}"
    );
    typed(&mut st, "1\r");
    let screen = render(&mut st, 120, 40);
    assert!(screen.contains("tailnet"), "{screen}");
    assert!(screen.contains("machine offline since"), "{screen}");
    // What a peer that is down holds is not known: not "none".
    assert!(screen.contains("not known while it is down"), "{screen}");
    assert!(
        !screen.contains("every item it holds has another"),
        "{screen}"
    );
}

/// Issue 25: the erase's confirmation says, before it runs, that the
/// collection frees everything unpinned on every peer, and which blocks
/// another item shares (those stay).
#[test]
fn an_erase_says_what_the_collection_does_before_it_runs() {
    use ccs_tui::cluster::erase::{ItemBlocks, Prepared, Shares, Sharing};
    let mut st = demo_state();
    typed(&mut st, "jjx");
    let screen = render(&mut st, 80, 24);
    assert!(screen.contains(" Erase "), "{screen}");
    assert!(screen.contains("Unpinned data stays stored"), "{screen}");
    let c = st.pins.selected_row().unwrap().cid().to_string();
    // The rows' CIDs only look like CIDs; the blocks need real ones.
    let root =
        ccs_tui::unixfs::parse_cid("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").unwrap();
    let leaf =
        ccs_tui::unixfs::parse_cid("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
            .unwrap();
    let mut shares = Shares {
        checked: 40,
        total: 40,
        ..Default::default()
    };
    shares.items.push(Sharing {
        cid: cid(7),
        name: "same-letter-copy.pdf".into(),
        blocks: 1,
    });
    shares.blocks.insert(leaf);
    let name = st.pins.selected_row().unwrap().name().to_string();
    typed(&mut st, "e");
    assert!(st.dialog.is_none(), "e reads first, then asks");
    update(
        &mut st,
        Msg::EraseReady(Ok(vec![Prepared {
            cid: c,
            name,
            pinned: true,
            blocks: ItemBlocks::listed(vec![root, leaf]),
            shares,
        }])),
    );
    let screen = render(&mut st, 80, 24);
    assert!(screen.contains("EVERY peer"), "{screen}");
    assert!(screen.contains("same-letter-copy.pdf"), "{screen}");
    snap!("erase_confirmation", &mut st, 80, 24);
}

/// Issue 31: the capacity screen from constructed figures (two years of
/// one org growing fast, a peer nearly full, items without size metadata),
/// at 80x24 and 120x40, without colour.
#[test]
fn the_capacity_screen_at_80_and_120_columns() {
    use ccs_tui::cluster::capacity::history::{History, Sample};
    use ccs_tui::cluster::capacity::{compute, Item, Peer};
    const NOW: i64 = 1_796_601_600; // 2026-12-07
    const GB: u64 = 1_000_000_000;
    let ids: Vec<String> = PEERS.iter().map(|(id, _, _)| id.to_string()).collect();
    let peers: Vec<Peer> = PEERS
        .iter()
        .enumerate()
        .map(|(i, (id, name, err))| Peer {
            id: id.to_string(),
            name: name.to_string(),
            free: (err.is_empty()).then_some([1800, 3600, 380, 0, 1200][i] * GB),
            reserve: 50 * GB,
        })
        .collect();
    /// cid, name, size, created, org, allocations.
    type Owned = (String, String, Option<u64>, i64, String, Vec<String>);
    let mut owned: Vec<Owned> = Vec::new();
    for m in 0..24i64 {
        let tfc = if m >= 16 { 2 * (1 << (m - 16)) } else { 2 };
        for k in 0..(8 + tfc) {
            let org = if k < 8 { "hrdag" } else { "tfc" };
            let size = if k == 3 && m % 7 == 0 {
                None
            } else {
                Some((2 + (k as u64 % 5)) * GB)
            };
            let allocs = (0..3)
                .map(|j| ids[(k + j + m as usize) % ids.len()].clone())
                .collect();
            owned.push((
                format!("Qm{m:02}{k:03}"),
                format!("{org}-{m:02}-{k:03}"),
                size,
                NOW - (24 - m) * 30 * 86_400 + k as i64 * 3_600,
                org.to_string(),
                allocs,
            ));
        }
    }
    let c = compute(
        owned.iter().map(|(cid, name, size, created, org, a)| Item {
            cid,
            name,
            size: *size,
            created: *created,
            org,
            allocations: a.as_slice(),
        }),
        &peers,
        NOW,
    );
    let mut history = History::default();
    for i in 0..40i64 {
        let samples: Vec<(String, Sample)> = peers
            .iter()
            .filter_map(|p| {
                Some((
                    p.id.clone(),
                    Sample {
                        at: NOW - (40 - i) * 3_600,
                        free: p.free? + ((40 - i) as u64 * 2 * GB),
                    },
                ))
            })
            .collect();
        history.add(&samples);
    }
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        press(&mut st, KeyCode::Char('c'));
        assert!(st.capacity.is_some(), "c opens the capacity screen");
        let screen = render(&mut st, w, h);
        assert!(screen.contains("Working out the figures"), "{screen}");
        update(
            &mut st,
            Msg::CapacityReady(Ok(Box::new((c.clone(), history.clone())))),
        );
        let screen = render(&mut st, w, h);
        assert!(screen.contains("GROWTH BY MONTH"), "{screen}");
        assert!(screen.contains("without size metadata"), "{screen}");
        snap!("capacity", &mut st, w, h);
        press(&mut st, KeyCode::Char('t'));
        assert!(render(&mut st, w, h).contains("GROWTH BY MONTH, in items"));
        press(&mut st, KeyCode::Esc);
        assert!(st.capacity.is_none());
    }
}
