//! `update()` for every key path and message: pure, no terminal, no network.

use std::time::{Duration, Instant};

use ccs_tui::app::order::Indexed;
use ccs_tui::app::rows::{PeerRow, PinRow};
use ccs_tui::app::{update, Effect, Mode, Msg, Pane, State};
use ccs_tui::cluster::gojson::List;
use ccs_tui::cluster::types::{GlobalPinInfo, Pin, PinInfoShort, TrackerStatus};
use crossterm::event::KeyCode;

use crate::common::console::{ch, console, ctrl, failing, peer, pin, press};

/// An item of this file's pinset: `item-NNN`, two allocations, a size.
fn item(i: usize, name: &str, org: &str, created: i64) -> PinRow {
    pin(format!("Qm{i:044}"))
        .name(name)
        .org(org)
        .meta("size", i * 1000)
        .allocations(&["peerA", "peerB"])
        .replication(2, 2)
        .created(created)
        .row()
}

fn info(cid: &str, statuses: &[(&str, TrackerStatus)]) -> GlobalPinInfo {
    let mut g = GlobalPinInfo {
        cid: cid.into(),
        allocations: List::from(vec!["peerA".to_string(), "peerB".to_string()]),
        ..Default::default()
    };
    for (id, s) in statuses {
        g.peer_map.insert(
            id.to_string(),
            PinInfoShort {
                peername: id.to_lowercase(),
                status: *s,
                ..Default::default()
            },
        );
    }
    g
}

/// A state with two peers and `n` pins loaded.
pub fn loaded(n: usize) -> State {
    console()
        .peers(vec![peer("peerA", "nas"), peer("peerB", "chll")])
        .pins((0..n).map(|i| {
            item(
                i,
                &format!("item-{i:03}"),
                if i % 2 == 0 { "hrdag" } else { "tfc" },
                1_700_000_000 + i as i64,
            )
        }))
        .build()
}

fn selected_name(st: &State) -> String {
    st.pins
        .selected_row()
        .map(|r| r.name().to_string())
        .unwrap_or_default()
}

#[test]
fn loads_sorted_newest_first_and_moves() {
    let mut st = loaded(20);
    assert_eq!(st.pins.index.len(), 20);
    assert_eq!(selected_name(&st), "item-019");
    ch(&mut st, 'j');
    assert_eq!(selected_name(&st), "item-018");
    press(&mut st, KeyCode::Down);
    ch(&mut st, 'k');
    assert_eq!(selected_name(&st), "item-018");
    ch(&mut st, 'G');
    assert_eq!(selected_name(&st), "item-000");
    assert_eq!(st.pins.offset, 15, "the last page is in view");
    ch(&mut st, 'g');
    assert_eq!((selected_name(&st), st.pins.offset), ("item-019".into(), 0));
    press(&mut st, KeyCode::PageDown);
    assert_eq!(selected_name(&st), "item-014");
    press(&mut st, KeyCode::PageUp);
    assert_eq!(selected_name(&st), "item-019");
    ch(&mut st, 'k');
    assert_eq!(selected_name(&st), "item-019", "stops at the top");
}

#[test]
fn streaming_chunks_show_rows_before_the_end() {
    let mut st = State::new("x".into(), None, Instant::now());
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: vec![item(1, "a", "o", 1), item(2, "b", "o", 2)].into(),
            done: false,
            every: Duration::from_secs(30),
        },
    );
    assert_eq!(st.pins.index.len(), 2, "rows usable before the stream ends");
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: vec![item(3, "c", "o", 3)].into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    assert_eq!(st.pins.index.len(), 3);
    assert_eq!(selected_name(&st), "c");
    // A reload keeps the old rows until it is complete.
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 2,
            rows: vec![item(4, "d", "o", 4)].into(),
            done: false,
            every: Duration::from_secs(30),
        },
    );
    assert_eq!(st.pins.rows.len(), 3);
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 2,
            rows: vec![].into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    assert_eq!(st.pins.rows.len(), 1);
    // A late chunk of an older load is ignored.
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: vec![item(9, "z", "o", 9)].into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    assert_eq!(st.pins.rows.len(), 1);
}

