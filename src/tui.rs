//! The event loop: terminal events, pollers' messages, a slow tick and
//! signals in one `select!`; every message goes through `app::update`, its
//! effects go to `tasks::dispatch` (which hands back only what the terminal
//! must do: quit, copy, suspend), and a frame is drawn (and written only if
//! it changed).

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::state::Clipboard;
use crate::app::{update, Msg, State};
use crate::cluster::ClusterClient;
use crate::tasks::dispatch::ForTerminal;
use crate::tasks::effects::Effects;
use crate::tasks::pollers::{self, PollConfig};
use crate::term::{osc52, SyncBackend, TerminalGuard};
use crate::ui::view;

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
                match effects.run(e, &pollers) {
                    None => {}
                    Some(ForTerminal::Quit) => {
                        exit = Exit::Quit;
                        break 'frames;
                    }
                    Some(ForTerminal::Copy(text)) => copy(&mut terminal, &text, st.clipboard),
                    Some(ForTerminal::Suspend) => {
                        #[cfg(unix)]
                        {
                            crate::term::suspend(opts.mouse)?;
                            // Whatever the shell drew is on screen now: redraw all.
                            terminal.clear()?;
                        }
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

/// Writes the OSC 52 sequence that puts `text` on the clipboard of the
/// operator's own terminal (over SSH too), when the terminal takes it.
fn copy(terminal: &mut Terminal<SyncBackend<io::Stdout>>, text: &str, clipboard: Clipboard) {
    use std::io::Write;
    if let Some(seq) = osc52(text, clipboard) {
        let b = terminal.backend_mut();
        let _ = b.write_all(seq.as_bytes());
        let _ = Write::flush(b);
    }
}
