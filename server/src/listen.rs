//! The accept loop, with the limits `axum::serve` doesn't have: a cap on
//! connections in all and per network, a deadline for every connection's
//! first request (counted from the accept, so a client that never sends a
//! byte is closed too), an idle deadline between requests, and a shutdown
//! that drops idle and half-sent connections at once instead of waiting for
//! their timeouts.
//!
//! Each connection holds a [`Slot`] until it ends; an upgraded WebSocket
//! takes its connection's slot along (it travels in the request's
//! extensions), so sockets count against the caps as long as they live.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::throttle::network;

/// How long shutdown waits for requests in flight (idle and half-sent
/// connections are dropped at once).
const DRAIN: Duration = Duration::from_secs(3);
/// Refusals being written at once; past this, refused connections are just
/// closed (a flood gets no politeness).
const MAX_REFUSING: usize = 256;
/// How long a refused client has to read its 503.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);
/// The answer to a connection over a cap.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Retry-After: 10\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Length: 49\r\n\
Connection: close\r\n\
\r\n\
Too many connections right now; try again soon.\r\n";
/// Descriptors kept free below the process's limit, for the database,
/// uploads' partial files and the site's files.
const MIN_HEADROOM: u64 = 64;

/// What one listener allows.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Open connections (HTTP and WebSocket) in all.
    pub max_connections: usize,
    /// Open connections from one network (an IPv4 address or an IPv6 /64).
    pub max_per_address: usize,
    /// How long a connection may take to send a request's headers, and
    /// stay idle between requests.
    pub header_timeout: Duration,
    /// Trusted proxies: everyone behind one shares its address, so the
    /// per-address cap doesn't apply to it.
    pub uncapped: crate::proxies::TrustedProxies,
}

/// A connection's claim on the caps, released when the last clone drops.
#[derive(Clone)]
pub struct Slot(#[allow(dead_code)] Arc<Claim>);

struct Claim {
    _permit: OwnedSemaphorePermit,
    network: IpAddr,
    gate: Arc<Gate>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut counts = self.gate.lock();
        if let Some(count) = counts.get_mut(&self.network) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.network);
            }
        }
    }
}

/// The caps, shared by every connection of a listener.
struct Gate {
    total: Arc<Semaphore>,
    max_per_address: usize,
    uncapped: crate::proxies::TrustedProxies,
    // Held only to bump a count, never across an `.await`.
    per_network: Mutex<HashMap<IpAddr, usize>>,
}

impl Gate {
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let permit = self.total.clone().try_acquire_owned().ok()?;
        let network = network(ip);
        let mut counts = self.lock();
        let count = counts.entry(network).or_default();
        if *count >= self.max_per_address && !self.uncapped.contains(ip) {
            return None;
        }
        *count += 1;
        drop(counts);
        Some(Slot(Arc::new(Claim {
            _permit: permit,
            network,
            gate: self.clone(),
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.per_network.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Raises this process's soft limit on open files to its hard limit, and
/// returns how many connections fit below it with headroom to spare.
pub fn connection_budget() -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let headroom = (limit / 10).max(MIN_HEADROOM);
    usize::try_from(limit.saturating_sub(headroom))
        .unwrap_or(usize::MAX)
        .max(1)
}

/// Serves `router` on `listener` until `shutdown` resolves, then waits
/// briefly for requests in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    let gate = Arc::new(Gate {
        total: Arc::new(Semaphore::new(limits.max_connections.max(1))),
        max_per_address: limits.max_per_address.max(1),
        uncapped: limits.uncapped.clone(),
        per_network: Mutex::default(),
    });
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, usually: wait instead of spinning.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(slot) = gate.admit(peer.ip()) else {
            tracing::debug!(%peer, "connection over the cap refused");
            refuse(stream, &refusing, &tasks);
            continue;
        };
        // Chat frames are small and latency-bound: without TCP_NODELAY,
        // Nagle's algorithm holds each one until the previous is
        // acknowledged.
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            router: router.clone(),
            builder: builder.clone(),
            peer,
            slot,
            activity: Arc::default(),
            timeout: limits.header_timeout,
            stop: stop.clone(),
        };
        tasks.spawn(connection.run(stream));
    }
    drop(listener);
    stop.cancel();
    tasks.close();
    if tokio::time::timeout(DRAIN + Duration::from_millis(500), tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("some requests were still running at shutdown");
    }
}

