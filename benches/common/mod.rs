//! What the bench targets share: a ccs-sim child process on free ports, and
//! the memory the bench process holds.

// Each bench target uses its part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

pub struct Sim {
    child: Child,
    pub api: String,
    pub gw: String,
    /// Seconds until it said it was ready.
    pub ready: f64,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `ccs-sim ARGS` on free ports, once it says it is ready.
pub fn sim(args: &[&str]) -> Sim {
    let (p, g) = (free_port(), free_port());
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccs-sim"))
        .args([
            "--listen",
            &format!("127.0.0.1:{p}"),
            "--gateway",
            &format!("127.0.0.1:{g}"),
        ])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("ccs-sim runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for l in lines.by_ref() {
        let l = l.unwrap_or_default();
        if l.contains("ready") {
            break;
        }
        assert!(!l.contains("cannot"), "{l}");
    }
    // Keep reading its stderr: a closed pipe would kill it at its next line.
    std::thread::spawn(move || for _ in lines {});
    Sim {
        child,
        api: format!("http://127.0.0.1:{p}"),
        gw: format!("http://127.0.0.1:{g}"),
        ready: t.elapsed().as_secs_f64(),
    }
}

/// A line of /proc/self/status in MiB: `VmRSS` now, `VmHWM` the peak.
pub fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}
