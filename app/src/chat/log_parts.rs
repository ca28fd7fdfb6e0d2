//! Parts of the log beside its rows: the quiet room's invitation, and
//! keeping a following log at the bottom as it grows.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::protocol::RoomCode;

/// A quiet room's first words: the invite link and its QR code.
#[component]
pub(super) fn Welcome(invite: String, code: RoomCode) -> impl IntoView {
    view! {
        <div class="welcome">
            <h2>"Invite someone to start"</h2>
            <p>"Share this link, or let them scan the code:"</p>
            <a class="invite-link" href=invite.clone()>{invite.clone()}</a>
            <img class="qr" src=crate::routes::qr_path(code.as_str()) width="176" height="176" alt="QR code of the invite link" />
        </div>
    }
}

/// Keeps a following log at the bottom as its content grows.
pub(super) fn follow_growth(
    content: NodeRef<html::Div>,
    follow: StoredValue<bool>,
    to_bottom: impl Fn() + Copy + 'static,
) {
    use wasm_bindgen::closure::Closure;
    let Some(element) = content.get() else {
        return;
    };
    // Leaving the room disposes `follow`; the observer then stops itself,
    // so a log left behind by back/forward never reaches the reactive graph.
    let grew = Closure::<dyn Fn(wasm_bindgen::JsValue, web_sys::ResizeObserver)>::new(
        move |_entries, observer: web_sys::ResizeObserver| match follow.try_get_value() {
            Some(true) => to_bottom(),
            Some(false) => {}
            None => observer.disconnect(),
        },
    );
    if let Ok(observer) = web_sys::ResizeObserver::new(grew.as_ref().unchecked_ref()) {
        observer.observe(&element);
    }
    // A few bytes per room visited: the browser holds the callback for as
    // long as the observer may call it.
    grew.forget();
}