#[test]
fn filter_typing_inverting_fields_and_esc() {
    let mut st = loaded(20);
    ch(&mut st, '/');
    assert_eq!(st.mode, Mode::Filter(String::new()));
    for c in "item-01".chars() {
        ch(&mut st, c);
    }
    assert_eq!(st.pins.index.len(), 10);
    press(&mut st, KeyCode::Backspace);
    assert_eq!(st.pins.index.len(), 20);
    ch(&mut st, '1');
    press(&mut st, KeyCode::Enter);
    assert_eq!(st.mode, Mode::Normal);
    assert_eq!(st.pins.index.len(), 10);
    // Esc in normal mode clears the filter.
    press(&mut st, KeyCode::Esc);
    assert_eq!(st.pins.index.len(), 20);
    // `!` inverts; field filters.
    ch(&mut st, '/');
    for c in "!org:hrdag".chars() {
        ch(&mut st, c);
    }
    press(&mut st, KeyCode::Enter);
    assert_eq!(st.pins.index.len(), 10);
    assert!(st
        .pins
        .index
        .iter()
        .all(|i| st.pins.rows.get(*i as usize).unwrap().org() == "tfc"));
    // A CID substring.
    press(&mut st, KeyCode::Esc);
    ch(&mut st, '/');
    for c in "00000000000000000000000000000000000000000007".chars() {
        ch(&mut st, c);
    }
    assert_eq!(st.pins.index.len(), 1);
    // Esc while typing drops the filter.
    press(&mut st, KeyCode::Esc);
    assert_eq!((st.mode.clone(), st.pins.index.len()), (Mode::Normal, 20));
    // A bad field value says why.
    ch(&mut st, '/');
    for c in "status:bogus".chars() {
        ch(&mut st, c);
    }
    assert!(st.flash.as_ref().unwrap().text.contains("unknown status"));
}

#[test]
fn status_filter_and_problems_view() {
    let mut st = loaded(6);
    let c0 = st.pins.rows.get(0).unwrap().cid().to_string();
    let c1 = st.pins.rows.get(1).unwrap().cid().to_string();
    update(
        &mut st,
        Msg::Problems(
            Ok(vec![
                info(
                    &c0,
                    &[
                        ("peerA", TrackerStatus::PinError),
                        ("peerB", TrackerStatus::Pinned),
                    ],
                ),
                info(
                    &c1,
                    &[
                        ("peerA", TrackerStatus::Pinning),
                        ("peerB", TrackerStatus::Pinned),
                    ],
                ),
            ]),
            Duration::from_secs(15),
        ),
    );
    ch(&mut st, 'p');
    assert!(st.pins.problems_only);
    assert_eq!(st.pins.index.len(), 2);
    ch(&mut st, '/');
    for c in "status:error".chars() {
        ch(&mut st, c);
    }
    assert_eq!(st.pins.index.len(), 1);
    press(&mut st, KeyCode::Esc);
    // The peers pane learns the error counts.
    let nas = st.peers.rows.iter().find(|p| p.name == "nas").unwrap();
    assert_eq!(nas.errors, 1);
    // Items that leave the problem list are fine again.
    update(&mut st, Msg::Problems(Ok(vec![]), Duration::from_secs(15)));
    assert_eq!(st.pins.index.len(), 0);
    press(&mut st, KeyCode::Esc);
    assert!(!st.pins.problems_only);
    ch(&mut st, ':');
    for c in "problems".chars() {
        ch(&mut st, c);
    }
    press(&mut st, KeyCode::Enter);
    assert!(st.pins.problems_only);
    ch(&mut st, ':');
    for c in "pins".chars() {
        ch(&mut st, c);
    }
    press(&mut st, KeyCode::Enter);
    assert!(!st.pins.problems_only);
}

#[test]
fn sorting_by_shift_letters() {
    let mut st = loaded(5);
    ch(&mut st, 'N');
    assert_eq!(selected_name(&st), "item-004", "selection follows the item");
    ch(&mut st, 'g');
    assert_eq!(selected_name(&st), "item-000", "names A to Z");
    ch(&mut st, 'N');
    ch(&mut st, 'g');
    assert_eq!(selected_name(&st), "item-004", "pressing again reverses");
    ch(&mut st, 'Z');
    ch(&mut st, 'G');
    assert_eq!(
        selected_name(&st),
        "item-000",
        "biggest first, smallest last"
    );
    ch(&mut st, 'C');
    ch(&mut st, 'S');
    assert_eq!(st.pins.sort.key.label(), "status");
}

