//! The room's socket ends per RFC 6455: a protocol violation gets a close
//! frame with 1002 or 1007, an oversized frame 1009, before the connection
//! ends; seen by a raw client that can send what no library would.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use crate::helpers::{sign_in, Member, TestApp};

/// A WebSocket client over a bare TCP stream: frames are written byte for
/// byte as the test says.
struct Raw {
    read: OwnedReadHalf,
    write: Option<OwnedWriteHalf>,
    buffered: Vec<u8>,
}

impl Raw {
    async fn open(app: &TestApp, member: &Member) -> Raw {
        let (read, mut write) = TcpStream::connect(app.addr).await.unwrap().into_split();
        let request = format!(
            "GET /ws/{} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: Upgrade\r\n\
             Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            member.code(),
            app.addr,
            member.cookie
        );
        write.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Raw {
            read,
            write: Some(write),
            buffered: Vec::new(),
        };
        let head = raw.until_blank_line().await;
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        raw
    }

    async fn until_blank_line(&mut self) -> String {
        loop {
            if let Some(end) = self.buffered.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.buffered.drain(..end + 4).collect();
                return String::from_utf8_lossy(&head).into_owned();
            }
            self.fill().await.expect("the handshake's answer");
        }
    }

    async fn fill(&mut self) -> Option<()> {
        let mut buf = [0u8; 8192];
        let n = self.read.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        self.buffered.extend_from_slice(&buf[..n]);
        Some(())
    }

    async fn need(&mut self, n: usize) -> Option<()> {
        while self.buffered.len() < n {
            self.fill().await?;
        }
        Some(())
    }

    /// Reads frames until a close frame: its code, or `None` if the
    /// connection ended without one.
    async fn close_code(&mut self) -> Option<u16> {
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                self.need(2).await?;
                let opcode = self.buffered[0] & 0x0f;
                let (len, header) = match self.buffered[1] & 0x7f {
                    126 => {
                        self.need(4).await?;
                        (
                            u16::from_be_bytes([self.buffered[2], self.buffered[3]]) as usize,
                            4,
                        )
                    }
                    127 => {
                        self.need(10).await?;
                        let bytes: [u8; 8] = self.buffered[2..10].try_into().unwrap();
                        (u64::from_be_bytes(bytes) as usize, 10)
                    }
                    n => (n as usize, 2),
                };
                self.need(header + len).await?;
                let frame: Vec<u8> = self.buffered.drain(..header + len).collect();
                if opcode == 0x8 {
                    let payload = &frame[header..];
                    return Some(u16::from_be_bytes([payload[0], payload[1]]));
                }
            }
        })
        .await
        .expect("a close frame or the end within 5 s")
    }
}

/// A frame from the client, masked with `mask` (or unmasked if `None`).
fn frame(fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | opcode];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(mask_bit | n as u8),
        n if n <= 0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(mask) => {
            out.extend_from_slice(&mask);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

const MASK: Option<[u8; 4]> = Some([7, 1, 9, 3]);

async fn code_after(app: &TestApp, member: &Member, bytes: &[u8]) -> Option<u16> {
    let mut raw = Raw::open(app, member).await;
    raw.write.as_mut().unwrap().write_all(bytes).await.unwrap();
    raw.close_code().await
}

#[tokio::test]
async fn protocol_violations_get_1002() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let resume = br#"{"type":"resume","after":0}"#;
    assert_eq!(
        code_after(&app, &alice, &frame(true, 0x1, resume, None)).await,
        Some(1002),
        "an unmasked frame from a client"
    );
    assert_eq!(
        code_after(&app, &alice, &frame(false, 0x9, b"ping", MASK)).await,
        Some(1002),
        "a fragmented control frame"
    );
    assert_eq!(
        code_after(&app, &alice, &frame(true, 0x3, b"?", MASK)).await,
        Some(1002),
        "a reserved opcode"
    );
}

#[tokio::test]
async fn text_that_is_not_utf8_gets_1007() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    assert_eq!(
        code_after(&app, &alice, &frame(true, 0x1, b"caf\xe9", MASK)).await,
        Some(1007)
    );
}

#[tokio::test]
async fn an_oversized_frame_gets_1009_even_while_the_client_keeps_sending() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    for attempt in 0..10 {
        let mut raw = Raw::open(&app, &alice).await;
        let mut write = raw.write.take().unwrap();
        // A 4 MiB binary frame: the header says too big, and the bytes
        // keep coming while the server closes.
        let sender = tokio::spawn(async move {
            let mut header = vec![0x82, 0x80 | 127];
            header.extend_from_slice(&(4u64 << 20).to_be_bytes());
            header.extend_from_slice(&[1, 2, 3, 4]);
            let _ = write.write_all(&header).await;
            let block = vec![0x55u8; 64 * 1024];
            for _ in 0..64 {
                if write.write_all(&block).await.is_err() {
                    break;
                }
            }
        });
        assert_eq!(raw.close_code().await, Some(1009), "attempt {attempt}");
        let _ = sender.await;
    }
}
