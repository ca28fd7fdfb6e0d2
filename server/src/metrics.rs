//! Prometheus metrics, served on a listener of their own
//! (`--metrics-addr`, off by default) so they never share the public port.
//! Names follow Prometheus's conventions: `chatdrop_` first, counters end
//! in `_total`, durations are in seconds.
//!
//! The metrics belong to the process, as Prometheus scrapes a process:
//! one set, reached through [`metrics()`], rather than a handle threaded
//! through every module that counts something.

use std::sync::{Arc, LazyLock};
use std::time::Instant;

use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use crate::rooms::Hub;

/// One label, `name="value"`, its value from a fixed set.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: &'static str,
}

/// Why sockets end, as [`Metrics::disconnected`] names it.
const DISCONNECT_REASONS: [&str; 11] = [
    "client_gone",
    "left",
    "server_shutdown",
    "protocol_error",
    "policy",
    "too_big",
    "server_error",
    "room_gone",
    "removed",
    "signed_out",
    "other",
];

/// Everything counted.
pub struct Metrics {
    registry: Registry,
    /// Open WebSockets.
    pub connections: Gauge,
    rooms_live: Gauge,
    members_online: Gauge,
    /// Events committed by this node.
    pub events_stored: Counter,
    /// Broadcast frames written to sockets.
    pub deliveries: Counter,
    /// Slow readers: `reset` (too far behind, sent the newest events) or
    /// `dropped` (a write blocked too long).
    pub slow_readers: Family<Outcome, Counter>,
    /// Sockets that ended, by why.
    pub disconnects: Family<Reason, Counter>,
    /// File bytes stored.
    pub upload_bytes: Counter,
    /// Uploads that ended: `complete`, `cancelled`, `failed`.
    pub uploads: Family<Outcome, Counter>,
    /// From an event's commit to its frame being in the room's channel.
    pub broadcast_seconds: Histogram,
    pub http_seconds: Histogram,
    /// Storage failures a user was told about.
    pub database_errors: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    fn new() -> Self {
        let metrics = Self {
            registry: Registry::with_prefix("chatdrop"),
            connections: Gauge::default(),
            rooms_live: Gauge::default(),
            members_online: Gauge::default(),
            events_stored: Counter::default(),
            deliveries: Counter::default(),
            slow_readers: Family::default(),
            disconnects: Family::default(),
            upload_bytes: Counter::default(),
            uploads: Family::default(),
            // 50 µs to about 13 s.
            broadcast_seconds: Histogram::new(exponential_buckets(0.000_05, 4.0, 10)),
            // 1 ms to about 20 s.
            http_seconds: Histogram::new(exponential_buckets(0.001, 3.0, 10)),
            database_errors: Counter::default(),
        };
        // Every known label value from the start, at zero: a rate over a
        // series that appears only at its first event misses that event.
        for outcome in ["reset", "dropped"] {
            drop(metrics.slow_readers.get_or_create(&Outcome { outcome }));
        }
        for outcome in ["complete", "cancelled", "failed"] {
            drop(metrics.uploads.get_or_create(&Outcome { outcome }));
        }
        for reason in DISCONNECT_REASONS {
            drop(metrics.disconnects.get_or_create(&Reason { reason }));
        }
        metrics.register()
    }

    fn register(mut self) -> Self {
        let r = &mut self.registry;
        r.register(
            "connections",
            "Open WebSocket connections",
            self.connections.clone(),
        );
        r.register("rooms_live", "Rooms in memory", self.rooms_live.clone());
        r.register(
            "members_online",
            "People with a tab or a grace period on this node",
            self.members_online.clone(),
        );
        r.register(
            "events_stored",
            "Events this node committed",
            self.events_stored.clone(),
        );
        r.register(
            "deliveries",
            "Broadcast frames written to sockets",
            self.deliveries.clone(),
        );
        r.register(
            "slow_readers",
            "Sockets too slow to keep up: reset or dropped",
            self.slow_readers.clone(),
        );
        r.register(
            "disconnects",
            "WebSockets that ended, by reason",
            self.disconnects.clone(),
        );
        r.register_with_unit(
            "upload",
            "File bytes stored",
            Unit::Bytes,
            self.upload_bytes.clone(),
        );
        r.register(
            "uploads",
            "Uploads that ended, by outcome",
            self.uploads.clone(),
        );
        r.register_with_unit(
            "broadcast_duration",
            "From an event's commit to its frame in the room's channel",
            Unit::Seconds,
            self.broadcast_seconds.clone(),
        );
        r.register_with_unit(
            "http_request_duration",
            "HTTP requests, from the request to the response's headers",
            Unit::Seconds,
            self.http_seconds.clone(),
        );
        r.register(
            "database_errors",
            "Storage failures a request or socket ran into",
            self.database_errors.clone(),
        );
        self
    }

    /// The text Prometheus scrapes, with the gauges read from `hub` now.
    pub fn render(&self, hub: &Hub) -> String {
        let rooms = hub.live_rooms();
        self.rooms_live.set(rooms.len() as i64);
        let online: usize = rooms.iter().map(|room| room.lock_online().len()).sum();
        self.members_online.set(online as i64);
        let mut text = String::new();
        // Writing into a String can't fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }

    /// Counts a socket that ended with close code `code` (`None`: the
    /// client went away).
    pub fn disconnected(&self, code: Option<u16>) {
        let reason: &'static str = match code {
            None => "client_gone",
            Some(1000) => "left",
            Some(1001) => "server_shutdown",
            Some(1002 | 1003 | 1007) => "protocol_error",
            Some(1008) => "policy",
            Some(1009) => "too_big",
            Some(1011) => "server_error",
            Some(app::client::ROOM_GONE) => "room_gone",
            Some(app::client::REMOVED) => "removed",
            Some(app::client::SIGNED_OUT) => "signed_out",
            Some(_) => "other",
        };
        self.disconnects.get_or_create(&Reason { reason }).inc();
    }

    /// Counts an outcome of `family`.
    pub fn outcome(family: &Family<Outcome, Counter>, outcome: &'static str) {
        family.get_or_create(&Outcome { outcome }).inc();
    }
}

/// Middleware: how long each HTTP request takes to answer.
pub async fn time_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    metrics()
        .http_seconds
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The metrics listener's router: `GET /metrics`.
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(hub)
}

async fn scrape(State(hub): State<Arc<Hub>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        metrics().render(&hub),
    )
        .into_response()
}

/// Serves `/metrics` about `hub` on `addr`, on `tasks`, until `stop`.
pub async fn serve(
    addr: std::net::SocketAddr,
    hub: Arc<Hub>,
    tasks: &tokio_util::task::TaskTracker,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening for metrics on {addr}"))?;
    tracing::info!("metrics at http://{addr}/metrics");
    let router = router(hub);
    tasks.spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "serving metrics");
        }
    });
    Ok(())
}