#[test]
fn panes_inspect_and_back() {
    let mut st = loaded(5);
    assert_eq!(st.focus, Pane::Pins);
    press(&mut st, KeyCode::Tab);
    assert_eq!(st.focus, Pane::Replication);
    press(&mut st, KeyCode::Tab);
    assert_eq!(st.focus, Pane::Peers);
    press(&mut st, KeyCode::BackTab);
    assert_eq!(st.focus, Pane::Replication);
    ch(&mut st, '1');
    assert_eq!(st.focus, Pane::Peers);
    ch(&mut st, 'j');
    assert_eq!(st.peers.selected, 1);
    ch(&mut st, '2');
    let fx = press(&mut st, KeyCode::Enter);
    assert_eq!(st.focus, Pane::Replication);
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Watch { selected: Some(c), .. } if *c == cid)));
    // The inspected item's status arrives.
    update(
        &mut st,
        Msg::Selected(
            Ok(info(
                &cid,
                &[
                    ("peerA", TrackerStatus::Pinned),
                    ("peerB", TrackerStatus::PinQueued),
                ],
            )),
            Duration::from_secs(5),
        ),
    );
    assert_eq!(st.replication.info.as_ref().unwrap().peer_map.len(), 2);
    ch(&mut st, 'j');
    assert_eq!(st.replication.selected, 1);
    // A status for another item is not shown as this one's.
    update(
        &mut st,
        Msg::Selected(Ok(info("QmOther", &[])), Duration::from_secs(5)),
    );
    assert_eq!(st.replication.info.as_ref().unwrap().cid, cid);
    press(&mut st, KeyCode::Esc);
    assert_eq!(st.focus, Pane::Pins);
    ch(&mut st, '3');
    assert_eq!(st.focus, Pane::Replication);
}

#[test]
fn mark_copy_refresh_freeze_help_quit() {
    let mut st = loaded(5);
    ch(&mut st, ' ');
    ch(&mut st, ' ');
    assert_eq!(st.pins.marked.len(), 2);
    ch(&mut st, 'k');
    ch(&mut st, ' ');
    assert_eq!(st.pins.marked.len(), 1, "space toggles");
    press(&mut st, KeyCode::Esc);
    assert!(st.pins.marked.is_empty(), "Esc clears marks");
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    assert_eq!(ch(&mut st, 'y'), vec![Effect::Copy(cid)]);
    ch(&mut st, '1');
    // The peers pane lists by name: chll (peerB), then nas.
    assert_eq!(ch(&mut st, 'y'), vec![Effect::Copy("peerB".into())]);
    assert_eq!(ctrl(&mut st, 'r'), vec![Effect::RefreshNow]);
    assert_eq!(ch(&mut st, 'f'), vec![Effect::Freeze(true)]);
    assert!(st.frozen);
    assert_eq!(ch(&mut st, 'f'), vec![Effect::Freeze(false)]);
    ch(&mut st, '?');
    assert!(st.help.is_some());
    ch(&mut st, 'x');
    assert!(st.help.is_some(), "help swallows other keys");
    assert!(st.dialog.is_none());
    press(&mut st, KeyCode::Esc);
    assert!(st.help.is_none());
    assert_eq!(st.mode, Mode::Normal);
    ch(&mut st, ':');
    for c in "bogus".chars() {
        ch(&mut st, c);
    }
    press(&mut st, KeyCode::Enter);
    assert!(st.flash.as_ref().unwrap().text.contains("unknown command"));
    // Quitting is said once, as an effect; the event loop acts on it.
    let fx = ch(&mut st, 'q');
    assert_eq!(fx, vec![Effect::Quit]);
    let mut st = loaded(1);
    ch(&mut st, ':');
    ch(&mut st, 'q');
    assert_eq!(press(&mut st, KeyCode::Enter), vec![Effect::Quit]);
    let mut st = loaded(1);
    assert_eq!(ctrl(&mut st, 'c'), vec![Effect::Quit]);
}

