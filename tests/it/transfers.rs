//! The console's transfers against the simulator: uploads and fetches with
//! their messages, verification, cancellation, and refusals.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use ccs_tui::app::msg::{TaskOutcome, UploadRequest};
use ccs_tui::app::Msg;
use ccs_tui::cluster::{Auth, PinTypeFilter};
use ccs_tui::sim::Faults;
use ccs_tui::tasks::effects::Effects;
use ccs_tui::tasks::paths::complete;
use tokio::sync::mpsc;

async fn next_done(rx: &mut mpsc::Receiver<Msg>) -> Msg {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("a message in time")
            .expect("channel open");
        if matches!(
            m,
            Msg::TaskDone { .. }
                | Msg::FormRefused(_)
                | Msg::UploadExists { .. }
                | Msg::FetchNeedsFolder(_)
        ) {
            return m;
        }
    }
}

/// Uploads `path` as task `id` and waits for the CID it was added as.
async fn uploaded(
    t: &Effects,
    rx: &mut mpsc::Receiver<Msg>,
    id: u64,
    path: &std::path::Path,
) -> String {
    t.upload(req(id, path));
    match next_done(rx).await {
        Msg::TaskDone {
            outcome: TaskOutcome::Done {
                select: Some(cid), ..
            },
            ..
        } => cid,
        other => panic!("{other:?}"),
    }
}

/// Cancels task `id` as soon as its first bytes are reported.
async fn cancel_once_bytes_flow(rx: &mut mpsc::Receiver<Msg>, t: &Effects, id: u64) {
    loop {
        match rx.recv().await.unwrap() {
            Msg::TaskProgress { id: i, bytes, .. } if i == id && bytes > 0 => {
                t.cancel(id);
                return;
            }
            Msg::TaskDone { .. } => panic!("finished before it could be cancelled"),
            _ => {}
        }
    }
}

fn req(id: u64, path: &std::path::Path) -> UploadRequest {
    UploadRequest {
        id,
        path: path.display().to_string(),
        name: None,
        replication_min: None,
        replication_max: None,
        metadata: vec![("org".into(), "hrdag".into())],
    }
}

#[tokio::test]
async fn upload_then_fetch_a_folder_byte_for_byte() {
    let h = common::demo().await;
    let c = Arc::new(common::client_for(&h));
    let (tx, mut rx) = mpsc::channel(256);
    let t = Effects::new(c.clone(), tx);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("docs");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.txt"), "a\n").unwrap();
    std::fs::write(dir.join("b.txt"), "b\n").unwrap();
    std::fs::write(dir.join("sub/c.txt"), "c\n").unwrap();
    t.upload(req(1, &dir));
    match next_done(&mut rx).await {
        Msg::TaskDone {
            outcome: TaskOutcome::Done {
                select: Some(cid), ..
            },
            ..
        } => {
            assert_eq!(cid, "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m")
        }
        other => panic!("{other:?}"),
    }
    let pin = c
        .allocation("QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m")
        .await
        .unwrap();
    assert_eq!(pin.name, "docs");
    assert_eq!(pin.metadata.get("org"), Some("hrdag"));
    // Uploading it again: the console says it is already there.
    t.upload(req(2, &dir));
    assert!(matches!(next_done(&mut rx).await, Msg::UploadExists { name, .. } if name == "docs"));
    // Fetch it back.
    let back = tmp.path().join("back");
    t.fetch(
        3,
        "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m".into(),
        back.display().to_string(),
        false,
    );
    match next_done(&mut rx).await {
        Msg::TaskDone {
            outcome:
                TaskOutcome::Done {
                    message: text,
                    select: None,
                },
            ..
        } => assert!(text.contains("verified"), "{text}"),
        other => panic!("{other:?}"),
    }
    for f in ["a.txt", "b.txt", "sub/c.txt"] {
        assert_eq!(
            std::fs::read(back.join(f)).unwrap(),
            std::fs::read(dir.join(f)).unwrap()
        );
    }
    // Onto an existing file: refused in the form (an existing folder would
    // mean inside it).
    t.fetch(
        4,
        "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m".into(),
        back.join("a.txt").display().to_string(),
        false,
    );
    assert!(
        matches!(next_done(&mut rx).await, Msg::FormRefused(e) if e.contains("already exists"))
    );
}

