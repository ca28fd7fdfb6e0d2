//! The seam between the room's views and the browser glue: the state
//! machine's [`Room`] in a signal, the files the user handed over, and a
//! runner for effects that the glue installs when it starts.
//!
//! Views read `state` and [`RoomStore::dispatch`] what the user does;
//! they never call the glue. The glue ([`crate::glue`], hydrate only)
//! performs the effects each input returns and dispatches what happens in
//! the browser; it never touches views. Without JavaScript (and on the
//! server) no runner is installed and nothing runs.

use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;

use crate::client::{Effect, Input, NewFile, Room};
use crate::protocol::ClientMsgId;

/// Performs a batch of effects (installed by the glue).
pub type Runner = Rc<dyn Fn(RoomStore, Vec<Effect>)>;

/// Starts the browser glue for a room; provided as context by the app in
/// the browser build only.
#[derive(Clone, Copy)]
pub struct Glue(pub fn(RoomStore));

/// A room's state for its views, and the door to the glue.
#[derive(Clone, Copy)]
pub struct RoomStore {
    /// What the views render.
    pub state: RwSignal<Room>,
    /// Whether the WASM app runs: sharing files needs it.
    pub hydrated: RwSignal<bool>,
    /// Minutes east of UTC that times are shown in; `None` shows UTC,
    /// labelled (until the browser has said its zone).
    pub zone: RwSignal<Option<i32>>,
    /// The time countdowns count from (ms since the epoch): the server's
    /// render time until the glue's clock takes over.
    pub clock: RwSignal<i64>,
    /// The files of this tab's uploads, by upload key: browser handles,
    /// not state.
    files: StoredValue<HashMap<ClientMsgId, web_sys::File>, LocalStorage>,
    runner: StoredValue<Option<Runner>, LocalStorage>,
}

impl RoomStore {
    /// A store for a freshly loaded room page.
    pub fn new(room: Room, zone: Option<i32>, rendered_at: i64) -> Self {
        RoomStore {
            state: RwSignal::new(room),
            hydrated: RwSignal::new(false),
            zone: RwSignal::new(zone),
            clock: RwSignal::new(rendered_at),
            files: StoredValue::new_local(HashMap::new()),
            runner: StoredValue::new_local(None),
        }
    }

    /// Applies `input` and has the glue perform what it calls for.
    pub fn dispatch(&self, input: Input) {
        let now = now_ms();
        let effects = self
            .state
            .try_update(|room| room.apply(input, now))
            .unwrap_or_default();
        if effects.is_empty() {
            return;
        }
        if let Some(run) = self.runner.try_get_value().flatten() {
            run(*self, effects);
        }
    }

    /// Installs the glue's effect runner.
    pub fn connect(&self, runner: Runner) {
        self.runner.set_value(Some(runner));
    }

    /// Shares files the user picked, dropped, pasted or shared to the app.
    pub fn share(&self, files: Vec<web_sys::File>) {
        let mut new = Vec::new();
        for file in files {
            let key = ClientMsgId(format!("f-{}", new_client_id().0));
            new.push(NewFile {
                key: key.clone(),
                name: file.name(),
                size: file.size() as u64,
                mime: file.type_(),
            });
            self.files.update_value(|files| {
                files.insert(key, file);
            });
        }
        if !new.is_empty() {
            self.dispatch(Input::Share(new));
        }
    }

    /// The user picked `file` again for upload `key`, whose file was lost.
    pub fn repick(&self, key: ClientMsgId, file: web_sys::File) {
        let size = file.size() as u64;
        self.files.update_value(|files| {
            files.insert(key.clone(), file);
        });
        self.dispatch(Input::Repicked { key, size });
    }

    /// Posts `text` as a message.
    pub fn post(&self, text: String) {
        self.dispatch(Input::Post {
            id: new_client_id(),
            text,
        });
    }

    /// The file of upload `key`, if this tab has it.
    pub fn file(&self, key: &ClientMsgId) -> Option<web_sys::File> {
        self.files.with_value(|files| files.get(key).cloned())
    }

    /// Keeps `file` for upload `key` (restored after a reload).
    pub fn keep_file(&self, key: ClientMsgId, file: web_sys::File) {
        self.files.update_value(|files| {
            files.insert(key, file);
        });
    }

    /// Lets go of upload `key`'s file.
    pub fn drop_file(&self, key: &ClientMsgId) {
        self.files.update_value(|files| {
            files.remove(key);
        });
    }
}

/// The cookie the browser keeps its time zone in (minutes east of UTC), so
/// the server renders times as the reader's clock shows them.
pub const ZONE_COOKIE: &str = "chatdrop_zone";

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64)
    }
}

/// A fresh id for a message: time and randomness, unique enough per sender.
pub fn new_client_id() -> ClientMsgId {
    let now = now_ms() as u64;
    let random = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    ClientMsgId(format!("{now:x}-{random:x}"))
}