#[test]
fn failures_keep_the_last_good_data_and_say_why() {
    let mut st = loaded(3);
    let now = st.now;
    update(
        &mut st,
        Msg::Peers(
            Err("cannot reach nas:9094: connection refused".into()),
            Duration::from_secs(8),
        ),
    );
    assert_eq!(st.peers.rows.len(), 2, "old peers stay listed");
    assert_eq!(
        st.peers.fresh.describe(now),
        "cannot reach nas:9094: connection refused; retrying in 8 s"
    );
    update(
        &mut st,
        Msg::PinsetFailed {
            generation: 2,
            error: "cannot reach nas:9094: connection refused".into(),
            retry_in: Duration::from_secs(4),
        },
    );
    assert_eq!(st.pins.rows.len(), 3);
    assert!(st.pins.fresh.describe(now).starts_with("cannot reach"));
    // Recovery clears the error.
    update(
        &mut st,
        Msg::Peers(Ok(vec![peer("peerA", "nas")]), Duration::from_secs(5)),
    );
    assert_eq!(st.peers.fresh.describe(now), "live");
    // A peer that stops answering stays listed, marked, with its name.
    update(
        &mut st,
        Msg::Peers(
            Ok(vec![failing(
                peer("peerA", ""),
                "context deadline exceeded",
            )]),
            Duration::from_secs(5),
        ),
    );
    assert_eq!(st.peers.rows[0].name, "nas");
    assert!(!st.peers.rows[0].online());
    // Age turns stale when updates stop coming.
    update(&mut st, Msg::Tick(now + Duration::from_secs(60)));
    assert_eq!(st.peers.fresh.describe(st.now), "stale 60 s");
}

/// 60,000 rows loaded, their first order asked of a reindex task (the
/// effects returned).
fn big_unordered() -> (State, Vec<Effect>) {
    let mut st = State::new("x".into(), None, Instant::now());
    let rows: Vec<PinRow> = (0..60_000).map(|i| item(i, "n", "o", i as i64)).collect();
    let fx = update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: rows.into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    (st, fx)
}

/// The generation of the reindex effect among `fx`.
fn reindex_asked(fx: &[Effect]) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::Reindex(job) => Some(job.generation),
            _ => None,
        })
        .expect("a reindex effect")
}

#[test]
fn large_pinsets_reindex_off_the_ui_task() {
    let (mut st, fx) = big_unordered();
    let gen = reindex_asked(&fx);
    assert_eq!(st.pins.index_pending, Some(gen));
    // A stale answer is dropped; the current one is installed.
    update(
        &mut st,
        Msg::Index {
            generation: gen - 1,
            indexed: Indexed {
                index: vec![0].into(),
                problems: 0,
            },
        },
    );
    assert_eq!(st.pins.index.len(), 60_000);
    update(
        &mut st,
        Msg::Index {
            generation: gen,
            indexed: Indexed {
                index: vec![5, 4].into(),
                problems: 0,
            },
        },
    );
    assert_eq!(*st.pins.index, vec![5, 4]);
    assert_eq!(st.pins.index_pending, None);
}

/// 60,000 rows loaded and their first order installed (a reindex task's).
fn big_loaded() -> State {
    let (mut st, fx) = big_unordered();
    install(&mut st, &fx, (0..60_000).rev().collect());
    st
}

/// Answers the reindex effect among `fx` with `index`.
fn install(st: &mut State, fx: &[Effect], index: Vec<u32>) {
    let generation = reindex_asked(fx);
    update(
        st,
        Msg::Index {
            generation,
            indexed: Indexed {
                index: index.into(),
                problems: 0,
            },
        },
    );
}

#[test]
fn a_move_to_an_edge_while_a_sort_is_on_its_way_is_for_the_new_order() {
    let mut st = big_loaded();
    for _ in 0..5 {
        ch(&mut st, 'j');
    }
    assert_eq!(st.pins.selected, 5);
    // `N` then `g` before the order comes: its first row, not the row
    // `g` reached in the old order kept selected.
    let fx = ch(&mut st, 'N');
    ch(&mut st, 'g');
    install(&mut st, &fx, (0..60_000).collect());
    assert_eq!((st.pins.selected, st.pins.offset), (0, 0));
    let fx = ch(&mut st, 'N');
    ch(&mut st, 'G');
    install(&mut st, &fx, (0..60_000).rev().collect());
    assert_eq!(st.pins.selected, 59_999);
    // A plain move after it keeps the item it is on, as without a sort.
    let fx = ch(&mut st, 'N');
    ch(&mut st, 'g');
    ch(&mut st, 'j');
    let on = st.pins.selected_row().unwrap().cid().to_string();
    install(&mut st, &fx, (0..60_000).collect());
    assert_eq!(st.pins.selected_row().unwrap().cid(), on);
    assert_eq!(st.pins.selected, 59_998);
}

