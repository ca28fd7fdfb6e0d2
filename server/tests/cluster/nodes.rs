//! Several real Chatdrop nodes in this process, on one PostgreSQL database,
//! one Redis and one data dir (the shared uploads and session key), and
//! people connected to whichever node a test says.

use std::net::SocketAddr;
use std::time::Duration;

use app::protocol::{ClientMsg, ClientMsgId, ErrorCode, Event, Seq, ServerMsg, UploadId};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use server::Config;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::postgres::Postgres;
use crate::redis::Redis;

/// The shared pieces, and the nodes on them.
pub struct Cluster {
    pub redis: Redis,
    pub database: String,
    pub dir: tempfile::TempDir,
    pub nodes: Vec<Node>,
    /// Every node's presence grace and node timeout, in milliseconds.
    pub grace_ms: u64,
    pub node_timeout_ms: u64,
    /// Rooms one address may create back to back, on each node.
    pub new_room_burst: u32,
}

pub struct Node {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Cluster {
    /// `n` nodes, up and serving, with the default timings.
    pub async fn start(n: usize) -> Cluster {
        Self::start_timed(n, 8_000, 6_000).await
    }

    /// `n` nodes with this presence grace and node timeout.
    pub async fn start_timed(n: usize, grace_ms: u64, node_timeout_ms: u64) -> Cluster {
        let mut cluster = Self::pieces();
        cluster.grace_ms = grace_ms;
        cluster.node_timeout_ms = node_timeout_ms;
        cluster.add_nodes(n).await;
        cluster
    }

    /// The shared pieces, no nodes yet (the default timings, and a room
    /// budget many posters from one address don't exhaust).
    pub fn pieces() -> Cluster {
        Cluster {
            redis: Redis::start(),
            database: Postgres::get().fresh_database(),
            dir: tempfile::tempdir().unwrap(),
            nodes: Vec::new(),
            grace_ms: 8_000,
            node_timeout_ms: 6_000,
            new_room_burst: 1_000,
        }
    }

    /// Starts `n` more nodes.
    pub async fn add_nodes(&mut self, n: usize) {
        for _ in 0..n {
            let node = self.node().await;
            self.nodes.push(node);
        }
    }

    /// `http://` and node `at`'s address.
    pub fn base(&self, at: usize) -> String {
        format!("http://{}", self.nodes[at].addr)
    }

    /// One more node on the same pieces.
    pub async fn node(&self) -> Node {
        let mut config = Config::for_tests(self.dir.path().to_path_buf());
        config.database_url = self.database.clone();
        config.redis_url = Some(self.redis.url());
        config.presence_grace_ms = self.grace_ms;
        config.node_timeout_ms = self.node_timeout_ms;
        config.new_room_burst = self.new_room_burst;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::run(listener, config, async {
                let _ = stopped.await;
            })
            .await
            .expect("node failed");
        });
        for _ in 0..400 {
            if reqwest::get(format!("http://{addr}/")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Node {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// One more node on the same pieces, as its own process (which a test
    /// can kill): the process and its address, once it serves.
    pub async fn process_node(&self) -> (ChildGuard, SocketAddr) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_chatdrop"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(["--database-url", &self.database])
            .args(["--redis-url", &self.redis.url()])
            .args(["--presence-grace-ms", &self.grace_ms.to_string()])
            .args(["--node-timeout-ms", &self.node_timeout_ms.to_string()])
            .arg("--leptos-config")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"))
            .env("RUST_LOG", "error")
            .spawn()
            .expect("start chatdrop");
        // Guarded at once: killed and waited for however the test ends.
        let guard = ChildGuard(child);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        for _ in 0..400 {
            if reqwest::get(format!("http://{addr}/")).await.is_ok() {
                return (guard, addr);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the node's process did not start");
    }

    /// `name` creates a room on node `at`.
    pub async fn create(&self, at: usize, name: &str) -> Person {
        self.sign_in(at, name, None).await
    }

    /// `name` joins room `code` on node `at`.
    pub async fn join(&self, at: usize, name: &str, code: &str) -> Person {
        self.sign_in(at, name, Some(code)).await
    }

    async fn sign_in(&self, at: usize, name: &str, code: Option<&str>) -> Person {
        let response = crate::sign_in::post_login(&self.base(at), name, code).await;
        assert_eq!(response.status().as_u16(), 303, "sign in {name}");
        let room = response.headers()["location"].to_str().unwrap().to_owned();
        Person {
            cookie: crate::sign_in::session_cookie(&response),
            code: room.trim_start_matches("/room/").to_owned(),
        }
    }
}

impl Node {
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A node's process, killed (SIGKILL) when the guard drops.
pub struct ChildGuard(pub std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Someone signed in (their cookie works on every node: the session key
/// is in the shared data dir).
#[derive(Clone)]
pub struct Person {
    pub cookie: String,
    pub code: String,
}

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A tab of `person`, connected to one node.
pub struct Tab {
    pub send: SplitSink<Stream, Message>,
    pub recv: SplitStream<Stream>,
}

impl Tab {
    /// Connects to node `addr` and resumes after `after`.
    pub async fn open(addr: SocketAddr, person: &Person, after: u64) -> Tab {
        let mut request = format!("ws://{addr}/ws/{}", person.code)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("cookie", person.cookie.parse().unwrap());
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        let (send, recv) = stream.split();
        let mut tab = Tab { send, recv };
        tab.send(&ClientMsg::Resume { after: Seq(after) }).await;
        tab
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        let text = serde_json::to_string(msg).unwrap();
        self.send.send(Message::text(text)).await.expect("send");
    }

    pub async fn say(&mut self, id: &str, text: &str) {
        self.send.send(say(id, text)).await.expect("send");
    }

    /// The next protocol frame, if one comes within `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<ServerMsg> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.recv.next())
                .await
                .ok()?;
            match frame.expect("connection ended").expect("read error") {
                Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("a ServerMsg"))
                }
                Message::Close(close) => panic!("closed: {close:?}"),
                _ => continue,
            }
        }
    }

    /// Events until one satisfies `done`, all of them; fails if 10 s pass
    /// without a frame.
    pub async fn events_until(&mut self, mut done: impl FnMut(&Event) -> bool) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let Some(msg) = self.recv_within(Duration::from_secs(10)).await else {
                panic!("nothing for 10 s after {} events", events.len());
            };
            if let ServerMsg::Event { event } = msg {
                let stop = done(&event);
                events.push(event);
                if stop {
                    return events;
                }
            }
        }
    }

    /// Sends message `text` as `id` and waits for its acknowledgement, as
    /// the browser does before it counts a message as sent.
    pub async fn say_acked(&mut self, id: &str, text: &str) {
        self.say(id, text).await;
        loop {
            match self.recv_within(Duration::from_secs(10)).await {
                Some(ServerMsg::Ack { id: acked, .. }) if acked.0 == id => return,
                Some(ServerMsg::Error { message, .. }) => panic!("{id} refused: {message}"),
                Some(_) => {}
                None => panic!("no acknowledgement of {id} within 10 s"),
            }
        }
    }
}

/// Answers to a tab's file frames.
impl Tab {
    /// Offers `size` bytes called `name`: the upload and where to send from.
    pub async fn offer(&mut self, id: &str, name: &str, size: u64) -> (UploadId, u64) {
        self.send(&ClientMsg::Offer {
            id: ClientMsgId(id.into()),
            name: name.into(),
            size,
            mime: "application/octet-stream".into(),
            sha256: None,
        })
        .await;
        match self.file_answer().await {
            Ok(ServerMsg::Upload { upload, offset, .. }) => (upload, offset),
            other => panic!("offer answered {other:?}"),
        }
    }

