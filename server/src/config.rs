//! Every knob the server has, from flags or `CHATDROP_*` variables.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Chatdrop: self-hosted chat rooms and file sharing.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "chatdrop",
    version,
    about = "Chatdrop: self-hosted chat rooms and file sharing. Without a command it serves; \
             the commands look after its data (flags before the command) or talk to a server."
)]
pub struct Config {
    /// Address to listen on. The default serves everyone on your network;
    /// use 127.0.0.1 to keep it to this machine.
    #[arg(long, env = "CHATDROP_HOST", default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "CHATDROP_PORT", default_value_t = 3000)]
    pub port: u16,

    /// Where the database, the session key and uploads live.
    #[arg(long, env = "CHATDROP_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// The database: `sqlite://PATH` or `postgres://USER@HOST/DB`. Empty
    /// (the default): `chatdrop.db` in the data dir. Several nodes share
    /// one PostgreSQL database (docs/DEPLOY.md).
    #[arg(long, env = "CHATDROP_DATABASE_URL", default_value = "")]
    pub database_url: String,

    /// Serve (no command), look after the data dir, or use a server from
    /// the terminal.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Redis (`redis://HOST:PORT`), which relays events, typing, upload
    /// progress and closings between nodes and holds who is online on each.
    /// Required when more than one node serves the same database; unused
    /// on one.
    #[arg(long, env = "CHATDROP_REDIS_URL")]
    pub redis_url: Option<String>,

    /// The Leptos runtime configuration (site root, asset names). Relative
    /// paths inside it are resolved against the file's own folder. A
    /// release binary carries its site: without this file it serves that.
    #[arg(long, env = "CHATDROP_LEPTOS_CONFIG", default_value = "Leptos.toml")]
    pub leptos_config: PathBuf,

    /// The address people reach Chatdrop at (`https://chat.example.org`),
    /// behind a reverse proxy: invite links use it, and forms and sockets
    /// must come from it, whatever `Host` the proxy passes on.
    #[arg(long, env = "CHATDROP_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Other origins (scheme://host[:port]) allowed to post forms and open
    /// sockets, e.g. when a reverse proxy serves Chatdrop under another name.
    /// Comma-separated.
    #[arg(long, env = "CHATDROP_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Reverse proxies (addresses or networks, comma-separated) whose
    /// `X-Forwarded-For` names the client; from anyone else the header is
    /// ignored. Connections from them are not capped per address.
    #[arg(long, env = "CHATDROP_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = crate::proxies::TrustedProxies::parse)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Serve Prometheus metrics at `http://ADDR/metrics` (e.g.
    /// `127.0.0.1:9100`); off by default. Keep it off the public network.
    #[arg(long, env = "CHATDROP_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// How log lines look: `text`, or `json` (one object per line).
    #[arg(long, env = "CHATDROP_LOG_FORMAT", value_enum, default_value_t)]
    pub log_format: crate::telemetry::LogFormat,

    /// How often to ping each WebSocket, in milliseconds.
    #[arg(long, env = "CHATDROP_PING_INTERVAL_MS", default_value_t = 10_000)]
    pub ping_interval_ms: u64,

    /// Silence after which a WebSocket counts as dead, in milliseconds.
    #[arg(long, env = "CHATDROP_PING_TIMEOUT_MS", default_value_t = 30_000)]
    pub ping_timeout_ms: u64,

    /// How long someone whose last tab closed still counts as present, so a
    /// reload doesn't announce a leave and a join, in milliseconds.
    #[arg(long, env = "CHATDROP_PRESENCE_GRACE_MS", default_value_t = 8_000)]
    pub presence_grace_ms: u64,

    /// On a cluster: how long a node may miss its heartbeats (in Redis)
    /// before the others count it as dead and its people as gone (after
    /// their grace period), in milliseconds.
    #[arg(long, env = "CHATDROP_NODE_TIMEOUT_MS", default_value_t = 6_000)]
    pub node_timeout_ms: u64,

    /// `/readyz` answers 503 once the data dir's disk has less than this
    /// free, in bytes.
    #[arg(long, env = "CHATDROP_MIN_FREE_DISK_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub min_free_disk_bytes: u64,

