//! The real binary in a pseudo-terminal (portable-pty + vt100): it starts on
//! the demo cluster, shows the five peers and the archive, moves, filters,
//! inspects, shows help, quits, and leaves the terminal as it found it; the
//! same after SIGTERM and SIGHUP.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

use crate::common;

struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Session {
    fn start(args: &[&str]) -> Session {
        Session::start_with_env(args, &[])
    }

    fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Session {
        Session::spawn(env!("CARGO_BIN_EXE_ccs-tui"), args, env)
    }

    fn spawn(program: &str, args: &[&str], env: &[(&str, &str)]) -> Session {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", std::env::temp_dir());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(40, 120, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p2, r2) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p2.lock().unwrap().process(&buf[..n]);
                        r2.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        // Keep the master alive as long as the session.
        std::mem::forget(pair.master);
        Session {
            parser,
            writer,
            child,
            raw,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the console did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Raw mode off, alternate screen left, cursor shown.
    fn assert_restored(&self) {
        let p = self.parser.lock().unwrap();
        let sc = p.screen();
        assert!(!sc.alternate_screen(), "still on the alternate screen");
        assert!(!sc.hide_cursor(), "cursor still hidden");
        let raw = self.raw.lock().unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("\u{1b}[?1049h"),
            "entered the alternate screen"
        );
        assert!(text.contains("\u{1b}[?1049l"), "left the alternate screen");
        assert!(
            text.contains("\u{1b}[?2026h"),
            "frames are synchronized updates"
        );
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.process_id().unwrap();
        let ok = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

#[test]
fn demo_console_end_to_end() {
    let mut s = Session::start(&["--demo"]);
    let screen = s.wait_for("oral-history");
    for peer in ["nas", "chll", "meerkat", "ipfs1"] {
        assert!(screen.contains(peer), "{peer} missing:\n{screen}");
    }
    s.wait_for("pihost");
    // Long down, crdt has dropped it; its ping alert keeps it on screen.
    s.wait_for("MISSING: no heartbeat since");
    // Move and filter.
    s.keys("jj");
    s.keys("/scan");
    s.keys("\r");
    let screen = s.wait_for("/scan");
    assert!(screen.contains("scan-0"), "{screen}");
    assert!(!screen.contains("oral-history"), "{screen}");
    // Inspect the selected item: its replication state per peer.
    s.keys("\r");
    s.wait_for("PEER      STATUS");
    s.wait_for("PINNED");
    // Help from the keymap.
    s.keys("?");
    s.wait_for("keys: main screen (Esc closes)");
    s.wait_for("copy the CID or peer ID (OSC 52)");
    s.keys("\u{1b}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!s.screen().contains("keys: main screen"));
    // Problems view.
    s.keys("\u{1b}\u{1b}");
    s.keys(":problems\r");
    s.wait_for("problems (");
    s.keys("q");
    let st = s.wait_exit();
    assert!(st.success(), "{st:?}");
    s.assert_restored();
}

#[test]
fn upload_fetch_and_unpin_through_the_dialogs() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("field-notes.txt");
    std::fs::write(&src, "hello world\n").unwrap();
    let back = tmp.path().join("back.txt");
    let mut s = Session::start(&["--demo"]);
    s.wait_for("oral-history");
    // Upload: a, the path, Enter.
    s.keys("a");
    s.wait_for("upload to the archive");
    s.keys(&src.display().to_string());
    s.keys("\r");
    s.wait_for("added 'field-notes.txt' as QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    // The new item is selected and its replication fills in.
    s.wait_for("field-notes.txt");
    s.wait_for("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7");
    // Fetch: o, move to the destination, replace it, Enter.
    s.keys("\u{1b}");
    s.keys("o");
    s.wait_for("fetch from the archive");
    // The destination comes first, prefilled as an absolute path.
    s.keys("\u{15}");
    s.keys(&back.display().to_string());
    s.keys("\r");
    s.wait_for("verified: matches QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "hello world\n");
    // Unpin: x opens the confirmation; Enter on the focused Cancel keeps it.
    s.keys("x");
    s.wait_for("removed from every peer of the cluster");
    s.keys("\r");
    s.wait_for("cancelled: nothing changed");
    s.keys("x");
    s.wait_for("removed from every peer of the cluster");
    s.keys("y");
    s.wait_for("unpinned 'field-notes.txt'");
    s.keys("q");
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn an_idle_console_writes_nothing() {
    let mut s = Session::start(&["--demo"]);
    s.wait_for("oral-history");
    s.wait_for("pihost");
    // Every first poll in: the problems list (the header counts its errors,
    // tersely beside the demo's EXPOSED badge).
    s.wait_until("the errors counted", |sc| {
        sc.contains("2 in error") || sc.contains("2 err")
    });
    // Let the first polls settle (a quiet second), then watch the wire.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = s.raw.lock().unwrap().len();
        std::thread::sleep(Duration::from_millis(1500));
        if s.raw.lock().unwrap().len() == n || Instant::now() > deadline {
            break;
        }
    }
    let before = s.raw.lock().unwrap().len();
    std::thread::sleep(Duration::from_secs(6));
    let after = s.raw.lock().unwrap().len();
    let written = {
        let raw = s.raw.lock().unwrap();
        String::from_utf8_lossy(&raw[before..after]).to_string()
    };
    assert_eq!(after - before, 0, "an idle screen wrote {written:?}");
    s.keys("q");
    s.wait_exit();
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut s = Session::start(&["--demo"]);
    s.wait_for("peers (5)");
    s.signal("-TERM");
    let st = s.wait_exit();
    assert_eq!(st.exit_code(), 128 + 15, "{st:?}");
    s.assert_restored();
}

#[test]
fn rm_on_a_terminal_says_an_unknown_item_is_not_pinned_instead_of_asking() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let b = rt.block_on(common::backend::Backend::start_sim());
    let mut args = vec![
        "rm".to_string(),
        "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o".into(),
    ];
    args.extend(b.cli_args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut s = Session::start(&args);
    s.wait_for("is not in the pinset");
    assert!(!s.screen().contains("Unpin"), "{}", s.screen());
    let st = s.wait_exit();
    assert_eq!(st.exit_code(), 2);
}

#[test]
fn logs_go_to_a_file_while_the_console_owns_the_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("console.log");
    let log_s = log.display().to_string();
    let mut s = Session::start_with_env(
        &["--demo"],
        &[("CCS_LOG", "debug"), ("CCS_LOG_FILE", &log_s)],
    );
    s.wait_for("oral-history");
    s.keys("q");
    s.wait_exit();
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).to_string();
    assert!(!raw.contains("DEBUG"), "a log line reached the screen");
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("DEBUG"), "{written}");
}

#[test]
fn every_catchable_signal_restores_the_terminal() {
    for (sig, n) in [("-INT", 2), ("-USR1", 10), ("-USR2", 12)] {
        let mut s = Session::start(&["--demo"]);
        s.wait_for("peers (5)");
        s.signal(sig);
        let st = s.wait_exit();
        assert_eq!(st.exit_code(), 128 + n, "{sig}: {st:?}");
        s.assert_restored();
    }
}

/// Ctrl-Z from an interactive shell: the shell gets its screen back and
/// reports the job stopped; `fg` brings the console back whole.
#[test]
fn ctrl_z_suspends_and_fg_resumes_cleanly() {
    let mut s = Session::spawn(
        "bash",
        &["--norc", "--noprofile", "-i"],
        &[("PS1", "shell$ ")],
    );
    s.wait_for("shell$");
    s.keys(&format!("{} --demo\r", env!("CARGO_BIN_EXE_ccs-tui")));
    s.wait_for("peers (5)");
    s.keys("\u{1a}");
    s.wait_for("Stopped");
    {
        let p = s.parser.lock().unwrap();
        assert!(
            !p.screen().alternate_screen(),
            "the shell gets its screen back"
        );
        assert!(!p.screen().hide_cursor(), "and its cursor");
    }
    s.keys("fg\r");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s.parser.lock().unwrap().screen().alternate_screen() {
        assert!(
            Instant::now() < deadline,
            "not back on the alternate screen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    s.wait_for("peers (5)");
    s.keys("q");
    s.wait_for("shell$");
    assert!(!s.parser.lock().unwrap().screen().alternate_screen());
    s.keys("exit\r");
    s.wait_exit();
}

/// Started with no shell to return to (tmux's or ssh's command), Ctrl-Z
/// says so instead of stopping for good.
#[test]
fn ctrl_z_without_job_control_says_so() {
    let mut s = Session::start(&["--demo"]);
    s.wait_for("peers (5)");
    s.keys("\u{1a}");
    s.wait_for("no shell to return to");
    s.keys("q");
    assert!(s.wait_exit().success());
}

#[test]
fn sighup_restores_the_terminal() {
    let mut s = Session::start(&["--demo"]);
    s.wait_for("peers (5)");
    s.signal("-HUP");
    s.wait_exit();
    s.assert_restored();
}

/// The console's dialogs on ccs-sim (default) and on the real cluster (`CCS_BACKEND=real`).
mod both {
    use super::common::backend::{unique_text, Backend};
    use super::Session;

    #[test]
    fn upload_inspect_fetch_and_unpin_through_the_dialogs() {
        // The simulator (if that is the backend) serves from this runtime while
        // the test thread drives the terminal.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let b = rt.block_on(Backend::start());
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("field-notes.txt");
        let text = unique_text("field notes");
        std::fs::write(&src, &text).unwrap();
        let cid = super::common::default_cid(&src);
        let back = tmp.path().join("back.txt");
        let args: Vec<String> = b.cli_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut s = Session::start(&args);
        s.wait_for("peers (3)");
        for peer in ["nas", "chll", "meerkat"] {
            s.wait_for(peer);
        }
        s.keys("a");
        s.wait_for("upload to the archive");
        s.keys(&src.display().to_string());
        s.keys("\r");
        s.wait_for(&format!("added 'field-notes.txt' as {cid}"));
        // Inspect: the new item is selected; its replication fills in per peer.
        s.keys("\r");
        s.wait_for("PEER      STATUS");
        let pinned = |screen: &str| screen.matches("PINNED").count() >= 3;
        s.wait_until("three PINNED rows", pinned);
        s.keys("\u{1b}");
        s.keys("o");
        s.wait_for("fetch from the archive");
        s.keys("\u{15}");
        s.keys(&back.display().to_string());
        s.keys("\r");
        s.wait_for(&format!("verified: matches {cid}"));
        assert_eq!(std::fs::read_to_string(&back).unwrap(), text);
        s.keys("x");
        s.wait_for("removed from every peer of the cluster");
        s.keys("\r");
        s.wait_for("cancelled: nothing changed");
        s.keys("x");
        s.wait_for("removed from every peer of the cluster");
        s.keys("y");
        s.wait_for("unpinned 'field-notes.txt'");
        s.keys("q");
        assert!(s.wait_exit().success());
        s.assert_restored();
        let c = b.client();
        let gone = rt.block_on(c.allocation(&cid));
        assert!(gone.is_err(), "still in the pinset: {gone:?}");
    }
}

/// `:drain PEER` in the console: its plan, a yes, a task that moves every
/// item; then `e` edits an item and the change is shown before it is written.
#[test]
fn drain_and_edit_from_the_console() {
    use ccs_tui::cluster::types::PinOptions;
    use ccs_tui::cluster::AddOptions;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let names: Vec<String> = ["nas", "chll", "meerkat", "ipfs1"]
        .map(String::from)
        .to_vec();
    let mut st = ccs_tui::sim::SimState::new(&names, 3);
    st.timings = ccs_tui::sim::Timings {
        fail_after: Duration::from_secs(3600),
        ..ccs_tui::sim::Timings::instant()
    };
    let h = rt.block_on(common::start(st));
    let c = common::client_for(&h);
    let nas = h.ctx.state.read().peers[0].id.clone();
    let tmp = tempfile::tempdir().unwrap();
    let mut cids = Vec::new();
    for i in 0..3 {
        let path = tmp.path().join(format!("box-{i}.txt"));
        std::fs::write(&path, format!("box {i}\n")).unwrap();
        let opts = AddOptions {
            pin: PinOptions {
                name: Some(format!("box-{i}.txt")),
                replication_min: Some(2),
                replication_max: Some(2),
                user_allocations: vec![nas.clone()],
                metadata: vec![("org".into(), "hrdag".into())],
                ..Default::default()
            },
            ..Default::default()
        };
        let r = rt
            .block_on(c.add(
                &path,
                &opts,
                None,
                tokio_util::sync::CancellationToken::new(),
            ))
            .unwrap();
        cids.push(r.root.cid.unwrap());
    }
    let api = h.api_url();
    let mut s = Session::start_with_env(
        &["--host", &api],
        &[("XDG_STATE_HOME", &tmp.path().display().to_string())],
    );
    s.wait_for("peers (4)");
    s.wait_for("box-2.txt");
    s.keys(":drain nas\r");
    s.wait_for("drain nas: 3 of 3 items change");
    s.keys("\r");
    s.wait_for("cancelled: nothing changed");
    s.keys(":drain nas\r");
    s.wait_for("drain nas: 3 of 3 items change");
    s.keys("y");
    s.wait_for("drain nas: 3 item(s) done");
    for cid in &cids {
        let p = rt.block_on(c.allocation(cid)).unwrap();
        assert!(!p.allocations.contains(&nas), "{p:?}");
        assert_eq!(p.allocations.len(), 2);
    }
    // Edit the selected item: a metadata key more.
    s.keys("\u{1b}");
    s.keys("g");
    s.keys("e");
    s.wait_for("edit the item");
    s.keys("\t\t\t\t");
    s.keys(" shelf=7");
    s.keys("\r");
    s.wait_for("metadata: +shelf=7");
    s.keys("y");
    s.wait_for("edited box-");
    // The tasks view first, then the console.
    s.keys("\u{1b}");
    s.keys("q");
    assert!(s.wait_exit().success());
    s.assert_restored();
    let edited = cids
        .iter()
        .map(|cid| rt.block_on(c.allocation(cid)).unwrap())
        .find(|p| p.metadata.get("shelf").is_some())
        .expect("one item has the new key");
    assert_eq!(edited.metadata.get("org"), Some("hrdag"), "the rest kept");
}

/// `cat` of a file that clears the screen and hides the cursor: on a
/// terminal the sequences are shown as text; `--raw` passes them; a pipe
/// always gets the bytes exactly (issue 24).
#[test]
fn cat_to_a_terminal_shows_escape_sequences_instead_of_obeying_them() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let evil = b"before\x1b[2J\x1b[?25l\x1b]0;owned\x07 \xe2\x80\xaetxt.exe\n".to_vec();
    let mut blocks = common::blocks::Blocks::default();
    let leaf = blocks.leaf(&evil);
    let root = blocks.dir(&[("clear.txt".into(), leaf, 60)]);
    let gw = rt.block_on(common::blocks::Gateway::serve(&blocks));
    let target = format!("{root}/clear.txt");
    let args = [
        "cat",
        target.as_str(),
        "--host",
        "http://127.0.0.1:9",
        "--gateway",
        gw.url.as_str(),
    ];
    let mut s = Session::start(&args);
    assert!(s.wait_exit().success());
    {
        let p = s.parser.lock().unwrap();
        assert!(!p.screen().hide_cursor(), "the cursor is still shown");
        let raw = s.raw.lock().unwrap();
        assert!(!raw.contains(&0x1b), "no escape byte reached the terminal");
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("before\\x1b[2J\\x1b[?25l"), "{text}");
        assert!(text.contains("<U+202E>txt.exe"), "{text}");
    }
    let mut raw_args = args.to_vec();
    raw_args.push("--raw");
    let mut s = Session::start(&raw_args);
    assert!(s.wait_exit().success());
    assert!(s.raw.lock().unwrap().windows(4).any(|w| w == b"\x1b[2J"));
    let o = rt.block_on(common::cli::run_bytes(
        args.iter().map(|a| a.to_string()).collect(),
    ));
    assert_eq!(o, evil, "a pipe gets the bytes exactly");
}
