//! The two kinds of client the load generator speaks: Chatdrop's room
//! protocol, and Socket.IO (Engine.IO v4 over WebSocket) for the original
//! Flask app.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use app::protocol::{ClientMsg, ClientMsgId, Seq};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Socket = WebSocketStream<TcpStream>;

/// A server to load.
pub struct Target {
    base: String,
    addr: SocketAddr,
    flask: bool,
    http: reqwest::Client,
    // Session cookies by (room, name), so many connections can share users.
    cookies: Mutex<HashMap<(String, String), String>>,
}

/// A room as the target names it: a Chatdrop code or a Flask room name.
pub struct Room(pub String);

impl Target {
    pub fn new(base: &str, flask: bool) -> Self {
        let authority = base.trim_start_matches("http://").trim_end_matches('/');
        let addr = authority.parse().expect("--url must be http://IP:PORT");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            addr,
            flask,
            http,
            cookies: Mutex::default(),
        }
    }

    /// Whether the target is the original Flask app.
    pub fn is_flask(&self) -> bool {
        self.flask
    }

    /// Room number `n`: created on Chatdrop, named on Flask.
    pub async fn room(&self, n: usize) -> anyhow::Result<Room> {
        if self.flask {
            return Ok(Room(format!("room{n}")));
        }
        let response = self
            .http
            .post(format!("{}/", self.base))
            .form(&[
                ("name", format!("owner{n}").as_str()),
                ("code", ""),
                ("action", "create"),
            ])
            .send()
            .await?;
        let location = response
            .headers()
            .get("location")
            .context("no redirect from create")?
            .to_str()?;
        Ok(Room(location.trim_start_matches("/room/").to_owned()))
    }

    async fn cookie(&self, room: &Room, name: &str) -> anyhow::Result<String> {
        let key = (room.0.clone(), name.to_owned());
        if let Some(cookie) = self.cookies.lock().await.get(&key) {
            return Ok(cookie.clone());
        }
        let response = self
            .http
            .post(format!("{}/", self.base))
            .form(&[
                ("name", name),
                ("code", room.0.as_str()),
                ("action", "join"),
            ])
            .send()
            .await?;
        let cookie = response
            .headers()
            .get("set-cookie")
            .context("no session")?
            .to_str()?;
        let cookie = cookie.split(';').next().unwrap_or_default().to_owned();
        self.cookies.lock().await.insert(key, cookie.clone());
        Ok(cookie)
    }
}

/// One connection, before it is split into its two halves.
pub struct Client {
    socket: Socket,
    flask: bool,
    room: String,
    name: String,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Client {
    pub async fn connect(target: &Target, room: &Room, name: &str) -> anyhow::Result<Self> {
        Self::connect_from(target, room, name, "127.0.0.1").await
    }

    /// Connects from the local address `source`.
    pub async fn connect_from(
        target: &Target,
        room: &Room,
        name: &str,
        source: &str,
    ) -> anyhow::Result<Self> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(source.parse()?, 0))?;
        let stream = socket.connect(target.addr).await.context("connecting")?;
        stream.set_nodelay(true)?;
        let host = target.addr;
        let mut client = if target.flask {
            let request = format!("ws://{host}/socket.io/?EIO=4&transport=websocket")
                .into_client_request()?;
            let (socket, _) = tokio_tungstenite::client_async(request, stream).await?;
            Self {
                socket,
                flask: true,
                room: room.0.clone(),
                name: name.to_owned(),
            }
        } else {
            let mut request = format!("ws://{host}/ws/{}", room.0).into_client_request()?;
            request
                .headers_mut()
                .insert("cookie", target.cookie(room, name).await?.parse()?);
            let (socket, _) = tokio_tungstenite::client_async(request, stream).await?;
            Self {
                socket,
                flask: false,
                room: room.0.clone(),
                name: name.to_owned(),
            }
        };
        client.handshake().await?;
        Ok(client)
    }

    async fn handshake(&mut self) -> anyhow::Result<()> {
        if self.flask {
            // Engine.IO open packet, then connect to the default namespace
            // and join the room as the original app's clients do.
            self.socket.next().await.context("no open packet")??;
            self.socket.send(Message::text("40")).await?;
            loop {
                let frame = self.socket.next().await.context("no connect ack")??;
                if frame.to_text()?.starts_with("40") {
                    break;
                }
            }
            let join = serde_json::json!(["join", {"room": self.room, "username": self.name}]);
            self.socket.send(Message::text(format!("42{join}"))).await?;
        } else {
            let resume = ClientMsg::Resume {
                after: Seq(u64::MAX / 2),
            };
            self.socket
                .send(Message::text(serde_json::to_string(&resume)?))
                .await?;
        }
        Ok(())
    }

    /// The raw socket, for scenarios that speak more than chat.
    pub fn into_socket(self) -> Socket {
        self.socket
    }

    pub fn split(self) -> (Writer, Reader) {
        let (sink, stream) = self.socket.split();
        let sink = Arc::new(Mutex::new(sink));
        let writer = Writer {
            sink: sink.clone(),
            flask: self.flask,
            room: self.room,
            prefix: self.name,
        };
        (
            writer,
            Reader {
                stream,
                sink,
                flask: self.flask,
            },
        )
    }
}

