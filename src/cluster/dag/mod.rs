//! An archive item's UnixFS DAG, read through a gateway one block at a time
//! as the trustless gateway serves them (`?format=raw`): each block is checked
//! against its CID before anything reads it, so what browsing, previews,
//! `cat` and audits show is what the archive holds, whoever served it.
//!
//! `reader` fetches and verifies blocks, `node` decodes them, `list` reads
//! a folder and `read` a file, each walk within `limits` and remembering
//! what it has `seen`.

mod error;
mod kind;
mod limits;
mod list;
mod node;
mod read;
mod reader;
mod seen;

pub use error::{BlockError, ReadError};
pub use kind::{Kind, Stat};
pub use limits::Limits;
pub use node::{decode, decode_within, Entry, Node, DAG_PB, RAW};
pub use reader::{Dag, MAX_BLOCK};
pub use seen::Seen;
