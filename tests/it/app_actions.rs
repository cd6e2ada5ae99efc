//! `update()` for the actions: dialogs as data, confirmations with the safe
//! choice focused, and the read-only gate. The only way to an unpin effect is
//! an explicit confirmation.

use std::time::{Duration, Instant};

use ccs_tui::app::dialog::{ConfirmAction, Dialog};
use ccs_tui::app::filter::SortKey;
use ccs_tui::app::msg::{TaskOutcome, UploadRequest};
use ccs_tui::app::rows::{PeerRow, PinRow, Repl};
use ccs_tui::app::transfers::TaskKind;
use ccs_tui::app::{update, Effect, Mode, Msg, State};
use ccs_tui::cluster::gojson::{GoTime, List, Map};
use ccs_tui::cluster::types::Pin;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::common::console::{ch, console, peer, pin, press, typed};

/// A valid CIDv0: a known one with its last characters varied (base58 digits).
fn cid(i: usize) -> String {
    const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let tail: String = (0..3)
        .map(|d| B58[(i / 58usize.pow(d)) % 58] as char)
        .collect();
    format!("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8f{tail}")
}

/// An item of this file's pinset, held by `nas` (`p1`).
fn item(i: usize) -> PinRow {
    pin(cid(i))
        .name(format!("item-{i}"))
        .org("hrdag")
        .allocations(&["p1"])
        .created(1_700_000_000 + i as i64)
        .row()
}

/// One peer and five items.
fn loaded() -> State {
    console()
        .api("x", None)
        .peers(vec![peer("p1", "nas")])
        .pins((0..5).map(item))
        .build()
}

fn has_unpin(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::Unpin(_)))
}

#[test]
fn unpin_needs_an_explicit_yes() {
    let mut st = loaded();
    assert!(!has_unpin(&ch(&mut st, 'x')));
    match &st.dialog {
        Some(Dialog::Confirm(c)) => {
            assert_eq!(
                c.focus,
                ccs_tui::app::dialog::Button::Cancel,
                "Cancel is focused"
            );
            assert!(
                matches!(&c.action, ConfirmAction::Unpin(v) if v.len() == 1 && v[0].1 == "item-4")
            );
        }
        other => panic!("{other:?}"),
    }
    // Enter on Cancel cancels.
    assert!(!has_unpin(&press(&mut st, KeyCode::Enter)));
    assert!(st.dialog.is_none());
    // Every other key leaves it open or cancels; none unpins.
    for key in [
        KeyCode::Char('j'),
        KeyCode::Char('q'),
        KeyCode::Char('x'),
        KeyCode::Char(' '),
        KeyCode::Char('n'),
        KeyCode::Esc,
        KeyCode::Backspace,
        KeyCode::Up,
        KeyCode::Down,
    ] {
        ch(&mut st, 'x');
        assert!(!has_unpin(&press(&mut st, key)), "{key:?} must not unpin");
        st.dialog = None;
    }
    // `y` unpins; moving to Unpin and Enter unpins.
    ch(&mut st, 'x');
    let fx = ch(&mut st, 'y');
    assert_eq!(
        fx.iter()
            .filter(|e| matches!(e, Effect::Unpin(v) if v.len() == 1))
            .count(),
        1
    );
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    assert_eq!(
        st.pins
            .repl
            .observed
            .get(cid.as_str())
            .map(|r| r.summary())
            .as_deref(),
        Some("unpinning")
    );
    ch(&mut st, 'x');
    press(&mut st, KeyCode::Tab);
    assert!(has_unpin(&press(&mut st, KeyCode::Enter)));
}

#[test]
fn marked_rows_unpin_together_behind_one_dialog() {
    let mut st = loaded();
    ch(&mut st, ' ');
    ch(&mut st, ' ');
    ch(&mut st, ' ');
    press(&mut st, KeyCode::Char('d'));
    ch(&mut st, 'x');
    match &st.dialog {
        Some(Dialog::Confirm(c)) => {
            assert!(matches!(&c.action, ConfirmAction::Unpin(v) if v.len() == 3))
        }
        other => panic!("{other:?}"),
    }
    let fx = ch(&mut st, 'y');
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Unpin(v) if v.len() == 3)));
    assert!(st.pins.marked.is_empty());
}

/// Esc with nothing to step back from dismisses the bottom line's message;
/// with a filter on, it clears the filter first.
#[test]
fn esc_dismisses_a_message_once_nothing_else_is_open() {
    let mut st = loaded();
    st.read_only = true;
    ch(&mut st, 'a');
    assert!(st.flash.is_some());
    ch(&mut st, '/');
    ch(&mut st, 'x');
    press(&mut st, KeyCode::Enter);
    ch(&mut st, 'a');
    press(&mut st, KeyCode::Esc);
    assert!(st.pins.filter.is_empty(), "the filter first");
    assert!(st.flash.is_some());
    press(&mut st, KeyCode::Esc);
    assert!(st.flash.is_none());
}

#[test]
fn read_only_refuses_every_change_in_one_place() {
    let mut st = loaded();
    st.read_only = true;
    assert!(ch(&mut st, 'x').is_empty());
    assert!(st.dialog.is_none());
    assert!(st.flash.as_ref().unwrap().text.contains("read-only"));
    assert!(ch(&mut st, 'a').is_empty());
    assert!(st.dialog.is_none());
    // R and r refuse at once too, even with items in error (no dialog first).
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    st.pins.repl.observed.insert(
        cid.clone().into(),
        Repl {
            errors: 1,
            allocated: 1,
            ..Default::default()
        },
    );
    st.flash = None;
    assert!(ch(&mut st, 'R').is_empty());
    assert!(st.dialog.is_none(), "no confirmation to refuse later");
    assert!(st.flash.as_ref().unwrap().text.contains("read-only"));
    st.flash = None;
    assert!(ch(&mut st, 'r').is_empty());
    assert!(st.flash.as_ref().unwrap().text.contains("read-only"));
    // Even a confirmation opened before read-only took effect is gated.
    st.read_only = false;
    ch(&mut st, 'x');
    st.read_only = true;
    let fx = ch(&mut st, 'y');
    assert!(!has_unpin(&fx), "{fx:?}");
    // Fetching changes nothing: allowed.
    ch(&mut st, 'o');
    assert!(matches!(st.dialog, Some(Dialog::Form(_))));
}

