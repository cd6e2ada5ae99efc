//! A file's bytes in order, each piece verified before anyone sees it,
//! within [`Limits`].

use cid::Cid;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};

use super::error::{BlockError, ReadError};
use super::kind::Kind;
use super::limits::Limits;
use super::node::Node;
use super::reader::{Dag, AHEAD};

impl Dag {
    /// A file's bytes in order, at most `limit` and never more than the
    /// file declares, each piece verified before `out` sees it. Returns the
    /// bytes given to `out`. A leaf linked many times is honest (kubo
    /// writes one block for every run of identical chunks) and is read each
    /// time, so the walk's work is bounded by the declared size; blocks that
    /// give no data are capped by [`Limits::blocks_without_data`].
    pub async fn read(
        &self,
        cid: &Cid,
        limit: Option<u64>,
        out: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> Result<u64, ReadError> {
        let declared = match self.node(cid).await? {
            Node::File { size, .. } => size,
            _ => {
                return Err(ReadError::Block(BlockError::NotA {
                    cid: cid.to_string(),
                    wanted: Kind::File,
                }))
            }
        };
        let mut walk = Reading {
            item: *cid,
            left: limit.unwrap_or(u64::MAX).min(declared),
            written: 0,
            dry: 0,
        };
        self.read_node(*cid, 0, &mut walk, out).await?;
        Ok(walk.written)
    }

    fn read_node<'a>(
        &'a self,
        cid: Cid,
        depth: usize,
        walk: &'a mut Reading,
        out: &'a mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> BoxFuture<'a, Result<(), ReadError>> {
        async move {
            if depth > self.limits.depth {
                return Err(walk.limit(
                    format!("a file more than {} levels deep", self.limits.depth),
                    "depth",
                ));
            }
            let node = self.node(&cid).await?;
            let (inline, children) = match node {
                Node::File {
                    inline, children, ..
                } => (inline, children),
                _ => {
                    return Err(ReadError::Block(BlockError::Malformed {
                        cid: cid.to_string(),
                        what: "a file's child that is not file data".into(),
                    }))
                }
            };
            walk.emit(&inline, out, &self.limits)?;
            // Children come `AHEAD` at a time, in order; leaves are emitted
            // as they come, inner nodes are read in turn.
            let mut s = futures_util::stream::iter(children)
                .map(|c| async move { (c, self.node(&c).await) })
                .buffered(AHEAD);
            while let Some((c, n)) = s.next().await {
                if walk.left == 0 {
                    break;
                }
                match n? {
                    Node::File {
                        inline, children, ..
                    } if children.is_empty() => walk.emit(&inline, out, &self.limits)?,
                    Node::File { .. } => self.read_node(c, depth + 1, walk, out).await?,
                    _ => {
                        return Err(ReadError::Block(BlockError::Malformed {
                            cid: c.to_string(),
                            what: "a file's child that is not file data".into(),
                        }))
                    }
                }
            }
            Ok(())
        }
        .boxed()
    }
}

/// Where a file's read stands.
struct Reading {
    item: Cid,
    /// Bytes still wanted: the caller's limit, at most what the file declares.
    left: u64,
    written: u64,
    /// Blocks read since the last byte of data.
    dry: u64,
}

impl Reading {
    fn emit(
        &mut self,
        bytes: &[u8],
        out: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
        limits: &Limits,
    ) -> Result<(), ReadError> {
        let n = (bytes.len() as u64).min(self.left) as usize;
        if n > 0 {
            out(&bytes[..n]).map_err(ReadError::Output)?;
            self.dry = 0;
        } else {
            self.dry += 1;
            if self.dry > limits.blocks_without_data {
                return Err(self.limit(
                    format!(
                        "{} blocks in a row without file data",
                        limits.blocks_without_data
                    ),
                    "blocks without data",
                ));
            }
        }
        self.left -= n as u64;
        self.written += n as u64;
        Ok(())
    }

    fn limit(&self, what: String, limit: &str) -> ReadError {
        ReadError::Block(BlockError::Limit {
            item: self.item.to_string(),
            what,
            limit: limit.into(),
        })
    }
}
