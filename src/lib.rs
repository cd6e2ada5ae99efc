#![forbid(unsafe_code)]
//! ccs-tui: the operator's console for a community-run IPFS Cluster.

pub mod cli;
pub mod cluster;
pub mod config;
pub mod sim;
pub mod unixfs;
