//! The command-line client, run as people run it: the real `chatdrop`
//! binary against a real server, its output read as they would read it.

use std::process::Stdio;
use std::time::Duration;

use app::protocol::{EventKind, FileStatus, ServerMsg};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{sign_in, Member, TestApp};
use crate::ws::Ws;

/// `chatdrop ARGS` with its own state dir, no password in the
/// environment and no terminal.
fn chatdrop(state: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatdrop"));
    command
        .args(args)
        .env("CHATDROP_STATE_DIR", state)
        .env_remove(server::cli::PASSWORD_VAR)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs `chatdrop ARGS` to its end: (exit code, stdout, stderr).
async fn run(state: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = tokio::time::timeout(Duration::from_secs(120), chatdrop(state, args).output())
        .await
        .expect("chatdrop finished")
        .expect("chatdrop ran");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `send --url URL --room CODE --name Bob REST…`.
fn send_args(url: &str, code: &str, rest: &[&str]) -> Vec<String> {
    let head = ["send", "--url", url, "--room", code, "--name", "Bob"];
    head.iter().chain(rest).map(|s| (*s).to_owned()).collect()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The download link in `Shared NAME (SIZE): LINK`.
fn shared_link(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Shared "))
        .unwrap_or_else(|| panic!("no Shared line in {stdout:?}"));
    line.rsplit(": ").next().unwrap().to_owned()
}

async fn download(app: &TestApp, member: &Member, link: &str) -> Vec<u8> {
    let path = link
        .strip_prefix(&app.url(""))
        .expect("a link to this server");
    let response = member.get(app, path).await;
    assert_eq!(response.status(), 200, "download {link}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_50_mb_send_interrupted_by_ctrl_c_continues_when_run_again() {
    // Throttled so the first run is still sending when it is stopped.
    let app = TestApp::spawn_with(|c| c.upload_bytes_per_second = 12 << 20).await;
    let ada = sign_in(&app, "Ada", None).await;
    let mut watching = Ws::join(&app, &ada, 0).await;
    let files = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let bytes = crate::bytes::noise(50 << 20, 7);
    let path = files.path().join("big.bin");
    std::fs::write(&path, &bytes).unwrap();
    let url = app.url("");
    let args = send_args(&url, ada.code(), &[path.to_str().unwrap()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let first = chatdrop(state.path(), &args).spawn().unwrap();
    let upload = watching
        .until(|m| match m {
            ServerMsg::Event { event } => match &event.kind {
                EventKind::File { file } => Some(file.id.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    let received = watching
        .until(|m| match m {
            ServerMsg::Progress {
                upload: u,
                received,
                ..
            } if *u == upload && *received >= 10 << 20 => Some(*received),
            _ => None,
        })
        .await;
    interrupt(&first);
    let stopped = tokio::time::timeout(Duration::from_secs(30), first.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Run the same command again"), "{stderr}");
    assert!(received < bytes.len() as u64);

    let (code, stdout, stderr) = run(state.path(), &args).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Continuing big.bin from"),
        "resumed, not restarted: {stderr}"
    );
    let link = shared_link(&stdout);
    assert!(stdout.contains("Shared big.bin (50.0 MB)"), "{stdout}");
    assert!(link.ends_with(&upload.href()), "the same upload: {link}");
    let downloaded = download(&app, &ada, &link).await;
    assert_eq!(hex_sha256(&downloaded), hex_sha256(&bytes));

    // Sent again, the content the room has completes at once, as a new entry.
    let (code, stdout, stderr) = run(state.path(), &args).await;
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(shared_link(&stdout), link);
    watching.status(&upload, FileStatus::Complete).await;
}

fn interrupt(child: &Child) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn send_posts_a_message_the_room_sees() {
    let app = TestApp::spawn().await;
    let ada = sign_in(&app, "Ada", None).await;
    let mut watching = Ws::join(&app, &ada, 0).await;
    let state = tempfile::tempdir().unwrap();
    let link = app.url(&ada.room);
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "send",
            "--room",
            &link,
            "--name",
            "Bob",
            "-m",
            "hello from a terminal",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(&format!("Posted to {}", ada.code())),
        "{stdout}"
    );
    let (_, text) = watching.message().await;
    assert_eq!(text, "hello from a terminal");
}

#[tokio::test]
async fn refusals_say_what_is_wrong_and_exit_non_zero() {
    let app = TestApp::spawn().await;
    let state = tempfile::tempdir().unwrap();
    let url = app.url("");
    let send = |room: &'static str, extra: &'static [&'static str]| {
        let mut args = vec![
            "send",
            "--url",
            url.as_str(),
            "--room",
            room,
            "--name",
            "Bob",
        ];
        args.extend_from_slice(extra);
        args
    };
    let (code, _, stderr) = run(state.path(), &send("K7Q-DM3-XPA", &["-m", "hi"])).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("room"), "{stderr}");

    let owner = app.person();
    let fields = [
        ("name", "Ada"),
        ("code", ""),
        ("action", "create"),
        ("password", "sesame"),
    ];
    let created = owner.post_form("/", &fields).await;
    let room = crate::helpers::location(&created);
    let code_of = room.trim_start_matches("/room/").to_owned();
    let args = [
        "send", "--url", &url, "--room", &code_of, "--name", "Bob", "-m", "hi",
    ];
    let (code, _, stderr) = run(state.path(), &args).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains(server::cli::PASSWORD_VAR),
        "asks for the password: {stderr}"
    );
    let with = |password: &str| {
        let mut command = chatdrop(state.path(), &args);
        command.env(server::cli::PASSWORD_VAR, password);
        command
    };
    let wrong = with("open up").output().await.unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("Wrong room password"));
    let right = with("sesame").output().await.unwrap();
    assert_eq!(
        right.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );

    let (code, _, stderr) = run(state.path(), &send("K7Q-DM3-XPA", &["/no/such/file"])).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("/no/such/file"), "{stderr}");
    let (code, _, stderr) = run(state.path(), &send("K7Q-DM3-XPA", &[])).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("nothing to send"), "{stderr}");
    let (code, _, stderr) = run(state.path(), &send("not a code", &["-m", "x"])).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("room code"), "{stderr}");
}

#[tokio::test]
async fn watch_prints_the_room_and_resumes_after_a_server_restart() {
    let app = TestApp::spawn().await;
    let ada = sign_in(&app, "Ada", None).await;
    let mut ws = Ws::join(&app, &ada, 0).await;
    ws.say("c-1", "before the restart").await;
    ws.ack().await;
    let state = tempfile::tempdir().unwrap();
    let url = app.url("");
    let mut watch = chatdrop(
        state.path(),
        &[
            "watch",
            "--url",
            &url,
            "--room",
            ada.code(),
            "--name",
            "Eve",
        ],
    )
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let mut expect = async |needle: &str, printed: &mut Vec<String>| {
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let line = lines
                    .next_line()
                    .await
                    .unwrap()
                    .expect("watch still running");
                printed.push(line.clone());
                if line.contains(needle) {
                    return;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} in {printed:?}"));
    };
    expect("Ada: before the restart", &mut printed).await;
    expect("Eve joined", &mut printed).await;

    drop(ws);
    let app = app.restart_in_place().await;
    let mut ws = Ws::join(&app, &ada, 0).await;
    ws.say("c-2", "after the restart").await;
    ws.ack().await;
    expect("Ada: after the restart", &mut printed).await;
    let upload = ws.upload("f-1", "notes.txt", b"some notes").await;
    expect("is ready: ", &mut printed).await;
    let ready = printed.last().unwrap().clone();
    assert!(ready.ends_with(&app.url(&upload.href())), "{ready}");
    let before = printed
        .iter()
        .filter(|l| l.contains("before the restart"))
        .count();
    assert_eq!(before, 1, "printed once: {printed:?}");
    watch.kill().await.unwrap();
}

#[tokio::test]
async fn the_client_reaches_a_server_over_https_and_refuses_a_certificate_it_cant_trust() {
    let app = TestApp::spawn().await;
    let front = crate::tls::TlsFront::start(app.addr).await;
    let ada = sign_in(&app, "Ada", None).await;
    let mut watching = Ws::join(&app, &ada, 0).await;
    let state = tempfile::tempdir().unwrap();
    let url = format!("https://localhost:{}", front.port);
    let args = send_args(&url, ada.code(), &["-m", "over TLS"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let untrusted = chatdrop(state.path(), &args).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("certificate"), "{stderr}");
    assert!(stderr.contains("SSL_CERT_FILE"), "{stderr}");

    let trusted = chatdrop(state.path(), &args)
        .env("SSL_CERT_FILE", &front.ca_file)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert_eq!(
        trusted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(
        stdout.contains(&format!("{url}/room/{}#e", ada.code())),
        "{stdout}"
    );
    let (_, text) = watching.message().await;
    assert_eq!(text, "over TLS", "posted over wss://");
}