#[test]
fn upload_form_validates_then_asks_the_task() {
    let mut st = loaded();
    st.default_org = Some("hrdag".into());
    ch(&mut st, 'a');
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert_eq!(f.value(4), "org=hrdag", "org from the config's profile");
    assert!(press(&mut st, KeyCode::Enter).is_empty());
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert_eq!(f.error.as_deref(), Some("which file or folder?"));
    typed(&mut st, "~/scans");
    // Tab in the path field asks for completion.
    assert_eq!(
        press(&mut st, KeyCode::Tab),
        vec![Effect::CompletePath("~/scans".into())]
    );
    update(
        &mut st,
        Msg::Completion {
            typed: "~/scans".into(),
            completed: "~/scans-2026/".into(),
            candidates: vec!["scans-2026/".into()],
        },
    );
    press(&mut st, KeyCode::Down);
    typed(&mut st, "Scans 2026");
    press(&mut st, KeyCode::Down);
    typed(&mut st, "zero");
    press(&mut st, KeyCode::Enter);
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert!(f.error.as_ref().unwrap().contains("replication min"));
    for _ in 0..4 {
        press(&mut st, KeyCode::Backspace);
    }
    typed(&mut st, "2");
    assert!(press(&mut st, KeyCode::Enter).is_empty());
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert_eq!(
        f.error.as_deref(),
        Some("replication min 2, but 1 peer is up: the add would fail")
    );
    press(&mut st, KeyCode::Backspace);
    typed(&mut st, "1");
    let fx = press(&mut st, KeyCode::Enter);
    let Some(Effect::Upload(req)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        req,
        &UploadRequest {
            id: req.id,
            path: "~/scans-2026/".into(),
            name: Some("Scans 2026".into()),
            replication_min: Some(1),
            replication_max: None,
            metadata: vec![("org".into(), "hrdag".into())],
        }
    );
    // The task refuses (say, unreadable): the message shows in the form.
    update(
        &mut st,
        Msg::FormRefused("~/scans-2026/x: permission denied".into()),
    );
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert!(f.error.as_ref().unwrap().contains("permission denied") && !f.pending);
    // Enter again: the upload is asked for.
    let fx = press(&mut st, KeyCode::Enter);
    let id = match fx.first() {
        Some(Effect::Upload(r)) => r.id,
        other => panic!("{other:?}"),
    };
    update(
        &mut st,
        Msg::TaskStarted {
            id,
            kind: TaskKind::Upload,
            what: "scans-2026".into(),
            total: Some(100),
        },
    );
    assert!(
        st.dialog.is_none(),
        "the form closes once the upload starts"
    );
    update(
        &mut st,
        Msg::TaskProgress {
            id,
            bytes: 50,
            total: Some(100),
        },
    );
    assert_eq!(st.tasks[0].ratio(), 0.5);
    // Done: the new item is selected once the pinset brings it.
    let new_cid = item(77).cid.to_string();
    let fx = update(
        &mut st,
        Msg::TaskDone {
            id,
            outcome: TaskOutcome::Done {
                message: "added".into(),
                select: Some(new_cid.clone()),
            },
        },
    );
    assert!(fx.contains(&Effect::RefreshNow));
    let mut rows: Vec<PinRow> = (0..5).map(item).collect();
    rows.push(item(77));
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 2,
            rows: rows.into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    assert_eq!(st.pins.selected_row().unwrap().cid().to_string(), new_cid);
    assert_eq!(st.replication.cid.as_deref(), Some(new_cid.as_str()));
}

#[test]
fn esc_cancels_a_form_and_sends_nothing() {
    let mut st = loaded();
    ch(&mut st, 'a');
    typed(&mut st, "/tmp/x");
    assert!(press(&mut st, KeyCode::Esc).is_empty());
    assert!(st.dialog.is_none());
}

/// Found trying the demo as a newcomer: Tab in the fetch form's "save as"
/// field moved to the next field, though its hint said "Tab completes".
#[test]
fn tab_completes_where_a_fetch_writes() {
    let mut st = loaded();
    st.cwd = "/srv/restore".into();
    ch(&mut st, 'o');
    for _ in 0.."item-4".len() {
        press(&mut st, KeyCode::Backspace);
    }
    typed(&mut st, "sc");
    assert_eq!(
        press(&mut st, KeyCode::Tab),
        vec![Effect::CompletePath("/srv/restore/sc".into())]
    );
    update(
        &mut st,
        Msg::Completion {
            typed: "/srv/restore/sc".into(),
            completed: "/srv/restore/scans/".into(),
            candidates: vec!["scans/".into()],
        },
    );
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert_eq!(f.value(0), "/srv/restore/scans/");
    assert_eq!(f.error, None, "a new name to write is not an error");
    // In the CID field Tab moves on, as before.
    press(&mut st, KeyCode::Down);
    assert!(press(&mut st, KeyCode::Tab).is_empty());
}

#[test]
fn fetch_form_checks_the_cid_as_you_type() {
    let mut st = loaded();
    st.cwd = "/srv/restore".into();
    ch(&mut st, 'o');
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    assert_eq!(f.focus, 0, "where it goes comes first");
    assert_eq!(
        f.value(0),
        "/srv/restore/item-4",
        "the item's name in the working folder, shown whole"
    );
    assert_eq!(f.value(1), cid, "prefilled with the selected item");
    // Break the CID: the reason shows at once.
    press(&mut st, KeyCode::Down);
    press(&mut st, KeyCode::Backspace);
    typed(&mut st, "!");
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert!(
        f.error.as_ref().unwrap().starts_with("not a valid CID"),
        "{:?}",
        f.error
    );
    assert!(press(&mut st, KeyCode::Enter).is_empty());
    press(&mut st, KeyCode::Backspace);
    typed(&mut st, &cid[cid.len() - 1..]);
    let fx = press(&mut st, KeyCode::Enter);
    assert!(
        matches!(fx.first(), Some(Effect::Fetch { cid: c, dest, create_folder: false, .. }) if *c == cid && dest == "/srv/restore/item-4")
    );
    update(
        &mut st,
        Msg::FormRefused("item-4 already exists: choose another name".into()),
    );
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert!(f.error.as_ref().unwrap().contains("already exists"));
    // A folder that does not exist: the form offers to create it; Enter agrees.
    update(&mut st, Msg::FetchNeedsFolder("/srv/restore/new".into()));
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert!(f.note.as_ref().unwrap().contains("Enter creates it"));
    let fx = press(&mut st, KeyCode::Enter);
    assert!(
        matches!(
            fx.first(),
            Some(Effect::Fetch {
                create_folder: true,
                ..
            })
        ),
        "{fx:?}"
    );
}

