//! Incremental NDJSON decoding of the API's streams, trailers included.
//!
//! reqwest's `bytes_stream()` drops HTTP trailers, so the body is read frame by
//! frame through `http_body`, where hyper hands the trailers over as the last
//! frame. Memory is one line plus one frame, whatever the stream's length.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use super::error::ClientError;

pub struct NdjsonStream<T> {
    body: Option<reqwest::Body>,
    buf: BytesMut,
    host: String,
    idle: Duration,
    errors: Vec<String>,
    reported: bool,
    items: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> NdjsonStream<T> {
    pub(crate) fn new(resp: Option<reqwest::Response>, host: String, idle: Duration) -> Self {
        Self {
            body: resp.map(reqwest::Body::from),
            buf: BytesMut::new(),
            host,
            idle,
            errors: Vec::new(),
            reported: false,
            items: 0,
            _t: PhantomData,
        }
    }

    /// An empty stream (what a 204 means).
    pub fn empty(host: String) -> Self {
        Self::new(None, host, Duration::from_secs(1))
    }

    /// Items decoded so far.
    pub fn count(&self) -> u64 {
        self.items
    }

    /// Errors the server put in `X-Stream-Error` trailers (after the end).
    pub fn trailer_errors(&self) -> &[String] {
        &self.errors
    }

    /// True once the stream ended with errors: what was read is a partial result.
    pub fn is_partial(&self) -> bool {
        !self.errors.is_empty()
    }

    fn take_line(&mut self) -> Option<BytesMut> {
        let pos = self.buf.iter().position(|b| *b == b'\n')?;
        let mut line = self.buf.split_to(pos + 1);
        line.truncate(pos);
        Some(line)
    }

    fn decode<R>(
        &mut self,
        line: &[u8],
        f: &mut impl FnMut(&[u8]) -> Result<R, String>,
    ) -> Result<R, ClientError> {
        self.items += 1;
        f(line).map_err(|e| ClientError::Decode {
            host: self.host.clone(),
            what: format!("line {}: {e}", self.items),
        })
    }

    /// The next item; `None` at the end. A stream whose trailer carried errors
    /// yields one `ClientError::Stream` before ending.
    pub async fn next(&mut self) -> Option<Result<T, ClientError>> {
        self.next_with(|l| serde_json::from_slice(l).map_err(|e| e.to_string()))
            .await
    }

    /// Like `next`, with a decoder of the caller's that sees the raw line (to
    /// borrow from it instead of allocating every field).
    pub async fn next_with<R>(
        &mut self,
        mut f: impl FnMut(&[u8]) -> Result<R, String>,
    ) -> Option<Result<R, ClientError>> {
        loop {
            if let Some(line) = self.take_line() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Some(self.decode(&line, &mut f));
            }
            let Some(body) = self.body.as_mut() else {
                if !self.buf.is_empty() {
                    let rest = std::mem::take(&mut self.buf);
                    if !rest.iter().all(u8::is_ascii_whitespace) {
                        return Some(self.decode(&rest, &mut f));
                    }
                }
                if !self.errors.is_empty() && !self.reported {
                    self.reported = true;
                    return Some(Err(ClientError::Stream {
                        host: self.host.clone(),
                        messages: self.errors.clone(),
                    }));
                }
                return None;
            };
            match tokio::time::timeout(self.idle, body.frame()).await {
                Err(_) => {
                    self.body = None;
                    return Some(Err(ClientError::Timeout {
                        host: self.host.clone(),
                        what: format!("the stream went quiet for {} s", self.idle.as_secs()),
                    }));
                }
                Ok(None) => self.body = None,
                Ok(Some(Err(e))) => {
                    self.body = None;
                    return Some(Err(ClientError::Stream {
                        host: self.host.clone(),
                        messages: vec![format!(
                            "connection broke mid-stream: {}",
                            super::error::transport_reason(&e)
                        )],
                    }));
                }
                Ok(Some(Ok(frame))) => match frame.into_data() {
                    Ok(mut data) => {
                        while data.has_remaining() {
                            let chunk = data.chunk();
                            self.buf.extend_from_slice(chunk);
                            let n = chunk.len();
                            data.advance(n);
                        }
                    }
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            for v in trailers.get_all("x-stream-error") {
                                let s = String::from_utf8_lossy(v.as_bytes()).trim().to_string();
                                if !s.is_empty() {
                                    self.errors.push(s);
                                }
                            }
                        }
                    }
                },
            }
        }
    }

    /// Collects everything; fails on the first error (including trailer errors).
    pub async fn collect(mut self) -> Result<Vec<T>, ClientError> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}