    /// Rooms one network may create back to back; after that, one a minute.
    #[arg(long, env = "CHATDROP_NEW_ROOM_BURST", default_value_t = 20)]
    pub new_room_burst: u32,

    /// Mark the session cookie `Secure`: set this when Chatdrop is served
    /// over HTTPS.
    #[arg(long, env = "CHATDROP_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// How long a client may take to send a request's headers, in
    /// milliseconds; slower connections are closed (slowloris).
    #[arg(
        long,
        env = "CHATDROP_HEADER_READ_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub header_read_timeout_ms: u64,

    /// Open connections (HTTP and WebSocket) the server accepts in all;
    /// more get `503`. Lowered at start to what the process's open-file
    /// limit leaves room for.
    #[arg(long, env = "CHATDROP_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// Open connections one network (an IPv4 address or an IPv6 /64) may
    /// hold; more get `503`. A team behind one NAT shares this.
    #[arg(
        long,
        env = "CHATDROP_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 500
    )]
    pub max_connections_per_address: usize,

    /// The largest file people may share, in bytes (default 4 GiB).
    #[arg(long, env = "CHATDROP_MAX_FILE_BYTES", default_value_t = app::protocol::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_bytes: u64,

    /// Bytes per second one connection may upload; 0 for no limit. Keeps
    /// one big upload from starving everyone else on a small uplink.
    #[arg(long, env = "CHATDROP_UPLOAD_BYTES_PER_SECOND", default_value_t = 0)]
    pub upload_bytes_per_second: u64,

    /// Unfinished uploads that receive nothing for this long are deleted,
    /// in seconds (default a day).
    #[arg(long, env = "CHATDROP_ABANDONED_UPLOAD_SECS", default_value_t = 86_400)]
    pub abandoned_upload_secs: u64,

    /// How long a new room lasts unless its creator picks otherwise
    /// (`1h`, `1d`, `7d`, `30d`…).
    #[arg(long, env = "CHATDROP_DEFAULT_ROOM_LIFETIME", default_value = "7d", value_parser = humantime::parse_duration)]
    pub default_room_lifetime: Duration,

    /// The longest lifetime a room may be given.
    #[arg(long, env = "CHATDROP_MAX_ROOM_LIFETIME", default_value = "30d", value_parser = humantime::parse_duration)]
    pub max_room_lifetime: Duration,

    /// Offer "Never" for a room's lifetime.
    #[arg(long, env = "CHATDROP_ALLOW_PERMANENT_ROOMS")]
    pub allow_permanent_rooms: bool,

    /// The site built into the binary (`embed-site`), used when
    /// `--leptos-config` names no file.
    #[arg(skip)]
    pub embedded_site: Option<crate::site::Files>,

    /// Test hooks; never set from the command line.
    #[arg(skip)]
    pub hooks: Hooks,
}

/// What `chatdrop` does besides serving.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// Writes a consistent copy of the data dir (SQLite: the database, the
    /// stored files it names, the session key) into DIR, which must be
    /// empty or new. The server may be running.
    Backup {
        /// Where the copy goes.
        dir: PathBuf,
    },
    /// Fills the data dir, which must be empty or new, from a backup made
    /// by `chatdrop backup`, checking every file first.
    Restore {
        /// The backup.
        dir: PathBuf,
    },
    /// Shares files and posts a message in a room, from the terminal:
    /// `chatdrop send --url https://chat.example.org --room K7Q-DM3-XPA
    /// --name Ada report.pdf -m "the report"`.
    Send(crate::cli::SendArgs),
    /// Prints a room's messages and files as they arrive, reconnecting
    /// after a drop, until Ctrl-C.
    Watch(crate::cli::WatchArgs),
}

/// Faults tests inject into a running server.
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    /// Uploads fail as if the disk were full once this many of their bytes
    /// are stored.
    pub disk_full_after: Option<u64>,
    /// A socket task panics when its client sends this message text.
    pub panic_on_message: Option<String>,
    /// How often expired rooms are swept (default 30 s).
    pub room_sweep_every: Option<Duration>,
}