#[test]
fn recover_one_and_recover_all() {
    let mut st = loaded();
    assert!(ch(&mut st, 'r').is_empty(), "nothing in error");
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    st.pins.repl.observed.insert(
        cid.clone().into(),
        Repl {
            errors: 1,
            allocated: 1,
            ..Default::default()
        },
    );
    assert_eq!(ch(&mut st, 'r'), vec![Effect::Recover(cid.to_string())]);
    assert!(ch(&mut st, 'R').is_empty(), "recover all asks first");
    assert!(
        matches!(&st.dialog, Some(Dialog::Confirm(c)) if c.action == ConfirmAction::RecoverAll(1))
    );
    assert_eq!(ch(&mut st, 'y'), vec![Effect::RecoverAll]);
}

#[test]
fn tasks_view_cancels_and_dismisses() {
    let mut st = loaded();
    update(
        &mut st,
        Msg::TaskStarted {
            id: 7,
            kind: TaskKind::Fetch,
            what: "x".into(),
            total: None,
        },
    );
    ch(&mut st, 'w');
    assert!(st.show_tasks);
    assert_eq!(ch(&mut st, 'c'), vec![Effect::CancelTask(7)]);
    assert!(ch(&mut st, 'd').is_empty());
    assert_eq!(st.tasks.len(), 1, "a running task is not dismissed");
    update(
        &mut st,
        Msg::TaskDone {
            id: 7,
            outcome: TaskOutcome::Cancelled,
        },
    );
    ch(&mut st, 'd');
    assert!(st.tasks.is_empty());
    press(&mut st, KeyCode::Esc);
    assert!(!st.show_tasks);
}

fn command(st: &mut State, line: &str) -> Vec<Effect> {
    ch(st, ':');
    typed(st, line);
    press(st, KeyCode::Enter)
}

#[test]
fn the_command_line_completes_and_runs_verbs() {
    let mut st = loaded();
    // A unique start runs; Tab completes it.
    command(&mut st, "pro");
    assert!(st.pins.problems_only);
    command(&mut st, "pins");
    assert!(!st.pins.problems_only);
    ch(&mut st, ':');
    typed(&mut st, "pro");
    press(&mut st, KeyCode::Tab);
    assert_eq!(st.mode, Mode::Command("problems ".into()));
    press(&mut st, KeyCode::Esc);
    // Ambiguous: the candidates are listed, the text kept.
    ch(&mut st, ':');
    typed(&mut st, "p");
    press(&mut st, KeyCode::Tab);
    assert_eq!(st.mode, Mode::Command("p".into()));
    assert_eq!(
        st.prompt_hint.as_deref(),
        Some("pins  problems  peers  peer")
    );
    press(&mut st, KeyCode::Esc);
    // Peer names complete after `peer `.
    ch(&mut st, ':');
    typed(&mut st, "peer n");
    press(&mut st, KeyCode::Tab);
    assert_eq!(st.mode, Mode::Command("peer nas".into()));
    press(&mut st, KeyCode::Enter);
    assert_eq!(st.peer_detail.as_ref().map(|d| d.id.as_str()), Some("p1"));
    press(&mut st, KeyCode::Esc);
    assert!(st.peer_detail.is_none());
    command(&mut st, "sort size");
    assert_eq!(st.pins.sort.key, SortKey::Size);
    command(&mut st, "filter org:hrdag item-3");
    assert_eq!(st.pins.filter.raw, "org:hrdag item-3");
    assert_eq!(st.pins.index.len(), 1);
    command(&mut st, "filter");
    assert!(st.pins.filter.is_empty());
    command(&mut st, "filter peer:nobody");
    assert!(st.flash.as_ref().unwrap().text.contains("no peer named"));
    command(&mut st, "filter");
    command(&mut st, "upload /srv/scans");
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!("upload form")
    };
    assert_eq!(f.value(0), "/srv/scans");
    press(&mut st, KeyCode::Esc);
    command(&mut st, &cid(9));
    assert!(st.flash.as_ref().unwrap().text.contains("unknown command"));
    command(&mut st, &format!("fetch {}", cid(9)));
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!("fetch form")
    };
    assert_eq!(f.value(1), cid(9));
    press(&mut st, KeyCode::Esc);
    command(&mut st, "tasks");
    assert!(st.show_tasks);
    press(&mut st, KeyCode::Esc);
    command(&mut st, "help");
    assert!(st.help.is_some());
    press(&mut st, KeyCode::Esc);
    command(&mut st, "recover all");
    assert!(st
        .flash
        .as_ref()
        .unwrap()
        .text
        .contains("nothing to recover"));
    // ↑ recalls earlier commands.
    ch(&mut st, ':');
    press(&mut st, KeyCode::Up);
    assert_eq!(st.mode, Mode::Command("recover all".into()));
    press(&mut st, KeyCode::Up);
    assert_eq!(st.mode, Mode::Command("help".into()));
    press(&mut st, KeyCode::Esc);
    assert_eq!(command(&mut st, "q"), vec![Effect::Quit]);
}

#[test]
fn upload_form_checks_replication_bounds_and_lists_candidates() {
    let mut st = loaded();
    let mut peers = st.peers.rows.clone();
    for i in 2..=5 {
        let mut p = peers[0].clone();
        p.id = format!("p{i}");
        p.name = format!("peer{i}");
        peers.push(p);
    }
    update(&mut st, Msg::Peers(Ok(peers), Duration::from_secs(5)));
    ch(&mut st, 'a');
    typed(&mut st, "/srv/x");
    let field = |st: &mut State, i: usize, v: &str| {
        // Move to field i from wherever the focus is.
        if let Some(Dialog::Form(f)) = &mut st.dialog {
            f.focus = i;
            f.fields[i].set("");
        }
        typed(st, v);
        if v.is_empty() {
            press(st, KeyCode::Backspace);
        }
    };
    let error = |st: &State| match &st.dialog {
        Some(Dialog::Form(f)) => f.error.clone(),
        _ => panic!("form closed"),
    };
    field(&mut st, 2, "5");
    field(&mut st, 3, "2");
    assert_eq!(
        error(&st).as_deref(),
        Some("replication min 5 is more than max 2: min must be at most max"),
        "said as it is typed"
    );
    assert!(press(&mut st, KeyCode::Enter).is_empty(), "and never sent");
    field(&mut st, 2, "-1");
    assert!(error(&st).unwrap().contains("both min and max"));
    field(&mut st, 3, "-1");
    assert_eq!(error(&st), None);
    field(&mut st, 2, "6");
    field(&mut st, 3, "");
    assert!(error(&st).unwrap().contains("but 5 peers are up"));
    field(&mut st, 2, "2");
    field(&mut st, 3, "3");
    assert_eq!(error(&st), None);
    // Tab with several matches lists them.
    if let Some(Dialog::Form(f)) = &mut st.dialog {
        f.focus = 0;
    }
    update(
        &mut st,
        Msg::Completion {
            typed: "/srv/x".into(),
            completed: "/srv/x".into(),
            candidates: vec!["x1.tif".into(), "x2.tif".into(), "xdir/".into()],
        },
    );
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert_eq!(f.note.as_deref(), Some("x1.tif  x2.tif  xdir/"));
    let fx = press(&mut st, KeyCode::Enter);
    assert!(
        matches!(fx.first(), Some(Effect::Upload(r)) if r.replication_min == Some(2) && r.replication_max == Some(3)),
        "{fx:?}"
    );
}

