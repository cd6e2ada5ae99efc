//! What every command shares: exit codes, JSON and text output, the progress line on stderr, Ctrl-C, confirmation, atomic writes.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::cluster::ClientError;

// Exit codes, one place for every command and for the console itself
// (`ccs-tui` without a command, see main.rs). Commands return the worst that
// applies.

/// 0: done, and all is as wanted.
pub const OK: u8 = 0;

/// 1: done, and something is found wanting: fewer replicas than wanted, a
/// peer down or pending, an item missing from a peer or at risk, a peer
/// that fills soon or is exposed, items changed (rebalance, drain,
/// ensure-pins), a configuration with errors (`config`).
pub const PARTIAL: u8 = 1;

/// 2: failure: an error (the reason on stderr), a corrupt copy, a peer
/// still storing an erased item, items that could not be changed.
pub const FAIL: u8 = 2;

/// 3: the command could not run as configured (audit with no gateway, a
/// stewardship rule the configuration does not give).
pub const CANNOT_RUN: u8 = 3;

/// Ended by a signal: as a shell reports it, 128 + its number.
pub const fn killed_by(signal: u8) -> u8 {
    128u8.saturating_add(signal)
}

/// 141: stdout's reader is gone (`ccs-tui health | head -1`): the status
/// a shell gives a process killed by SIGPIPE (13).
pub const BROKEN_PIPE: u8 = killed_by(13);

/// An audit's code, from its gravest finding: a copy missing or a peer
/// unreachable is wanting, a corrupt copy a failure.
pub(super) fn audit_code(worst: crate::cluster::audit::Outcome) -> u8 {
    use crate::cluster::audit::Outcome;
    match worst {
        Outcome::Ok => OK,
        Outcome::Unreachable | Outcome::Missing => PARTIAL,
        Outcome::Corrupt => FAIL,
    }
}

/// An erase's code: erased, pending (a peer to check later), or still
/// stored somewhere.
pub(super) fn erasure_code(v: crate::cluster::erase::Verdict) -> u8 {
    use crate::cluster::erase::Verdict;
    match v {
        Verdict::Erased => OK,
        Verdict::Pending => PARTIAL,
        Verdict::Stored => FAIL,
    }
}

/// The reason on stderr (cleaned for the terminal), exit 2.
pub fn fail(msg: impl std::fmt::Display) -> ExitCode {
    err(&format!("ccs-tui: {msg}"));
    ExitCode::from(FAIL)
}

/// One JSON document (a report, one item): the whole of stdout.
pub(super) fn print_json(v: &serde_json::Value) {
    out_exact(&v.to_string());
}

/// How a listing's JSON is written: one document (`--json`: an array,
/// streamed item by item, so a million pins cost no more memory) or one
/// object per line (`--json-lines`, for `jq -c`, `grep` and streams).
static JSON_LINES: AtomicBool = AtomicBool::new(false);
/// Items of the array written so far.
static ITEMS: AtomicU64 = AtomicU64::new(0);
/// The command's JSON is a listing: with no item, it is still `[]`.
static LISTING: AtomicBool = AtomicBool::new(false);

pub(super) fn set_json_lines(on: bool) {
    JSON_LINES.store(on, Ordering::Relaxed);
}

/// This command's JSON is a list (so an empty one is `[]`).
pub(super) fn listing() {
    LISTING.store(true, Ordering::Relaxed);
}

/// One element of a listing (peers, pins, statuses, checks).
pub(super) fn print_item<T: serde::Serialize>(item: &T) {
    let line = serde_json::to_string(item).unwrap_or_default();
    if JSON_LINES.load(Ordering::Relaxed) {
        out_exact(&line);
        return;
    }
    let first = ITEMS.fetch_add(1, Ordering::Relaxed) == 0;
    let mut w = std::io::stdout().lock();
    let r = if first {
        write!(w, "[\n{line}")
    } else {
        write!(w, ",\n{line}")
    };
    if let Err(e) = r.and_then(|()| w.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE.into());
        }
    }
}

/// Closes the listing's array (`[]` when nothing was listed).
pub(super) fn finish_items(json: bool) {
    if !json || JSON_LINES.load(Ordering::Relaxed) {
        return;
    }
    if ITEMS.load(Ordering::Relaxed) > 0 {
        write_line(&mut std::io::stdout().lock(), "\n]");
    } else if LISTING.load(Ordering::Relaxed) {
        write_line(&mut std::io::stdout().lock(), "[]");
    }
}

/// One line of text for people on stdout, cleaned of control characters and
/// escape sequences: names, metadata and errors come from other members'
/// machines, and must neither retitle, clear or write to the operator's
/// terminal nor forge a line of their own (a newline inside is a space).
pub(super) fn out(line: &str) {
    write_line(&mut std::io::stdout().lock(), &crate::sanitize::clean(line));
}

/// The same on stderr.
pub(super) fn err(line: &str) {
    let mut e = std::io::stderr().lock();
    // A line said while a progress line shows takes its place (the
    // progress comes back on its next update) instead of running on after it.
    if PROGRESS_SHOWN.swap(false, Ordering::Relaxed) {
        let _ = std::io::Write::write_all(&mut e, b"\r\x1b[2K");
    }
    write_line(&mut e, &crate::sanitize::clean(line));
}

/// Files and folders a run made for itself (a demo's configuration and
/// state): removed however it ends, its reader gone mid-listing included
/// (that exit skips every destructor).
static TEMPORARY: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// `path` is this run's own, to remove when it ends.
pub fn remove_at_exit(path: std::path::PathBuf) {
    if let Ok(mut t) = TEMPORARY.lock() {
        t.push(path);
    }
}

