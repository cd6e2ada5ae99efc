//! The REST API client: every endpoint the product uses, host failover,
//! basic/bearer auth, timeouts on connect, on answers and on idle streams.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::error::{transport_reason, ClientError};
use super::host::Endpoint;
use super::stream::NdjsonStream;
use super::types::{
    Alert, ApiError, GlobalPinInfo, Metric, PeerId, Pin, PinOptions, RepoGcSummary, Version,
};

/// How we prove who we are.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    Basic { user: String, password: String },
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    // Never print a secret, even in debug logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, ****)"),
            Auth::Bearer(_) => f.write_str("Bearer(****)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Tried in order; the first that answers is kept until it fails.
    pub hosts: Vec<Endpoint>,
    pub auth: Auth,
    /// Where the credentials came from, for the 401 message.
    pub credential_source: String,
    pub connect_timeout: Duration,
    /// For whole (non-stream) answers.
    pub request_timeout: Duration,
    /// Longest silence tolerated inside a stream.
    pub idle_timeout: Duration,
    /// Accept self-signed certificates (`--no-check-certificate`).
    pub insecure_tls: bool,
    /// The members the configuration names, so a peer the cluster dropped
    /// still shows as missing.
    pub expected_peers: Vec<super::members::ExpectedPeer>,
}