#[test]
fn a_copy_says_when_it_may_not_reach_the_clipboard() {
    use ccs_tui::app::state::Clipboard;
    let mut st = loaded();
    assert_eq!(ch(&mut st, 'y').len(), 1);
    assert!(!st.flash.as_ref().unwrap().text.contains('('));
    st.clipboard = Clipboard::Tmux { passthrough: false };
    ch(&mut st, 'y');
    assert!(st.flash.as_ref().unwrap().text.contains("set-clipboard"));
    st.clipboard = Clipboard::Screen;
    ch(&mut st, 'y');
    assert!(st.flash.as_ref().unwrap().text.contains("GNU screen"));
}

/// Items whose only pinned copy is a peer's: allocated to it alone, or with
/// the other holders down or not pinned (from the problems list).
#[test]
fn peer_detail_counts_the_items_resting_on_one_peer() {
    use ccs_tui::app::update::peer_stats;
    use ccs_tui::cluster::types::{GlobalPinInfo, PinInfoShort, TrackerStatus};
    let mut st = State::new("x".into(), None, Instant::now());
    let peer = |id: &str, err: &str| PeerRow {
        id: id.into(),
        name: id.into(),
        error: err.into(),
        ..Default::default()
    };
    update(
        &mut st,
        Msg::Peers(
            Ok(vec![
                peer("p1", ""),
                peer("p2", "dial backoff"),
                peer("p3", ""),
            ]),
            Duration::from_secs(5),
        ),
    );
    let item = |i: usize, allocs: &[&str]| {
        PinRow::from_pin(&Pin {
            cid: cid(i),
            name: format!("item-{i}"),
            allocations: List::from(allocs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            ..Default::default()
        })
    };
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: vec![
                item(0, &["p1"]),
                item(1, &["p1", "p2"]),
                item(2, &["p1", "p3"]),
                item(3, &["p1", "p3"]),
                item(4, &["p2", "p3"]),
            ]
            .into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    let mut g = GlobalPinInfo {
        cid: cid(2),
        allocations: List::from(vec!["p1".to_string(), "p3".to_string()]),
        ..Default::default()
    };
    for (id, s) in [
        ("p1", TrackerStatus::Pinned),
        ("p3", TrackerStatus::PinError),
    ] {
        g.peer_map.insert(
            id.into(),
            PinInfoShort {
                status: s,
                ..Default::default()
            },
        );
    }
    update(&mut st, Msg::Problems(Ok(vec![g]), Duration::from_secs(15)));
    let s = peer_stats(&st, "p1");
    assert_eq!(s.allocated, 4);
    assert_eq!(s.only_copy, 3, "{:?}", s.only_copy_names);
    assert_eq!(s.only_copy_names, ["item-0", "item-1", "item-2"]);
    assert_eq!(peer_stats(&st, "p3").only_copy, 1, "item-4: p2 is down");
}

/// `/pins?filter=…` lists only the peers whose status matched: the others
/// allocated hold their copy (the real daemon answers so).
#[test]
fn the_problems_list_names_only_peers_in_trouble() {
    use ccs_tui::cluster::types::{GlobalPinInfo, PinInfoShort, TrackerStatus};
    let mut st = State::new("x".into(), None, Instant::now());
    let peers = ["p1", "p2", "p3"]
        .iter()
        .map(|id| PeerRow {
            id: id.to_string(),
            name: id.to_string(),
            ..Default::default()
        })
        .collect();
    update(&mut st, Msg::Peers(Ok(peers), Duration::from_secs(5)));
    let row = PinRow::from_pin(&Pin {
        cid: cid(1),
        name: "scan-0052.tif".into(),
        allocations: List::from(vec!["p1".into(), "p2".into(), "p3".into()]),
        ..Default::default()
    });
    update(
        &mut st,
        Msg::PinsetChunk {
            generation: 1,
            rows: vec![row].into(),
            done: true,
            every: Duration::from_secs(30),
        },
    );
    let mut g = GlobalPinInfo {
        cid: cid(1),
        allocations: List::from(vec!["p1".into(), "p2".into(), "p3".into()]),
        ..Default::default()
    };
    g.peer_map.insert(
        "p2".into(),
        PinInfoShort {
            status: TrackerStatus::PinError,
            ..Default::default()
        },
    );
    update(&mut st, Msg::Problems(Ok(vec![g]), Duration::from_secs(15)));
    let row = st.pins.rows.get(0).unwrap();
    assert_eq!(st.pins.repl.of(row).unwrap().summary(), "2/3, 1 error");
    ch(&mut st, 'x');
    let Some(Dialog::Confirm(c)) = &st.dialog else {
        panic!()
    };
    assert!(
        matches!(&c.action, ConfirmAction::Unpin(v) if v[0].2 == 2),
        "held by 2"
    );
}

#[test]
fn esc_goes_back_one_step_at_a_time() {
    let mut st = loaded();
    ch(&mut st, '/');
    typed(&mut st, "item");
    press(&mut st, KeyCode::Enter);
    press(&mut st, KeyCode::Enter);
    assert_eq!(st.focus, ccs_tui::app::Pane::Replication);
    press(&mut st, KeyCode::Esc);
    assert_eq!(st.focus, ccs_tui::app::Pane::Pins, "out of the pane first");
    assert_eq!(st.pins.filter.raw, "item", "the filter behind it stays");
    press(&mut st, KeyCode::Esc);
    assert!(st.pins.filter.is_empty());
    // A question in a form: Esc answers no and keeps the form.
    ch(&mut st, 'o');
    update(&mut st, Msg::FetchNeedsFolder("/srv/new".into()));
    press(&mut st, KeyCode::Esc);
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!("the form stays to be changed")
    };
    assert!(f.note.is_none() && !f.force);
    press(&mut st, KeyCode::Esc);
    assert!(st.dialog.is_none());
    // An error about what was typed goes once the text changes.
    ch(&mut st, '/');
    typed(&mut st, "status:e");
    assert!(st.flash.as_ref().unwrap().text.contains("unknown status"));
    typed(&mut st, "rror");
    assert!(st.flash.is_none(), "{:?}", st.flash);
    press(&mut st, KeyCode::Esc);
    // The line edits as a shell's does.
    ch(&mut st, ':');
    typed(&mut st, "sort size");
    update(
        &mut st,
        Msg::Key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)),
    );
    assert_eq!(st.mode, Mode::Command("sort ".into()));
    update(
        &mut st,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    assert_eq!(st.mode, Mode::Command(String::new()));
}

