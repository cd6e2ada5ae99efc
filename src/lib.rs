#![forbid(unsafe_code)]
//! ccs-tui: the operator's console for a community-run IPFS Cluster.

/// The console's pinset is decoded on a runtime worker, ordered on other
/// threads and kept by the UI task: with glibc's per-thread arenas a million
/// pins held 226 MiB where they need 130 (memory freed across threads stays
/// with the arena that gave it). jemalloc, with freed pages returned within
/// a second (`.cargo/config.toml`), keeps the console at what it holds. Set
/// here so the tests and benches measure what ships.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod app;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod format;
pub mod pinset;
pub mod preview;
pub mod sanitize;
pub mod sim;
pub mod tailnet;
pub mod tasks;
pub mod term;
pub mod throttle;
pub mod tui;
pub mod ui;
pub mod unixfs;
