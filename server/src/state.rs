//! The state every handler shares.

use std::sync::Arc;

use app::backend::Backend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::backend::Chatdrop;

/// Cheap to clone: options and `Arc`s.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Where the built site lives and what its assets are called.
    pub leptos_options: LeptosOptions,
    /// Storage, sessions, throttles.
    pub chatdrop: Arc<Chatdrop>,
    /// Origins besides our own that may post and connect.
    pub allowed_origins: Arc<[String]>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub proxies: crate::proxies::TrustedProxies,
    /// `--public-url`'s `scheme://host[:port]`, if set: invite links and
    /// the Origin check use it instead of `Host`.
    pub public_origin: Option<Arc<str>>,
    /// This build's bundle, served under a versioned path.
    pub bundle: Arc<crate::assets::Bundle>,
    /// The service worker's script, stamped with this build's version.
    pub service_worker: Arc<str>,
}

impl AppState {
    /// The backend as the shared app sees it.
    pub fn backend(&self) -> Arc<dyn Backend> {
        self.chatdrop.clone()
    }
}