/// Answers a connection over a cap with a 503, then closes it.
fn refuse(mut stream: TcpStream, refusing: &Arc<Semaphore>, tasks: &TaskTracker) {
    let Ok(permit) = refusing.clone().try_acquire_owned() else {
        return;
    };
    tasks.spawn(async move {
        let _permit = permit;
        let _ = tokio::time::timeout(REFUSAL_LINGER, async {
            stream.write_all(REFUSAL).await?;
            stream.shutdown().await?;
            // Read what the client sent before closing: closing with unread
            // bytes resets the connection, and the client may lose the 503.
            let mut buf = [0u8; 1024];
            while stream.read(&mut buf).await? > 0 {}
            std::io::Result::Ok(())
        })
        .await;
    });
}

/// Requests on one connection: how many began, and how many are still
/// running (until their response body is sent).
#[derive(Default)]
struct Activity {
    begun: AtomicU64,
    running: AtomicUsize,
}

/// Marks a request as running until dropped with its response body.
struct Running(Arc<Activity>);

impl Running {
    fn begin(activity: &Arc<Activity>) -> Self {
        activity.begun.fetch_add(1, Ordering::Relaxed);
        activity.running.fetch_add(1, Ordering::Relaxed);
        Self(activity.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::Relaxed);
    }
}

struct Connection {
    router: Router,
    builder: Arc<Builder<TokioExecutor>>,
    peer: SocketAddr,
    slot: Slot,
    activity: Arc<Activity>,
    timeout: Duration,
    stop: CancellationToken,
}

impl Connection {
    async fn run(self, stream: TcpStream) {
        let Connection {
            router,
            builder,
            peer,
            slot,
            activity,
            timeout,
            stop,
        } = self;
        let requests = activity.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            let running = Running::begin(&requests);
            let extensions = request.extensions_mut();
            extensions.insert(ConnectInfo(peer));
            extensions.insert(slot.clone());
            let router = router.clone();
            async move {
                let response = router.oneshot(request).await.unwrap_or_else(|e| match e {});
                // The request runs until its body is sent: a long download
                // is not an idle connection.
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _ = &running;
                        frame
                    }))
                }))
            }
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        tokio::pin!(connection);
        // Counted from the accept: the first request's headers must be in
        // by then, whether or not a first byte came.
        let mut seen = 0;
        let mut deadline = tokio::time::Instant::now() + timeout;
        loop {
            tokio::select! {
                ended = connection.as_mut() => {
                    if let Err(error) = ended {
                        tracing::debug!(%error, %peer, "connection ended");
                    }
                    return;
                }
                () = tokio::time::sleep_until(deadline) => {
                    let begun = activity.begun.load(Ordering::Relaxed);
                    if begun == seen && activity.running.load(Ordering::Relaxed) == 0 {
                        tracing::debug!(%peer, "closing an idle connection");
                        return;
                    }
                    seen = begun;
                    deadline = tokio::time::Instant::now() + timeout;
                }
                () = stop.cancelled() => break,
            }
        }
        if activity.running.load(Ordering::Relaxed) == 0 {
            return;
        }
        connection.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(DRAIN, connection).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal_body() -> &'static [u8] {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        text.split("\r\n\r\n").nth(1).unwrap().as_bytes()
    }

    #[test]
    fn the_refusal_declares_its_own_length() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let declared: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(declared, refusal_body().len());
    }

    fn gate(total: usize, max_per_address: usize) -> Arc<Gate> {
        Arc::new(Gate {
            total: Arc::new(Semaphore::new(total)),
            max_per_address,
            uncapped: Default::default(),
            per_network: Mutex::default(),
        })
    }

    #[test]
    fn a_network_over_its_cap_is_refused_and_others_are_not() {
        let gate = gate(10, 2);
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8::2".parse().unwrap();
        let other: IpAddr = "192.0.2.1".parse().unwrap();
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(same_64).unwrap();
        assert!(gate.admit(a).is_none(), "a /64 shares one cap");
        assert!(gate.admit(other).is_some());
        drop(first);
        assert!(
            gate.admit(a).is_some(),
            "a closed connection frees its slot"
        );
    }

    #[test]
    fn the_total_cap_holds_across_networks() {
        let gate = gate(2, 10);
        let _a = gate.admit("192.0.2.1".parse().unwrap()).unwrap();
        let _b = gate.admit("192.0.2.2".parse().unwrap()).unwrap();
        assert!(gate.admit("192.0.2.3".parse().unwrap()).is_none());
    }
}
