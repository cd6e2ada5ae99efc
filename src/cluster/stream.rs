//! Incremental NDJSON decoding of the API's streams, trailers included.
//!
//! reqwest's `bytes_stream()` drops HTTP trailers, so the body is read frame by
//! frame through `http_body`, where hyper hands the trailers over as the last
//! frame. Memory is one line plus one frame, whatever the stream's length.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use super::error::ClientError;

/// The longest line accepted. The cluster's lines are a few kilobytes; a
/// line that never ends must not fill the memory.
pub const MAX_LINE: usize = 16 << 20;

type Frame = Result<http_body::Frame<bytes::Bytes>, reqwest::Error>;

/// Where the body's frames come from: read when a line is wanted, or read
/// ahead by a task of their own so the server keeps sending while lines are
/// decoded (a big listing then takes the time of the slower of the two, not
/// their sum).
enum Source {
    Direct(reqwest::Body),
    Ahead(tokio::sync::mpsc::Receiver<Option<Frame>>),
}

impl Source {
    async fn frame(&mut self) -> Option<Frame> {
        match self {
            Source::Direct(b) => b.frame().await,
            Source::Ahead(rx) => rx.recv().await.flatten(),
        }
    }
}

/// Frames read ahead at most (hyper's are up to 16 KiB or so). Enough to
/// keep the decoding going while the next bytes come; more keeps more of
/// hyper's 450 KiB read buffers alive, each frame holding its whole buffer,
/// so hyper allocates new ones instead of reusing them: at 32 the console's
/// peak loading a million pins was 15 MiB higher, and no faster.
const AHEAD_FRAMES: usize = 4;

