//! NDJSON streaming responses as `api/common/api.go` `StreamResponse` sends them.

use std::collections::VecDeque;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::Frame;
use http_body_util::StreamBody;
use tokio::sync::mpsc;

use super::faults::Faults;
use super::json_error;

/// What a producer sends: one encoded line, or an RPC error (which becomes an
/// extra `X-Stream-Error` trailer value, or a 500 if nothing was sent yet).
#[derive(Debug)]
pub enum Out {
    Line(Vec<u8>),
    /// Many lines in one buffer (`ends` = offset after each line): how the hot
    /// producers hand over a batch without one allocation per line.
    Lines {
        buf: Vec<u8>,
        ends: Vec<usize>,
    },
    Error(String),
}

pub type Tx = mpsc::Sender<Out>;

const BATCH_BYTES: usize = 64 * 1024;

struct BodyState {
    rx: mpsc::Receiver<Out>,
    pending: VecDeque<Out>,
    errors: Vec<String>,
    items: u64,
    bytes: u64,
    faults: Faults,
    done: bool,
    /// The next poll breaks the connection (the drop-after-bytes fault).
    drop_next: bool,
    trailers: Trailers,
}

/// What the trailer carries on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trailers {
    /// Listings: the iterator's own error first, `""` on success.
    Listing,
    /// `/add`: a trailer only when something failed.
    OnlyErrors,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Turns a producer channel into the daemon's response: 204 when nothing comes,
/// 500 JSON when the first thing is an error, else 200 + lines + trailer.
pub async fn respond(mut rx: mpsc::Receiver<Out>, faults: Faults) -> Response {
    let first = rx.recv().await;
    let first = match first {
        None => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            set_stream_headers(r.headers_mut());
            return r;
        }
        Some(Out::Error(e)) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
        Some(line) => line,
    };
    streaming_200(Some(first), rx, faults, Trailers::Listing)
}

/// A 200 whose body streams every line of `rx` and ends with the trailer, even
/// when no line comes (what `/add` does: it answers before doing any work).
pub fn streaming_200(
    first: Option<Out>,
    rx: mpsc::Receiver<Out>,
    faults: Faults,
    trailers: Trailers,
) -> Response {
    let state = BodyState {
        rx,
        pending: first.into_iter().collect(),
        errors: Vec::new(),
        items: 0,
        bytes: 0,
        faults,
        done: false,
        drop_next: false,
        trailers,
    };
    let stream = futures_util::stream::unfold(state, next_frame);
    let mut r = Response::new(Body::new(StreamBody::new(stream)));
    set_stream_headers(r.headers_mut());
    r
}

fn set_stream_headers(h: &mut HeaderMap) {
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("trailer", HeaderValue::from_static("X-Stream-Error"));
}

async fn next_frame(mut st: BodyState) -> Option<(Result<Frame<Bytes>, BoxError>, BodyState)> {
    if st.done {
        return None;
    }
    if st.drop_next {
        // Let the bytes already written reach the socket before breaking it.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        st.done = true;
        return Some((Err("connection dropped (simulated fault)".into()), st));
    }
    // Go flushes once per item; we coalesce whatever is already queued into one
    // frame (the bytes on the wire are the same, only chunk boundaries differ),
    // which is what lets a million-line stream run at file-serving speed.
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let next = match st.pending.pop_front() {
            Some(o) => Some(o),
            None if buf.is_empty() => st.rx.recv().await,
            None => st.rx.try_recv().ok(),
        };
        let (lines, ends) = match next {
            Some(Out::Line(line)) => {
                let end = line.len();
                (line, vec![end])
            }
            Some(Out::Lines { buf, ends }) => (buf, ends),
            Some(Out::Error(e)) => {
                st.errors.push(e);
                continue;
            }
            None if buf.is_empty() => return finish(st, buf),
            None => break,
        };
        if !push_lines(&mut st, &mut buf, lines, ends) {
            return finish(st, buf);
        }
        if check_drop(&mut st, &mut buf) || buf.len() >= BATCH_BYTES {
            break;
        }
    }
    st.bytes += buf.len() as u64;
    Some((Ok(Frame::data(Bytes::from(buf))), st))
}

/// Appends whole lines, honouring the trailer-error-after-N-items fault.
/// Returns false when that fault ends the stream here.
fn push_lines(st: &mut BodyState, buf: &mut Vec<u8>, lines: Vec<u8>, ends: Vec<usize>) -> bool {
    if let Some(limit) = st.faults.trailer_error_after {
        let room = limit.saturating_sub(st.items) as usize;
        if ends.len() > room {
            let cut = if room == 0 { 0 } else { ends[room - 1] };
            buf.extend_from_slice(&lines[..cut]);
            st.items += room as u64;
            st.errors = vec![st.faults.trailer_message()];
            st.rx.close();
            return false;
        }
    }
    st.items += ends.len() as u64;
    if buf.is_empty() {
        *buf = lines;
    } else {
        buf.extend_from_slice(&lines);
    }
    true
}

/// The drop-after-N-bytes fault: keep what fits and mark the connection to
/// break after it. Returns true when the frame must go out now.
fn check_drop(st: &mut BodyState, buf: &mut Vec<u8>) -> bool {
    let Some(limit) = st.faults.drop_after_bytes else {
        return false;
    };
    if st.bytes + buf.len() as u64 <= limit {
        return false;
    }
    buf.truncate(limit.saturating_sub(st.bytes) as usize);
    st.drop_next = true;
    st.rx.close();
    true
}

fn finish(mut st: BodyState, buf: Vec<u8>) -> Option<(Result<Frame<Bytes>, BoxError>, BodyState)> {
    if !buf.is_empty() {
        st.bytes += buf.len() as u64;
        // Send the data now; the trailers follow on the next poll.
        st.pending.clear();
        return Some((Ok(Frame::data(Bytes::from(buf))), st));
    }
    st.done = true;
    let mut trailers = HeaderMap::new();
    if st.trailers == Trailers::Listing {
        // The iterator's own error comes first and is always present ("" on success).
        trailers.append("x-stream-error", HeaderValue::from_static(""));
    } else if st.errors.is_empty() {
        return None;
    }
    for e in &st.errors {
        if let Ok(v) = HeaderValue::from_str(&sanitize_header(e)) {
            trailers.append("x-stream-error", v);
        }
    }
    Some((Ok(Frame::trailers(trailers)), st))
}

fn sanitize_header(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Sends a line; returns false when the client went away.
pub async fn send_line<T: serde::Serialize>(tx: &Tx, v: &T) -> bool {
    tx.send(Out::Line(crate::cluster::gojson::encode(v)))
        .await
        .is_ok()
}