#[test]
fn one_index_task_at_a_time_and_the_latest_view_follows() {
    let mut st = big_loaded();
    // A filter typed key by key: one task starts, the others wait for it.
    let mut started = Vec::new();
    for c in "/n-1".chars() {
        started.extend(ch(&mut st, c));
    }
    let reindexes = |fx: &[Effect]| {
        fx.iter()
            .filter(|e| matches!(e, Effect::Reindex(_)))
            .count()
    };
    assert_eq!(reindexes(&started), 1, "{started:?}");
    assert_eq!(st.pins.asked.filter, "n-1");
    // The first ends: stale, so the latest view starts.
    let first = st.pins.index_running.expect("a task");
    let next = update(
        &mut st,
        Msg::Index {
            generation: first,
            indexed: Indexed {
                index: vec![1].into(),
                problems: 0,
            },
        },
    );
    assert_eq!(reindexes(&next), 1);
    assert_eq!(st.pins.index.len(), 60_000, "the stale order is not shown");
    install(&mut st, &next, vec![7, 8]);
    assert_eq!(*st.pins.index, vec![7, 8]);
    assert_eq!(st.pins.shown.filter, "n-1");
    assert_eq!(st.pins.index_running, None);
    // A task that fails says so, and the next one starts.
    let fx = ch(&mut st, 'N');
    let generation = st.pins.index_running.expect("a task");
    update(&mut st, Msg::IndexFailed { generation });
    assert_eq!((st.pins.index_pending, st.pins.index_running), (None, None));
    assert!(st
        .flash
        .as_ref()
        .unwrap()
        .text
        .contains("could not be ordered"));
    assert_eq!(*st.pins.index, vec![7, 8]);
    drop(fx);
    let fx = ch(&mut st, 'C');
    assert_eq!(reindexes(&fx), 1);
}

#[test]
fn the_first_load_opens_at_the_top_of_its_order_unless_the_operator_moved() {
    for moved in [false, true] {
        let mut st = State::new("x".into(), None, Instant::now());
        let chunk = |from: usize, to: usize, done: bool| Msg::PinsetChunk {
            generation: 1,
            rows: (from..to)
                .map(|i| item(i, "n", "o", i as i64))
                .collect::<Vec<_>>()
                .into(),
            done,
            every: Duration::from_secs(30),
        };
        update(&mut st, chunk(0, 1_000, false));
        // An order made while the first rows are in (few enough to sort at
        // once, newest first): the row that came first is now the last.
        ch(&mut st, 'C');
        ch(&mut st, 'C');
        if moved {
            ch(&mut st, 'j');
        }
        let on = st.pins.selected_row().unwrap().cid().to_string();
        let fx = update(&mut st, chunk(1_000, 60_000, true));
        install(&mut st, &fx, (0..60_000).rev().collect());
        if moved {
            assert_eq!(st.pins.selected_row().unwrap().cid(), on);
        } else {
            assert_eq!((st.pins.selected, st.pins.offset), (0, 0));
        }
    }
}

#[test]
fn until_the_problems_come_the_view_shown_is_the_one_computed() {
    let mut st = big_loaded();
    assert!(!st.pins.shown.problems_only);
    let fx = ch(&mut st, 'p');
    assert!(st.pins.problems_only && st.pins.asked.problems_only);
    assert!(
        !st.pins.shown.problems_only,
        "the rows on screen are all pins"
    );
    install(&mut st, &fx, vec![3, 2]);
    assert!(st.pins.shown.problems_only);
    assert_eq!(st.pins.shown, st.pins.view());
}

#[test]
fn strings_from_the_cluster_are_cleaned() {
    let mut st = loaded(1);
    update(
        &mut st,
        Msg::Peers(
            Ok(vec![PeerRow::from_api(&ccs_tui::cluster::types::PeerId {
                id: "peerX".into(),
                peername: "evil\u{1b}[2J\u{1b}]52;c;aGk=\u{7}".into(),
                ..Default::default()
            })]),
            Duration::from_secs(5),
        ),
    );
    assert_eq!(st.peers.rows[0].name, "evil");
    let p = PinRow::from_pin(&Pin {
        name: "a\u{1b}[31mb\nc".into(),
        ..Default::default()
    });
    assert_eq!(&*p.name, "ab c");
}

