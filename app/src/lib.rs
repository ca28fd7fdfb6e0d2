//! Chatdrop's shared crate: the pages, their server functions and the wire
//! vocabulary, compiled to WASM for the browser (`hydrate`) and natively for
//! the server (`ssr`). Nothing here touches storage directly: the server
//! plugs in through [`backend::Backend`].

// Leptos views are deeply nested types; erasing them (`erase.rs`) adds one
// more level, past the default limit of 128 in the server build.
#![recursion_limit = "256"]

pub mod chat;
pub mod client;
mod erase;
pub mod error;
#[cfg(feature = "hydrate")]
mod glue;
mod idb;
pub mod login;
mod markup;
pub mod model;
mod notify;
#[cfg(feature = "ssr")]
pub mod options;
pub mod page;
pub mod protocol;
pub mod rich;
pub mod room;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod settings;
pub mod share;
pub mod store;
mod tagged;
pub mod time;
pub mod units;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;

use crate::erase::Erase;
use crate::page::Page;

/// The HTML document around the app; rendered on the server only, for the
/// [`Page`] the request's handler provided.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_security_policy();
    let page = Page::rendered();
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content" />
                <meta name="color-scheme" content="light dark" />
                <meta name="description" content="Chat and share files with anyone who has the room code." />
                <title>{page.title()}</title>
                <link rel="stylesheet" href=css />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <meta name="theme-color" content="#f5f6fa" media="(prefers-color-scheme: light)" />
                <meta name="theme-color" content="#181b24" media="(prefers-color-scheme: dark)" />
                // Data, not code: the browser never runs it, so it needs no
                // nonce under the Content-Security-Policy.
                <script type="application/json" id=page::DATA_ID inner_html=page.embed()></script>
                <script src="/pwa.js" defer></script>
                // The settings page is forms only: it needs no WASM.
                // (Leptos's `defer`, hydrating once idle, was measured: it
                // hydrated a throttled phone's room page ~390 ms later.)
                {page.hydrates().then(|| view! { <HydrationScripts options /> })}
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

/// The whole app: the page on screen, inside `<main>`.
///
/// A page is rendered whole, in one pass, from data the server loaded
/// before rendering; so it works without JavaScript and hydrates without a
/// flash of loading states. Later pages come from [`page::go`].
#[component]
pub fn App() -> impl IntoView {
    mark_hydrated();
    // Rooms connect through the browser glue; the server build has none.
    #[cfg(feature = "hydrate")]
    {
        provide_context(store::Glue(glue::start));
        Effect::new(|_| glue::remember_zone());
    }
    let shown = page::Shown::new(Page::rendered());
    provide_context(shown);
    page::follow_history(shown);
    view! { <main class="page">{move || shown.page.get().view()}</main> }
}

impl Page {
    /// The page's view.
    fn view(self) -> AnyView {
        match self {
            Page::Home(prefill) => match prefill.left.clone() {
                Some(code) => view! { <login::LeftCard code name=prefill.name /> }.erase(),
                None => view! { <login::LoginCard prefill invited=None /> }.erase(),
            },
            Page::Invite(prefill) => {
                let invited = protocol::RoomCode::parse(&prefill.code).ok();
                view! { <login::LoginCard prefill invited /> }.erase()
            }
            Page::Room(room) => view! { <room::RoomScreen room /> }.erase(),
            #[cfg(feature = "ssr")]
            Page::Settings(view) => view! { <settings::SettingsScreen view /> }.erase(),
            // Never hydrated (it has no WASM); reached in place, it loads.
            #[cfg(not(feature = "ssr"))]
            Page::Settings(view) => {
                page::go_to(&format!("{}/settings", view.code.path()));
                ().erase()
            }
            Page::Share(prefill) => {
                view! { <login::LoginCard prefill invited=None sharing=true /> }.erase()
            }
            Page::Gone(why) => view! { <Gone why /> }.erase(),
            Page::NotFound => view! { <NotFound /> }.erase(),
        }
    }
}

/// Shown for any path no route matches; the server sends it with a 404.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1 tabindex="-1">"Page not found"</h1>
            <p>"There's nothing at this address."</p>
            <p><a href="/">"Go to Chatdrop"</a></p>
        </section>
    }
}

/// A room that is gone: why, and the way back.
#[component]
fn Gone(why: error::AppError) -> impl IntoView {
    view! {
        <section class="card">
            <h1 tabindex="-1">{why.to_string().trim_end_matches('.').to_owned()}</h1>
            <p>"Its messages and files have been deleted."</p>
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
