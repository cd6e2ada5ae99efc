//! Talking to an IPFS Cluster: its REST API types and wire encoding, and the
//! client. Nothing here knows about the terminal UI.

pub mod add;
pub mod audit;
pub mod capacity;
pub mod client;
pub mod dag;
pub mod erase;
pub mod erasures;
pub mod error;
pub mod exposure;
pub mod fetch;
pub mod fixity;
pub mod gateway;
pub mod gojson;
pub mod host;
pub mod members;
pub mod replicas;
pub mod state_files;
pub mod steward;
pub mod stream;
pub mod types;

pub use add::{AddOptions, AddResult};
pub use client::{Auth, ClientConfig, ClusterClient, PinTypeFilter};
pub use error::ClientError;
pub use host::{parse_host, Endpoint};
pub use stream::NdjsonStream;