/// WebSocket timings, configurable so tests can run them fast.
#[derive(Clone, Copy, Debug)]
pub struct Timings {
    /// How often the server pings.
    pub ping_interval: Duration,
    /// Silence after which a connection counts as dead.
    pub ping_timeout: Duration,
    /// How long one write may block before the client counts as stuck.
    pub send_timeout: Duration,
}

impl Config {
    /// The "Delete room after" choices these flags allow, or why they
    /// contradict each other.
    pub fn lifetimes(&self) -> anyhow::Result<app::model::Lifetimes> {
        let default = self.default_room_lifetime.as_secs();
        let max = self.max_room_lifetime.as_secs();
        anyhow::ensure!(
            default > 0,
            "--default-room-lifetime must be longer than zero"
        );
        anyhow::ensure!(
            default <= max,
            "--default-room-lifetime is longer than --max-room-lifetime"
        );
        let mut choices: Vec<u64> = app::protocol::ROOM_LIFETIMES
            .into_iter()
            .filter(|c| *c <= max)
            .chain([default])
            .collect();
        choices.sort_unstable();
        choices.dedup();
        if self.allow_permanent_rooms {
            choices.push(0);
        }
        Ok(app::model::Lifetimes { choices, default })
    }

    /// The socket timings these flags ask for.
    pub fn timings(&self) -> Timings {
        Timings {
            ping_interval: Duration::from_millis(self.ping_interval_ms.max(1)),
            ping_timeout: Duration::from_millis(self.ping_timeout_ms),
            send_timeout: Duration::from_secs(10),
        }
    }
}

impl Config {
    /// A configuration for tests and embedding: port 0, loopback only, data in
    /// `data_dir`, the repository's `Leptos.toml`.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            data_dir,
            database_url: String::new(),
            command: None,
            redis_url: None,
            leptos_config: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml")),
            allowed_origins: Vec::new(),
            public_url: None,
            trusted_proxies: Vec::new(),
            log_format: crate::telemetry::LogFormat::Text,
            metrics_addr: None,
            ping_interval_ms: 10_000,
            ping_timeout_ms: 30_000,
            presence_grace_ms: 8_000,
            node_timeout_ms: 6_000,
            min_free_disk_bytes: 0,
            new_room_burst: 20,
            secure_cookies: false,
            header_read_timeout_ms: 10_000,
            max_connections: 10_000,
            max_connections_per_address: 500,
            max_file_bytes: app::protocol::DEFAULT_MAX_FILE_BYTES,
            upload_bytes_per_second: 0,
            abandoned_upload_secs: 86_400,
            default_room_lifetime: Duration::from_secs(7 * 86_400),
            max_room_lifetime: Duration::from_secs(30 * 86_400),
            allow_permanent_rooms: false,
            hooks: Hooks::default(),
            embedded_site: None,
        }
    }
}

impl Config {
    /// `--public-url` as an origin (`scheme://host[:port]`), checked.
    pub fn public_origin(&self) -> anyhow::Result<Option<String>> {
        let Some(public) = &self.public_url else {
            return Ok(None);
        };
        let url =
            url::Url::parse(public).map_err(|e| anyhow::anyhow!("--public-url {public:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            anyhow::bail!("--public-url must be http:// or https:// and a host, not {public:?}");
        }
        if url.path() != "/" || url.query().is_some() {
            anyhow::bail!("--public-url is where Chatdrop's / is: no path, not {public:?}");
        }
        Ok(Some(url.origin().ascii_serialization()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_follow_the_flags() {
        let mut config = Config::for_tests(PathBuf::from("data"));
        let offered = config.lifetimes().unwrap();
        assert_eq!(offered.choices, [3_600, 86_400, 604_800, 2_592_000]);
        assert_eq!(offered.default, 604_800);
        config.default_room_lifetime = Duration::from_secs(2 * 86_400);
        config.max_room_lifetime = Duration::from_secs(2 * 86_400);
        config.allow_permanent_rooms = true;
        let offered = config.lifetimes().unwrap();
        assert_eq!(offered.choices, [3_600, 86_400, 172_800, 0]);
        config.default_room_lifetime = Duration::from_secs(3 * 86_400);
        assert!(config.lifetimes().is_err(), "a default over the maximum");
    }
}
