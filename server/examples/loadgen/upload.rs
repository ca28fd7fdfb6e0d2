//! The upload scenario: one file through the room's WebSocket, timed from
//! the first byte sent to the server's word that the file is stored.
//!
//! Chatdrop gets chunk frames read from disk as they go, with a window of
//! unacknowledged bytes; the original app gets the whole file as one base64
//! Socket.IO message, as its browser client sent it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::protocol::{Chunk, ClientMsg, ClientMsgId, FileStatus, ServerMsg, CHUNK_HEADER_BYTES};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;

use crate::clients::{Client, Target};
use crate::stats::{cpu_seconds, rss_kib};

/// What one upload cost.
struct Measured {
    seconds: f64,
    cpu_seconds: f64,
    peak_rss_growth_kib: u64,
}

pub async fn run(
    target: &Target,
    pid: Option<u32>,
    file: &Path,
    chunks_kib: &[usize],
    window: usize,
) -> anyhow::Result<()> {
    let size = tokio::fs::metadata(file).await?.len();
    let gib = size as f64 / f64::from(1u32 << 30);
    println!(
        "| upload path | chunk | payload MB/s | server CPU-s per GB | server peak RSS growth |"
    );
    println!("|---|---|---|---|---|");
    let runs: Vec<Option<usize>> = if target.is_flask() {
        vec![None]
    } else {
        chunks_kib.iter().map(|k| Some(k * 1024)).collect()
    };
    for (n, chunk) in runs.into_iter().enumerate() {
        let room = target.room(n).await?;
        let client = Client::connect(target, &room, &format!("uploader{n}")).await?;
        let measured = measure(pid, async {
            match chunk {
                Some(chunk) => chatdrop(client, file, size, chunk, window, n).await,
                None => flask(client, &room.0, file).await,
            }
        })
        .await?;
        let (path, chunk) = match chunk {
            Some(c) => ("Chatdrop, chunked WebSocket", format!("{} KiB", c / 1024)),
            None => ("original, one base64 message", "whole file".to_owned()),
        };
        println!(
            "| {path} | {chunk} | {:.0} | {:.2} | {:.1} MiB |",
            size as f64 / 1e6 / measured.seconds,
            measured.cpu_seconds / gib,
            measured.peak_rss_growth_kib as f64 / 1024.0,
        );
    }
    Ok(())
}

/// Runs `upload`, sampling the server's CPU time and memory meanwhile.
async fn measure(
    pid: Option<u32>,
    upload: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<Measured> {
    let pid = pid.unwrap_or(0);
    let rss_before = rss_kib(pid);
    let cpu_before = cpu_seconds(pid);
    let peak = Arc::new(AtomicU64::new(rss_before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = Instant::now();
    upload.await?;
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    Ok(Measured {
        seconds,
        cpu_seconds: cpu_seconds(pid) - cpu_before,
        peak_rss_growth_kib: peak.load(Ordering::Relaxed).saturating_sub(rss_before),
    })
}

async fn chatdrop(
    client: Client,
    path: &Path,
    size: u64,
    chunk: usize,
    window: usize,
    n: usize,
) -> anyhow::Result<()> {
    let (mut sink, mut stream) = client.into_socket().split();
    let offer = ClientMsg::Offer {
        id: ClientMsgId(format!("bench-{n}")),
        name: "bench.bin".into(),
        size,
        mime: "application/octet-stream".into(),
        sha256: None,
    };
    sink.send(Message::text(serde_json::to_string(&offer)?))
        .await?;
    let upload = loop {
        let frame = stream
            .next()
            .await
            .context("closed before the offer's answer")??;
        if let Message::Text(text) = frame {
            if let Ok(ServerMsg::Upload { upload, .. }) = serde_json::from_str(&text) {
                break upload;
            }
        }
    };
    // Acknowledgements and completion arrive on the read half meanwhile.
    let acked = Arc::new(AtomicU64::new(0));
    let reader = {
        let acked = acked.clone();
        let upload = upload.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                let Message::Text(text) = frame else { continue };
                match serde_json::from_str::<ServerMsg>(&text) {
                    Ok(ServerMsg::Received { offset, .. }) => {
                        acked.store(offset, Ordering::Release)
                    }
                    Ok(ServerMsg::Progress {
                        upload: done,
                        status: FileStatus::Complete,
                        ..
                    }) if done == upload => return Ok(()),
                    Ok(ServerMsg::Error { message, .. }) => anyhow::bail!("refused: {message}"),
                    _ => {}
                }
            }
            anyhow::bail!("connection closed before the upload completed")
        })
    };
    let mut file = tokio::fs::File::open(path).await?;
    let mut offset = 0u64;
    let notify = tokio::time::interval(Duration::from_micros(200));
    tokio::pin!(notify);
    while offset < size {
        if offset - acked.load(Ordering::Acquire) >= window as u64 {
            notify.tick().await;
            continue;
        }
        let len = chunk.min((size - offset) as usize);
        let mut frame = vec![0u8; CHUNK_HEADER_BYTES + len];
        Chunk::write_header(&upload, offset, &mut frame);
        file.read_exact(&mut frame[CHUNK_HEADER_BYTES..]).await?;
        sink.send(Message::binary(frame)).await?;
        offset += len as u64;
    }
    reader.await?
}

async fn flask(client: Client, room: &str, path: &Path) -> anyhow::Result<()> {
    let (mut sink, mut stream) = client.into_socket().split();
    // The original client read the whole file and base64-encoded it.
    let bytes = tokio::fs::read(path).await?;
    let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
    drop(bytes);
    let event = serde_json::json!(["file", {"room": room, "name": "bench.bin", "data": data}]);
    drop(data);
    sink.send(Message::text(format!("42{event}"))).await?;
    while let Some(frame) = stream.next().await {
        let Message::Text(text) = frame? else {
            continue;
        };
        if text.as_str() == "2" {
            sink.send(Message::text("3")).await?;
        } else if text.starts_with("42[\"file\"") {
            return Ok(());
        }
    }
    anyhow::bail!("connection closed before the file was stored")
}
