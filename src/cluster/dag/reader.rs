//! Reading one block at a time through a gateway as the trustless gateway
//! serves them (`?format=raw`), each checked against its CID before anything
//! reads it; other gateways asked when the first cannot give a good copy.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cid::Cid;
use reqwest::StatusCode;
use url::Url;

use super::error::BlockError;
use super::kind::{Kind, Stat};
use super::limits::Limits;
use super::node::{decode_within, Node};
use crate::cluster::error::transport_reason;
use crate::cluster::gateway::host_label as label;
use crate::cluster::ClusterClient;
use crate::unixfs::block_matches;

/// kubo refuses blocks over 2 MiB on the wire; nothing honest is larger.
pub const MAX_BLOCK: usize = 2 * 1024 * 1024 + 1024;
/// Blocks asked for at once while reading a file or a folder's shards.
pub(super) const AHEAD: usize = 8;

/// Reads DAGs through one gateway.
#[derive(Clone)]
pub struct Dag {
    client: Arc<ClusterClient>,
    pub gateway: Url,
    /// Ask only for what the gateway holds (`Cache-Control: only-if-cached`):
    /// an audit must not let a peer fetch what it lacks from its neighbours.
    pub only_if_cached: bool,
    pub timeout: Duration,
    /// Other gateways to ask when the first cannot give a block (missing,
    /// down, or corrupt): any verified copy will do for reading.
    pub fallbacks: Vec<Url>,
    pub limits: Limits,
}

impl Dag {
    pub fn new(client: Arc<ClusterClient>, gateway: Url) -> Self {
        Self {
            timeout: Duration::from_secs(30),
            client,
            gateway,
            only_if_cached: false,
            fallbacks: Vec::new(),
            limits: Limits::default(),
        }
    }

    /// Reads through `gateway`, then each of `others` that differs from it.
    pub fn with_fallbacks(mut self, others: impl IntoIterator<Item = Url>) -> Self {
        for u in others {
            if u != self.gateway && !self.fallbacks.contains(&u) {
                self.fallbacks.push(u);
            }
        }
        self
    }

    pub fn gateway_label(&self) -> String {
        label(&self.gateway)
    }

    /// One block, verified: from the gateway, else from the first fallback
    /// that has a good copy. When none has, the first gateway's reason.
    pub async fn block(&self, cid: &Cid) -> Result<Bytes, BlockError> {
        let first = self.block_from(&self.gateway, cid).await;
        if first.is_ok() || self.fallbacks.is_empty() {
            return first;
        }
        for g in &self.fallbacks {
            if let Ok(b) = self.block_from(g, cid).await {
                return Ok(b);
            }
        }
        first
    }

    async fn block_from(&self, gw: &Url, cid: &Cid) -> Result<Bytes, BlockError> {
        let asked = Asked {
            gateway: label(gw),
            cid,
        };
        let resp = self.request(gw, cid).send().await.map_err(|e| {
            asked.unreachable(if e.is_timeout() {
                "no answer in time".into()
            } else {
                transport_reason(&e)
            })
        })?;
        asked.answered(resp.status())?;
        let block = asked.body(resp).await?;
        if !block_matches(cid, &block) {
            return Err(asked.corrupt());
        }
        Ok(Bytes::from(block))
    }

    /// The raw block at `gw`, only from its store when so told.
    fn request(&self, gw: &Url, cid: &Cid) -> reqwest::RequestBuilder {
        let mut u = gw.clone();
        u.set_path(&format!("/ipfs/{cid}"));
        u.set_query(Some("format=raw"));
        let rb = self
            .client
            .gateway_http()
            .get(u)
            .header("Accept", "application/vnd.ipld.raw")
            .timeout(self.timeout);
        if self.only_if_cached {
            rb.header("Cache-Control", "only-if-cached")
        } else {
            rb
        }
    }

    /// A block, decoded, its links within [`Limits::links`].
    pub async fn node(&self, cid: &Cid) -> Result<Node, BlockError> {
        let block = self.block(cid).await?;
        decode_within(cid, block, &self.limits)
    }

    /// What `cid` is and how big, from its root block.
    pub async fn stat(&self, cid: &Cid) -> Result<Stat, BlockError> {
        Ok(match self.node(cid).await? {
            Node::File { size, .. } => Stat {
                kind: Kind::File,
                size,
            },
            Node::Dir { entries, .. } => Stat {
                kind: Kind::Dir,
                size: entries.iter().map(|e| e.tsize).sum(),
            },
            Node::Symlink(t) => Stat {
                kind: Kind::Symlink,
                size: t.len() as u64,
            },
        })
    }
}

/// One block asked of one gateway: what its failures are called.
struct Asked<'a> {
    gateway: String,
    cid: &'a Cid,
}

impl Asked<'_> {
    /// The gateway's status, as a reason the block cannot be had.
    fn answered(&self, status: StatusCode) -> Result<(), BlockError> {
        match status {
            s if s.is_success() => Ok(()),
            // 412: not in its blockstore (only-if-cached); 404/410: gone.
            StatusCode::PRECONDITION_FAILED | StatusCode::NOT_FOUND | StatusCode::GONE => {
                Err(self.missing())
            }
            StatusCode::GATEWAY_TIMEOUT => Err(self.missing()),
            s => Err(self.unreachable(format!("HTTP {}", s.as_u16()))),
        }
    }

    /// The body, at most [`MAX_BLOCK`] bytes.
    async fn body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, BlockError> {
        let mut block = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.unreachable(transport_reason(&e)))?
        {
            block.extend_from_slice(&chunk);
            if block.len() > MAX_BLOCK {
                // No block is this large: whatever this is, it is not the block.
                return Err(self.corrupt());
            }
        }
        Ok(block)
    }

    fn missing(&self) -> BlockError {
        BlockError::Missing {
            gateway: self.gateway.clone(),
            cid: self.cid.to_string(),
        }
    }

    fn corrupt(&self) -> BlockError {
        BlockError::Corrupt {
            gateway: self.gateway.clone(),
            cid: self.cid.to_string(),
        }
    }

    fn unreachable(&self, reason: String) -> BlockError {
        BlockError::Unreachable {
            gateway: self.gateway.clone(),
            reason,
        }
    }
}
