//! Connection limits and lifecycles: idle and half-sent connections, the
//! per-address cap, a prompt exit on SIGTERM, and sockets that end by a
//! protocol violation or a panic.

use std::time::{Duration, Instant};

use app::protocol::{EventKind, ServerMsg};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{free_port, sign_in, start_binary, test_database, TestApp};
use crate::ws::Ws;

/// `GET / HTTP/1.1` on a fresh connection from `from`; the status line.
async fn status_line_from(app: &TestApp, from: &str, request: &str) -> String {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(app.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buf[..n]);
            if response.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    String::from_utf8_lossy(&response).into_owned()
}

const GET: &str = "GET / HTTP/1.1\r\nHost: chatdrop\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn connections_that_never_send_a_byte_are_closed_and_others_are_served() {
    let app = TestApp::spawn_with(|c| {
        c.header_read_timeout_ms = 2_000;
        c.max_connections_per_address = 5_000;
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..2_000 {
        silent.push(TcpStream::connect(app.addr).await.unwrap());
    }
    // Counted from the newest: on a slow machine the oldest may already be
    // past their deadline.
    let opened = Instant::now();
    // Served while they are open.
    for _ in 0..3 {
        let response = reqwest::get(app.url("/")).await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
    }
    let newest = silent.last_mut().unwrap();
    let mut first = [0u8; 1];
    if opened.elapsed() < Duration::from_millis(1_500) {
        assert!(
            tokio::time::timeout(Duration::from_millis(200), newest.read(&mut first))
                .await
                .is_err(),
            "still open before the timeout"
        );
    }
    let closed = futures_util::future::join_all(silent.into_iter().map(|mut stream| async move {
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(Duration::from_secs(15), stream.read(&mut buf)).await,
            Ok(Ok(0) | Err(_))
        )
    }))
    .await;
    assert_eq!(
        closed.iter().filter(|c| **c).count(),
        2_000,
        "every silent connection was closed"
    );
    assert!(
        opened.elapsed() >= Duration::from_millis(1_900),
        "not before the timeout"
    );
    let response = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn the_per_address_cap_refuses_with_503_while_other_addresses_connect() {
    let app = TestApp::spawn_with(|c| c.max_connections_per_address = 3).await;
    let alice = sign_in(&app, "Alice", None).await;
    // The sign-in's connection has closed: room for exactly three.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let _idle = [
        TcpStream::connect(app.addr).await.unwrap(),
        TcpStream::connect(app.addr).await.unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(100)).await;

    let refused = status_line_from(&app, "127.0.0.1", GET).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("Retry-After:"), "{refused}");
    let upgrade = format!(
        "GET /ws/{} HTTP/1.1\r\nHost: chatdrop\r\nCookie: {}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        alice.code(),
        alice.cookie
    );
    let refused = status_line_from(&app, "127.0.0.1", &upgrade).await;
    assert!(
        refused.starts_with("HTTP/1.1 503"),
        "no upgrade over the cap: {refused}"
    );

    let other = status_line_from(&app, "127.0.0.2", GET).await;
    assert!(
        other.starts_with("HTTP/1.1 200"),
        "another address connects: {other}"
    );

    // The socket opened before the cap was reached is unaffected.
    a.say("still", "still here").await;
    a.ack().await;
}

#[tokio::test]
async fn sigterm_exits_within_six_seconds_with_a_half_sent_request_open() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = start_binary(dir.path(), &test_database(), port);
    let app = TestApp::external(port).await;
    let mut half = TcpStream::connect(app.addr).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: chatdrop\r\n")
        .await
        .unwrap();
    let alice = sign_in(&app, "Alice", None).await;
    let _socket = Ws::join(&app, &alice, 0).await;
    let started = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(6) {
            let _ = child.kill();
            panic!("still running 6 s after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a clean exit: {status}");
}

#[tokio::test]
async fn a_panicking_socket_task_still_says_left_exactly_once() {
    let app = TestApp::spawn_with(|c| {
        c.presence_grace_ms = 200;
        c.hooks.panic_on_message = Some("panic now".into());
    })
    .await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    b.until(|m| match m {
        ServerMsg::Presence { members } if members.len() == 2 => Some(()),
        _ => None,
    })
    .await;
    a.say("boom", "panic now").await;
    assert_eq!(
        a.closed().await,
        None,
        "the panicking task dropped its socket"
    );
    let frames = b.drain(Duration::from_millis(1_500)).await;
    let left = frames
        .iter()
        .filter(|m| matches!(m, ServerMsg::Event { event } if event.kind == EventKind::Left && event.who.name.as_str() == "Alice"))
        .count();
    assert_eq!(left, 1, "{frames:?}");
    let last_presence = frames.iter().rev().find_map(|m| match m {
        ServerMsg::Presence { members } => Some(members.clone()),
        _ => None,
    });
    assert_eq!(
        last_presence.map(|m| m
            .into_iter()
            .map(|m| m.name.to_string())
            .collect::<Vec<_>>()),
        Some(vec!["Bob".to_owned()])
    );
}