#[test]
fn the_terminal_size_sets_the_pins_page_in_update() {
    let mut st = loaded(200);
    update(
        &mut st,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    let tall = st.pins_height;
    update(
        &mut st,
        Msg::Resize {
            width: 120,
            height: 20,
        },
    );
    assert!(st.pins_height < tall, "{} !< {tall}", st.pins_height);
    assert!(st.pins_height >= 1);
}

#[test]
fn errors_from_a_problems_list_that_came_first_reach_peers_listed_later() {
    let now = Instant::now();
    let mut st = State::new("nas:9094".into(), None, now);
    // The problems poll answers before the first peers poll does.
    update(
        &mut st,
        Msg::Problems(
            Ok(vec![info("QmA", &[("peerB", TrackerStatus::PinError)])]),
            Duration::from_secs(15),
        ),
    );
    update(
        &mut st,
        Msg::Peers(
            Ok(vec![peer("peerA", "nas"), peer("peerB", "chll")]),
            Duration::from_secs(5),
        ),
    );
    let errors: Vec<(&str, usize)> = st
        .peers
        .rows
        .iter()
        .map(|p| (p.name.as_str(), p.errors))
        .collect();
    assert_eq!(errors, vec![("chll", 1), ("nas", 0)]);
}

/// The README's key tables are the keymap's own text: a key added, moved or
/// described differently fails here until the README says the same.
/// `UPDATE_README=1 cargo test readme` rewrites them.
#[test]
fn readme_key_tables_are_the_keymap() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let begin =
        "<!-- keys:begin: generated from the keymap (UPDATE_README=1 cargo test readme) -->\n";
    let end = "<!-- keys:end -->";
    let (Some(a), Some(b)) = (readme.find(begin), readme.find(end)) else {
        panic!("README.md has no key section between {begin:?} and {end:?}");
    };
    let want = format!(
        "{}\n**The `:` command line** (Tab completes verbs, peer names, sort keys and filter fields; ↑ recalls)\n\n{}",
        ccs_tui::app::keymap::Keymap::default().markdown(),
        ccs_tui::app::command_line::markdown()
    );
    let have = &readme[a + begin.len()..b];
    if have != want {
        if std::env::var_os("UPDATE_README").is_some() {
            let new = format!("{}{begin}{want}{}", &readme[..a], &readme[b..]);
            std::fs::write(&path, new).unwrap();
        } else {
            panic!("README key tables differ from the keymap; run UPDATE_README=1 cargo test readme\n--- README\n{have}\n--- keymap\n{want}");
        }
    }
}

/// The README's list of keymap sections names every screen (it once left
/// two out).
#[test]
fn readme_names_every_keymap_section() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap().replace('\n', " ");
    let at = readme
        .find("sections `main`")
        .expect("the README lists the sections");
    let list = &readme[at..at + readme[at..].find(':').unwrap()];
    for s in ccs_tui::app::keymap::Screen::ALL {
        assert!(
            list.contains(&format!("`{}`", s.key())),
            "{} missing: {list}",
            s.key()
        );
    }
}

fn chunk(generation: u64, rows: Vec<PinRow>, done: bool) -> Msg {
    Msg::PinsetChunk {
        generation,
        rows: rows.into(),
        done,
        every: Duration::from_secs(30),
    }
}

