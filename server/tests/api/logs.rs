//! `--log-format json`: every log line is one JSON object a collector can
//! read.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::free_port;

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatdrop"))
        .args(["--host", "127.0.0.1", "--port", &free_port().to_string()])
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--leptos-config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"))
        .args(["--log-format", "json"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start chatdrop");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut started = None;
    for line in lines.by_ref().take(50) {
        let line = line.unwrap();
        let object: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(object["timestamp"].is_string(), "{line}");
        let message = object["fields"]["message"].as_str().unwrap_or_default();
        if message.starts_with("Chatdrop is running") {
            started = Some(object);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let started = started.expect("the start-up line");
    assert_eq!(started["level"], "INFO");
}
