//! Fetching content from a peer's kubo gateway (no auth, port 8080).

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use url::Url;

use super::client::ClusterClient;
use super::error::{transport_reason, ClientError};

/// What `HEAD /ipfs/{cid}[/path]` says about an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayHead {
    pub is_dir: bool,
    pub content_type: Option<String>,
    pub length: Option<u64>,
    pub etag: Option<String>,
}

/// A download in progress; `next` bounds every silence by the idle timeout.
pub struct ByteStream {
    resp: reqwest::Response,
    idle: Duration,
    host: String,
    pub length: Option<u64>,
}

impl ByteStream {
    pub async fn next(&mut self) -> Option<Result<Bytes, ClientError>> {
        match tokio::time::timeout(self.idle, self.resp.chunk()).await {
            Err(_) => Some(Err(ClientError::Timeout {
                host: self.host.clone(),
                what: format!("the download stalled for {} s", self.idle.as_secs()),
            })),
            Ok(Ok(Some(b))) => Some(Ok(b)),
            Ok(Ok(None)) => None,
            Ok(Err(e)) => Some(Err(ClientError::Unreachable {
                host: self.host.clone(),
                reason: format!("download broke: {}", transport_reason(&e)),
            })),
        }
    }
}

pub(crate) fn host_label(u: &Url) -> String {
    format!(
        "{}:{}",
        u.host_str().unwrap_or("?"),
        u.port_or_known_default().unwrap_or(0)
    )
}

fn item_url(gateway: &Url, cid: &str, path: &str, tar: bool) -> Url {
    let mut u = gateway.clone();
    let p = path.trim_matches('/');
    if p.is_empty() {
        u.set_path(&format!("/ipfs/{cid}"));
    } else {
        u.set_path(&format!("/ipfs/{cid}/{p}"));
    }
    if tar {
        u.set_query(Some("format=tar"));
    }
    u
}

impl ClusterClient {
    /// The HTTP client for gateways (no API credentials go to them).
    pub fn gateway_http(&self) -> &reqwest::Client {
        &self.gw_http
    }

    /// The gateway beside the peer we talk to.
    pub fn default_gateway(&self) -> Url {
        self.endpoint().gateway.clone()
    }

    async fn gw_send(
        &self,
        rb: reqwest::RequestBuilder,
        host: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let resp = rb.send().await.map_err(|e| {
            if e.is_timeout() {
                ClientError::Timeout {
                    host: host.to_string(),
                    what: "the gateway did not answer".into(),
                }
            } else {
                ClientError::Unreachable {
                    host: host.to_string(),
                    reason: transport_reason(&e),
                }
            }
        })?;
        let st = resp.status();
        if st.is_success() || st == StatusCode::MOVED_PERMANENTLY {
            return Ok(resp);
        }
        let text = resp.text().await.unwrap_or_default();
        let message = match st {
            StatusCode::BAD_REQUEST => format!("not a valid CID or path: {}", text.trim()),
            StatusCode::NOT_FOUND => format!("not found on this gateway: {}", text.trim()),
            StatusCode::GATEWAY_TIMEOUT => "the gateway could not retrieve the content in time (is it pinned on a peer that is up?)".into(),
            _ => text.trim().chars().take(300).collect(),
        };
        Err(ClientError::Api {
            host: host.to_string(),
            status: st.as_u16(),
            message,
        })
    }

    pub async fn gateway_head(
        &self,
        gateway: &Url,
        cid: &str,
        path: &str,
    ) -> Result<GatewayHead, ClientError> {
        let host = host_label(gateway);
        let rb = self
            .gw_http
            .head(item_url(gateway, cid, path, false))
            .timeout(self.cfg.request_timeout);
        let resp = self.gw_send(rb, &host).await?;
        let h = resp.headers();
        let ct = h
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let is_dir = resp.status() == StatusCode::MOVED_PERMANENTLY
            || ct
                .as_deref()
                .is_some_and(|c| c.contains("text/html") && path.ends_with('/'))
            || ct.as_deref().is_some_and(|c| c.contains("directory"));
        Ok(GatewayHead {
            is_dir,
            content_type: ct,
            length: h
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok()),
            etag: h
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
        })
    }

    /// Starts a download: the file's bytes, or a tar of a folder.
    pub async fn gateway_get(
        &self,
        gateway: &Url,
        cid: &str,
        path: &str,
        tar: bool,
    ) -> Result<ByteStream, ClientError> {
        let host = host_label(gateway);
        let rb = self
            .gw_http
            .get(item_url(gateway, cid, path, tar))
            .timeout(Duration::from_secs(24 * 3600));
        // Headers must come within the request timeout; the body within the idle one.
        let resp = tokio::time::timeout(self.cfg.request_timeout, self.gw_send(rb, &host))
            .await
            .map_err(|_| ClientError::Timeout {
                host: host.clone(),
                what: "the gateway did not start answering".into(),
            })??;
        if resp.status() == StatusCode::MOVED_PERMANENTLY {
            return Err(ClientError::Api {
                host,
                status: 301,
                message: "this is a folder: fetch it as a tar".into(),
            });
        }
        Ok(ByteStream {
            length: resp.content_length(),
            resp,
            idle: self.cfg.idle_timeout,
            host,
        })
    }

    /// Whether `gateway`'s own store holds the block `cid` (asked
    /// `only-if-cached`: a miss is a 412 at once, where a plain request
    /// has kubo look for it among its peers until its retrieval timeout).
    pub async fn gateway_holds(&self, gateway: &Url, cid: &str) -> Result<bool, ClientError> {
        let host = host_label(gateway);
        let mut u = item_url(gateway, cid, "", false);
        u.set_query(Some("format=raw"));
        let rb = self
            .gw_http
            .head(u)
            .header("Accept", "application/vnd.ipld.raw")
            .header("Cache-Control", "only-if-cached")
            .timeout(self.cfg.request_timeout);
        match self.gw_send(rb, &host).await {
            Ok(_) => Ok(true),
            Err(ClientError::Api {
                status: 412 | 404 | 410,
                ..
            }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// One block, as the trustless gateway serves it (`?format=raw`), checked
    /// against its CID before it is returned. At most `max` bytes are read.
    pub async fn gateway_block(
        &self,
        gateway: &Url,
        cid: &cid::Cid,
        max: usize,
    ) -> Result<Bytes, ClientError> {
        let host = host_label(gateway);
        let mut u = item_url(gateway, &cid.to_string(), "", false);
        u.set_query(Some("format=raw"));
        let rb = self
            .gw_http
            .get(u)
            .header("Accept", "application/vnd.ipld.raw")
            .timeout(self.cfg.request_timeout);
        let mut resp = self.gw_send(rb, &host).await?;
        let mut block = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| ClientError::Unreachable {
            host: host.clone(),
            reason: transport_reason(&e),
        })? {
            block.extend_from_slice(&chunk);
            if block.len() > max {
                return Err(ClientError::Decode {
                    host,
                    what: format!("block {cid} is larger than {max} bytes"),
                });
            }
        }
        if !crate::unixfs::block_matches(cid, &block) {
            return Err(ClientError::Decode {
                host,
                what: format!("block {cid} does not match its CID"),
            });
        }
        Ok(Bytes::from(block))
    }
}
