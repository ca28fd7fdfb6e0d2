//! Downloading a file while it is still being uploaded, as Wormhole lets
//! recipients start before the sender is done: the response promises the
//! offered size (`Content-Length`), streams bytes from the partial file as
//! they are stored, and ends with the last one. An upload that is cancelled
//! or fails aborts the response, so the browser reports a failed download,
//! never a short file as complete. Ranges work: bytes not stored yet are
//! waited for.
//!
//! The upload's tail comes from this node's writer when it writes here
//! (every stored chunk wakes the download); otherwise (its uploader is
//! away, or another node writes it) from the database, read a few times a
//! second.

use std::io::SeekFrom;
use std::ops::RangeInclusive;
use std::time::Duration;

use app::protocol::FileStatus;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::watch;

use crate::store::Store;
use crate::transfers::Tail;
use crate::uploads::UploadRow;

/// Bytes read from the partial file at a time.
const READ: u64 = 256 * 1024;
/// How often the database is asked about an upload not written here.
const POLL: Duration = Duration::from_millis(250);

/// Where the bytes come from and how their tail is learned.
pub struct Source {
    pub file: tokio::fs::File,
    pub follow: Option<watch::Receiver<Tail>>,
    pub store: Store,
}

/// The response for an upload still in flight; `headers` are the
/// request's (for `Range`). The caller adds the file's own headers.
pub fn respond(row: &UploadRow, source: Source, headers: &HeaderMap) -> Response {
    let size = row.file.size;
    let range = match requested_range(headers, size) {
        Ok(range) => range,
        Err(()) => {
            let mut refused = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                refused.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return refused;
        }
    };
    let (status, span) = match range {
        Some(span) => (StatusCode::PARTIAL_CONTENT, span),
        None if size == 0 => return StatusCode::OK.into_response(),
        None => (StatusCode::OK, 0..=size - 1),
    };
    let length = span.end() - span.start() + 1;
    let mut response = Response::new(Body::from_stream(stream(row, source, span.clone())));
    *response.status_mut() = status;
    let out = response.headers_mut();
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {}-{}/{size}", span.start(), span.end());
        if let Ok(value) = HeaderValue::from_str(&value) {
            out.insert(header::CONTENT_RANGE, value);
        }
    }
    response
}

/// The one range asked for; `Ok(None)` for the whole file (also when
/// several ranges are asked for, which a server may answer whole).
fn requested_range(headers: &HeaderMap, size: u64) -> Result<Option<RangeInclusive<u64>>, ()> {
    let Some(value) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let ranges = http_range_header::parse_range_header(value)
        .and_then(|parsed| parsed.validate(size))
        .map_err(|_| ())?;
    Ok(match ranges.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

/// What the streaming body carries between reads.
struct Reading {
    source: Source,
    id: app::protocol::UploadId,
    size: u64,
    tail: Tail,
    /// The next byte to send, and the last.
    at: u64,
    last: u64,
    seeked: bool,
}

fn stream(
    row: &UploadRow,
    source: Source,
    span: RangeInclusive<u64>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let tail = source.follow.as_ref().map_or(
        Tail {
            committed: row.file.received,
            status: row.file.status,
        },
        |follow| *follow.borrow(),
    );
    let reading = Reading {
        source,
        id: row.file.id.clone(),
        size: row.file.size,
        tail,
        at: *span.start(),
        last: *span.end(),
        seeked: false,
    };
    futures_util::stream::try_unfold(reading, |mut r| async move {
        if r.at > r.last {
            return Ok(None);
        }
        r.wait_for_bytes().await?;
        if !r.seeked {
            r.source.file.seek(SeekFrom::Start(r.at)).await?;
            r.seeked = true;
        }
        let n = (r.tail.committed.min(r.last + 1) - r.at).min(READ) as usize;
        let mut buffer = vec![0; n];
        r.source.file.read_exact(&mut buffer).await?;
        r.at += n as u64;
        Ok(Some((Bytes::from(buffer), r)))
    })
}

impl Reading {
    /// Waits until byte `at` is stored; an error once the upload can't
    /// deliver it.
    async fn wait_for_bytes(&mut self) -> std::io::Result<()> {
        loop {
            match self.tail.status {
                FileStatus::Complete => self.tail.committed = self.size,
                FileStatus::Cancelled => {
                    return Err(std::io::Error::other("the upload was cancelled"))
                }
                FileStatus::Failed => return Err(std::io::Error::other("the upload failed")),
                FileStatus::Uploading => {}
            }
            if self.at < self.tail.committed {
                return Ok(());
            }
            self.tail = self.next_tail().await?;
        }
    }

    /// The tail after the next change.
    async fn next_tail(&mut self) -> std::io::Result<Tail> {
        if let Some(follow) = &mut self.source.follow {
            if follow.changed().await.is_ok() {
                return Ok(*follow.borrow_and_update());
            }
            // The writer here let go (its uploader left, or it ended): its
            // last word stands if it was an end; else ask the database.
            let last = *follow.borrow();
            self.source.follow = None;
            if last.status != FileStatus::Uploading {
                return Ok(last);
            }
        }
        tokio::time::sleep(POLL).await;
        match self.source.store.upload(&self.id).await {
            Ok(Some(row)) => Ok(Tail {
                committed: row.file.received.max(self.tail.committed),
                status: row.file.status,
            }),
            Ok(None) => Err(std::io::Error::other("the file was deleted")),
            // A database hiccup: try again at the next poll.
            Err(_) => Ok(self.tail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Result<Option<RangeInclusive<u64>>, ()> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, value.parse().unwrap());
        requested_range(&headers, size)
    }

    #[test]
    fn one_range_is_served_and_others_whole_or_refused() {
        assert_eq!(requested_range(&HeaderMap::new(), 10), Ok(None));
        assert_eq!(range("bytes=2-5", 10), Ok(Some(2..=5)));
        assert_eq!(range("bytes=7-", 10), Ok(Some(7..=9)));
        assert_eq!(range("bytes=-3", 10), Ok(Some(7..=9)));
        assert_eq!(range("bytes=0-1,4-5", 10), Ok(None));
        assert_eq!(range("bytes=10-", 10), Err(()));
        assert_eq!(range("pages=1", 10), Err(()));
    }
}
