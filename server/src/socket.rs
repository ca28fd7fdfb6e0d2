//! One WebSocket connection: a task with one `select!` over the client's
//! frames, the room's broadcasts, pings and shutdown.
//!
//! The client sends `Resume` first; until then broadcasts wait in the
//! room's channel, so replayed history and live events reach it in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::protocol::{
    ClientMsg, ClientMsgId, ErrorCode, Member, Seq, ServerMsg, UploadId, CHUNK_HEADER_BYTES,
    MAX_CHUNK_BYTES,
};
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::rooms::{encode, Broadcast, Room};
use crate::store::Store;
use crate::transfers::{Offer, Refusal, Transfers};

/// The largest text frame a client may send; larger ones close the
/// connection with 1009.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// What the WebSocket layer reads at most: the largest file chunk. Text
/// frames over [`MAX_TEXT_BYTES`] are read whole so the connection can end
/// with a proper 1009.
pub const MAX_FRAME_BYTES: usize = MAX_CHUNK_BYTES + CHUNK_HEADER_BYTES;
/// How long a closing connection waits for the client's close reply.
const CLOSE_LINGER: Duration = Duration::from_secs(2);
/// A resume further back than this is answered with a `Reset`.
const REPLAY_LIMIT: u64 = 1000;
/// Events a `Reset` carries: the newest ones.
pub const RESET_EVENTS: u32 = 50;
/// Broadcast frames written before one flush, when many are waiting.
const BATCH: usize = 64;
/// Sustained frames per second a client may send…
const FRAMES_PER_SECOND: f64 = 20.0;
/// …with bursts up to this many.
const FRAME_BURST: f64 = 40.0;
/// Refused frames in a row before the connection is closed (1008).
const STRIKES: u32 = 20;
/// Small file chunks per second a client may send: a flood of tiny frames
/// costs a write and an acknowledgement each. Chunks of at least
/// [`SMALL_CHUNK`] are limited by the bandwidth they use instead…
const SMALL_CHUNKS_PER_SECOND: f64 = 2000.0;
/// …with bursts up to this many.
const SMALL_CHUNK_BURST: f64 = 4000.0;
/// Chunks this large or larger don't count against the small-chunk budget.
const SMALL_CHUNK: usize = 16 * 1024 + CHUNK_HEADER_BYTES;
/// Typing notices forwarded at most this often per connection.
const TYPING_EVERY: Duration = Duration::from_secs(1);

/// Timings, configurable so tests can run them fast.
#[derive(Clone, Copy, Debug)]
pub struct Timings {
    /// How often the server pings.
    pub ping_interval: Duration,
    /// Silence after which a connection counts as dead.
    pub ping_timeout: Duration,
    /// How long one write may block before the client counts as stuck.
    pub send_timeout: Duration,
}

