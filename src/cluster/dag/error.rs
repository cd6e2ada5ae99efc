//! Why a block, or a file's read, could not be used.

use super::kind::Kind;

/// Why a block could not be used. Corrupt is never confused with missing:
/// one is a copy gone bad, the other a copy not there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The bytes came and are not what the CID names.
    #[error("block {cid} from {gateway} does not match its CID: a corrupt copy")]
    Corrupt { gateway: String, cid: String },
    /// The gateway does not hold it (asked only-if-cached) or cannot find it.
    #[error("block {cid} is missing on {gateway}")]
    Missing { gateway: String, cid: String },
    /// The gateway did not answer, or failed.
    #[error("{gateway} is unreachable: {reason}")]
    Unreachable { gateway: String, reason: String },
    /// A verified block that is not UnixFS this reader knows.
    #[error("block {cid}: {what}")]
    Malformed { cid: String, what: String },
    /// A path inside an item that does not exist.
    #[error("{path}: no such file or folder in {root}")]
    NoSuchPath { root: String, path: String },
    /// A file where a folder was asked for, or the other way round.
    #[error("{cid} is not a {wanted}")]
    NotA { cid: String, wanted: Kind },
    /// A walk that would cost more than any honest item does: ended, the
    /// item and the limit named, before it can exhaust memory or time.
    #[error("{item}: {what} (limit {limit}); the walk was stopped: a malformed or hostile item")]
    Limit {
        item: String,
        what: String,
        limit: String,
    },
}

/// Why reading a file stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Block(#[from] BlockError),
    /// Where the bytes were going refused them (a closed pipe).
    #[error("{0}")]
    Output(std::io::Error),
}