impl ClientConfig {
    pub fn new(hosts: Vec<Endpoint>) -> Self {
        Self {
            hosts,
            auth: Auth::None,
            credential_source: "~/.ccs/config.yml".into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            insecure_tls: false,
            expected_peers: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct ClusterClient {
    pub(crate) cfg: ClientConfig,
    pub(crate) http: reqwest::Client,
    /// The gateway client does not follow redirects: a folder answers 301.
    pub(crate) gw_http: reqwest::Client,
    current: AtomicUsize,
}

/// A client of its own for work that outlives a borrow (a fetch's workers,
/// each a task of its own so their hashing runs on every core): the same
/// connection pools, the host last found answering as its first choice.
impl Clone for ClusterClient {
    fn clone(&self) -> Self {
        ClusterClient {
            cfg: self.cfg.clone(),
            http: self.http.clone(),
            gw_http: self.gw_http.clone(),
            current: AtomicUsize::new(self.current.load(std::sync::atomic::Ordering::Relaxed)),
        }
    }
}

/// Filters `GET /allocations` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinTypeFilter {
    All,
    Pin,
}

impl ClusterClient {
    pub fn new(cfg: ClientConfig) -> Result<Self, ClientError> {
        if cfg.hosts.is_empty() {
            return Err(ClientError::Unreachable {
                host: "(none)".into(),
                reason: "no cluster host configured".into(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .tcp_keepalive(Duration::from_secs(30))
            .danger_accept_invalid_certs(cfg.insecure_tls)
            .user_agent(concat!("ccs-tui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Unreachable {
                host: "(client)".into(),
                reason: e.to_string(),
            })?;
        let gw_http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ccs-tui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Unreachable {
                host: "(client)".into(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            cfg,
            http,
            gw_http,
            current: AtomicUsize::new(0),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// The peer currently talked to.
    pub fn endpoint(&self) -> &Endpoint {
        let i = self.current.load(Ordering::Relaxed) % self.cfg.hosts.len();
        &self.cfg.hosts[i]
    }

    pub(crate) fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cfg.auth {
            Auth::None => rb,
            Auth::Basic { user, password } => rb.basic_auth(user, Some(password)),
            Auth::Bearer(t) => rb.bearer_auth(t),
        }
    }

    /// Sends a request, failing over to the next host when one cannot be
    /// reached. `timeout` bounds the whole answer (None for streams, whose
    /// silence is bounded by the idle timeout instead).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        timeout: Option<Duration>,
        stream: bool,
    ) -> Result<(reqwest::Response, Endpoint), ClientError> {
        let n = self.cfg.hosts.len();
        let start = self.current.load(Ordering::Relaxed);
        let mut last_err = None;
        for k in 0..n {
            let i = (start + k) % n;
            let ep = &self.cfg.hosts[i];
            let mut url = ep.api.clone();
            url.set_path(path);
            if !query.is_empty() {
                url.query_pairs_mut().extend_pairs(query);
            }
            let mut rb = self.auth(self.http.request(method.clone(), url));
            if stream {
                // Ask hyper-based servers to send the X-Stream-Error trailer.
                rb = rb.header("TE", "trailers");
            }
            if let Some(t) = timeout {
                rb = rb.timeout(t);
            }
            // Streams have no overall deadline (a big pinset takes a while),
            // but their headers must come within the request timeout; the body
            // is then bounded by the idle timeout.
            // A slow answer given a longer deadline (a collection) waits for
            // its headers as long.
            let wait = timeout.map_or(self.cfg.request_timeout, |t| {
                t.max(self.cfg.request_timeout)
            });
            let sent = match tokio::time::timeout(wait, rb.send()).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(ClientError::Timeout {
                        host: ep.label(),
                        what: format!("{method} {path}"),
                    })
                }
            };
            match sent {
                Ok(resp) => {
                    self.current.store(i, Ordering::Relaxed);
                    return self.check(resp, ep).await.map(|r| (r, ep.clone()));
                }
                Err(e) if e.is_connect() => {
                    last_err = Some(ClientError::Unreachable {
                        host: ep.label(),
                        reason: transport_reason(&e),
                    });
                }
                Err(e) if e.is_timeout() => {
                    return Err(ClientError::Timeout {
                        host: ep.label(),
                        what: format!("{method} {path}"),
                    })
                }
                Err(e) => {
                    last_err = Some(ClientError::Unreachable {
                        host: ep.label(),
                        reason: transport_reason(&e),
                    });
                }
            }
        }
        Err(last_err.unwrap_or(ClientError::Unreachable {
            host: "(none)".into(),
            reason: "no host".into(),
        }))
    }

    /// Turns error statuses into [`ClientError`]s with the API's message.
    pub(crate) async fn check(
        &self,
        resp: reqwest::Response,
        ep: &Endpoint,
    ) -> Result<reqwest::Response, ClientError> {
        let status = resp.status();
        if status.is_success() || status.is_redirection() {
            return Ok(resp);
        }
        let body = tokio::time::timeout(Duration::from_secs(10), resp.bytes())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let message = serde_json::from_slice::<ApiError>(&body)
            .map(|e| e.message)
            .unwrap_or_else(|_| {
                let t = String::from_utf8_lossy(&body).trim().to_string();
                if t.is_empty() {
                    status.canonical_reason().unwrap_or("error").to_lowercase()
                } else {
                    t.chars().take(300).collect()
                }
            });
        if status == StatusCode::UNAUTHORIZED {
            let user = match &self.cfg.auth {
                Auth::Basic { user, .. } => Some(user.clone()),
                Auth::Bearer(_) => Some("(token)".into()),
                Auth::None => None,
            };
            return Err(ClientError::Unauthorized {
                host: ep.label(),
                user,
                message,
                source_hint: self.cfg.credential_source.clone(),
            });
        }
        Err(ClientError::Api {
            host: ep.label(),
            status: status.as_u16(),
            message,
        })
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T, ClientError> {
        let (resp, ep) = self
            .send(method, path, query, Some(self.cfg.request_timeout), false)
            .await?;
        let bytes = resp.bytes().await.map_err(|e| {
            if e.is_timeout() {
                ClientError::Timeout {
                    host: ep.label(),
                    what: path.to_string(),
                }
            } else {
                ClientError::Unreachable {
                    host: ep.label(),
                    reason: transport_reason(&e),
                }
            }
        })?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
            host: ep.label(),
            what: format!("{path}: {e}"),
        })
    }

    async fn stream<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
    ) -> Result<NdjsonStream<T>, ClientError> {
        let (resp, ep) = self.send(method, path, query, None, true).await?;
        if resp.status() == StatusCode::NO_CONTENT {
            return Ok(NdjsonStream::empty(ep.label()));
        }
        Ok(NdjsonStream::new(
            Some(resp),
            ep.label(),
            self.cfg.idle_timeout,
        ))
    }

    pub async fn id(&self) -> Result<PeerId, ClientError> {
        self.json(Method::GET, "/id", &[]).await
    }

    pub async fn version(&self) -> Result<Version, ClientError> {
        self.json(Method::GET, "/version", &[]).await
    }

    pub async fn peers(&self) -> Result<NdjsonStream<PeerId>, ClientError> {
        self.stream(Method::GET, "/peers", &[]).await
    }

    /// The pinset from the shared state (no peer fan-out: cheap).
    pub async fn allocations(
        &self,
        filter: PinTypeFilter,
    ) -> Result<NdjsonStream<Pin>, ClientError> {
        let f = match filter {
            PinTypeFilter::All => "all",
            PinTypeFilter::Pin => "pin",
        };
        self.stream(Method::GET, "/allocations", &[("filter".into(), f.into())])
            .await
    }

    /// Every pin (not meta-pins) to `f` as it streams in, none kept here: a
    /// plan or an audit of a million pins keeps what it needs of each, not
    /// the gigabyte they are whole.
    pub async fn each_pin(&self, mut f: impl FnMut(Pin)) -> Result<(), ClientError> {
        let mut s = self.allocations(PinTypeFilter::Pin).await?;
        while let Some(p) = s.next().await {
            f(p?);
        }
        Ok(())
    }

    pub async fn allocation(&self, cid: &str) -> Result<Pin, ClientError> {
        self.json(Method::GET, &format!("/allocations/{cid}"), &[])
            .await
    }

    /// `GET /pins`. With `cids`, the daemon ignores `filter`.
    pub async fn pins(
        &self,
        filter: Option<&str>,
        cids: &[String],
        local: bool,
    ) -> Result<NdjsonStream<GlobalPinInfo>, ClientError> {
        let mut q = vec![("local".to_string(), local.to_string())];
        if !cids.is_empty() {
            q.push(("cids".into(), cids.join(",")));
        } else if let Some(f) = filter {
            q.push(("filter".into(), f.into()));
        }
        self.stream(Method::GET, "/pins", &q).await
    }

    pub async fn pin_status(&self, cid: &str, local: bool) -> Result<GlobalPinInfo, ClientError> {
        self.json(
            Method::GET,
            &format!("/pins/{cid}"),
            &[("local".into(), local.to_string())],
        )
        .await
    }

    pub async fn pin(&self, cid: &str, opts: &PinOptions) -> Result<Pin, ClientError> {
        // POST /pins/{cid} stores mode=direct as recursive (a daemon quirk);
        // the /pins/ipfs/ path honours it, as ipfs-cluster-ctl relies on.
        let path = if opts.mode.as_deref() == Some("direct") {
            format!("/pins/ipfs/{cid}")
        } else {
            format!("/pins/{cid}")
        };
        self.json(Method::POST, &path, &opts.to_query()).await
    }

    pub async fn unpin(&self, cid: &str) -> Result<Pin, ClientError> {
        self.json(Method::DELETE, &format!("/pins/{cid}"), &[])
            .await
    }

    /// `POST /ipfs/gc`: garbage collection on every peer's kubo. It answers
    /// when the slowest peer is done, minutes on a large store, and lists
    /// every block removed: read as it streams, counted, never held.
    pub async fn repo_gc(&self) -> Result<RepoGcSummary, ClientError> {
        use futures_util::TryStreamExt;
        const GC: Duration = Duration::from_secs(30 * 60);
        let (resp, ep) = self
            .send(Method::POST, "/ipfs/gc", &[], Some(GC), false)
            .await?;
        let host = ep.label();
        let body =
            tokio_util::io::StreamReader::new(resp.bytes_stream().map_err(std::io::Error::other));
        let handle = tokio::runtime::Handle::current();
        let read = tokio::task::spawn_blocking(move || {
            let sync = tokio_util::io::SyncIoBridge::new_with_handle(body, handle);
            serde_json::from_reader::<_, RepoGcSummary>(std::io::BufReader::new(sync))
        })
        .await;
        match read {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) if e.is_io() => Err(ClientError::Unreachable {
                host,
                reason: e.to_string(),
            }),
            Ok(Err(e)) => Err(ClientError::Decode {
                host,
                what: format!("/ipfs/gc: {e}"),
            }),
            Err(e) => Err(ClientError::Decode {
                host,
                what: format!("/ipfs/gc: {e}"),
            }),
        }
    }

    pub async fn recover(&self, cid: &str, local: bool) -> Result<GlobalPinInfo, ClientError> {
        self.json(
            Method::POST,
            &format!("/pins/{cid}/recover"),
            &[("local".into(), local.to_string())],
        )
        .await
    }

    pub async fn recover_all(
        &self,
        local: bool,
    ) -> Result<NdjsonStream<GlobalPinInfo>, ClientError> {
        self.stream(
            Method::POST,
            "/pins/recover",
            &[("local".into(), local.to_string())],
        )
        .await
    }

    pub async fn metrics(&self, name: &str) -> Result<Vec<Metric>, ClientError> {
        let v: Option<Vec<Metric>> = self
            .json(Method::GET, &format!("/monitor/metrics/{name}"), &[])
            .await?;
        Ok(v.unwrap_or_default())
    }

    pub async fn alerts(&self) -> Result<Vec<Alert>, ClientError> {
        let v: Option<Vec<Alert>> = self.json(Method::GET, "/health/alerts", &[]).await?;
        Ok(v.unwrap_or_default())
    }

    /// `/peers` with the members that went missing put back (see `members`).
    pub async fn members(&self) -> Result<Vec<PeerId>, ClientError> {
        let peers = self.peers().await?.collect().await?;
        // Best effort: without alerts, the configuration still names members.
        let alerts = self.alerts().await.unwrap_or_default();
        Ok(super::members::reconcile(
            peers,
            &alerts,
            &self.cfg.expected_peers,
        ))
    }
}
