//! The write half of a room's socket, with a deadline on every write (a
//! client that stops reading is dropped instead of holding memory), and the
//! closing handshake.

use std::future::Future;
use std::time::Duration;

use app::protocol::ServerMsg;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::rooms::encode;

/// A room's WebSocket, as upgraded by `ws.rs`.
pub type Socket =
    tokio_tungstenite::WebSocketStream<hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>>;

/// How long a closing connection waits for the client's close reply.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// A write that must finish within `timeout`.
async fn deadline<E>(
    timeout: Duration,
    write: impl Future<Output = Result<(), E>>,
) -> Result<(), Gone> {
    match tokio::time::timeout(timeout, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Gone),
        Err(_) => {
            let metrics = crate::metrics::metrics();
            crate::metrics::Metrics::outcome(&metrics.slow_readers, "dropped");
            Err(Gone)
        }
    }
}

/// The client can't be written to: the connection is over.
#[derive(Debug)]
pub struct Gone;

/// The write half.
pub struct Outbox {
    pub sink: SplitSink<Socket, Message>,
    pub timeout: Duration,
}

impl Outbox {
    /// Sends one frame now.
    pub async fn send(&mut self, msg: &ServerMsg) -> Result<(), Gone> {
        self.send_raw(Message::Text(encode(msg))).await
    }

    /// Sends one frame of any kind now.
    pub async fn send_raw(&mut self, msg: Message) -> Result<(), Gone> {
        deadline(self.timeout, self.sink.send(msg)).await
    }

    /// Queues a frame for the next [`Outbox::flush`].
    pub async fn feed(&mut self, text: Utf8Bytes) -> Result<(), Gone> {
        deadline(self.timeout, self.sink.feed(Message::Text(text))).await
    }

    /// Writes what was queued.
    pub async fn flush(&mut self) -> Result<(), Gone> {
        deadline(self.timeout, self.sink.flush()).await
    }

    /// Ends the connection as RFC 6455 asks: a close frame with `code`,
    /// then whatever the client still sends is read (and discarded) until
    /// it answers or hangs up. Closing a socket with unread data makes the
    /// kernel send a reset, and the client would never see the code.
    pub async fn close(
        mut self,
        mut stream: SplitStream<Socket>,
        code: CloseCode,
        reason: &'static str,
    ) {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        if self.send_raw(Message::Close(Some(frame))).await.is_err() {
            return;
        }
        let _ = tokio::time::timeout(CLOSE_LINGER, async move {
            // While the socket still reads frames, wait for the client's
            // close; after a protocol error it reads nothing more, so the
            // rest of the client's bytes are drained from the connection
            // itself.
            loop {
                match stream.next().await {
                    Some(Ok(Message::Close(_))) => return,
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => break,
                }
            }
            let Ok(mut socket) = stream.reunite(self.sink) else {
                return;
            };
            let raw = socket.get_mut();
            let _ = raw.shutdown().await;
            let mut buf = vec![0u8; 16 * 1024];
            while matches!(raw.read(&mut buf).await, Ok(n) if n > 0) {}
        })
        .await;
    }
}
