#![forbid(unsafe_code)]
//! ccs-tui: the operator's console for a community-run IPFS Cluster.

pub mod app;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod format;
pub mod preview;
pub mod sim;
pub mod tasks;
pub mod term;
pub mod throttle;
pub mod tui;
pub mod ui;
pub mod unixfs;