    /// Asks to continue `upload`: where to send from, or the refusal.
    pub async fn resume_upload(&mut self, upload: &UploadId) -> Result<u64, ErrorCode> {
        self.send(&ClientMsg::ResumeUpload {
            upload: upload.clone(),
        })
        .await;
        match self.file_answer().await {
            Ok(ServerMsg::Upload { offset, .. }) => Ok(offset),
            Err((code, _)) => Err(code),
            Ok(other) => panic!("resume answered {other:?}"),
        }
    }

    /// Sends one chunk: the bytes now stored, or the refusal and where the
    /// next chunk must start.
    pub async fn put(
        &mut self,
        upload: &UploadId,
        offset: u64,
        payload: &[u8],
    ) -> Result<u64, (ErrorCode, Option<u64>)> {
        let frame = crate::bytes::chunk_frame(upload, offset, payload);
        self.send
            .send(Message::binary(frame))
            .await
            .expect("send chunk");
        match self.file_answer().await {
            Ok(ServerMsg::Received { offset, .. }) => Ok(offset),
            Ok(other) => panic!("chunk answered {other:?}"),
            Err(refusal) => Err(refusal),
        }
    }

    /// Sends `bytes[from..]` in chunks of `chunk` bytes, each acknowledged.
    pub async fn send_from(&mut self, upload: &UploadId, bytes: &[u8], from: usize, chunk: usize) {
        let mut offset = from;
        while offset < bytes.len() {
            let end = (offset + chunk).min(bytes.len());
            let stored = self.put(upload, offset as u64, &bytes[offset..end]).await;
            assert_eq!(stored, Ok(end as u64), "chunk at {offset}");
            offset = end;
        }
    }

    /// The next answer to a file frame (an upload, a receipt, a refusal).
    async fn file_answer(&mut self) -> Result<ServerMsg, (ErrorCode, Option<u64>)> {
        loop {
            match self.recv_within(Duration::from_secs(15)).await {
                Some(ServerMsg::Error { code, expected, .. }) => return Err((code, expected)),
                Some(msg @ (ServerMsg::Upload { .. } | ServerMsg::Received { .. })) => {
                    return Ok(msg)
                }
                Some(_) => {}
                None => panic!("no answer to a file frame within 15 s"),
            }
        }
    }
}

/// The frame that sends message `text` with client id `id`.
pub fn say(id: &str, text: &str) -> Message {
    let msg = ClientMsg::Send {
        id: ClientMsgId(id.into()),
        text: text.into(),
        reply_to: None,
    };
    Message::text(serde_json::to_string(&msg).unwrap())
}

/// The message text of `event`, if it is one.
pub fn text(event: &Event) -> Option<&str> {
    match &event.kind {
        app::protocol::EventKind::Message { text, .. } => Some(text),
        _ => None,
    }
}
