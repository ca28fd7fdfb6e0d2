//! `GET /sw.js`: the service worker, stamped with this build's version.
//!
//! The version is a hash of the built assets, read once at start-up, so a
//! deploy always installs a new worker with a fresh cache (and the page
//! offers "Reload to update"), while a restart of the same build changes
//! nothing.

use std::path::Path;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};

use crate::assets::Bundle;
use crate::files::hex;
use crate::state::AppState;

const TEMPLATE: &str = include_str!("../assets/sw.js");

/// Files besides the built bundle that the offline shell needs.
const SHELL: &[&str] = &[
    "/favicon.svg",
    "/manifest.webmanifest",
    "/pwa.js",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/maskable-512.png",
];

/// The worker's script for the site under `site_root` and this bundle.
pub fn worker_script(site_root: &Path, bundle: &Bundle) -> String {
    let mut hasher = Sha256::new();
    hasher.update(bundle.version.as_bytes());
    for path in SHELL {
        let bytes = std::fs::read(site_root.join(path.trim_start_matches('/'))).unwrap_or_default();
        hasher.update(path.as_bytes());
        hasher.update(Sha256::digest(&bytes));
    }
    let version = hex(&hasher.finalize()[..8]);
    let mut urls = bundle.urls();
    urls.extend(SHELL.iter().map(|p| (*p).to_owned()));
    TEMPLATE.replace("__VERSION__", &version).replace(
        "__ASSETS__",
        &serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into()),
    )
}

/// Serves the worker; browsers check it for updates on every navigation,
/// so it is never cached by HTTP.
pub async fn service_worker(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        state.service_worker.to_string(),
    )
}
