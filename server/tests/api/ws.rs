//! A typed WebSocket client for tests, built on the protocol enums.

use std::time::Duration;

use app::protocol::{
    ClientMsg, ClientMsgId, ErrorCode, Event, EventKind, FileStatus, Seq, ServerMsg, UploadId,
};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Member, TestApp};

pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How long a test waits for a frame it expects.
const WAIT: Duration = Duration::from_secs(5);
/// How long `until` looks for a matching frame among others.
const UNTIL: Duration = Duration::from_secs(30);

impl Ws {
    /// Connects `member` to their room and sends `Resume { after }`;
    /// returns once the server said welcome, which it does after storing
    /// their join, so what the test does next sees them in the room.
    pub async fn join(app: &TestApp, member: &Member, after: u64) -> Ws {
        let mut ws = Self::connect(app, member, None).await.expect("upgrade");
        ws.send(&ClientMsg::Resume { after: Seq(after) }).await;
        ws.until(|m| matches!(m, ServerMsg::Welcome { .. }).then_some(()))
            .await;
        ws
    }

    /// Connects without resuming; `Err(status)` if the upgrade is refused.
    pub async fn connect(app: &TestApp, member: &Member, origin: Option<&str>) -> Result<Ws, u16> {
        Self::connect_to(
            app,
            &format!("/ws/{}", member.code()),
            Some(&member.cookie),
            origin,
        )
        .await
    }