/// Why the loop ended.
enum End {
    /// Close with this code and reason.
    Close(u16, &'static str),
    /// The client went away or can't be written to: just drop it.
    Gone,
}

/// Serves one connection of `me` to `room` until either side ends it.
pub async fn serve(
    socket: WebSocket,
    room: Arc<Room>,
    me: Member,
    store: Store,
    transfers: Arc<Transfers>,
    timings: Timings,
    shutdown: CancellationToken,
) {
    let span = tracing::info_span!("socket", room = %room.code, user = %me.user.0);
    async move {
        let (sink, mut stream) = socket.split();
        let mut out = Outbox {
            sink,
            timeout: timings.send_timeout,
        };
        let mut conn = Connection {
            room: room.clone(),
            me: me.clone(),
            store,
            transfers,
            delivered: Seq(0),
        };
        // Subscribe before announcing, so this tab sees its own join.
        let mut rx = room.subscribe();
        if let Err(error) = room.connect(&me).await {
            tracing::error!(%error, "announcing a join");
            let _ = out.close(close_code::ERROR, "storage unavailable").await;
            return;
        }
        tracing::debug!("connected");
        let end = conn
            .run(&mut out, &mut stream, &mut rx, timings, &shutdown)
            .await;
        if let End::Close(code, reason) = end {
            if out.close(code, reason).await.is_ok() {
                // Read what the client already sent until it answers the
                // close: dropping a socket with unread data makes the
                // kernel send a reset, and the client never sees the code.
                let _ = tokio::time::timeout(CLOSE_LINGER, async {
                    while let Some(Ok(_)) = stream.next().await {}
                })
                .await;
            }
        }
        tracing::debug!("disconnected");
        room.disconnect(&me);
    }
    .instrument(span)
    .await;
}

struct Connection {
    room: Arc<Room>,
    me: Member,
    store: Store,
    transfers: Arc<Transfers>,
    /// The newest event this client has been sent.
    delivered: Seq,
}

impl Connection {
    async fn run(
        &mut self,
        out: &mut Outbox,
        stream: &mut futures_util::stream::SplitStream<WebSocket>,
        rx: &mut tokio::sync::broadcast::Receiver<Broadcast>,
        timings: Timings,
        shutdown: &CancellationToken,
    ) -> End {
        let welcome = ServerMsg::Welcome {
            you: self.me.clone(),
            latest: self.room.latest().await,
        };
        if out.send(&welcome).await.is_err() {
            return End::Gone;
        }
        let mut resumed = false;
        let mut last_heard = Instant::now();
        let mut ping = tokio::time::interval(timings.ping_interval);
        ping.tick().await;
        let mut bucket = Bucket::new(FRAMES_PER_SECOND, FRAME_BURST);
        let mut chunk_bucket = Bucket::new(SMALL_CHUNKS_PER_SECOND, SMALL_CHUNK_BURST);
        let mut strikes = 0u32;
        let mut last_typing: Option<Instant> = None;
        // The chunk being written while the next one is read: disk and hash
        // work overlaps with the network. One at a time keeps chunks in
        // order and acknowledgements exact.
        let mut writing: Option<tokio::task::JoinHandle<Result<(UploadId, u64), Refusal>>> = None;
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => return End::Close(close_code::AWAY, "server restarting"),
                written = async { writing.as_mut().expect("guarded").await }, if writing.is_some() => {
                    writing = None;
                    if self.written(out, written).await.is_err() {
                        return End::Gone;
                    }
                }
                frame = stream.next() => {
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Binary(bytes))) => {
                            last_heard = Instant::now();
                            if bytes.len() < SMALL_CHUNK && !chunk_bucket.take() {
                                tracing::info!("closing a connection flooding chunks");
                                return End::Close(close_code::POLICY, "too many messages");
                            }
                            if let Some(previous) = writing.take() {
                                if self.written(out, previous.await).await.is_err() {
                                    return End::Gone;
                                }
                            }
                            let (transfers, room, me) = (self.transfers.clone(), self.room.code.clone(), self.me.clone());
                            writing = Some(tokio::spawn(async move { transfers.chunk(&room, &me, bytes).await }));
                            continue;
                        }
                        Some(Ok(Message::Close(_))) | None => return End::Gone,
                        Some(Ok(_)) => {
                            last_heard = Instant::now();
                            continue;
                        }
                        Some(Err(error)) => {
                            return if too_big(error) { End::Close(close_code::SIZE, "message too big") } else { End::Gone };
                        }
                    };
                    last_heard = Instant::now();
                    if text.len() > MAX_TEXT_BYTES {
                        return End::Close(close_code::SIZE, "message too big");
                    }
                    if !bucket.take() {
                        strikes += 1;
                        if strikes > STRIKES {
                            tracing::info!("closing a flooding connection");
                            return End::Close(close_code::POLICY, "too many messages");
                        }
                        if strikes == 1 && self.error(out, ErrorCode::RateLimited, "You're sending too fast; slow down.", None).await.is_err() {
                            return End::Gone;
                        }
                        continue;
                    }
                    strikes = 0;
                    let handled = match serde_json::from_str::<ClientMsg>(&text) {
                        Err(_) => self.error(out, ErrorCode::BadFrame, "That frame is not a message this server knows.", None).await,
                        Ok(ClientMsg::Resume { after }) => {
                            resumed = true;
                            self.replay(out, after).await
                        }
                        Ok(ClientMsg::Send { id, text }) => {
                            // A message ends the typing notice for others,
                            // so the next keystroke may start a new one.
                            last_typing = None;
                            self.post(out, id, text).await
                        }
                        Ok(ClientMsg::Typing) => {
                            if last_typing.is_none_or(|t| t.elapsed() >= TYPING_EVERY) {
                                last_typing = Some(Instant::now());
                                self.room.typing(&self.me);
                            }
                            Ok(())
                        }
                        Ok(ClientMsg::Offer { id, name, size, mime, sha256 }) => {
                            self.offer(out, Offer { id, name, size, mime, sha256 }).await
                        }
                        Ok(ClientMsg::ResumeUpload { upload }) => {
                            match self.transfers.resume(&self.room.code, &self.me, &upload).await {
                                Ok(offset) => out.send(&ServerMsg::Upload { id: None, upload, offset }).await,
                                Err(refusal) => self.refuse(out, refusal).await,
                            }
                        }
                        Ok(ClientMsg::CancelUpload { upload }) => {
                            match self.transfers.cancel(&self.room.code, &self.me, &upload).await {
                                Ok(()) => Ok(()),
                                Err(refusal) => self.refuse(out, refusal).await,
                            }
                        }
                    };
                    if handled.is_err() {
                        return End::Gone;
                    }
                }
                first = rx.recv(), if resumed => {
                    let mut next = Some(first);
                    let mut written = 0;
                    while let Some(received) = next.take() {
                        match received {
                            Ok(frame) => {
                                if frame.kick.as_ref() == Some(&self.me.user) {
                                    return End::Close(close_code::NORMAL, "you left the room");
                                }
                                if self.wants(&frame) {
                                    if out.feed(frame.text).await.is_err() {
                                        return End::Gone;
                                    }
                                    written += 1;
                                }
                            }
                            Err(RecvError::Lagged(missed)) => {
                                tracing::info!(missed, "slow reader reset");
                                if self.reset(out).await.is_err() {
                                    return End::Gone;
                                }
                            }
                            Err(RecvError::Closed) => return End::Gone,
                        }
                        if written < BATCH {
                            next = match rx.try_recv() {
                                Ok(frame) => Some(Ok(frame)),
                                Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                                Err(TryRecvError::Empty | TryRecvError::Closed) => None,
                            };
                        }
                    }
                    if out.flush().await.is_err() {
                        return End::Gone;
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > timings.ping_timeout {
                        tracing::info!("ping timeout");
                        return End::Gone;
                    }
                    if out.sink_send(Message::Ping(Default::default())).await.is_err() {
                        return End::Gone;
                    }
                }
            }
        }
    }

    /// Whether a broadcast is for this client, noting delivered events.
    fn wants(&mut self, frame: &Broadcast) -> bool {
        if frame.skip.as_ref() == Some(&self.me.user) {
            return false;
        }
        match frame.seq {
            Some(seq) if seq <= self.delivered => false,
            Some(seq) => {
                self.delivered = seq;
                true
            }
            None => true,
        }
    }

    async fn post(&mut self, out: &mut Outbox, id: ClientMsgId, text: String) -> Result<(), ()> {
        if let Err((code, message)) = ClientMsg::validate_send(&id, &text) {
            return self.error(out, code, message, Some(id)).await;
        }
        match self.room.post(&self.me, id.clone(), text).await {
            Ok(seq) => out.send(&ServerMsg::Ack { id, seq }).await,
            Err(error) => {
                tracing::error!(%error, "storing a message");
                self.error(
                    out,
                    ErrorCode::Unavailable,
                    "The message could not be stored; try again.",
                    Some(id),
                )
                .await
            }
        }
    }

    async fn offer(&mut self, out: &mut Outbox, offer: Offer) -> Result<(), ()> {
        let id = offer.id.clone();
        match self.transfers.offer(&self.room.code, &self.me, offer).await {
            Ok((upload, offset)) => {
                out.send(&ServerMsg::Upload {
                    id: Some(id),
                    upload,
                    offset,
                })
                .await
            }
            // Refusals before an upload exists name the offer instead.
            Err(refusal) if refusal.upload.is_none() => {
                self.error(out, refusal.code, &refusal.message, Some(id))
                    .await
            }
            Err(refusal) => self.refuse(out, refusal).await,
        }
    }

    /// Acknowledges a stored chunk, or says why it wasn't stored.
    async fn written(
        &mut self,
        out: &mut Outbox,
        result: Result<Result<(UploadId, u64), Refusal>, tokio::task::JoinError>,
    ) -> Result<(), ()> {
        match result {
            Ok(Ok((upload, offset))) => out.send(&ServerMsg::Received { upload, offset }).await,
            Ok(Err(refusal)) => self.refuse(out, refusal).await,
            Err(error) => {
                tracing::error!(%error, "a chunk write failed");
                self.error(
                    out,
                    ErrorCode::Unavailable,
                    "The server couldn't store that chunk; try again.",
                    None,
                )
                .await
            }
        }
    }

    async fn refuse(&self, out: &mut Outbox, refusal: Refusal) -> Result<(), ()> {
        out.send(&ServerMsg::Error {
            code: refusal.code,
            message: refusal.message,
            id: None,
            upload: refusal.upload,
            expected: refusal.expected,
        })
        .await
    }

    /// Sends everything after `after`, or a `Reset` if that is too much.
    async fn replay(&mut self, out: &mut Outbox, after: Seq) -> Result<(), ()> {
        let latest = self.room.latest().await;
        if after > latest || latest.0 - after.0 > REPLAY_LIMIT {
            return self.reset(out).await;
        }
        let events = self
            .store
            .events_after(&self.room.code, after, REPLAY_LIMIT as u32)
            .await
            .map_err(|error| {
                tracing::error!(%error, "reading history for a resume");
            })?;
        self.delivered = after;
        for event in events {
            self.delivered = event.seq;
            out.feed(encode(&ServerMsg::Event { event })).await?;
        }
        out.feed(encode(&ServerMsg::Presence {
            members: self.room.members(),
        }))
        .await?;
        out.flush().await
    }

    /// Replaces the client's log with the newest events.
    async fn reset(&mut self, out: &mut Outbox) -> Result<(), ()> {
        let events = self
            .store
            .events_before(&self.room.code, None, RESET_EVENTS)
            .await
            .map_err(|error| {
                tracing::error!(%error, "reading history for a reset");
            })?;
        self.delivered = events.last().map_or(self.delivered, |e| e.seq);
        out.send(&ServerMsg::Reset { events }).await?;
        out.send(&ServerMsg::Presence {
            members: self.room.members(),
        })
        .await
    }

    async fn error(
        &self,
        out: &mut Outbox,
        code: ErrorCode,
        message: &str,
        id: Option<ClientMsgId>,
    ) -> Result<(), ()> {
        out.send(&ServerMsg::Error {
            code,
            message: message.to_owned(),
            id,
            upload: None,
            expected: None,
        })
        .await
    }
}

