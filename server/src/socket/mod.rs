//! One WebSocket connection: a task with one `select!` over shutdown, the
//! chunk being written, the client's frames, the room's broadcasts and
//! pings; each arm is one method of [`Connection`].
//!
//! The client sends `Resume` first; until then broadcasts wait in the
//! room's channel, so replayed history and live events reach it in order.

mod entries;
mod files;
mod forward;
mod outbox;

use std::sync::Arc;
use std::time::Instant;

use app::error::AppError;
use app::protocol::{ClientMsg, ClientMsgId, Member, Seq, ServerMsg, UploadId};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use tokio::sync::broadcast::Receiver;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tracing::Instrument;

pub use self::outbox::Socket;
use self::outbox::{Gone, Outbox};
use crate::backend::Chatdrop;
use crate::bucket::Bucket;
use crate::rooms::{encode, Broadcast, Room};
use crate::transfers::Offer;

/// The largest text frame a client may send; larger ones close the
/// connection with 1009.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// What the WebSocket layer reads at most: the largest file chunk. Text
/// frames over [`MAX_TEXT_BYTES`] are read whole so the connection can end
/// with a proper 1009.
pub const MAX_FRAME_BYTES: usize =
    app::protocol::MAX_CHUNK_BYTES + app::protocol::CHUNK_HEADER_BYTES;
/// A resume further back than this is answered with a `Reset`.
const REPLAY_LIMIT: u64 = 1000;
/// Events a `Reset` carries: the newest ones.
pub const RESET_EVENTS: u32 = 50;
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
const SMALL_CHUNK: usize = 16 * 1024 + app::protocol::CHUNK_HEADER_BYTES;
/// Typing notices forwarded at most this often per connection.
const TYPING_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The close code for "this room is gone" (expired or deleted).
pub const ROOM_GONE: u16 = app::client::ROOM_GONE;

/// Why the loop ended.
enum End {
    /// Close with this code and reason.
    Close(CloseCode, &'static str),
    /// The client went away or can't be written to: just drop it.
    Gone,
}

impl From<Gone> for End {
    fn from(_: Gone) -> Self {
        End::Gone
    }
}

type Step = Result<(), End>;
/// A chunk being written: its upload and how many bytes are stored after it.
type Writing = JoinHandle<Result<(UploadId, u64), AppError>>;

/// Serves one connection of `me` to `room` until either side ends it.
pub async fn serve(socket: Socket, room: Arc<Room>, me: Member, chatdrop: &Chatdrop) {
    let span = tracing::info_span!("socket", room = %room.code, user = %me.user.0);
    async move {
        let (sink, mut stream) = socket.split();
        let mut out = Outbox {
            sink,
            timeout: chatdrop.timings.send_timeout,
        };
        // Subscribe before announcing, so this tab sees its own join.
        let mut rx = room.subscribe();
        // Held until this function ends, whichever way: the disconnect.
        let _presence = match room.connect(&me).await {
            Ok(presence) => presence,
            Err(error) => {
                tracing::error!(%error, "announcing a join");
                out.close(stream, CloseCode::Error, "storage unavailable")
                    .await;
                return;
            }
        };
        tracing::debug!("connected");
        let now = Instant::now();
        let mut conn = Connection {
            room,
            me,
            chatdrop,
            delivered: Seq(0),
            resumed: false,
            last_heard: now,
            frames: Bucket::new(FRAME_BURST, FRAMES_PER_SECOND, now),
            chunks: Bucket::new(SMALL_CHUNK_BURST, SMALL_CHUNKS_PER_SECOND, now),
            strikes: 0,
            last_typing: None,
            writing: None,
            uploads: Vec::new(),
        };
        let metrics = crate::metrics::metrics();
        metrics.connections.inc();
        let end = conn.run(&mut out, &mut stream, &mut rx).await;
        metrics.connections.dec();
        match end {
            End::Close(code, reason) => {
                metrics.disconnected(Some(u16::from(code)));
                out.close(stream, code, reason).await;
            }
            End::Gone => metrics.disconnected(None),
        }
        conn.hand_over_uploads().await;
        tracing::debug!("disconnected");
    }
    .instrument(span)
    .await;
}

struct Connection<'a> {
    room: Arc<Room>,
    me: Member,
    chatdrop: &'a Chatdrop,
    /// The newest event this client has been sent.
    delivered: Seq,
    /// Whether the client sent `Resume`: broadcasts flow only after it.
    resumed: bool,
    last_heard: Instant,
    frames: Bucket,
    chunks: Bucket,
    /// Frames refused for rate in a row.
    strikes: u32,
    last_typing: Option<Instant>,
    /// The chunk being written while the next one is read: disk and hash
    /// work overlaps with the network. One at a time keeps chunks in order
    /// and acknowledgements exact.
    writing: Option<Writing>,
    /// The uploads this connection offered, resumed or wrote to.
    uploads: Vec<UploadId>,
}