/// Removes what [`remove_at_exit`] was given (each once).
pub fn remove_temporaries() {
    let paths = match TEMPORARY.lock() {
        Ok(mut t) => std::mem::take(&mut *t),
        Err(_) => return,
    };
    for p in paths {
        let _ = match p.is_dir() {
            true => std::fs::remove_dir_all(&p),
            false => std::fs::remove_file(&p),
        };
    }
}

/// A progress line is on the terminal, unfinished (no newline after it).
static PROGRESS_SHOWN: AtomicBool = AtomicBool::new(false);

/// A progress line (`\r…`, no newline) on the terminal.
pub(super) fn progress(text: std::fmt::Arguments<'_>) {
    eprint!("\r{text}");
    PROGRESS_SHOWN.store(true, Ordering::Relaxed);
}

/// The progress line, if one shows, is ended: what follows starts below it.
pub(super) fn end_progress() {
    if PROGRESS_SHOWN.swap(false, Ordering::Relaxed) {
        eprintln!();
    }
}

/// One line exactly as given (JSON, whose strings escape control characters).
pub(super) fn out_exact(line: &str) {
    write_line(&mut std::io::stdout().lock(), line);
}

fn write_line(w: &mut dyn Write, line: &str) {
    if let Err(e) = writeln!(w, "{line}") {
        // The reader is gone: stop quietly, leaving nothing behind.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            remove_temporaries();
            std::process::exit(BROKEN_PIPE.into());
        }
    }
}

/// `say!(…)`: `println!` through [`out`].
macro_rules! say {
    ($($a:tt)*) => { $crate::commands::output::out(&format!($($a)*)) };
}

/// `tell!(…)`: `eprintln!` through [`err`].
macro_rules! tell {
    ($($a:tt)*) => { $crate::commands::output::err(&format!($($a)*)) };
}

pub(super) use {say, tell};

pub(super) fn progress_on() -> bool {
    std::io::stderr().is_terminal()
}

/// A progress line on stderr (`sending 1.2 GB / 4.0 GB (310 MB/s)`), at most
/// five times a second; nothing when stderr is not a terminal.
pub(super) struct ProgressLine {
    verb: &'static str,
    started: Instant,
    throttle: std::sync::Mutex<crate::throttle::Throttle>,
}

impl ProgressLine {
    pub(super) fn new(verb: &'static str) -> Option<Arc<Self>> {
        progress_on().then(|| {
            Arc::new(Self {
                verb,
                started: Instant::now(),
                throttle: std::sync::Mutex::new(crate::throttle::Throttle::new(
                    Duration::from_millis(200),
                )),
            })
        })
    }

    pub(super) fn show(&self, done: u64, total: Option<u64>) {
        use crate::format::human_bytes;
        let Ok(mut throttle) = self.throttle.lock() else {
            return;
        };
        if !throttle.due(total.is_some_and(|t| done >= t)) {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let total = total.map(human_bytes).unwrap_or_else(|| "?".into());
        progress(format_args!(
            "{} {} / {total} ({}/s)   ",
            self.verb,
            human_bytes(done),
            human_bytes((done as f64 / secs) as u64)
        ));
    }
}

/// Ctrl-C, SIGTERM, SIGHUP or SIGQUIT cancel the transfer (which then removes
/// its temporary file and pins nothing) instead of killing the process
/// mid-write.
pub(super) fn cancel_on_ctrl_c() -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let task = tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let kinds = [
                SignalKind::interrupt(),
                SignalKind::terminate(),
                SignalKind::hangup(),
                SignalKind::quit(),
            ];
            let mut streams: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
            if !streams.is_empty() {
                futures_util::future::select_all(streams.iter_mut().map(|s| Box::pin(s.recv())))
                    .await;
                c2.cancel();
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_ok() {
            c2.cancel();
        }
    });
    (cancel, task)
}

pub(super) fn confirm(question: &str) -> bool {
    eprint!("{} [y/N] ", crate::sanitize::clean(question));
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok()
        && matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}

pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// What `write` writes, under `path` only once it is all on the disk;
/// nothing under any name if it fails.
pub(super) fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ClientError> {
    let io = |e: std::io::Error| ClientError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let tmp = path.with_extension(format!("tmp-{:08x}", rand::random::<u32>()));
    let res = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut f)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(io)
}

/// Why a command failed: the cluster (or the disk), or what the user typed.
#[derive(Debug)]
pub enum CmdError {
    Client(ClientError),
    /// Reading inside an item: a block missing, corrupt, a gateway down…
    Block(crate::cluster::dag::BlockError),
    /// A flag or argument that cannot be used as given.
    Usage {
        what: String,
        message: String,
    },
}

impl CmdError {
    pub(super) fn usage(what: impl Into<String>, message: impl Into<String>) -> Self {
        CmdError::Usage {
            what: what.into(),
            message: message.into(),
        }
    }
}

impl From<ClientError> for CmdError {
    fn from(e: ClientError) -> Self {
        CmdError::Client(e)
    }
}

impl std::fmt::Display for CmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CmdError::Client(e) => e.fmt(f),
            CmdError::Block(e) => e.fmt(f),
            CmdError::Usage { what, message } => write!(f, "{what}: {message}"),
        }
    }
}

pub(super) fn parse_metadata(items: &[String]) -> Result<Vec<(String, String)>, CmdError> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| CmdError::usage(kv.clone(), "metadata must be key=value"))
        })
        .collect()
}