#[tokio::test]
async fn a_corrupted_answer_is_caught_and_not_written() {
    let h = common::demo().await;
    let c = Arc::new(common::client_for(&h));
    let (tx, mut rx) = mpsc::channel(256);
    let t = Effects::new(c.clone(), tx);
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("big.bin");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&f, &data).unwrap();
    let cid = uploaded(&t, &mut rx, 1, &f).await;
    // As ccs does: the item carries its size, so the console's SIZE is not blank.
    let pin = c.allocation(&cid).await.unwrap();
    assert_eq!(pin.metadata.get("size"), Some("3000000"));
    h.set_faults(Faults {
        gateway_corrupt: true,
        ..Default::default()
    });
    let out = tmp.path().join("out.bin");
    t.fetch(2, cid.clone(), out.display().to_string(), false);
    match next_done(&mut rx).await {
        Msg::TaskDone {
            outcome: TaskOutcome::Failed(e),
            ..
        } => assert!(e.starts_with("MISMATCH"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(!out.exists(), "nothing under the final name");
    h.set_faults(Faults::default());
    t.fetch(3, cid.clone(), out.display().to_string(), false);
    assert!(matches!(
        next_done(&mut rx).await,
        Msg::TaskDone {
            outcome: TaskOutcome::Done { .. },
            ..
        }
    ));
    assert_eq!(std::fs::read(&out).unwrap(), data);
    // A folder that does not exist: asked about first, created when agreed.
    let deep = tmp.path().join("restored/2026/big.bin");
    t.fetch(4, cid.clone(), deep.display().to_string(), false);
    match next_done(&mut rx).await {
        Msg::FetchNeedsFolder(f) => assert!(f.ends_with("restored/2026"), "{f}"),
        other => panic!("{other:?}"),
    }
    assert!(
        !tmp.path().join("restored").exists(),
        "nothing created unasked"
    );
    t.fetch(5, cid, deep.display().to_string(), true);
    assert!(matches!(
        next_done(&mut rx).await,
        Msg::TaskDone {
            outcome: TaskOutcome::Done { .. },
            ..
        }
    ));
    assert_eq!(std::fs::read(&deep).unwrap(), data);
}

#[tokio::test]
async fn cancel_leaves_no_pin_and_no_partial_file() {
    let h = common::demo().await;
    let c = Arc::new(common::client_for(&h));
    let (tx, mut rx) = mpsc::channel(256);
    let t = Effects::new(c.clone(), tx);
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("big.bin");
    let data: Vec<u8> = (0..40_000_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&f, &data).unwrap();
    let before = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
        .len();
    t.upload(req(1, &f));
    cancel_once_bytes_flow(&mut rx, &t, 1).await;
    assert!(matches!(
        next_done(&mut rx).await,
        Msg::TaskDone {
            outcome: TaskOutcome::Cancelled,
            ..
        }
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing pinned");
    // A fetch cancelled mid-way leaves nothing under the final name, nor a temp file.
    let f2 = tmp.path().join("small.bin");
    std::fs::write(&f2, &data[..20_000_000]).unwrap();
    let cid = uploaded(&t, &mut rx, 2, &f2).await;
    // A connection that drops mid-way is picked up where it stopped.
    h.set_faults(Faults {
        gateway_drop_after_bytes: Some(5_000_000),
        ..Default::default()
    });
    let dl = tempfile::tempdir().unwrap();
    let whole = dl.path().join("whole.bin");
    t.fetch(3, cid.clone(), whole.display().to_string(), false);
    match next_done(&mut rx).await {
        Msg::TaskDone {
            outcome: TaskOutcome::Done { .. },
            ..
        } => {}
        other => panic!("a dropped connection is asked again from where it broke: {other:?}"),
    }
    assert!(std::fs::read(&whole).unwrap() == data[..20_000_000]);
    // One that breaks before a block is whole, every time, fails the
    // download and leaves nothing under the final name.
    h.set_faults(Faults {
        gateway_drop_after_bytes: Some(100_000),
        ..Default::default()
    });
    let out = dl.path().join("out.bin");
    t.fetch(3, cid.clone(), out.display().to_string(), false);
    match next_done(&mut rx).await {
        Msg::TaskDone {
            outcome: TaskOutcome::Failed(_),
            ..
        } => {}
        other => panic!("a download that cannot progress must fail: {other:?}"),
    }
    assert!(!out.exists());
    // A download cancelled while the gateway stalls ends at once, cleanly.
    h.set_faults(Faults {
        gateway_stall: true,
        ..Default::default()
    });
    t.fetch(4, cid, out.display().to_string(), false);
    loop {
        if let Msg::TaskStarted { id: 4, .. } = rx.recv().await.unwrap() {
            break;
        }
    }
    t.cancel(4);
    assert!(matches!(
        next_done(&mut rx).await,
        Msg::TaskDone {
            id: 4,
            outcome: TaskOutcome::Cancelled
        }
    ));
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dl.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn bad_paths_are_refused_with_a_message() {
    let h = common::demo().await;
    let c = Arc::new(common::client_for(&h));
    let (tx, mut rx) = mpsc::channel(256);
    let t = Effects::new(c, tx);
    t.upload(req(1, std::path::Path::new("/nonexistent/scans")));
    assert!(
        matches!(next_done(&mut rx).await, Msg::FormRefused(e) if e.contains("no such file or folder"))
    );
    #[cfg(unix)]
    {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            t.upload(req(2, &fifo));
            assert!(
                matches!(next_done(&mut rx).await, Msg::FormRefused(e) if e.contains("special file"))
            );
        }
    }
    t.fetch(
        3,
        "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m".into(),
        "/nonexistent/dir/x".into(),
        false,
    );
    assert!(
        matches!(next_done(&mut rx).await, Msg::FetchNeedsFolder(f) if f == "/nonexistent/dir")
    );
}

#[test]
fn path_completion() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("scans-2026")).unwrap();
    std::fs::write(tmp.path().join("scan-a.tif"), "x").unwrap();
    std::fs::write(tmp.path().join("scan-b.tif"), "x").unwrap();
    let base = format!("{}/", tmp.path().display());
    assert_eq!(
        complete(&format!("{base}scans")),
        (
            format!("{base}scans-2026/"),
            vec!["scans-2026/".to_string()]
        )
    );
    assert_eq!(
        complete(&format!("{base}scan-")),
        (
            format!("{base}scan-"),
            vec!["scan-a.tif".to_string(), "scan-b.tif".to_string()]
        )
    );
    assert_eq!(complete(&format!("{base}sc")).1.len(), 3);
    assert_eq!(
        complete(&format!("{base}zz")),
        (format!("{base}zz"), Vec::new())
    );
}

/// The console's transfers on ccs-sim (default) and on the real cluster (`CCS_BACKEND=real`).
mod both {
    use std::sync::Arc;
    use std::time::Duration;

    use ccs_tui::app::msg::TaskOutcome;
    use ccs_tui::app::Msg;
    use ccs_tui::tasks::effects::Effects;
    use tokio::sync::mpsc;

    use super::common::backend::{unique_bytes, unique_text, Backend};
    use super::{next_done, req};

    #[tokio::test]
    async fn upload_then_fetch_a_folder_byte_for_byte() {
        let b = Backend::start().await;
        let c = Arc::new(b.client());
        let (tx, mut rx) = mpsc::channel(256);
        let t = Effects::new(c.clone(), tx);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pincushion-export");
        std::fs::create_dir_all(dir.join("img")).unwrap();
        std::fs::write(dir.join("items.json"), unique_text("[1,2,3]")).unwrap();
        std::fs::write(dir.join("img/0001.jpg"), unique_bytes(1_300_000)).unwrap();
        t.upload(req(1, &dir));
        let cid = match next_done(&mut rx).await {
            Msg::TaskDone {
                outcome:
                    TaskOutcome::Done {
                        select: Some(cid), ..
                    },
                ..
            } => cid,
            other => panic!("{other:?}"),
        };
        let pin = c.allocation(&cid).await.unwrap();
        assert_eq!(pin.name, "pincushion-export");
        assert_eq!(pin.metadata.get("org"), Some("hrdag"));
        t.upload(req(2, &dir));
        assert!(matches!(next_done(&mut rx).await, Msg::UploadExists { .. }));
        b.wait_pinned(&cid, Duration::from_secs(60)).await;
        let back = tmp.path().join("back");
        t.fetch(3, cid.clone(), back.display().to_string(), false);
        match next_done(&mut rx).await {
            Msg::TaskDone {
                outcome:
                    TaskOutcome::Done {
                        message: text,
                        select: None,
                    },
                ..
            } => assert!(text.contains("verified"), "{text}"),
            other => panic!("{other:?}"),
        }
        for f in ["items.json", "img/0001.jpg"] {
            assert!(
                std::fs::read(back.join(f)).unwrap() == std::fs::read(dir.join(f)).unwrap(),
                "{f} differs"
            );
        }
        c.unpin(&cid).await.unwrap();
    }

    #[tokio::test]
    async fn a_cancelled_upload_pins_nothing() {
        let b = Backend::start().await;
        let c = Arc::new(b.client());
        let (tx, mut rx) = mpsc::channel(256);
        let t = Effects::new(c.clone(), tx);
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("big.bin");
        std::fs::write(&f, unique_bytes(40_000_000)).unwrap();
        let local = super::common::default_cid(&f);
        t.upload(req(1, &f));
        super::cancel_once_bytes_flow(&mut rx, &t, 1).await;
        assert!(matches!(
            next_done(&mut rx).await,
            Msg::TaskDone {
                outcome: TaskOutcome::Cancelled,
                ..
            }
        ));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(c.allocation(&local).await.is_err(), "nothing pinned");
    }
}

/// The console's fetch keeps what it verified when the link drops, and the
/// same fetch again asks only for the rest and says so (issue 30).
#[tokio::test]
async fn a_cut_console_fetch_resumes() {
    let h = common::demo().await;
    let c = Arc::new(common::client_for(&h));
    let (tx, mut rx) = mpsc::channel(256);
    let t = Effects::new(c.clone(), tx);
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("scans.bin");
    let data = common::backend::unique_bytes(24 << 20);
    std::fs::write(&f, &data).unwrap();
    let cid = uploaded(&t, &mut rx, 1, &f).await;
    // Through a link that dies for good after 10 MB.
    let proxy = common::proxy::Proxy::start(&h.gateway_url(), Some(10 << 20)).await;
    let cut = common::client_via(&h, Auth::None, &proxy.url);
    let (tx2, mut rx2) = mpsc::channel(256);
    let t2 = Effects::new(Arc::new(cut), tx2);
    let out = tmp.path().join("out.bin");
    t2.fetch(2, cid.clone(), out.display().to_string(), false);
    match next_done(&mut rx2).await {
        Msg::TaskDone {
            outcome: TaskOutcome::Failed(e),
            ..
        } => assert!(e.contains("the same get resumes"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(!out.exists(), "nothing under the final name");
    // Again, over a sound link: only the rest is asked for.
    let counting = common::proxy::Proxy::start(&h.gateway_url(), None).await;
    let sound = common::client_via(&h, Auth::None, &counting.url);
    let (tx3, mut rx3) = mpsc::channel(256);
    let t3 = Effects::new(Arc::new(sound), tx3);
    t3.fetch(3, cid, out.display().to_string(), false);
    // The transfers view says so while it runs, and the end says so too.
    let mut notes = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(30), rx3.recv())
            .await
            .expect("a message in time")
            .expect("channel open")
        {
            Msg::TaskNote { id: 3, note } => notes.push(note),
            Msg::TaskDone {
                outcome: TaskOutcome::Done { message, .. },
                ..
            } => {
                assert!(message.contains("resumed: "), "{message}");
                break;
            }
            m @ Msg::TaskDone { .. } => panic!("{m:?}"),
            _ => {}
        }
    }
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("resuming: ") && n.ends_with("already verified")),
        "{notes:?}"
    );
    assert!(std::fs::read(&out).unwrap() == data, "the bytes are whole");
    // Each of the two requests in flight when the link died may lose the
    // block it was in; nothing verified is asked for again.
    let (first, again) = (proxy.passed(), counting.passed());
    assert!(
        first + again <= (24 << 20) + 2 * (256 << 10) + (16 << 10),
        "asked for {first} then {again} bytes of a 24 MiB file"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "no partial state left: {left:?}");
}
