//! The event loop: terminal events, pollers' messages, a slow tick and
//! signals in one `select!`; every message goes through `app::update`, effects
//! are carried out here, and a frame is drawn (and written only if it changed).

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::order::compute_index;
use crate::app::{update, Effect, Msg, State};
use crate::cluster::ClusterClient;
use crate::tasks::effects::Effects;
use crate::tasks::pollers::{self, PollConfig, Watched};
use crate::term::{osc52, SyncBackend, TerminalGuard};
use crate::ui::view;
use std::panic::AssertUnwindSafe;

#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    pub mouse: bool,
    pub poll: PollConfig,
    /// Each node with its gateway (for `:audit`).
    pub nodes: Vec<crate::cluster::audit::Node>,
    /// The configuration's stewardship rules (for `:rebalance`, `:drain`).
    pub config: crate::config::FileConfig,
    /// Which configuration and user the console runs as (for the removal log).
    pub origin: (String, String),
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// Ended by this signal (its number): the terminal is restored first.
    Signal(u8),
    TtyClosed,
}

/// Every catchable signal that ends a program by default: each restores the
/// terminal before the console ends (SIGINT too: in raw mode Ctrl-C is a
/// key, so a SIGINT comes from `kill`).
#[cfg(unix)]
struct Signals(Vec<(u8, tokio::signal::unix::Signal)>);

#[cfg(unix)]
impl Signals {
    fn new() -> io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        let kinds = [
            libc::SIGHUP,
            libc::SIGINT,
            libc::SIGQUIT,
            libc::SIGUSR1,
            libc::SIGUSR2,
            libc::SIGALRM,
            libc::SIGTERM,
        ];
        let mut v = Vec::new();
        for n in kinds {
            v.push((n as u8, signal(SignalKind::from_raw(n))?));
        }
        Ok(Self(v))
    }
    async fn any(&mut self) -> u8 {
        let waits = self.0.iter_mut().map(|(n, s)| {
            let n = *n;
            Box::pin(async move {
                s.recv().await;
                n
            })
        });
        futures_util::future::select_all(waits).await.0
    }
}

