//! The deployment files in docs/deploy are what their tools accept: the
//! systemd unit passes `systemd-analyze verify` without a warning, and the
//! Caddyfile adapts. (The nginx config runs in a browser test.)

use std::path::Path;
use std::process::Command;

fn deploy(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/deploy")
        .join(file)
}

#[test]
fn the_systemd_unit_verifies_without_warnings() {
    let unit = std::fs::read_to_string(deploy("chatdrop.service")).unwrap();
    // verify wants the binary it names to exist: this build's.
    let unit = unit.replace("/usr/local/bin/chatdrop", env!("CARGO_BIN_EXE_chatdrop"));
    for option in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/chatdrop",
    ] {
        assert!(unit.contains(option), "the unit sandboxes with {option}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chatdrop.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian's systemd)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "{said}");

    // A typo is a warning, so the empty output above means something.
    std::fs::write(
        &path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replace("ProtectSystem=strict", "ProtectSystem=strictest"),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("strictest"));
}

#[test]
fn the_caddyfile_adapts() {
    let out = Command::new("caddy")
        .args(["adapt", "--adapter", "caddyfile", "--config"])
        .arg(deploy("Caddyfile"))
        .output()
        .expect("caddy (Debian's caddy: scripts/setup.sh --test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains(r#""handler":"reverse_proxy""#), "{json}");
    assert!(json.contains("least_conn"), "{json}");
}