mod browsing {
    use super::*;
    use ccs_tui::app::browse::PreviewState;
    use ccs_tui::app::msg::PreviewAnswer;
    use ccs_tui::cluster::dag::Kind;

    fn entries(names: &[(&str, usize)]) -> Vec<(String, String, u64)> {
        names
            .iter()
            .map(|(n, i)| (n.to_string(), cid(*i), 1000 * *i as u64))
            .collect()
    }

    fn generation(fx: &[Effect]) -> u64 {
        fx.iter()
            .find_map(|e| match e {
                Effect::BrowseList { generation, .. } => Some(*generation),
                _ => None,
            })
            .expect("a listing is asked for")
    }

    /// Enter on a file reads it whole: scrolled by line and page, long
    /// lines wrapped or scrolled sideways, Esc back to its folder (issue 32:
    /// Enter on a file did nothing, the preview cut long lines).
    #[test]
    fn enter_on_a_file_reads_it_whole() {
        let mut st = loaded();
        st.browse_height = 10;
        st.screen = Some(ratatui::layout::Rect::new(0, 0, 40, 10));
        let fx = ch(&mut st, 'l');
        let g = generation(&fx);
        update(
            &mut st,
            Msg::BrowseEntries {
                generation: g,
                entries: entries(&[("minutes.txt", 101)]),
                done: true,
                error: None,
                root_file: false,
            },
        );
        update(
            &mut st,
            Msg::BrowseStats {
                generation: g,
                stats: vec![(cid(101), Ok((Kind::File, 5_000)))],
            },
        );
        let fx = press(&mut st, KeyCode::Enter);
        let (rg, rcid) = match &fx[..] {
            [Effect::Read {
                generation, cid, ..
            }] => (*generation, cid.clone()),
            other => panic!("{other:?}"),
        };
        assert_eq!(rcid, cid(101));
        assert_eq!(st.screen(), ccs_tui::app::keymap::Screen::Reader);
        let long = "word ".repeat(30);
        let text: String = (0..50).map(|i| format!("line {i} {long}\n")).collect();
        let p = ccs_tui::preview::preview("minutes.txt", text.as_bytes(), text.len() as u64);
        update(
            &mut st,
            Msg::ReaderText {
                generation: rg,
                result: Ok((p, text.len() as u64)),
            },
        );
        let (w, h) = (38, 6);
        let r = st.reader.as_ref().unwrap();
        let rows = r.visible(w, h);
        assert!(rows[0].starts_with("line 0 word"), "{rows:?}");
        assert!(
            rows[1].starts_with("word"),
            "wrapped between words: {rows:?}"
        );
        ch(&mut st, 'G');
        let r = st.reader.as_ref().unwrap();
        assert!(
            r.position(w, h).ends_with("–50 of 50"),
            "the last line in sight: {}",
            r.position(w, h)
        );
        ch(&mut st, 'g');
        ch(&mut st, 'w');
        let r = st.reader.as_ref().unwrap();
        assert!(!r.wrap);
        assert_eq!(r.visible(w, h).len(), h, "a line a row");
        ch(&mut st, 'l');
        assert_eq!(st.reader.as_ref().unwrap().hscroll, 8);
        ch(&mut st, 'j');
        assert_eq!(st.reader.as_ref().unwrap().line, 1);
        press(&mut st, KeyCode::Esc);
        assert!(st.reader.is_none());
        assert_eq!(
            st.screen(),
            ccs_tui::app::keymap::Screen::Browse,
            "back to the folder"
        );
    }

