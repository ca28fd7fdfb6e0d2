//! Chatdrop's server: configuration, storage, sessions and the HTTP surface.
//! `main.rs` only parses flags and calls [`run`]; tests call [`run`] on port 0.

pub mod assets;
pub mod backend;
pub mod backup;
pub mod broadcast;
pub mod bucket;
pub mod chatdrop;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod deletion;
pub mod delivery;
pub mod downloads;
pub mod edits;
pub mod files;
pub mod growing;
pub mod health;
pub mod history;
pub mod identify;
pub mod listen;
pub mod metrics;
pub mod owner_routes;
pub mod owners;
pub mod pages;
pub mod passwords;
pub mod presence;
pub mod proxies;
pub mod pwa;
pub mod qr;
pub mod removal;
pub mod revoke;
pub mod rooms;
pub mod roster;
pub mod routes;
pub mod sequencer;
pub mod sessions;
pub mod settings;
pub mod sharing;
pub mod site;
pub mod socket;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod transfers;
pub mod uploads;
pub mod ws;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::backend::{Backend, Caller};
use app::error::AppError;
use app::routes as paths;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::assets::Bundle;
use crate::backend::Chatdrop;
use crate::cluster::Cluster;
use crate::files::FileStore;
use crate::proxies::TrustedProxies;
use crate::rooms::Hub;
use crate::sessions::Sessions;
use crate::state::AppState;
use crate::store::Store;
use crate::throttle::Throttle;
use crate::transfers::{Limits, Transfers};

/// Form posts and server-function calls are small; uploads will get their
/// own limits on their own path.
const BODY_LIMIT: usize = 64 * 1024;
/// How long shutdown waits for sockets to say goodbye and timers to stop.
const TASKS_DRAIN: Duration = Duration::from_secs(2);
/// How often rooms whose lifetime ended are deleted: "within a minute".
const ROOM_SWEEP_EVERY: Duration = Duration::from_secs(30);
/// How often rooms nobody uses are dropped from memory.
const EVICT_EVERY: Duration = Duration::from_secs(60);

/// Serves Chatdrop on `listener` until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let budget = listen::connection_budget();
    let limits = listen::Limits {
        max_connections: config.max_connections.min(budget),
        max_per_address: config.max_connections_per_address,
        header_timeout: Duration::from_millis(config.header_read_timeout_ms.max(1)),
        uncapped: TrustedProxies::new(&config.trusted_proxies),
    };
    tracing::debug!(?limits, "connection limits");
    let (app, chatdrop) = app(&config).await?;
    if let Some(addr) = config.metrics_addr {
        let (hub, tasks) = (chatdrop.hub.clone(), &chatdrop.tasks);
        metrics::serve(addr, hub, tasks, chatdrop.shutdown.clone()).await?;
    }
    let stop = chatdrop.shutdown.clone();
    listen::serve(listener, app, limits, async move {
        shutdown.await;
        // Sockets close (1001) and timers stop while requests drain.
        stop.cancel();
    })
    .await;
    // Every socket, timer and sweeper ends before the database closes.
    chatdrop.tasks.close();
    if tokio::time::timeout(TASKS_DRAIN, chatdrop.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("some background tasks did not end in time");
    }
    chatdrop.store.close().await;
    Ok(())
}

/// How often a node of a cluster checks its live rooms against the
/// database: the bound on how late an event whose relay was lost, with
/// nothing after it, reaches this node's tabs.
const CATCH_UP_EVERY: Duration = Duration::from_secs(1);

fn catch_up_rooms(hub: &Arc<Hub>, tasks: &TaskTracker, shutdown: &CancellationToken) {
    let hub = hub.clone();
    let shutdown = shutdown.clone();
    tasks.spawn(async move {
        let mut every = tokio::time::interval(CATCH_UP_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => hub.catch_up_all().await,
            }
        }
    });
}

