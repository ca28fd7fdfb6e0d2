//! Chatdrop's shared crate: the pages, their server functions and the wire
//! vocabulary, compiled to WASM for the browser (`hydrate`) and natively for
//! the server (`ssr`). Nothing here touches storage directly: the server
//! plugs in through [`backend::Backend`].

// Leptos views are deeply nested types; erasing them (`erase.rs`) adds one
// more level, past the default limit of 128 in the server build.
#![recursion_limit = "256"]

pub mod chat;
mod erase;
pub mod error;
#[cfg(feature = "hydrate")]
mod live;
pub mod login;
pub mod model;
#[cfg(feature = "hydrate")]
mod notify;
pub mod protocol;
pub mod room;
mod tagged;
pub mod time;
#[cfg(feature = "hydrate")]
mod transfer;
pub mod units;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_security_policy();
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="description" content="Chat and share files with anyone who has the room code." />
                <link rel="stylesheet" href=css />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <meta name="theme-color" content="#4338ca" />
                <script src="/pwa.js" defer></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Sends the page's Content-Security-Policy: scripts only from this origin
/// or inline with this response's nonce (hydration's few inline scripts
/// carry it), WASM allowed to compile, nothing framed, forms and sockets to
/// this origin only.
#[cfg(feature = "ssr")]
fn set_security_policy() {
    let (Some(response), Some(nonce)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        leptos::nonce::use_nonce(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
    // Pages carry the session's view and a fresh nonce: never reuse one
    // from an HTTP cache (the service worker keeps its own offline copy).
    response.insert_header(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache, private"),
    );
}

/// The whole app: the login page at `/` and a room at `/room/{code}`.
///
/// Every route renders in `Async` mode: the server waits for the page's data
/// and sends complete HTML, so the page works without JavaScript and hydrates
/// without a flash of loading states.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(SessionEpoch::default());
    mark_hydrated();
    view! {
        <Router>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=login::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/room/:code") view=room::RoomPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// Counts sign-ins and leaves in this tab. Pages that depend on the session
/// track it, so they reload their data even when the URL stays the same (an
/// invite link's page turning into the room after "Join room").
#[derive(Clone, Copy, Default)]
pub struct SessionEpoch(RwSignal<u64>);

impl SessionEpoch {
    /// The current epoch, tracked.
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// Marks the session as changed.
    pub fn bump(self) {
        self.0.update(|n| *n += 1);
    }
}

/// The tab's [`SessionEpoch`].
pub fn session_epoch() -> SessionEpoch {
    use_context::<SessionEpoch>().unwrap_or_default()
}

/// Shown for any path no route matches.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Chatdrop" />
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There's nothing at this address."</p>
            <p><a href="/">"Go to Chatdrop"</a></p>
        </section>
    }
}

/// Marks `<html data-hydrated>` once the WASM app has taken over the page,
/// so browser tests (and CSS) can tell the hydrated page from the plain one.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}