/// The write half, with a deadline on every write: a client that stops
/// reading is disconnected instead of holding memory.
struct Outbox {
    sink: SplitSink<WebSocket, Message>,
    timeout: Duration,
}

impl Outbox {
    async fn send(&mut self, msg: &ServerMsg) -> Result<(), ()> {
        self.sink_send(Message::Text(encode(msg))).await
    }

    async fn sink_send(&mut self, msg: Message) -> Result<(), ()> {
        match tokio::time::timeout(self.timeout, self.sink.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(()),
        }
    }

    async fn feed(&mut self, text: Utf8Bytes) -> Result<(), ()> {
        match tokio::time::timeout(self.timeout, self.sink.feed(Message::Text(text))).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(()),
        }
    }

    async fn flush(&mut self) -> Result<(), ()> {
        match tokio::time::timeout(self.timeout, self.sink.flush()).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(()),
        }
    }

    async fn close(&mut self, code: u16, reason: &'static str) -> Result<(), ()> {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        self.sink_send(Message::Close(Some(frame))).await
    }
}

/// Whether a read failed because the frame was over the size limit.
fn too_big(error: axum::Error) -> bool {
    matches!(
        error.into_inner().downcast_ref::<tungstenite::Error>(),
        Some(tungstenite::Error::Capacity(_))
    )
}

/// Frames a client may still send right now.
struct Bucket {
    tokens: f64,
    at: Instant,
    rate: f64,
    burst: f64,
}

impl Bucket {
    fn new(rate: f64, burst: f64) -> Self {
        Self {
            tokens: burst,
            at: Instant::now(),
            rate,
            burst,
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
