//! A PostgreSQL server of the tests' own: started on first use in a
//! temporary directory on a free port (Debian's `postgresql` package, which
//! `scripts/setup.sh --test` installs), one database per test server, and
//! gone when the test process ends, however it ends.
//!
//! Nothing has to run beforehand. PostgreSQL refuses to run as root, so as
//! root it runs as the `postgres` user the package creates. A watchdog shell
//! beside it stops it and removes its directory once the test process is
//! gone: Rust runs no destructors for statics, and a panic or `kill` must
//! not leave a server behind either.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The running server.
pub struct Postgres {
    pub port: u16,
}

impl Postgres {
    /// The one server of this test process, started on first use.
    pub fn get() -> &'static Postgres {
        static SERVER: OnceLock<Postgres> = OnceLock::new();
        SERVER.get_or_init(|| start().unwrap_or_else(|e| panic!("starting PostgreSQL: {e}")))
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://chatdrop@127.0.0.1:{}/{name}", self.port)
    }

    /// A new, empty database; its URL.
    pub fn fresh_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        psql(self.port, &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }
}

/// Runs one statement as the superuser.
pub fn psql(port: u16, sql: &str) {
    let out = Command::new(bin_dir().join("psql"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "chatdrop"])
        .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("running psql");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start() -> Result<Postgres, String> {
    let bin = bin_dir();
    let root = tempfile::Builder::new()
        .prefix("chatdrop-pg-")
        .tempdir()
        .map_err(|e| e.to_string())?
        // The watchdog removes it, not this process.
        .keep();
    let as_root = is_root();
    if as_root {
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root))?;
    }
    let data = root.join("data");
    let mut initdb = user_command(as_root, &bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", "chatdrop", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .args(["--locale=C.UTF-8"]);
    run(&mut initdb)?;
    let port = free_port();
    // Durability is not under test here; speed is welcome.
    let postgres = format!(
        "{} -D {} -p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
        bin.join("postgres").display(),
        data.display(),
        root.display(),
    );
    let script = format!(
        "{postgres} >{log} 2>&1 & pg=$!; trap '' HUP INT TERM; \
         while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 0.2; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf {root}",
        log = root.join("log").display(),
        parent = std::process::id(),
        root = root.display(),
    );
    let mut watchdog = user_command(as_root, Path::new("sh"));
    watchdog
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    watchdog.spawn().map_err(|e| format!("sh: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(root.join("log")).unwrap_or_default();
            return Err(format!("not up after 30 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Up means listening; accepting logins follows a moment later.
    let server = Postgres { port };
    for _ in 0..100 {
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "chatdrop"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err("not accepting connections".into())
}

/// `/usr/lib/postgresql/<newest>/bin`.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: run scripts/setup.sh --test")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("postgres").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("no PostgreSQL server under /usr/lib/postgresql")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `program`, run as `postgres` when this process is root.
fn user_command(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
