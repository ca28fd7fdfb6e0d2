//! `chatdrop send`: share files, then post a message, reconnecting and
//! continuing after a dropped connection. Each file's offer id and hash are
//! saved before it is offered, so a run stopped by Ctrl-C or a lost network
//! continues where it was when run again.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use app::protocol::{ClientMsg, ClientMsgId, ServerMsg};
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use super::args::SendArgs;
use super::link::{Client, Link};
use super::state::Pending;
use super::trouble::{final_, kind, Backoff, Kind};
use super::upload::{share, Prepared};

pub async fn run(args: SendArgs) -> anyhow::Result<()> {
    if args.files.is_empty() && args.message.is_none() {
        anyhow::bail!("nothing to send: name files, or give --message TEXT");
    }
    if let Some(text) = &args.message {
        ClientMsg::validate_text(text).map_err(|e| anyhow::anyhow!("--message: {e}"))?;
    }
    let client = Client::new(&args.target)?;
    for path in &args.files {
        let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
        anyhow::ensure!(meta.is_file(), "{} is not a file", path.display());
    }
    // Signed in (which may ask for a password) and connected before any
    // file is read: a wrong code or password is told at once.
    let mut link = None;
    retrying(&client, &mut link, async |_| Ok(())).await?;
    let mut files = Vec::new();
    for path in &args.files {
        files.push(prepare(&client, path).await?);
    }
    for file in &files {
        let bar = bar(&file.name, file.size);
        let upload = retrying(&client, &mut link, async |link| {
            share(link, file, &bar).await
        })
        .await?;
        bar.finish_and_clear();
        client
            .state
            .set_pending(&pending_key(&client, &file.path)?, None)?;
        println!(
            "Shared {} ({}): {}",
            file.name,
            app::units::bytes(file.size),
            client.place.http(&upload.href())
        );
    }
    if let Some(text) = &args.message {
        let id = ClientMsgId(format!("cli-{}", random_hex()));
        let seq = retrying(&client, &mut link, async |link| post(link, &id, text).await).await?;
        println!(
            "Posted to {}: {}#e{}",
            client.place.code,
            client.place.link(),
            seq.0
        );
    }
    if let Some(link) = link {
        link.close().await;
    }
    Ok(())
}

/// Runs `step` on an open link, reconnecting and running it again after
/// a passing failure, until it succeeds or the server stays away.
async fn retrying<T>(
    client: &Client,
    link: &mut Option<Link>,
    mut step: impl AsyncFnMut(&mut Link) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut backoff = Backoff::default();
    loop {
        let error = match link {
            Some(open) => match step(open).await {
                Ok(done) => return Ok(done),
                Err(error) => {
                    *link = None;
                    error
                }
            },
            None => match client.open(None).await {
                Ok(open) => {
                    *link = Some(open);
                    backoff.reset();
                    continue;
                }
                Err(error) => error,
            },
        };
        if kind(&error) != Kind::Passing || backoff.tries() >= client.tries_allowed() {
            return Err(error);
        }
        let wait = backoff.next();
        eprintln!(
            "{error:#}; trying again in {}",
            humantime::format_duration(round(wait))
        );
        tokio::time::sleep(wait).await;
    }
}

/// Posts `text` and waits until the server has stored it. Sent again
/// after a reconnect, the same id is stored once.
async fn post(link: &mut Link, id: &ClientMsgId, text: &str) -> anyhow::Result<app::protocol::Seq> {
    link.send(&ClientMsg::Send {
        id: id.clone(),
        text: text.to_owned(),
        reply_to: None,
    })
    .await?;
    loop {
        match link.recv().await? {
            ServerMsg::Ack { id: acked, seq } if acked == *id => return Ok(seq),
            ServerMsg::Error {
                id: Some(refused),
                message,
                ..
            } if refused == *id => return Err(final_(message)),
            _ => {}
        }
    }
}

/// Checks `path`, and hashes it unless an unfinished upload of the same
/// file (same size and modification time) was saved.
async fn prepare(client: &Client, path: &Path) -> anyhow::Result<Prepared> {
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    anyhow::ensure!(meta.is_file(), "{} is not a file", path.display());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{} has no file name", path.display()))?;
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    let key = pending_key(client, path)?;
    let pending = match client.state.pending(&key)? {
        Some(p) if p.size == meta.len() && p.modified_ns == modified_ns => p,
        _ => {
            let sha256 = hash(path, &name, meta.len()).await?;
            let pending = Pending {
                client_id: format!("cli-{}", random_hex()),
                sha256,
                size: meta.len(),
                modified_ns,
            };
            client.state.set_pending(&key, Some(pending.clone()))?;
            pending
        }
    };
    Ok(Prepared {
        path: path.to_owned(),
        mime: mime_guess::from_path(path)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_owned(),
        name,
        size: pending.size,
        sha256: pending.sha256,
        client_id: pending.client_id,
    })
}

/// Where `path`'s unfinished upload to this room is saved.
fn pending_key(client: &Client, path: &Path) -> anyhow::Result<String> {
    let full = std::fs::canonicalize(path).with_context(|| format!("{}", path.display()))?;
    Ok(format!("{} {}", client.key(), full.display()))
}

/// The file's SHA-256 in hex, read on a blocking thread with a bar.
async fn hash(path: &Path, name: &str, size: u64) -> anyhow::Result<String> {
    let bar = bar(&format!("Hashing {name}"), size);
    let (path, progress) = (path.to_owned(), bar.clone());
    let digest = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        let mut file = std::fs::File::open(&path).with_context(|| format!("{}", path.display()))?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0; 1 << 20];
        loop {
            let n = file
                .read(&mut buffer)
                .with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            progress.inc(n as u64);
        }
        Ok(hex(&hasher.finalize()))
    })
    .await??;
    bar.finish_and_clear();
    Ok(digest)
}

/// A progress bar on the terminal (nothing when stderr is not one).
fn bar(label: &str, size: u64) -> ProgressBar {
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:20!} {wide_bar} {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} {eta:>4}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(label.to_owned());
    bar
}

fn random_hex() -> String {
    hex(&rand::random::<[u8; 12]>())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn round(wait: Duration) -> Duration {
    Duration::from_millis(wait.as_millis() as u64 / 100 * 100)
}
