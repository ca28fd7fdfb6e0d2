//! `--metrics-addr`: Prometheus text that `promtool` accepts, on its own
//! listener, with counters that move when people chat and share files.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::bytes::noise;
use crate::helpers::{free_port, sign_in, TestApp};
use crate::ws::Ws;

/// The value of the sample `name` (with its labels, if any) in `text`.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == name).then(|| value.parse().ok())?
        })
        .unwrap_or(0.0)
}

async fn scrape(addr: &str) -> String {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_pass_promtool_and_move_with_messages_and_uploads() {
    let addr = format!("127.0.0.1:{}", free_port());
    let metrics_addr = addr.parse().unwrap();
    let app = TestApp::spawn_with(|config| config.metrics_addr = Some(metrics_addr)).await;
    // Not on the public port.
    assert_eq!(
        reqwest::get(app.url("/metrics"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let before = scrape(&addr).await;

    let alice = sign_in(&app, "Alice", None).await;
    let mut ws = Ws::join(&app, &alice, 0).await;
    ws.say("m1", "Counted").await;
    ws.ack().await;
    let bytes = noise(100_000, 3);
    ws.upload("f1", "counted.bin", &bytes).await;
    let after = scrape(&addr).await;

    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package: scripts/setup.sh --test)");
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(after.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(
        checked.status.success() && said.trim().is_empty(),
        "promtool: {said}\n{after}"
    );

    // Other tests share the process's counters: they can only add.
    let moved = |name: &str| sample(&after, name) - sample(&before, name);
    assert!(
        moved("chatdrop_events_stored_total") >= 3.0,
        "a join, a message, a file"
    );
    assert!(moved("chatdrop_upload_bytes_total") >= bytes.len() as f64);
    assert!(moved(r#"chatdrop_uploads_total{outcome="complete"}"#) >= 1.0);
    assert!(moved("chatdrop_deliveries_total") >= 3.0);
    assert!(moved("chatdrop_http_request_duration_seconds_count") >= 1.0);
    assert!(sample(&after, "chatdrop_connections") >= 1.0, "{after}");
    assert!(sample(&after, "chatdrop_rooms_live") >= 1.0);
    assert!(sample(&after, "chatdrop_members_online") >= 1.0);
    for family in [
        "chatdrop_broadcast_duration_seconds",
        "chatdrop_slow_readers_total",
        "chatdrop_disconnects_total",
        "chatdrop_database_errors_total",
    ] {
        assert!(
            after.contains(&format!("# TYPE {family}")),
            "{family} in\n{after}"
        );
    }
}