pub async fn run(client: Arc<ClusterClient>, mut st: State, opts: TuiOptions) -> io::Result<Exit> {
    #[cfg(unix)]
    let mut signals = Signals::new()?;
    // `kill -TSTP` (a job-control stop from outside): restore the terminal,
    // stop, and take it again on `fg`, as Ctrl-Z does.
    #[cfg(unix)]
    let mut tstp =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGTSTP))?;
    let guard = TerminalGuard::enter(opts.mouse)?;
    let mut terminal = Terminal::new(SyncBackend::new(io::stdout()))?;
    terminal.clear()?;
    let (tx, mut rx) = mpsc::channel::<Msg>(1024);
    let pollers = pollers::spawn(client.clone(), tx.clone(), opts.poll);
    let effects = Effects::new(client, tx.clone())
        .with_nodes(opts.nodes.clone())
        .with_config(opts.config.clone())
        .with_origin(opts.origin.0.clone(), opts.origin.1.clone());
    effects.load_fixity();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let size = terminal.size()?;
    let mut msgs: Vec<Msg> = vec![Msg::Resize {
        width: size.width,
        height: size.height,
    }];
    let exit;
    'frames: loop {
        for m in msgs.drain(..) {
            for e in update(&mut st, m) {
                match e {
                    Effect::Quit => {
                        exit = Exit::Quit;
                        break 'frames;
                    }
                    Effect::RefreshNow => pollers.refresh_now(),
                    Effect::Freeze(on) => pollers.freeze(on),
                    Effect::Copy(text) => {
                        use std::io::Write;
                        if let Some(seq) = osc52(&text, st.clipboard) {
                            let b = terminal.backend_mut();
                            let _ = b.write_all(seq.as_bytes());
                            let _ = Write::flush(b);
                        }
                    }
                    Effect::Suspend => {
                        #[cfg(unix)]
                        {
                            crate::term::suspend(opts.mouse)?;
                            // Whatever the shell drew is on screen now: redraw all.
                            terminal.clear()?;
                        }
                    }
                    Effect::Watch { visible, selected } => {
                        pollers.watch(Watched { visible, selected })
                    }
                    Effect::CompletePath(typed) => effects.complete_path(typed),
                    Effect::Upload(req) => effects.upload(req),
                    Effect::Fetch {
                        id,
                        cid,
                        dest,
                        create_folder,
                    } => effects.fetch(id, cid, dest, create_folder),
                    Effect::CancelTask(id) => effects.cancel(id),
                    Effect::BrowseList { generation, cid } => effects.browse_list(generation, cid),
                    Effect::BrowseStat { generation, cids } => {
                        effects.browse_stat(generation, cids)
                    }
                    Effect::Preview {
                        generation,
                        cid,
                        name,
                    } => effects.preview(generation, cid, name),
                    Effect::FetchName { cid, name } => effects.fetch_name(cid, name),
                    Effect::Read {
                        generation,
                        cid,
                        name,
                    } => effects.read_file(generation, cid, name),
                    Effect::Audit { id, sample } => effects.audit(id, sample),
                    Effect::Unpin(cids) => effects.unpin(cids),
                    Effect::PrepareErase(cids) => effects.prepare_erase(cids),
                    Effect::Capacity(rows) => effects.capacity(rows),
                    Effect::RecordFreeSpace(s) => effects.record_free_space(s),
                    Effect::Erase { id, items } => effects.erase(id, items),
                    Effect::Recover(cid) => effects.recover(Some(cid)),
                    Effect::RecoverAll => effects.recover(None),
                    Effect::StewardPlan(req) => effects.steward_plan(req),
                    Effect::Steward { id, plan } => effects.steward(id, plan),
                    Effect::EditLoad(cid) => effects.edit_load(cid),
                    Effect::Edit { id, edit } => effects.edit(id, edit),
                    Effect::Reindex { generation } => {
                        let rows = st.pins.rows.clone();
                        let (filter, sort, repl, only) = (
                            st.pins.filter.clone(),
                            st.pins.sort,
                            st.pins.repl.clone(),
                            st.pins.problems_only,
                        );
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || {
                            // A panic here must still end the task for the
                            // console, or no order would be computed again.
                            let done = std::panic::catch_unwind(AssertUnwindSafe(|| {
                                compute_index(&rows, &filter, sort, &repl, only)
                            }));
                            let _ = tx.blocking_send(match done {
                                Ok(indexed) => Msg::Index {
                                    generation,
                                    indexed,
                                },
                                Err(_) => Msg::IndexFailed { generation },
                            });
                        });
                    }
                }
            }
        }
        terminal.draw(|f| view(&st, f))?;
        #[cfg(unix)]
        let sig = signals.any();
        #[cfg(not(unix))]
        let sig = std::future::pending::<u8>();
        #[cfg(unix)]
        let stop = tstp.recv();
        #[cfg(not(unix))]
        let stop = std::future::pending::<Option<()>>();
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => msgs.push(Msg::Key(k)),
                Some(Ok(Event::Resize(width, height))) => {
                    terminal.autoresize()?;
                    msgs.push(Msg::Resize { width, height });
                }
                Some(Ok(_)) => {}
                // The terminal went away (closed tty, dropped SSH session).
                Some(Err(_)) | None => { exit = Exit::TtyClosed; break; }
            },
            Some(m) = rx.recv() => {
                msgs.push(m);
                // Drain what else is waiting: one frame for many messages.
                while let Ok(m) = rx.try_recv() {
                    msgs.push(m);
                    if msgs.len() >= 256 { break; }
                }
            }
            _ = tick.tick() => msgs.push(Msg::Tick(Instant::now())),
            n = sig => { exit = Exit::Signal(n); break; }
            _ = stop => {
                #[cfg(unix)]
                {
                    crate::term::suspend(opts.mouse)?;
                    terminal.clear()?;
                }
            }
        }
    }
    drop(pollers);
    drop(terminal);
    drop(guard);
    Ok(exit)
}
