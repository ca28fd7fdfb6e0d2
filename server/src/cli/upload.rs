//! One file over the room's socket: offer it (with its SHA-256, so content
//! the server has completes at once), then send chunks from where the
//! server's stored bytes end, keeping a window in flight and moving on as
//! `received` frames come back, until the server says it is complete.

use std::io::SeekFrom;
use std::path::PathBuf;

use anyhow::Context;
use app::protocol::{
    Chunk, ClientMsg, ClientMsgId, ErrorCode, FileStatus, ServerMsg, UploadId, CHUNK_HEADER_BYTES,
    MAX_CHUNK_BYTES,
};
use indicatif::ProgressBar;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::link::Link;
use super::trouble::{final_, passing};

/// Bytes sent but not yet confirmed stored: enough to keep a fast link
/// busy, little enough that memory stays flat.
const WINDOW: u64 = 8 * MAX_CHUNK_BYTES as u64;

/// A file ready to offer.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub mime: String,
    pub sha256: String,
    pub client_id: String,
}

/// Offers `file` and sends what the server doesn't have yet; returns its
/// id once the server has stored all of it.
pub async fn share(
    link: &mut Link,
    file: &Prepared,
    bar: &ProgressBar,
) -> anyhow::Result<UploadId> {
    let id = ClientMsgId(file.client_id.clone());
    link.send(&ClientMsg::Offer {
        id: id.clone(),
        name: file.name.clone(),
        size: file.size,
        mime: file.mime.clone(),
        sha256: Some(file.sha256.clone()),
    })
    .await?;
    let (upload, offset) = loop {
        match link.recv().await? {
            ServerMsg::Upload {
                id: Some(answer),
                upload,
                offset,
            } if answer == id => break (upload, offset),
            ServerMsg::Error {
                id: Some(answer),
                code,
                message,
                ..
            } if answer == id => return Err(refusal(code, message)),
            _ => {}
        }
    };
    bar.set_position(offset);
    if offset >= file.size {
        return Ok(upload);
    }
    if offset > 0 {
        let note = format!(
            "Continuing {} from {} of {}",
            file.name,
            app::units::bytes(offset),
            app::units::bytes(file.size)
        );
        // A hidden bar (no terminal) prints nothing: say it plainly.
        if bar.is_hidden() {
            eprintln!("{note}");
        } else {
            bar.println(note);
        }
    }
    send_from(link, file, &upload, offset, bar).await?;
    Ok(upload)
}

async fn send_from(
    link: &mut Link,
    file: &Prepared,
    upload: &UploadId,
    offset: u64,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    let mut reader = tokio::fs::File::open(&file.path)
        .await
        .with_context(|| format!("opening {}", file.path.display()))?;
    reader.seek(SeekFrom::Start(offset)).await?;
    let (mut sent, mut stored) = (offset, offset);
    let mut complete = false;
    while !complete {
        if sent < file.size && sent - stored < WINDOW {
            while sent < file.size && sent - stored < WINDOW {
                let n = (file.size - sent).min(MAX_CHUNK_BYTES as u64) as usize;
                let mut frame = vec![0; CHUNK_HEADER_BYTES + n];
                Chunk::write_header(upload, sent, &mut frame);
                reader
                    .read_exact(&mut frame[CHUNK_HEADER_BYTES..])
                    .await
                    .with_context(|| {
                        format!("{} changed while it was being sent", file.path.display())
                    })?;
                link.feed(frame).await?;
                sent += n as u64;
            }
            link.flush().await?;
        }
        match link.recv().await? {
            ServerMsg::Received { upload: u, offset } if u == *upload => {
                stored = offset;
                bar.set_position(stored);
            }
            ServerMsg::Progress {
                upload: u, status, ..
            } if u == *upload => match status {
                FileStatus::Complete => complete = true,
                FileStatus::Uploading => {}
                FileStatus::Cancelled => {
                    return Err(final_(format!(
                        "{} was cancelled (in another window?)",
                        file.name
                    )))
                }
                FileStatus::Failed => {
                    return Err(final_(format!("the server gave up on {}", file.name)))
                }
            },
            ServerMsg::Error {
                upload: Some(u),
                code: ErrorCode::BadOffset,
                expected: Some(expected),
                ..
            } if u == *upload => {
                // The server has up to `expected`: go on from there.
                reader.seek(SeekFrom::Start(expected)).await?;
                sent = expected;
                stored = expected;
                bar.set_position(stored);
            }
            ServerMsg::Error {
                upload: Some(u),
                code,
                message,
                ..
            } if u == *upload => return Err(refusal(code, message)),
            _ => {}
        }
    }
    bar.set_position(file.size);
    Ok(())
}

/// A refusal of the server's, final unless the server is only
/// unavailable for now.
fn refusal(code: ErrorCode, message: String) -> anyhow::Error {
    match code {
        ErrorCode::Unavailable | ErrorCode::RateLimited => passing(message),
        _ => final_(message),
    }
}