impl Connection<'_> {
    async fn run(
        &mut self,
        out: &mut Outbox,
        stream: &mut SplitStream<Socket>,
        rx: &mut Receiver<Broadcast>,
    ) -> End {
        let welcome = ServerMsg::Welcome {
            you: self.me.clone(),
            latest: self.room.latest(),
        };
        if out.send(&welcome).await.is_err() {
            return End::Gone;
        }
        // The settings may have changed while this tab was away.
        match crate::owners::settings_frame(self.chatdrop, &self.room.code).await {
            Ok(settings) if out.send(&settings).await.is_ok() => {}
            _ => return End::Gone,
        }
        let timings = self.chatdrop.timings;
        let mut ping = tokio::time::interval(timings.ping_interval);
        ping.tick().await;
        let shutdown = self.chatdrop.shutdown.clone();
        loop {
            let step = tokio::select! {
                biased;
                () = shutdown.cancelled() => Err(End::Close(CloseCode::Away, "server restarting")),
                written = files::finished(&mut self.writing), if self.writing.is_some() => {
                    self.writing = None;
                    self.written(out, written).await
                }
                frame = stream.next() => self.on_frame(out, frame).await,
                first = rx.recv(), if self.resumed => self.forward(out, rx, first).await,
                _ = ping.tick() => self.ping(out).await,
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// One frame from the client (or the end of its stream).
    async fn on_frame(
        &mut self,
        out: &mut Outbox,
        frame: Option<Result<Message, WsError>>,
    ) -> Step {
        let now = Instant::now();
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(bytes))) => {
                self.last_heard = now;
                return self.on_chunk(out, bytes, now).await;
            }
            Some(Ok(Message::Close(_))) | None => return Err(End::Gone),
            Some(Ok(_)) => {
                self.last_heard = now;
                return Ok(());
            }
            Some(Err(error)) => return Err(violation(&error)),
        };
        self.last_heard = now;
        if text.len() > MAX_TEXT_BYTES {
            return Err(End::Close(CloseCode::Size, "message too big"));
        }
        if !self.frames.take(now) {
            self.strikes += 1;
            if self.strikes > STRIKES {
                tracing::info!("closing a flooding connection");
                return Err(End::Close(CloseCode::Policy, "too many messages"));
            }
            if self.strikes == 1 {
                self.refuse(out, AppError::RateLimited, None).await?;
            }
            return Ok(());
        }
        self.strikes = 0;
        match serde_json::from_str::<ClientMsg>(text.as_str()) {
            Ok(msg) => self.on_message(out, msg).await,
            Err(_) => self.refuse(out, AppError::BadFrame, None).await,
        }
    }

    async fn on_message(&mut self, out: &mut Outbox, msg: ClientMsg) -> Step {
        match msg {
            ClientMsg::Resume { after } => {
                self.resumed = true;
                self.replay(out, after).await
            }
            ClientMsg::Send { id, text, reply_to } => {
                // A message ends the typing notice for others, so the next
                // keystroke may start a new one.
                self.last_typing = None;
                self.post(out, id, text, reply_to).await
            }
            ClientMsg::Edit { target, text } => {
                let edited = self.room.edit(&self.me, target, text).await;
                self.changed(out, edited).await
            }
            ClientMsg::React { target, emoji, on } => {
                let reacted = self.room.react(&self.me, target, &emoji, Some(on)).await;
                self.changed(out, reacted).await
            }
            ClientMsg::Typing => {
                if self.last_typing.is_none_or(|t| t.elapsed() >= TYPING_EVERY) {
                    self.last_typing = Some(Instant::now());
                    self.room.typing(&self.me);
                }
                Ok(())
            }
            ClientMsg::Offer {
                id,
                name,
                size,
                mime,
                sha256,
            } => {
                let offer = Offer {
                    id,
                    name,
                    size,
                    mime,
                    sha256,
                };
                self.offer(out, offer).await
            }
            ClientMsg::ResumeUpload { upload } => self.resume_upload(out, upload).await,
            ClientMsg::CancelUpload { upload } => self.cancel_upload(out, upload).await,
            ClientMsg::Delete { target } => self.delete(out, target).await,
        }
    }

    async fn ping(&mut self, out: &mut Outbox) -> Step {
        if self.last_heard.elapsed() > self.chatdrop.timings.ping_timeout {
            tracing::info!("ping timeout");
            return Err(End::Gone);
        }
        Ok(out.send_raw(Message::Ping(Default::default())).await?)
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

    /// Tells the client a frame was refused; the connection stays open.
    async fn refuse(&self, out: &mut Outbox, error: AppError, id: Option<ClientMsgId>) -> Step {
        let frame = ServerMsg::Error {
            code: error.code(),
            message: error.to_string(),
            id,
            upload: error.upload().cloned(),
            expected: error.expected(),
        };
        Ok(out.send(&frame).await?)
    }

    /// Sends everything after `after`, or a `Reset` if that is too much.
    async fn replay(&mut self, out: &mut Outbox, after: Seq) -> Step {
        let latest = self.room.latest();
        if after > latest || latest.0 - after.0 > REPLAY_LIMIT {
            return self.reset(out).await;
        }
        let events = self
            .chatdrop
            .store
            .events_after(&self.room.code, after, REPLAY_LIMIT as u32)
            .await
            .map_err(|error| {
                tracing::error!(%error, "reading history for a resume");
                End::Gone
            })?;
        self.delivered = after;
        for event in events {
            self.delivered = event.seq;
            out.feed(encode(&ServerMsg::Event { event })).await?;
        }
        out.feed(self.presence()).await?;
        Ok(out.flush().await?)
    }

    /// Replaces the client's log with the newest events.
    async fn reset(&mut self, out: &mut Outbox) -> Step {
        let events = self
            .chatdrop
            .store
            .events_before(&self.room.code, None, RESET_EVENTS)
            .await
            .map_err(|error| {
                tracing::error!(%error, "reading history for a reset");
                End::Gone
            })?;
        self.delivered = events.last().map_or(self.delivered, |e| e.seq);
        out.send(&ServerMsg::Reset { events }).await?;
        out.feed(self.presence()).await?;
        Ok(out.flush().await?)
    }

    fn presence(&self) -> Utf8Bytes {
        encode(&ServerMsg::Presence {
            members: self.room.members(),
        })
    }
}

/// How to end a connection whose frame could not be read: RFC 6455's code
/// for the violation, or just dropping a connection that is gone.
fn violation(error: &WsError) -> End {
    match error {
        WsError::Capacity(_) => End::Close(CloseCode::Size, "message too big"),
        WsError::Utf8(_) => End::Close(CloseCode::Invalid, "text is not UTF-8"),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Gone,
        WsError::Protocol(_) => End::Close(CloseCode::Protocol, "protocol error"),
        _ => End::Gone,
    }
}
