//! System notifications for new messages while the tab is hidden (hydrate
//! only). Off by default; the user turns them on with a button, so the
//! permission prompt only ever follows their click. The choice is kept in
//! `localStorage`.

use leptos::prelude::*;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

const SETTING: &str = "chatdrop-notifications";

/// Whether notifications are on (and allowed) in this browser.
pub fn enabled() -> bool {
    supported()
        && Notification::permission() == NotificationPermission::Granted
        && storage()
            .and_then(|s| s.get_item(SETTING).ok().flatten())
            .as_deref()
            == Some("on")
}

/// Whether this browser can show notifications at all.
pub fn supported() -> bool {
    js_sys::Reflect::has(&window(), &"Notification".into()).unwrap_or(false)
}

/// Turns notifications on (asking for permission; call from a click) or
/// off; `on` ends as what actually happened, `problem` says why not.
pub fn toggle(on: RwSignal<bool>, problem: RwSignal<Option<&'static str>>) {
    if on.get_untracked() {
        save("off");
        on.set(false);
        return;
    }
    leptos::task::spawn_local(async move {
        let granted = match Notification::request_permission() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()
                .and_then(|v| v.as_string())
                .is_some_and(|v| v == "granted"),
            Err(_) => false,
        };
        if granted {
            save("on");
            problem.set(None);
        } else {
            problem.set(Some(
                "Notifications are blocked for this site; allow them in the browser's site settings.",
            ));
        }
        on.set(granted);
    });
}

/// Shows a notification for a message from `from`, if they are on and the
/// tab is hidden. One per room: a newer message replaces the older one.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn message(room: &str, from: &str, text: &str) {
    if !document().hidden() || !enabled() {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(&text.chars().take(200).collect::<String>());
    options.set_tag(room);
    options.set_icon("/icons/icon-192.png");
    if let Ok(notification) = Notification::new_with_options(from, &options) {
        let clicked = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            let _ = window().focus();
        });
        notification.set_onclick(Some(wasm_bindgen::JsCast::unchecked_ref(clicked.as_ref())));
        // Lives as long as the notification may be clicked.
        clicked.forget();
    }
}

fn save(value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(SETTING, value);
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
