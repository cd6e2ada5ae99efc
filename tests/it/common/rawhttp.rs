//! HTTP/1.1 as it is on the wire: status, every header in order, the body's
//! framing (length, chunked, until close) and the trailers of a chunked body,
//! which reqwest does not expose. For the differential conformance checks.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    /// `http://host:port/path?query`
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn new(method: &str, url: &str) -> Self {
        RawRequest {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn body(mut self, b: Vec<u8>) -> Self {
        self.body = b;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Length,
    Chunked,
    Close,
    None,
}

#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub framing: Framing,
    pub body: Vec<u8>,
    pub trailers: Vec<(String, String)>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub async fn send(req: &RawRequest) -> Result<RawResponse, String> {
    tokio::time::timeout(Duration::from_secs(60), send_inner(req))
        .await
        .map_err(|_| format!("{} {}: no complete answer within 60 s", req.method, req.url))?
}

async fn send_inner(req: &RawRequest) -> Result<RawResponse, String> {
    let url = url::Url::parse(&req.url).map_err(|e| e.to_string())?;
    let host = url.host_str().ok_or("no host")?.to_string();
    let port = url.port_or_known_default().ok_or("no port")?;
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut s = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("connect {host}:{port}: {e}"))?;
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nUser-Agent: ccs-tui-conformance\r\n",
        req.method
    );
    for (k, v) in &req.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !req.body.is_empty() || req.method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    // An early answer may close the connection before the body is all sent.
    if let Err(e) = s.write_all(&req.body).await {
        if e.kind() != std::io::ErrorKind::BrokenPipe
            && e.kind() != std::io::ErrorKind::ConnectionReset
        {
            return Err(e.to_string());
        }
    }
    // A server may answer early and reset the connection (a refused upload):
    // what arrived before the reset is the answer.
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if !raw.is_empty() => {
                let _ = e;
                break;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    parse(&raw, req.method == "HEAD")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse(raw: &[u8], head_only: bool) -> Result<RawResponse, String> {
    let end = find(raw, b"\r\n\r\n").ok_or("no end of headers")?;
    let text = String::from_utf8_lossy(&raw[..end]);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().ok_or("empty answer")?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let chunked = get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let no_body = head_only || status == 204 || status == 304 || (100..200).contains(&status);
    let (framing, body, trailers) = if no_body {
        (Framing::None, Vec::new(), Vec::new())
    } else if chunked {
        let (b, t) = dechunk(rest)?;
        (Framing::Chunked, b, t)
    } else if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        (
            Framing::Length,
            rest[..n.min(rest.len())].to_vec(),
            Vec::new(),
        )
    } else {
        (Framing::Close, rest.to_vec(), Vec::new())
    };
    Ok(RawResponse {
        status,
        headers,
        framing,
        body,
        trailers,
    })
}

type Fields = Vec<(String, String)>;

fn dechunk(mut b: &[u8]) -> Result<(Vec<u8>, Fields), String> {
    let mut out = Vec::new();
    loop {
        let eol = find(b, b"\r\n").ok_or("chunk size line not terminated")?;
        let size_txt = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_txt.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_txt:?}"))?;
        b = &b[eol + 2..];
        if size == 0 {
            break;
        }
        if b.len() < size + 2 {
            return Err("chunk cut short".into());
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
    let mut trailers = Vec::new();
    let text = String::from_utf8_lossy(b);
    for l in text.split("\r\n") {
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            trailers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok((out, trailers))
}

/// A multipart/form-data body as `ipfs-cluster-ctl add` sends it: one part
/// per file or folder, named by its escaped relative path.
pub fn multipart(entries: &[(&str, Option<&[u8]>)], boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, content) in entries {
        let name: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match content {
            Some(bytes) => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(bytes);
            }
            None => out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/x-directory\r\n\r\n"
                )
                .as_bytes(),
            ),
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// One chunk of a chunked body.
pub fn chunk(data: &[u8]) -> Vec<u8> {
    let mut v = format!("{:x}\r\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\r\n");
    v
}

/// A server on loopback that plays a misbehaving cluster or gateway: for each
/// connection, `answer` gets the request's head and the socket, and writes
/// whatever it wants (its answers should say `Connection: close`).
pub async fn fake_server<F>(answer: F) -> String
where
    F: Fn(String, TcpStream) -> futures_util::future::BoxFuture<'static, ()>
        + Send
        + Sync
        + 'static,
{
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("address");
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut req = [0u8; 4096];
                let n = s.read(&mut req).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&req[..n]).into_owned();
                answer(head, s).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Response head of a chunked answer.
pub const CHUNKED_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