    pub async fn connect_to(
        app: &TestApp,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Ws, u16> {
        let mut request = format!("ws://{}{path}", app.addr)
            .into_client_request()
            .unwrap();
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("cookie", cookie.parse().unwrap());
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", origin.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(Ws { stream }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(other) => panic!("connect failed: {other}"),
        }
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        self.send_text(&serde_json::to_string(msg).unwrap()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(Message::text(text)).await.expect("send");
    }

    pub async fn say(&mut self, id: &str, text: &str) {
        self.send(&ClientMsg::Send {
            id: ClientMsgId(id.into()),
            text: text.into(),
            reply_to: None,
        })
        .await;
    }

    /// The next protocol frame (pings are answered by the library).
    pub async fn recv(&mut self) -> ServerMsg {
        loop {
            let frame = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("timed out waiting for a frame")
                .expect("connection ended")
                .expect("read error");
            match frame {
                Message::Text(text) => return serde_json::from_str(&text).expect("a ServerMsg"),
                Message::Close(close) => panic!("closed: {close:?}"),
                _ => continue,
            }
        }
    }

    /// Frames until one matches, returning it.
    pub async fn until<T>(&mut self, mut pick: impl FnMut(&ServerMsg) -> Option<T>) -> T {
        // Other frames (presence, pings) keep `recv` from timing out: without
        // a deadline of its own, a frame that never comes would hang the run.
        tokio::time::timeout(UNTIL, async {
            loop {
                let msg = self.recv().await;
                if let Some(found) = pick(&msg) {
                    return found;
                }
            }
        })
        .await
        .expect("timed out waiting for a matching frame")
    }

    /// The next event.
    pub async fn event(&mut self) -> Event {
        self.until(|m| match m {
            ServerMsg::Event { event } => Some(event.clone()),
            _ => None,
        })
        .await
    }

    /// The next chat message's text.
    pub async fn message(&mut self) -> (Seq, String) {
        loop {
            let event = self.event().await;
            if let EventKind::Message { text, .. } = event.kind {
                return (event.seq, text);
            }
        }
    }

    /// The next ack's sequence number.
    pub async fn ack(&mut self) -> Seq {
        self.until(|m| match m {
            ServerMsg::Ack { seq, .. } => Some(*seq),
            _ => None,
        })
        .await
    }

    /// Reads until the server closes, returning the close code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("timed out waiting for close")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Offers a file; `Ok((upload, offset))` or the refusal's code.
    pub async fn offer(
        &mut self,
        id: &str,
        name: &str,
        bytes: &[u8],
        sha256: Option<String>,
    ) -> Result<(UploadId, u64), ErrorCode> {
        self.offer_size(id, name, bytes.len() as u64, sha256).await
    }

    /// Offers `size` bytes called `name` (type application/octet-stream).
    pub async fn offer_size(
        &mut self,
        id: &str,
        name: &str,
        size: u64,
        sha256: Option<String>,
    ) -> Result<(UploadId, u64), ErrorCode> {
        self.send(&ClientMsg::Offer {
            id: ClientMsgId(id.into()),
            name: name.into(),
            size,
            mime: "application/octet-stream".into(),
            sha256,
        })
        .await;
        let id = ClientMsgId(id.into());
        self.until(|m| match m {
            ServerMsg::Upload {
                id: Some(got),
                upload,
                offset,
            } if *got == id => Some(Ok((upload.clone(), *offset))),
            ServerMsg::Error {
                code,
                id: Some(got),
                ..
            } if *got == id => Some(Err(*code)),
            ServerMsg::Error {
                code,
                upload: Some(_),
                ..
            } => Some(Err(*code)),
            _ => None,
        })
        .await
    }

    /// Sends one chunk frame.
    pub async fn chunk(&mut self, upload: &UploadId, offset: u64, payload: &[u8]) {
        let frame = crate::bytes::chunk_frame(upload, offset, payload);
        self.stream
            .send(Message::binary(frame))
            .await
            .expect("send chunk");
    }

    /// Sends one chunk and waits for its acknowledgement (`Ok(stored)`) or
    /// refusal (`Err(code, expected offset)`).
    pub async fn put(
        &mut self,
        upload: &UploadId,
        offset: u64,
        payload: &[u8],
    ) -> Result<u64, (ErrorCode, Option<u64>)> {
        self.chunk(upload, offset, payload).await;
        self.until(|m| match m {
            ServerMsg::Received {
                upload: got,
                offset,
            } if got == upload => Some(Ok(*offset)),
            ServerMsg::Error { code, expected, .. } => Some(Err((*code, *expected))),
            _ => None,
        })
        .await
    }

    /// Sends `bytes[from..]` in chunks of `chunk` bytes, waiting for each
    /// acknowledgement.
    pub async fn send_from(&mut self, upload: &UploadId, bytes: &[u8], from: usize, chunk: usize) {
        let mut offset = from;
        while offset < bytes.len() {
            let end = (offset + chunk).min(bytes.len());
            let stored = self
                .put(upload, offset as u64, &bytes[offset..end])
                .await
                .expect("chunk accepted");
            assert_eq!(stored, end as u64);
            offset = end;
        }
    }

    /// Uploads `bytes` as `name` start to finish; returns the upload.
    pub async fn upload(&mut self, id: &str, name: &str, bytes: &[u8]) -> UploadId {
        let (upload, offset) = self
            .offer(id, name, bytes, None)
            .await
            .expect("offer accepted");
        self.send_from(&upload, bytes, offset as usize, 64 * 1024)
            .await;
        upload
    }

    /// Asks to continue `upload`; the offset the server answers with, or the
    /// refusal's code.
    pub async fn resume_upload(&mut self, upload: &UploadId) -> Result<u64, ErrorCode> {
        self.send(&ClientMsg::ResumeUpload {
            upload: upload.clone(),
        })
        .await;
        self.until(|m| match m {
            ServerMsg::Upload { offset, .. } => Some(Ok(*offset)),
            ServerMsg::Error { code, .. } => Some(Err(*code)),
            _ => None,
        })
        .await
    }

    /// The code of the next error frame.
    pub async fn error_code(&mut self) -> ErrorCode {
        self.until(|m| match m {
            ServerMsg::Error { code, .. } => Some(*code),
            _ => None,
        })
        .await
    }

    /// Waits for upload `upload` to reach `status`.
    pub async fn status(&mut self, upload: &UploadId, status: FileStatus) {
        self.until(|m| match m {
            ServerMsg::Progress {
                upload: got,
                status: now,
                ..
            } if got == upload && *now == status => Some(()),
            _ => None,
        })
        .await
    }

    /// Protocol frames that arrive within `window`, without failing on
    /// silence.
    pub async fn drain(&mut self, window: Duration) -> Vec<ServerMsg> {
        let deadline = tokio::time::Instant::now() + window;
        let mut frames = Vec::new();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, self.stream.next()).await
        {
            if let Message::Text(text) = frame {
                frames.push(serde_json::from_str(&text).expect("a ServerMsg"));
            }
        }
        frames
    }
}
