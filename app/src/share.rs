//! The share target. When another app shares text or files to the
//! installed Chatdrop, the service worker (`server/assets/sw.js`) keeps them
//! in IndexedDB and opens `/share`. There the person picks a room (`claim`
//! marks the share for it), and the room, once open, posts it (`deliver`);
//! those two and the reading only ever run in the browser.

pub use browser::*;

/// The message for what was shared: the text and the link (apps often put
/// the link in the text as well), or the title when that is all there is.
pub fn message(title: &str, text: &str, url: &str) -> String {
    match (text.trim(), url.trim()) {
        ("", "") => title.trim().to_owned(),
        (text, "") => text.to_owned(),
        ("", url) => url.to_owned(),
        (text, url) if text.contains(url) => text.to_owned(),
        (text, url) => format!("{text}\n{url}"),
    }
}

mod browser {
    use js_sys::{Array, Reflect};
    use leptos::prelude::WithUntracked;
    use wasm_bindgen::{JsCast, JsValue};

    use crate::idb::{field, Store};
    use crate::protocol::RoomCode;
    use crate::store::RoomStore;

    /// Where the service worker leaves what was shared: one record, `pending`.
    const SHARES: Store = Store {
        db: "chatdrop-share",
        store: "share",
    };
    const PENDING: &str = "pending";

    /// What another app shared.
    #[derive(Clone)]
    pub struct Shared {
        /// The message to post ([`super::message`]).
        pub text: String,
        pub files: Vec<web_sys::File>,
    }

    /// What is waiting to be shared, if anything.
    pub async fn pending() -> Option<Shared> {
        let record = SHARES.get(PENDING).await.ok()??;
        Some(read(&record))
    }

    /// Marks what is waiting to be shared for `room`, which posts it when it
    /// opens.
    pub async fn claim(room: &RoomCode) {
        if let Ok(Some(record)) = SHARES.get(PENDING).await {
            let _ = Reflect::set(&record, &"room".into(), &room.to_string().into());
            let _ = SHARES.put(&record).await;
        }
    }

    /// Posts what was shared, if it was claimed for `room`: the message as if
    /// typed, the files as if picked. It is removed first, so it is posted
    /// once even if this tab closes halfway (unfinished uploads resume as
    /// usual).
    pub fn deliver(store: RoomStore) {
        let room = store.state.with_untracked(|r| r.code.clone());
        leptos::task::spawn_local(async move {
            let Ok(Some(record)) = SHARES.get(PENDING).await else {
                return;
            };
            let claimed = field(&record, "room").and_then(|r| r.as_string());
            if claimed != Some(room.to_string()) || SHARES.delete(PENDING).await.is_err() {
                return;
            }
            let shared = read(&record);
            if !shared.text.trim().is_empty() {
                store.post(shared.text);
            }
            store.share(shared.files);
        });
    }

    fn read(record: &JsValue) -> Shared {
        let text = |name| {
            field(record, name)
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        };
        let files = field(record, "files")
            .and_then(|f| f.dyn_into::<Array>().ok())
            .map(|files| {
                files
                    .iter()
                    .filter_map(|f| f.dyn_into::<web_sys::File>().ok())
                    .collect()
            })
            .unwrap_or_default();
        Shared {
            text: super::message(&text("title"), &text("text"), &text("url")),
            files,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn the_message_has_the_text_and_the_link_once() {
        assert_eq!(
            message("Page", "Look", "https://a.example/x"),
            "Look\nhttps://a.example/x"
        );
        assert_eq!(
            message("Page", "Look at https://a.example/x", "https://a.example/x"),
            "Look at https://a.example/x"
        );
        assert_eq!(
            message("Page", "", "https://a.example/x"),
            "https://a.example/x"
        );
        assert_eq!(message("Page", "  ", ""), "Page");
        assert_eq!(message("", "", ""), "");
    }
}