    #[test]
    fn inside_an_item_entries_arrive_lazily_and_folders_open() {
        let mut st = loaded();
        st.browse_height = 10;
        let item = st.pins.selected_row().unwrap().cid().to_string();
        let fx = ch(&mut st, 'l');
        assert!(matches!(&fx[..], [Effect::BrowseList { cid, .. }] if *cid == item));
        let g = generation(&fx);
        // A sharded folder: the first shard's entries show before the rest.
        let fx = update(
            &mut st,
            Msg::BrowseEntries {
                generation: g,
                entries: entries(&[("scans", 100), ("data.json", 101)]),
                done: false,
                error: None,
                root_file: false,
            },
        );
        let b = st.browse.as_ref().unwrap();
        assert!(b.loading);
        assert_eq!(b.selected_entry().unwrap().name, "data.json", "by name");
        // Types and sizes of what is on screen, and the selected one's preview.
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::BrowseStat { cids, .. } if cids.len() == 2)));
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::Preview { cid: c, .. } if *c == cid(101))));
        update(
            &mut st,
            Msg::BrowseEntries {
                generation: g,
                entries: entries(&[("index.html", 102)]),
                done: true,
                error: None,
                root_file: false,
            },
        );
        update(
            &mut st,
            Msg::BrowseStats {
                generation: g,
                stats: vec![
                    (cid(100), Ok((Kind::Dir, 5_000_000))),
                    (cid(101), Ok((Kind::File, 51))),
                ],
            },
        );
        let p = ccs_tui::preview::preview("data.json", br#"{"a":1}"#, 7);
        update(
            &mut st,
            Msg::Preview {
                generation: g,
                cid: cid(101),
                result: Ok(PreviewAnswer::File(p.clone())),
            },
        );
        let b = st.browse.as_ref().unwrap();
        assert!(!b.loading);
        assert_eq!(b.entries.len(), 3);
        assert!(matches!(&b.preview, PreviewState::Ready { preview, .. } if *preview == p));
        // Sorted by size: the folder first.
        ch(&mut st, 'Z');
        let b = st.browse.as_ref().unwrap();
        assert_eq!(b.entries[b.order[0]].name, "scans");
        assert_eq!(
            b.selected_entry().unwrap().name,
            "data.json",
            "selection kept"
        );
        ch(&mut st, 'g');
        // y copies the path, o fetches the entry.
        assert_eq!(
            ch(&mut st, 'y'),
            vec![Effect::Copy(format!("/ipfs/{item}/scans"))]
        );
        ch(&mut st, 'o');
        let Some(Dialog::Form(f)) = &st.dialog else {
            panic!("fetch form")
        };
        assert_eq!(f.value(1), cid(100));
        press(&mut st, KeyCode::Esc);
        // Into the folder: a new listing; late answers for the old one drop.
        let fx = press(&mut st, KeyCode::Enter);
        let g2 = generation(&fx);
        assert!(g2 > g);
        update(
            &mut st,
            Msg::BrowseEntries {
                generation: g,
                entries: entries(&[("stale", 9)]),
                done: true,
                error: None,
                root_file: false,
            },
        );
        let b = st.browse.as_ref().unwrap();
        assert!(b.entries.is_empty(), "stale answer dropped");
        assert_eq!(b.path(), "scans");
        update(
            &mut st,
            Msg::BrowseEntries {
                generation: g2,
                entries: entries(&[("page-0001.tif", 200), ("page-0002.tif", 201)]),
                done: true,
                error: None,
                root_file: false,
            },
        );
        ch(&mut st, '/');
        typed(&mut st, "0002");
        press(&mut st, KeyCode::Enter);
        let b = st.browse.as_ref().unwrap();
        assert_eq!(b.order.len(), 1);
        assert_eq!(
            b.ipfs_path(b.selected_entry().unwrap()),
            format!("/ipfs/{item}/scans/page-0002.tif")
        );
        // Up again: back on the folder left.
        let fx = ch(&mut st, 'h');
        let g3 = generation(&fx);
        update(
            &mut st,
            Msg::BrowseEntries {
                generation: g3,
                entries: entries(&[("scans", 100), ("data.json", 101), ("index.html", 102)]),
                done: true,
                error: None,
                root_file: false,
            },
        );
        assert_eq!(
            st.browse.as_ref().unwrap().selected_entry().unwrap().name,
            "scans"
        );
        ch(&mut st, 'h');
        assert!(st.browse.is_none(), "up at the top closes");
    }

    /// An item that is a single file opens as itself: previewed, fetched and
    /// copied as `/ipfs/CID`.
    #[test]
    fn a_single_file_item_opens_as_itself() {
        let mut st = loaded();
        let item = st.pins.selected_row().unwrap().cid().to_string();
        let g = generation(&ch(&mut st, 'l'));
        let fx = update(
            &mut st,
            Msg::BrowseEntries {
                generation: g,
                entries: vec![(item.clone(), item.clone(), 4000)],
                done: true,
                error: None,
                root_file: true,
            },
        );
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::Preview { cid, .. } if *cid == item)));
        let b = st.browse.as_ref().unwrap();
        assert_eq!(b.selected_entry().unwrap().name, "item-4");
        assert_eq!(
            ch(&mut st, 'y'),
            vec![Effect::Copy(format!("/ipfs/{item}"))]
        );
    }

    /// A block that does not match its CID is an error naming the gateway;
    /// nothing of it is shown.
    #[test]
    fn a_corrupted_block_is_reported_never_shown() {
        let mut st = loaded();
        let g = generation(&ch(&mut st, 'l'));
        update(
            &mut st,
            Msg::BrowseEntries {
                generation: g,
                entries: entries(&[("notes.txt", 5)]),
                done: true,
                error: None,
                root_file: false,
            },
        );
        let why = format!(
            "block {} from 127.0.0.1:18090 does not match its CID: a corrupt copy",
            cid(5)
        );
        update(
            &mut st,
            Msg::Preview {
                generation: g,
                cid: cid(5),
                result: Err(why.clone()),
            },
        );
        assert!(matches!(
            &st.browse.as_ref().unwrap().preview,
            PreviewState::Failed { error, .. } if *error == why
        ));
    }
}

fn a_plan() -> Box<ccs_tui::cluster::steward::Plan> {
    use ccs_tui::cluster::steward::plan::{Item, Kind, Plan};
    Box::new(Plan {
        kind: Kind::Drain {
            peer: "p1".into(),
            name: "nas".into(),
        },
        items: vec![
            Item {
                cid: cid(1),
                name: "item-1".into(),
                size: Some(1000),
                current: vec!["p1".into(), "p2".into()],
                target: vec!["p2".into(), "p3".into()],
                blocked: None,
                resumed: false,
            },
            Item {
                cid: cid(2),
                name: "item-2".into(),
                size: None,
                current: vec![],
                target: vec![],
                blocked: Some("pinned on every peer".into()),
                resumed: false,
            },
        ],
        checked: 5,
        names: vec![("p1".into(), "nas".into()), ("p3".into(), "meerkat".into())],
        up: vec![],
        allowed: (2, 3),
    })
}