/// Sends chat messages.
pub struct Writer {
    sink: Arc<Mutex<SplitSink<Socket, Message>>>,
    flask: bool,
    room: String,
    prefix: String,
}

impl Writer {
    pub async fn send_message(&mut self, text: &str) -> anyhow::Result<()> {
        let frame = if self.flask {
            format!(
                "42{}",
                serde_json::json!(["message", {"room": self.room, "msg": text}])
            )
        } else {
            let id = ClientMsgId(format!(
                "{}-{}",
                self.prefix,
                NEXT_ID.fetch_add(1, Ordering::Relaxed)
            ));
            serde_json::to_string(&ClientMsg::Send {
                id,
                text: text.to_owned(),
                reply_to: None,
            })?
        };
        self.sink.lock().await.send(Message::text(frame)).await?;
        Ok(())
    }
}

/// Yields the texts of chat messages as they arrive.
pub struct Reader {
    stream: SplitStream<Socket>,
    sink: Arc<Mutex<SplitSink<Socket, Message>>>,
    flask: bool,
}

impl Reader {
    pub async fn next_message(&mut self) -> Option<String> {
        loop {
            let frame = self.stream.next().await?.ok()?;
            let Message::Text(text) = frame else { continue };
            if self.flask && text.as_str() == "2" {
                // Engine.IO ping: answer or be dropped.
                let _ = self.sink.lock().await.send(Message::text("3")).await;
                continue;
            }
            // Only benchmark payloads matter, and both servers send them as
            // a JSON string; finding it beats parsing every frame, so the
            // generator leaves the two cores to the server it measures.
            if let Some(found) = benchmark_payload(text.as_str()) {
                return Some(found.to_owned());
            }
        }
    }
}

/// The `b|…` string inside a frame, if any.
fn benchmark_payload(frame: &str) -> Option<&str> {
    let start = frame.find("\"b|")? + 1;
    let len = frame[start..].find('"')?;
    Some(&frame[start..start + len])
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_payloads_in_both_protocols() {
        let chatdrop = r#"{"type":"event","event":{"seq":3,"kind":"message","text":"b|1|99|xx","client_id":"c"}}"#;
        assert_eq!(super::benchmark_payload(chatdrop), Some("b|1|99|xx"));
        let flask = r#"42["message",{"msg":"b|2|5|x","username":""}]"#;
        assert_eq!(super::benchmark_payload(flask), Some("b|2|5|x"));
        assert_eq!(super::benchmark_payload(r#"{"type":"ack"}"#), None);
    }
}
