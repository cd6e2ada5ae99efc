//! The terminal: raw mode and the alternate screen while we run, restored on
//! every exit path (drop, panic, signal); frames wrapped in synchronized
//! updates and written only when a cell changed; OSC 52 clipboard.

use std::io::{self, Write};

use base64::Engine;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{cursor, event, execute, terminal};
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A crossterm backend that brackets each frame with DEC 2026 synchronized
/// update, and writes nothing at all when a frame changed no cell: an idle
/// console over SSH sends zero bytes.
pub struct SyncBackend<W: Write> {
    inner: CrosstermBackend<W>,
    in_frame: bool,
    /// ratatui hides the cursor on every draw; say it once.
    cursor_hidden: bool,
}

impl<W: Write> SyncBackend<W> {
    pub fn new(w: W) -> Self {
        Self {
            inner: CrosstermBackend::new(w),
            in_frame: false,
            cursor_hidden: false,
        }
    }
}

impl<W: Write> Write for SyncBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl<W: Write> Backend for SyncBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        if !self.in_frame {
            execute!(&mut self.inner, BeginSynchronizedUpdate)?;
            self.in_frame = true;
        }
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden {
            return Ok(());
        }
        self.cursor_hidden = true;
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.cursor_hidden = false;
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        // Full screen on the alternate screen: the position is ours to set.
        // Asking the terminal (DSR) costs a round trip over SSH and hangs
        // on terminals that never answer.
        Ok(Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.in_frame {
            execute!(&mut self.inner, EndSynchronizedUpdate)?;
            self.in_frame = false;
        }
        Backend::flush(&mut self.inner)
    }
}

/// Puts the terminal back as we found it. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

/// Owns raw mode and the alternate screen; dropping it restores both.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter(mouse: bool) -> io::Result<Self> {
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(e);
        }
        if mouse {
            let _ = execute!(out, event::EnableMouseCapture);
        }
        // A panic anywhere must not leave the user's shell in raw mode.
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            prev(info);
        }));
        Ok(TerminalGuard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Hands the terminal back to the shell and stops (Ctrl-Z, or SIGTSTP): the
/// screen is restored first, and taken again when the shell resumes us.
#[cfg(unix)]
pub fn suspend(mouse: bool) -> io::Result<()> {
    restore();
    // SIGSTOP, not SIGTSTP: the console handles SIGTSTP itself (to restore
    // the terminal first), and SIGSTOP cannot be caught. The shell reports
    // the job stopped either way; `fg` sends SIGCONT and we go on here.
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGSTOP).map_err(io::Error::from)?;
    terminal::enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, terminal::EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        execute!(out, event::EnableMouseCapture)?;
    }
    Ok(())
}

/// Whether a shell with job control started us: it put us in a process
/// group of our own within its session. Started as tmux's or ssh's command,
/// we lead the session, and a stop would leave nothing to resume us.
pub fn job_control() -> bool {
    #[cfg(unix)]
    {
        use nix::unistd::{getpgrp, getsid};
        getsid(None).is_ok_and(|sid| sid != getpgrp())
    }
    #[cfg(not(unix))]
    false
}

/// How OSC 52 reaches the clipboard from here, from the environment:
/// tmux (`TMUX`), GNU screen (`STY`), the Linux console (`TERM=linux`).
/// `passthrough` is the config's `console.osc52_passthrough`.
pub fn detect_clipboard(passthrough: bool) -> crate::app::state::Clipboard {
    use crate::app::state::Clipboard;
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if var("TMUX").is_some() {
        Clipboard::Tmux { passthrough }
    } else if var("STY").is_some() {
        Clipboard::Screen
    } else if std::env::var("TERM").is_ok_and(|t| t == "linux") {
        Clipboard::NoClipboard
    } else {
        Clipboard::Direct
    }
}

/// OSC 52 "set clipboard". Works over SSH: the local terminal emulator does
/// the copying. Inside tmux the plain sequence is right (tmux forwards it
/// with `set-clipboard`); the DCS passthrough wrapping only when configured.
pub fn osc52(text: &str, how: crate::app::state::Clipboard) -> Option<String> {
    use crate::app::state::Clipboard;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let seq = format!("\x1b]52;c;{b64}\x07");
    match how {
        Clipboard::NoClipboard => None,
        // ESC doubled inside tmux's DCS.
        Clipboard::Tmux { passthrough: true } => Some(format!(
            "\x1bPtmux;{}\x1b\\",
            seq.replace('\x1b', "\x1b\x1b")
        )),
        _ => Some(seq),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_encodes() {
        use crate::app::state::Clipboard;
        let plain = super::osc52("Qm123", Clipboard::Direct).unwrap();
        assert_eq!(plain, "\x1b]52;c;UW0xMjM=\x07");
        assert_eq!(
            super::osc52("Qm123", Clipboard::Tmux { passthrough: false }).unwrap(),
            plain,
            "tmux forwards plain OSC 52 with set-clipboard"
        );
        let wrapped = super::osc52("Qm123", Clipboard::Tmux { passthrough: true }).unwrap();
        assert!(wrapped.starts_with("\x1bPtmux;\x1b\x1b]52;c;UW0xMjM="));
        assert_eq!(super::osc52("Qm123", Clipboard::NoClipboard), None);
    }
}