/// Opens the data dir and builds the router.
pub async fn app(config: &Config) -> anyhow::Result<(Router, Arc<Chatdrop>)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data dir {}", config.data_dir.display()))?;
    let lifetimes = config.lifetimes()?;
    let store = Store::connect(&config.database_url, &config.data_dir).await?;
    let settled = store
        .settle_old_rooms(config.default_room_lifetime)
        .await
        .context("giving older rooms a lifetime")?;
    if settled > 0 {
        tracing::info!(
            settled,
            "rooms from before lifetimes get the default lifetime"
        );
    }
    let sharing = sharing::claim(&store, &config.database_url, config.redis_url.is_some()).await?;
    let files = FileStore::open(&config.data_dir)?;
    let tasks = TaskTracker::new();
    let shutdown = CancellationToken::new();
    let (cluster, redis) = match &config.redis_url {
        Some(url) => {
            let timeout = Duration::from_millis(config.node_timeout_ms);
            let (cluster, client) =
                Cluster::connect(url, timeout, &tasks, shutdown.clone()).await?;
            (cluster, Some(client))
        }
        None => (Cluster::single(), None),
    };
    let hub = Arc::new(Hub::new(
        store.clone(),
        cluster.clone(),
        Duration::from_millis(config.presence_grace_ms),
        tasks.clone(),
        shutdown.clone(),
    ));
    if let Some(client) = redis {
        tasks.spawn(
            cluster
                .clone()
                .listen(client, hub.clone(), shutdown.clone()),
        );
        catch_up_rooms(&hub, &tasks, &shutdown);
        if let Some(roster) = cluster.roster() {
            tasks.spawn(hub.clone().keep_roster(roster.clone()));
        }
    }
    let transfers = Arc::new(Transfers::new(
        store.clone(),
        files.clone(),
        hub.clone(),
        Limits {
            max_file_bytes: config.max_file_bytes,
            bytes_per_second: Some(config.upload_bytes_per_second).filter(|r| *r > 0),
            disk_full_after: config.hooks.disk_full_after,
        },
        cluster.roster().map(|_| cluster.node().to_owned()),
    ));
    let chatdrop = Arc::new(Chatdrop {
        files,
        hub,
        transfers,
        store,
        sessions: Sessions::load(&config.data_dir, config.secure_cookies)?,
        wrong_codes: Throttle::wrong_codes().shared(cluster.redis()),
        new_rooms: Throttle::new_rooms(config.new_room_burst).shared(cluster.redis()),
        timings: config.timings(),
        shutdown,
        tasks,
        hooks: config.hooks.clone(),
        lifetimes,
        downloads: Arc::default(),
        sharing,
        min_free_disk: config.min_free_disk_bytes,
    });
    sweep_uploads(&chatdrop, Duration::from_secs(config.abandoned_upload_secs));
    sweep_rooms(
        &chatdrop,
        cluster.clone(),
        config.hooks.room_sweep_every.unwrap_or(ROOM_SWEEP_EVERY),
    );
    evict_rooms(&chatdrop);
    let mut leptos_options = site::options(
        &config.leptos_config,
        config.embedded_site,
        &config.data_dir,
    )?;
    let site_root = PathBuf::from(&*leptos_options.site_root);
    let bundle = Bundle::scan(&site_root, &leptos_options.site_pkg_dir, &config.data_dir);
    bundle.precompress();
    // Pages link the bundle under its versioned path.
    leptos_options.site_pkg_dir = bundle.prefix.clone().into();
    let service_worker = pwa::worker_script(&site_root, &bundle).into();
    let state = AppState {
        leptos_options,
        chatdrop: chatdrop.clone(),
        allowed_origins: config.allowed_origins.clone().into(),
        proxies: TrustedProxies::new(&config.trusted_proxies),
        public_origin: config.public_origin()?.map(Into::into),
        bundle: Arc::new(bundle),
        service_worker,
    };

    // Leptos spawns its render and server-function tasks on tokio; an
    // error only means an earlier server in this process set it already.
    let _ = any_spawner::Executor::init_tokio();
    // Pages go out compressed: a room's page is mostly repeated markup
    // (38.5 kB for 20 messages, 3.1 kB in brotli), and a slow phone waits for
    // every byte before it paints. Downloads (ranges, any size), the bundle
    // (compressed once per build) and the socket are left as they are.
    let page = get(pages::show).layer(compressed());
    let router = server_fns(Router::new(), state.backend())
        .route(paths::HOME, page.clone().post(routes::post_login))
        .route(paths::ROOM, page.clone())
        .route(paths::SHARE, page.clone().post(routes::post_share))
        .route(paths::SOCKET, get(ws::upgrade))
        .route(paths::MY_ROOM, get(routes::get_room))
        .route(paths::SETTINGS, page.post(owner_routes::post_settings))
        .route(paths::REMOVE, post(owner_routes::post_remove))
        .route(paths::DELETE_ENTRY, post(owner_routes::post_delete_entry))
        .route(paths::QR, get(qr::show).layer(compressed()))
        .route(paths::LEAVE, post(routes::post_leave))
        .route(paths::DOWNLOAD, get(downloads::download))
        .route("/sw.js", get(pwa::service_worker))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/pkg/{version}/{file}", get(assets::serve))
        .fallback(pages::site_file_or_not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            identify::identify,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(metrics::time_requests))
        .with_state(state);
    Ok((router, chatdrop))
}