#[test]
fn drain_and_rebalance_show_their_plan_and_need_an_explicit_yes() {
    let mut st = loaded();
    let fx = command(&mut st, "drain nas");
    assert!(
        matches!(&fx[..], [Effect::StewardPlan(ccs_tui::app::msg::StewardRequest::Drain(p))] if p == "p1"),
        "{fx:?}"
    );
    let fx = command(&mut st, "drain nobody");
    assert!(fx.is_empty());
    assert!(st.flash.as_ref().unwrap().text.contains("no peer named"));
    let fx = command(&mut st, "rebalance");
    assert!(matches!(
        &fx[..],
        [Effect::StewardPlan(
            ccs_tui::app::msg::StewardRequest::Rebalance
        )]
    ));

    // The plan arrives: a confirmation, Cancel focused; Enter cancels.
    update(&mut st, Msg::StewardPlanned(Ok(a_plan())));
    match &st.dialog {
        Some(Dialog::Confirm(c)) => {
            assert!(matches!(c.action, ConfirmAction::Steward(_)));
            assert_eq!(
                c.focus,
                ccs_tui::app::dialog::Button::Cancel,
                "Cancel is focused"
            );
        }
        other => panic!("{other:?}"),
    }
    let fx = press(&mut st, KeyCode::Enter);
    assert!(fx.is_empty() && st.dialog.is_none(), "{fx:?}");
    // Asked again; `y` says yes: a task carries it out.
    update(&mut st, Msg::StewardPlanned(Ok(a_plan())));
    let fx = ch(&mut st, 'y');
    let Some(Effect::Steward { id, plan }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(plan.moving().count(), 1);
    let t = st.tasks.iter().find(|t| t.id == *id).unwrap();
    assert_eq!(t.kind, TaskKind::Steward);
    assert_eq!(t.total, Some(1));
    assert!(st.show_tasks);

    // Nothing to do is said, not asked.
    let mut empty = a_plan();
    empty.items.clear();
    update(&mut st, Msg::StewardPlanned(Ok(empty)));
    assert!(st.dialog.is_none());
    assert!(st.flash.as_ref().unwrap().text.contains("nothing to do"));
    // A rebalance with nothing to do while a peer is down says why.
    st.peers.rows[0].error = "dial backoff".into();
    let mut empty = a_plan();
    empty.items.clear();
    empty.kind = ccs_tui::cluster::steward::plan::Kind::Rebalance {
        min: 3,
        max: 5,
        from: Default::default(),
    };
    update(&mut st, Msg::StewardPlanned(Ok(empty)));
    let text = &st.flash.as_ref().unwrap().text;
    assert!(
        text.contains("nas down: its copies still count (:drain nas"),
        "{text}"
    );
}

#[test]
fn read_only_shows_plans_and_carries_none_out() {
    let mut st = loaded();
    st.read_only = true;
    // A plan only reads: it is made and shown.
    for line in ["rebalance", "drain nas"] {
        let fx = command(&mut st, line);
        assert!(
            matches!(fx.first(), Some(Effect::StewardPlan(_))),
            "{line}: {fx:?}"
        );
    }
    update(&mut st, Msg::StewardPlanned(Ok(a_plan())));
    assert!(matches!(st.dialog, Some(Dialog::Confirm(_))));
    let screen = crate::ui_snapshots::render(&mut st, 120, 40);
    assert!(
        screen.contains("read-only: shown, not carried out"),
        "{screen}"
    );
    // Saying yes carries nothing out.
    let fx = ch(&mut st, 'y');
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Steward { .. })),
        "{fx:?}"
    );
    assert!(st.flash.as_ref().unwrap().text.starts_with("read-only"));
    // An edit is refused at the start.
    let fx = command(&mut st, "edit");
    assert!(fx.is_empty(), "{fx:?}");
    assert!(st.flash.as_ref().unwrap().text.starts_with("read-only"));
    assert!(ch(&mut st, 'e').is_empty());
}

