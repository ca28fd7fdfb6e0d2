//! The pages: `GET /`, `GET /room/{code}` and the 404 page.
//!
//! A handler decides the [`Page`] with everything it shows
//! ([`app::page::decide`], shared with the `load_page` server function), then
//! renders `app::shell` with it in one synchronous pass. The page travels
//! inside the HTML for hydration, so the browser asks for nothing more
//! before it can show or hydrate it.

use app::backend::Caller;
use app::page::Page;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use leptos::prelude::provide_context;

use crate::state::AppState;

/// `GET /` and `GET /room/{code}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let (page, status) = app::page::decide(&*state.backend(), &caller, &caller.origin, &path).await;
    render(&state, request, page, status).await
}

/// Renders `page` (the whole document) under `status`.
pub async fn render(state: &AppState, request: Request, page: Page, status: u16) -> Response {
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || provide_context(page.clone()),
        move || app::shell(options.clone()),
    );
    let mut response = render(request).await.into_response();
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    response
}

/// The fallback: a file of the site root (manifest, icons, `pwa.js`), else
/// the 404 page.
pub async fn site_file_or_not_found(
    uri: axum::http::Uri,
    state: State<AppState>,
    request: Request,
) -> Response {
    let serve = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        || provide_context(Page::NotFound),
        app::shell,
    );
    serve(uri, state, request).await
}