pub struct NdjsonStream<T> {
    body: Option<Source>,
    /// What is left of the frame being read.
    frame: Bytes,
    /// The start of a line whose end is in a later frame.
    carry: BytesMut,
    /// When the unfinished line in `carry` began: a line must end within the
    /// idle timeout, however slowly its bytes trickle in.
    line_started: Option<Instant>,
    host: String,
    idle: Duration,
    errors: Vec<String>,
    reported: bool,
    items: u64,
    /// Body bytes received so far (what the listing cost the cluster).
    bytes: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> NdjsonStream<T> {
    pub(crate) fn new(resp: Option<reqwest::Response>, host: String, idle: Duration) -> Self {
        Self {
            body: resp.map(|r| Source::Direct(reqwest::Body::from(r))),
            frame: Bytes::new(),
            carry: BytesMut::new(),
            line_started: None,
            host,
            idle,
            errors: Vec::new(),
            reported: false,
            items: 0,
            bytes: 0,
            _t: PhantomData,
        }
    }

    /// An empty stream (what a 204 means).
    pub fn empty(host: String) -> Self {
        Self::new(None, host, Duration::from_secs(1))
    }

    /// Reads the body ahead of the decoding, in a task of its own that
    /// stops when this stream is dropped.
    pub fn read_ahead(mut self) -> Self {
        if let Some(Source::Direct(mut body)) = self.body.take() {
            let (tx, rx) = tokio::sync::mpsc::channel(AHEAD_FRAMES);
            tokio::spawn(async move {
                loop {
                    let f = tokio::select! {
                        f = body.frame() => f,
                        () = tx.closed() => return,
                    };
                    let end = !matches!(f, Some(Ok(_)));
                    if tx.send(f).await.is_err() || end {
                        return;
                    }
                }
            });
            self.body = Some(Source::Ahead(rx));
        }
        self
    }

    /// Items decoded so far.
    pub fn count(&self) -> u64 {
        self.items
    }

    /// Body bytes received so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Errors the server put in `X-Stream-Error` trailers (after the end).
    pub fn trailer_errors(&self) -> &[String] {
        &self.errors
    }

    /// True once the stream ended with errors: what was read is a partial result.
    pub fn is_partial(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Ends the stream with `e`, dropping what was buffered.
    fn fail<R>(&mut self, e: ClientError) -> Option<Result<R, ClientError>> {
        self.body = None;
        self.frame.clear();
        self.carry.clear();
        Some(Err(e))
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
            if let Some(r) = self.line_in_frame(&mut f) {
                return Some(r);
            }
            if let Err(e) = self.carry_frame() {
                return self.fail(e);
            }
            let wait = self.wait();
            let Some(body) = self.body.as_mut() else {
                return self.finish(&mut f);
            };
            match tokio::time::timeout(wait, body.frame()).await {
                Err(_) => {
                    let e = self.quiet();
                    return self.fail(e);
                }
                Ok(None) => self.body = None,
                Ok(Some(Err(e))) => {
                    self.body = None;
                    return Some(Err(self.broken(&e)));
                }
                Ok(Some(Ok(frame))) => self.take(frame),
            }
        }
    }

    /// The next line that is not blank and ends in the frame, decoded;
    /// `None` when the frame ends no such line.
    fn line_in_frame<R>(
        &mut self,
        f: &mut impl FnMut(&[u8]) -> Result<R, String>,
    ) -> Option<Result<R, ClientError>> {
        while let Some(end) = memchr::memchr(b'\n', &self.frame) {
            // A whole line in the frame is read where it lies; only a
            // line that spans frames is copied, into `carry`.
            let line: &[u8] = if self.carry.is_empty() {
                &self.frame[..end]
            } else {
                self.carry.extend_from_slice(&self.frame[..end]);
                &self.carry
            };
            let res = (!blank(line)).then(|| decode(&mut self.items, &self.host, line, f));
            self.frame.advance(end + 1);
            self.carry.clear();
            // Started when the next wait for its bytes does: the clock is
            // read once a frame, not once a line, and the time the caller
            // spends on this line does not count against the next one.
            self.line_started = None;
            if res.is_some() {
                return res;
            }
        }
        None
    }

    /// Keeps the start of a line whose end is still to come, within
    /// [`MAX_LINE`].
    fn carry_frame(&mut self) -> Result<(), ClientError> {
        if self.frame.is_empty() {
            return Ok(());
        }
        if self.carry.len() + self.frame.len() > MAX_LINE {
            return Err(ClientError::Decode {
                host: self.host.clone(),
                what: format!(
                    "a line longer than {} MiB: not what the cluster sends",
                    MAX_LINE >> 20
                ),
            });
        }
        self.carry.extend_from_slice(&self.frame);
        self.frame.clear();
        Ok(())
    }

    /// How long the next frame may take: the idle timeout, less what the
    /// unfinished line has taken already.
    fn wait(&mut self) -> Duration {
        if self.carry.is_empty() {
            self.idle
        } else {
            let t = *self.line_started.get_or_insert_with(Instant::now);
            self.idle.saturating_sub(t.elapsed())
        }
    }

    /// The body ended: a last line without its newline, then the trailer's
    /// errors once, then nothing.
    fn finish<R>(
        &mut self,
        f: &mut impl FnMut(&[u8]) -> Result<R, String>,
    ) -> Option<Result<R, ClientError>> {
        let rest = std::mem::take(&mut self.carry);
        if !blank(&rest) {
            return Some(decode(&mut self.items, &self.host, &rest, f));
        }
        if !self.errors.is_empty() && !self.reported {
            self.reported = true;
            return Some(Err(ClientError::Stream {
                host: self.host.clone(),
                messages: self.errors.clone(),
            }));
        }
        None
    }

    /// A frame of the body: its bytes, or the trailers' errors.
    fn take(&mut self, frame: http_body::Frame<Bytes>) {
        match frame.into_data() {
            Ok(data) => {
                self.bytes += data.len() as u64;
                self.frame = data;
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
        }
    }

    /// No frame within the wait.
    fn quiet(&self) -> ClientError {
        let what = if self.carry.is_empty() {
            format!("the stream went quiet for {} s", self.idle.as_secs())
        } else {
            format!("no complete line within {} s", self.idle.as_secs())
        };
        ClientError::Timeout {
            host: self.host.clone(),
            what,
        }
    }

    /// The connection broke before the body ended.
    fn broken(&self, e: &reqwest::Error) -> ClientError {
        ClientError::Stream {
            host: self.host.clone(),
            messages: vec![format!(
                "connection broke mid-stream: {}",
                super::error::transport_reason(e)
            )],
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

/// A line of nothing but whitespace: skipped, as the cluster's clients do.
fn blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// One line through the caller's decoder; its error names the line.
fn decode<R>(
    items: &mut u64,
    host: &str,
    line: &[u8],
    f: &mut impl FnMut(&[u8]) -> Result<R, String>,
) -> Result<R, ClientError> {
    *items += 1;
    f(line).map_err(|e| ClientError::Decode {
        host: host.to_string(),
        what: format!("line {items}: {e}"),
    })
}
