//! Every integration test, in one binary: one link instead of fifteen, and
//! the shared helpers (`common`) compiled once. Run a group by its module,
//! e.g. `cargo test --test it -- differential::`, or the tests that also run
//! on the real cluster with `-- both::`.

mod common;

mod app_actions;
mod app_update;
mod archive;
mod capacity;
mod client_vs_sim;
mod code_shape;
mod commands;
mod console_recovery;
mod differential;
mod e2e_pty;
mod faults;
mod fetch;
mod fixity;
mod hostile_archives;
mod install;
mod one_rule;
mod operator_truths;
mod plans;
mod properties;
mod removal;
mod sim_conformance;
mod transfers;
mod ui_snapshots;
mod unixfs_vectors;
