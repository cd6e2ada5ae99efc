//! Whole-screen snapshots (ratatui's TestBackend + insta) of each pane, the
//! help screen and the problems view, at 80x24 and 120x40; and tiny sizes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ccs_tui::app::rows::{PeerRow, PinRow};
use ccs_tui::app::{update, Msg, State};
use ccs_tui::cluster::gojson::{GoTime, List, Map};
use ccs_tui::cluster::types::{GlobalPinInfo, Pin, PinInfoShort, TrackerStatus};
use ccs_tui::ui::view;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

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

fn pin(i: usize) -> PinRow {
    let (name, org) = match i % 3 {
        0 => (
            format!("commit_2026-01-{:02}T03:33:17Z", 1 + i % 28),
            "hrdag",
        ),
        1 => (format!("pincushion-collection-{i:03}"), "historypin"),
        _ => (format!("scan-{i:04}.tif"), "tfc"),
    };
    PinRow::from_pin(&Pin {
        cid: cid(i),
        name,
        metadata: Map::from(vec![
            ("org".to_string(), org.to_string()),
            (
                "size".to_string(),
                (65_000_000 + i as u64 * 1_234_567).to_string(),
            ),
        ]),
        allocations: List::from(vec![
            PEERS[i % 5].0.to_string(),
            PEERS[(i + 1) % 5].0.to_string(),
            PEERS[(i + 2) % 5].0.to_string(),
        ]),
        replication_factor_min: 2,
        replication_factor_max: 3,
        timestamp: GoTime::from_unix(1_767_000_000 + i as i64 * 3600, 0, 0),
        ..Default::default()
    })
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
    let row = pin(i);
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
    let now = Instant::now();
    let mut st = State::new("nas:9094".into(), Some("admin".into()), now);
    st.color = false;
    let peers = PEERS
        .iter()
        .map(|(id, name, err)| PeerRow {
            id: id.to_string(),
            name: name.to_string(),
            version: if err.is_empty() {
                "1.1.6".into()
            } else {
                String::new()
            },
            error: err.to_string(),
            free_space: None,
            pinned: 0,
            errors: 0,
            ..Default::default()
        })
        .collect();
    update(&mut st, Msg::Peers(Ok(peers), Duration::from_secs(5)));
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: (0..40).map(pin).collect(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
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

fn key(st: &mut State, c: KeyCode) {
    update(st, Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
}

fn render(st: &mut State, w: u16, h: u16) -> String {
    st.pins_height = ccs_tui::ui::layout::pins_rows(ratatui::layout::Rect::new(0, 0, w, h), st);
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
        key(&mut st, KeyCode::Char('1'));
        key(&mut st, KeyCode::Char('j'));
        snap!("peers", &mut st, w, h);
    }
}

#[test]
fn replication_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        key(&mut st, KeyCode::Enter);
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
        key(&mut st, KeyCode::Char('p'));
        snap!("problems", &mut st, w, h);
    }
}

#[test]
fn help_screen() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = demo_state();
        key(&mut st, KeyCode::Char('?'));
        snap!("help", &mut st, w, h);
    }
}

#[test]
fn filter_and_unreachable_cluster() {
    let mut st = demo_state();
    key(&mut st, KeyCode::Char('/'));
    for c in "scan".chars() {
        key(&mut st, KeyCode::Char(c));
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