#[test]
fn a_reload_in_place_keeps_the_selection_and_a_failed_one_changes_nothing() {
    let mut st = State::new("x".into(), None, Instant::now());
    st.pins_height = 10;
    let first: Vec<PinRow> = (1..=5)
        .map(|i| item(i, &format!("n{i}"), "o", i as i64))
        .collect();
    update(&mut st, chunk(1, first.clone(), true));
    // Newest first: n5 n4 n3 n2 n1; select n3.
    ch(&mut st, 'j');
    ch(&mut st, 'j');
    assert_eq!(selected_name(&st), "n3");
    // n4 renamed, n5 gone, n6 new; in two chunks.
    update(
        &mut st,
        chunk(2, vec![item(1, "n1", "o", 1), item(2, "n2", "o", 2)], false),
    );
    assert_eq!(st.pins.rows.len(), 5, "the old rows stay shown");
    assert_eq!(selected_name(&st), "n3");
    update(
        &mut st,
        chunk(
            2,
            vec![
                item(3, "n3", "o", 3),
                item(4, "four", "o", 4),
                item(6, "n6", "o", 6),
            ],
            true,
        ),
    );
    let names: Vec<String> = st
        .pins
        .index
        .iter()
        .map(|i| st.pins.rows.get(*i as usize).unwrap().name().to_string())
        .collect();
    assert_eq!(names, ["n6", "four", "n3", "n2", "n1"]);
    assert_eq!(selected_name(&st), "n3");
    // A reload that fails half-way leaves the table as it was.
    let before: Vec<PinRow> = st.pins.rows.iter().map(|r| r.to_owned()).collect();
    update(&mut st, chunk(3, vec![item(7, "n7", "o", 7)], false));
    update(
        &mut st,
        Msg::PinsetFailed {
            generation: 3,
            error: "connection broke mid-stream".into(),
            retry_in: Duration::from_secs(5),
        },
    );
    let after: Vec<PinRow> = st.pins.rows.iter().map(|r| r.to_owned()).collect();
    assert_eq!(after, before);
    assert_eq!(selected_name(&st), "n3");
}

/// Found trying the demo as a newcomer: after an upload, the item selected
/// at the top moved by itself some seconds later (`x` then asked to unpin
/// another). The daemon lists the pinset in no fixed order: each reload
/// brings the rows in another, and the selection must stay on its item.
#[test]
fn the_selection_stays_on_its_item_across_reloads_in_any_order() {
    let mut st = State::new("x".into(), None, Instant::now());
    st.pins_height = 10;
    let rows = |order: &[usize]| -> Vec<PinRow> {
        order
            .iter()
            .map(|i| item(*i, &format!("n{i}"), "o", *i as i64))
            .collect()
    };
    update(&mut st, chunk(1, rows(&[1, 2, 3, 4, 5]), true));
    // An upload: the reload brings it, the task's outcome selects it.
    update(&mut st, chunk(2, rows(&[3, 9, 1, 5, 2, 4]), true));
    ch(&mut st, 'g');
    assert_eq!(selected_name(&st), "n9", "the newest, at the top");
    for (g, order) in [[4, 2, 9, 5, 1, 3], [9, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 9]]
        .iter()
        .enumerate()
    {
        update(&mut st, chunk(3 + g as u64, rows(order), true));
        assert_eq!(selected_name(&st), "n9", "after reload {order:?}");
        assert_eq!(st.pins.selected, 0);
    }
    // In two chunks, the selected item in the second.
    update(&mut st, chunk(7, rows(&[1, 2, 3]), false));
    update(&mut st, chunk(7, rows(&[4, 9, 5]), true));
    assert_eq!(selected_name(&st), "n9");
}

/// The daemon lists its peers in no fixed order: the pane keeps one (down
/// first, then by name, then ID), whatever order each poll brings, and the
/// cursor stays on its peer (issue 32).
#[test]
fn the_peers_pane_keeps_its_order_across_polls() {
    let mut st = loaded(3);
    let orders = [
        ["nas", "chll", "meerkat"],
        ["nas", "meerkat", "chll"],
        ["meerkat", "chll", "nas"],
    ];
    st.peers.selected = 0;
    let mut seen = Vec::new();
    for o in orders {
        let rows: Vec<PeerRow> = o.iter().map(|n| peer(&format!("id-{n}"), n)).collect();
        update(&mut st, Msg::Peers(Ok(rows), Duration::from_secs(5)));
        let names: Vec<String> = st.peers.rows.iter().map(|p| p.name.clone()).collect();
        seen.push(names);
        assert_eq!(
            st.peers.rows[st.peers.selected].name, "chll",
            "the cursor stays"
        );
    }
    assert!(
        seen.iter().all(|s| *s == ["chll", "meerkat", "nas"]),
        "{seen:?}"
    );
    // A peer that goes down moves first, the rest keep their order.
    let rows = vec![
        peer("id-nas", "nas"),
        peer("id-chll", "chll"),
        failing(peer("id-meerkat", "meerkat"), "context deadline exceeded"),
    ];
    update(&mut st, Msg::Peers(Ok(rows), Duration::from_secs(5)));
    let names: Vec<&str> = st.peers.rows.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["meerkat", "chll", "nas"]);
}