/// Compression for server-made pages: brotli or gzip as the browser asks,
/// at a level cheap enough to run on every request.
fn compressed() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(4))
}

/// Routes every server function (`/api/…`) to Leptos, with the backend
/// they call as context. A call from another site is refused here, before
/// any of them runs, with the 403 a server function would send.
fn server_fns(mut router: Router<AppState>, backend: Arc<dyn Backend>) -> Router<AppState> {
    for (path, method) in server_fn::axum::server_fn_paths() {
        let backend = backend.clone();
        let handler = move |request: axum::extract::Request| async move {
            let foreign = request
                .extensions()
                .get::<Caller>()
                .is_none_or(|caller| !caller.same_origin);
            if foreign {
                return foreign_call(path);
            }
            leptos_axum::handle_server_fns_with_context(
                move || provide_context(backend.clone()),
                request,
            )
            .await
            .into_response()
        };
        let route = match method {
            Method::GET => get(handler),
            _ => post(handler),
        };
        router = router.route(path, route);
    }
    router
}

/// A server function's refusal of a call from another site.
fn foreign_call(path: &str) -> axum::response::Response {
    use server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};
    let error = AppError::ForeignOrigin;
    axum::response::Response::builder()
        .status(error.status())
        .header(header::CONTENT_TYPE, "application/json")
        .header(SERVER_FN_ERROR_HEADER, path)
        .body(axum::body::Body::from(error.ser()))
        .unwrap_or_default()
}

/// Deletes abandoned uploads now and then, until shutdown.
fn sweep_uploads(chatdrop: &Arc<Chatdrop>, idle: Duration) {
    let transfers = chatdrop.transfers.clone();
    let shutdown = chatdrop.shutdown.clone();
    // Often enough that nothing outlives its deadline by more than a
    // quarter, rarely enough to cost nothing.
    let every = (idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(3600));
    chatdrop.tasks.spawn(async move {
        loop {
            if let Err(error) = transfers.sweep(idle).await {
                tracing::warn!(%error, "sweeping abandoned uploads");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    });
}

/// Deletes rooms whose lifetime ended, now (so a restart catches up at
/// once) and then every `every`, until shutdown. On a cluster one node
/// sweeps each round: the others would only race it for the same rooms.
fn sweep_rooms(chatdrop: &Arc<Chatdrop>, cluster: Arc<Cluster>, every: Duration) {
    let swept = chatdrop.clone();
    let shutdown = chatdrop.shutdown.clone();
    chatdrop.tasks.spawn(async move {
        loop {
            if cluster.lead("sweep", every).await {
                if let Err(error) = swept.sweep_expired().await {
                    tracing::warn!(%error, "deleting expired rooms");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    });
}

/// Drops rooms nobody uses from memory now and then, until shutdown.
fn evict_rooms(chatdrop: &Arc<Chatdrop>) {
    let hub = chatdrop.hub.clone();
    let shutdown = chatdrop.shutdown.clone();
    chatdrop.tasks.spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(EVICT_EVERY) => {}
            }
            let evicted = hub.evict_idle();
            if evicted > 0 {
                tracing::debug!(evicted, "idle rooms evicted");
            }
        }
    });
}