#[test]
fn edit_shows_the_changes_before_writing_them() {
    let mut st = loaded();
    let fx = ch(&mut st, 'e');
    let Some(Effect::EditLoad(c)) = fx.first() else {
        panic!("{fx:?}")
    };
    let mut pin = Pin {
        cid: c.clone(),
        name: "report.pdf".into(),
        metadata: Map::from(vec![
            ("org".to_string(), "hrdag".to_string()),
            ("size".to_string(), "42".to_string()),
        ]),
        allocations: List::from(vec!["p1".to_string(), "p2".to_string()]),
        replication_factor_min: 2,
        replication_factor_max: 3,
        ..Default::default()
    };
    pin.timestamp = GoTime::from_unix(1_700_000_000, 0, 0);
    let members = vec![
        ("p1".to_string(), "nas".to_string()),
        ("p2".to_string(), "chll".to_string()),
        ("p3".to_string(), "meerkat".to_string()),
    ];
    update(&mut st, Msg::EditLoaded(Ok((pin, members))));
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!("{:?}", st.dialog)
    };
    assert_eq!(f.value(3), "nas chll", "peers by name");
    assert_eq!(f.value(4), "org=hrdag size=42");
    // Unchanged: nothing to write.
    press(&mut st, KeyCode::Enter);
    assert!(st.dialog.is_none());
    assert_eq!(st.flash.as_ref().unwrap().text, "nothing to change");

    let fx = ch(&mut st, 'e');
    assert!(matches!(fx.first(), Some(Effect::EditLoad(_))));
    let mut pin2 = Pin {
        cid: cid(0),
        name: "report.pdf".into(),
        metadata: Map::from(vec![("org".to_string(), "hrdag".to_string())]),
        allocations: List::from(vec!["p1".to_string(), "p2".to_string()]),
        replication_factor_min: 2,
        replication_factor_max: 3,
        ..Default::default()
    };
    pin2.timestamp = GoTime::from_unix(1_700_000_000, 0, 0);
    update(
        &mut st,
        Msg::EditLoaded(Ok((
            pin2,
            vec![
                ("p1".to_string(), "nas".to_string()),
                ("p2".to_string(), "chll".to_string()),
                ("p3".to_string(), "meerkat".to_string()),
            ],
        ))),
    );
    // Peers: nas → meerkat; a metadata key; a bad peer first.
    press(&mut st, KeyCode::Tab);
    press(&mut st, KeyCode::Tab);
    press(&mut st, KeyCode::Tab);
    typed(&mut st, " nobody");
    press(&mut st, KeyCode::Enter);
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!()
    };
    assert_eq!(
        f.error.as_deref(),
        Some("peers: no member named \"nobody\"")
    );
    for _ in 0.." nobody nas chll".len() {
        press(&mut st, KeyCode::Backspace);
    }
    typed(&mut st, "chll meerkat");
    press(&mut st, KeyCode::Tab);
    typed(&mut st, " box=12");
    press(&mut st, KeyCode::Enter);
    let Some(Dialog::Confirm(c)) = &st.dialog else {
        panic!("{:?}", st.dialog)
    };
    assert_eq!(
        c.focus,
        ccs_tui::app::dialog::Button::Cancel,
        "Cancel is focused"
    );
    let ConfirmAction::Edit(e) = &c.action else {
        panic!()
    };
    assert_eq!(e.changes, ["peers: +meerkat -nas", "metadata: +box=12"]);
    // Cancelling the changes goes back to the form as it was typed.
    let fx = ch(&mut st, 'n');
    assert!(fx.is_empty());
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!("{:?}", st.dialog)
    };
    assert!(f.note.as_deref().unwrap_or("").contains("not written"));
    press(&mut st, KeyCode::Enter);
    let fx = ch(&mut st, 'y');
    let Some(Effect::Edit { edit, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(edit.after.allocations, ["p2", "p3"]);
    assert_eq!(
        edit.after.metadata,
        [
            ("box".to_string(), "12".to_string()),
            ("org".to_string(), "hrdag".to_string())
        ]
    );
}

/// Content already in the archive is not uploaded again: re-pinning it
/// under the form's name and metadata would replace the item's own (and
/// reset its time) without a word. As `add` does, nothing changes; the item
/// is selected, and `e` edits it with its diff shown (issue 32).
#[test]
fn an_upload_of_what_the_archive_holds_changes_nothing_and_selects_it() {
    let mut st = loaded();
    ch(&mut st, 'a');
    typed(&mut st, "data/single/readme.txt");
    let fx = press(&mut st, KeyCode::Enter);
    assert!(matches!(fx.first(), Some(Effect::Upload(_))));
    let existing = item(3).cid.to_string();
    let fx = update(
        &mut st,
        Msg::UploadExists {
            cid: existing.clone(),
            name: "readme".into(),
            summary: "3/3 pinned".into(),
        },
    );
    assert!(st.dialog.is_none(), "nothing left to answer");
    assert_eq!(fx, vec![Effect::RefreshNow]);
    let flash = &st.flash.as_ref().unwrap().text;
    assert!(
        flash.contains("already in the archive as 'readme', 3/3 pinned: nothing uploaded"),
        "{flash}"
    );
    assert!(flash.contains("e edits"), "{flash}");
    assert_eq!(st.select_when_loaded.as_deref(), Some(existing.as_str()));
}

/// The fetch form for an item named without an extension takes the
/// original file's once it is known, unless the path was changed meanwhile
/// (issue 32).
#[test]
fn the_fetch_form_keeps_the_original_files_extension() {
    let mut st = loaded();
    let cid = item(2).cid.to_string();
    update(
        &mut st,
        Msg::FetchNamed {
            cid: cid.clone(),
            file: "minutes-2024-05.json".into(),
        },
    );
    assert!(st.dialog.is_none(), "no form: nothing to change");
    // Opened from the pins pane on an item named without an extension.
    let fx = ch(&mut st, 'o');
    let cid = match fx.first() {
        Some(Effect::FetchName { cid, name }) => {
            assert!(name.starts_with("item-"), "{name}");
            cid.clone()
        }
        other => panic!("{other:?}"),
    };
    let Some(Dialog::Form(f)) = &st.dialog else {
        panic!("{:?}", st.flash)
    };
    let opened = f.value(0).to_string();
    let renamed = std::path::Path::new(&opened).with_file_name("minutes-2024-05");
    let mut st2 = st.clone();
    if let Some(Dialog::Form(f)) = st2.dialog.as_mut() {
        f.fields[0] =
            ccs_tui::app::dialog::Field::new("save as", &renamed.display().to_string(), "");
    }
    update(
        &mut st2,
        Msg::FetchNamed {
            cid: cid.clone(),
            file: "minutes-2024-05.json".into(),
        },
    );
    let Some(Dialog::Form(f)) = &st2.dialog else {
        panic!()
    };
    assert_eq!(
        std::path::Path::new(f.value(0)).file_name().unwrap(),
        "minutes-2024-05.json"
    );
    // Changed by the operator meanwhile: left as typed.
    if let Some(Dialog::Form(f)) = st2.dialog.as_mut() {
        f.fields[0] = ccs_tui::app::dialog::Field::new("save as", "/tmp/mine.bin", "");
    }
    update(
        &mut st2,
        Msg::FetchNamed {
            cid,
            file: "minutes-2024-05.json".into(),
        },
    );
    let Some(Dialog::Form(f)) = &st2.dialog else {
        panic!()
    };
    assert_eq!(f.value(0), "/tmp/mine.bin");
}

/// An erase ready to confirm: its blocks read, one other item sharing one.
fn prepared(
    cid: &str,
    name: &str,
    shared_with: Option<(&str, &str)>,
) -> ccs_tui::cluster::erase::Prepared {
    use ccs_tui::cluster::erase::{ItemBlocks, Prepared, Shares, Sharing};
    let root = ccs_tui::unixfs::parse_cid(cid).unwrap();
    let mut shares = Shares {
        checked: 4,
        total: 4,
        ..Default::default()
    };
    if let Some((c, n)) = shared_with {
        shares.items.push(Sharing {
            cid: c.into(),
            name: n.into(),
            blocks: 1,
        });
        shares.blocks.insert(root);
    }
    Prepared {
        cid: cid.into(),
        name: name.into(),
        pinned: true,
        blocks: ItemBlocks::listed(vec![root]),
        shares,
    }
}

/// Issue 25: the unpin dialog's second choice is an erase. It reads first
/// (changing nothing), then its own confirmation says what it will do, and
/// only a yes to that makes the erase task.
#[test]
fn an_unpin_can_become_an_erase_confirmed_on_its_own() {
    use ccs_tui::app::dialog::Button;
    let mut st = loaded();
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    ch(&mut st, 'x');
    let fx = ch(&mut st, 'e');
    assert!(
        matches!(fx.as_slice(), [Effect::PrepareErase(v)] if v == &vec![cid.clone()]),
        "{fx:?}"
    );
    assert!(st.dialog.is_none());
    // ← → moves over the three buttons: Cancel, Unpin, Erase.
    ch(&mut st, 'x');
    press(&mut st, KeyCode::Right);
    press(&mut st, KeyCode::Right);
    match &st.dialog {
        Some(Dialog::Confirm(c)) => assert_eq!(c.focus, Button::Second),
        other => panic!("{other:?}"),
    }
    let fx = press(&mut st, KeyCode::Enter);
    assert!(matches!(fx.as_slice(), [Effect::PrepareErase(_)]), "{fx:?}");

    update(
        &mut st,
        Msg::EraseReady(Ok(vec![prepared(&cid, "item-4", None)])),
    );
    match &st.dialog {
        Some(Dialog::Confirm(c)) => {
            assert!(matches!(&c.action, ConfirmAction::Erase(v) if v.len() == 1));
            assert_eq!(c.focus, Button::Cancel);
        }
        other => panic!("{other:?}"),
    }
    // No second choice here: `e` does nothing, Enter on Cancel cancels.
    assert!(ch(&mut st, 'e').is_empty());
    assert!(press(&mut st, KeyCode::Enter).is_empty());
    assert!(st.dialog.is_none());

    update(
        &mut st,
        Msg::EraseReady(Ok(vec![prepared(&cid, "item-4", None)])),
    );
    let fx = ch(&mut st, 'y');
    let id = match fx.as_slice() {
        [Effect::Erase { id, items }] if items.len() == 1 => *id,
        other => panic!("{other:?}"),
    };
    let t = st.tasks.iter().find(|t| t.id == id).unwrap();
    assert_eq!(t.kind, TaskKind::Erase);
    assert!(t.what.contains("item-4"), "{}", t.what);
}

#[test]
fn read_only_never_erases() {
    let mut st = loaded();
    st.read_only = true;
    let cid = st.pins.selected_row().unwrap().cid().to_string();
    update(
        &mut st,
        Msg::EraseReady(Ok(vec![prepared(&cid, "item-4", None)])),
    );
    let fx = ch(&mut st, 'y');
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Erase { .. })),
        "{fx:?}"
    );
}
