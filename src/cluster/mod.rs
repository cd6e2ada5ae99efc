//! Talking to an IPFS Cluster: its REST API types and wire encoding, and the
//! client. Nothing here knows about the terminal UI.

pub mod gojson;
pub mod types;
