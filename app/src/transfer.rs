//! The browser's side of file sharing (hydrate only): offers files over the
//! room's socket, sends their bytes in chunks read with `Blob.slice` (never
//! the whole file in memory, never base64), keeps a few chunks in flight,
//! and resumes from the server's offset after a reconnect or a reload.
//!
//! Unfinished uploads are kept in IndexedDB with their `File`, so a reload
//! picks them up; if the browser lost access to the file, the entry asks the
//! user to pick it again.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Object, Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::chat::{ChatState, FileNow, Frame, Outgoing};
use crate::idb::Store;
use crate::protocol::{
    Chunk, ClientMsg, ClientMsgId, ErrorCode, FileStatus, RoomCode, ServerMsg, UploadId,
    CHUNK_HEADER_BYTES,
};

/// Bytes per chunk frame. Measured (docs/BENCHMARKS.md): larger chunks
/// stop paying off here, and smaller ones make progress jumpy on slow links.
pub const CHUNK_BYTES: u64 = 256 * 1024;
/// Bytes sent but not yet acknowledged: enough to keep the pipe full on a
/// fast link, little enough that a cancel or a reconnect wastes little.
const WINDOW_BYTES: u64 = 16 * CHUNK_BYTES;
/// Files up to this size are hashed before the offer, so content the room
/// already has completes at once (hashing needs the file in memory).
const HASH_UP_TO: f64 = 64.0 * 1024.0 * 1024.0;

/// Unfinished uploads, one record per upload under its `key`.
const UPLOADS: Store = Store {
    db: "chatdrop",
    store: "uploads",
};

/// What this tab knows about one of its uploads beyond what the view shows.
struct Sender {
    file: Option<web_sys::File>,
    room: String,
    mime: String,
    sha256: Option<String>,
    /// Hashing is done (or skipped): the offer may go.
    ready: bool,
    /// The next byte to send.
    next: u64,
    /// Bumped whenever the server says where to continue: a pump from an
    /// older generation stops instead of sending stale chunks.
    generation: u32,
    running: bool,
}

thread_local! {
    // The browser's main thread is the only thread; `File`s can't be in
    // signals (they aren't `Send`).
    static SENDERS: RefCell<HashMap<ClientMsgId, Sender>> = RefCell::new(HashMap::new());
}

fn with_sender<R>(key: &ClientMsgId, f: impl FnOnce(&mut Sender) -> R) -> Option<R> {
    SENDERS.with(|senders| senders.borrow_mut().get_mut(key).map(f))
}

/// Shares files picked, dropped or pasted in `room`.
pub fn share(state: ChatState, room: &RoomCode, files: Vec<web_sys::File>) {
    for file in files {
        let key = new_key();
        let size = file.size() as u64;
        let name = file.name();
        let mime = file.type_();
        SENDERS.with(|senders| {
            senders.borrow_mut().insert(
                key.clone(),
                Sender {
                    file: Some(file.clone()),
                    room: room.to_string(),
                    mime: mime.clone(),
                    sha256: None,
                    ready: false,
                    next: 0,
                    generation: 0,
                    running: false,
                },
            )
        });
        state.uploads.update(|uploads| {
            uploads.push(Outgoing {
                key: key.clone(),
                name: name.clone(),
                size,
                upload: None,
                acked: 0,
                since: (js_sys::Date::now(), 0),
                problem: None,
                needs_file: false,
            })
        });
        leptos::task::spawn_local(async move {
            let sha256 = if file.size() <= HASH_UP_TO {
                sha256(&file).await
            } else {
                None
            };
            with_sender(&key, |s| {
                s.sha256 = sha256.clone();
                s.ready = true;
            });
            state.send(ClientMsg::Offer {
                id: key,
                name,
                size,
                mime,
                sha256,
            });
        });
    }
}

/// A (re)connected socket: every unfinished upload asks where to continue.
pub fn on_connect(state: ChatState) {
    for outgoing in state.uploads.get_untracked() {
        if outgoing.problem.is_some() && outgoing.upload.is_none() {
            continue;
        }
        let ready = with_sender(&outgoing.key, |s| {
            s.generation += 1;
            s.running = false;
            (s.ready, s.sha256.clone(), s.mime.clone())
        });
        let Some((ready, sha256, mime)) = ready else {
            continue;
        };
        match outgoing.upload {
            Some(upload) => {
                state.send(ClientMsg::ResumeUpload { upload });
            }
            // The offer may not have reached the server: offering again
            // under the same key finds the same upload.
            None if ready => {
                state.send(ClientMsg::Offer {
                    id: outgoing.key,
                    name: outgoing.name,
                    size: outgoing.size,
                    mime,
                    sha256,
                });
            }
            None => {}
        }
    }
}

/// Handles the server frames about files; `true` if it was one.
pub fn on_message(state: ChatState, msg: &ServerMsg) -> bool {
    match msg {
        ServerMsg::Upload { id, upload, offset } => {
            let key = id.clone().or_else(|| key_of(state, upload));
            if let Some(key) = key {
                accepted(state, key, upload.clone(), *offset);
            }
            true
        }
        ServerMsg::Received { upload, offset } => {
            if let Some(key) = key_of(state, upload) {
                state.uploads.update(|uploads| {
                    if let Some(o) = uploads.iter_mut().find(|o| o.key == key) {
                        o.acked = o.acked.max(*offset);
                    }
                });
                pump(state, key);
            }
            true
        }
        ServerMsg::Progress {
            upload,
            received,
            status,
            dimensions,
        } => {
            state.files.update(|files| {
                files.insert(
                    upload.clone(),
                    FileNow {
                        received: *received,
                        status: *status,
                        dimensions: *dimensions,
                    },
                );
            });
            if *status != FileStatus::Uploading {
                if let Some(key) = key_of(state, upload) {
                    forget(state, &key);
                }
            }
            true
        }
        ServerMsg::Error {
            code,
            message,
            upload: Some(upload),
            expected,
            ..
        } => {
            let Some(key) = key_of(state, upload) else {
                return true;
            };
            match (code, expected) {
                // Chunks crossed with a reconnect: continue where the
                // server's bytes end.
                (ErrorCode::BadOffset, Some(expected)) => {
                    accepted(state, key, upload.clone(), *expected);
                }
                _ => fail(state, &key, message.clone()),
            }
            true
        }
        ServerMsg::Error {
            message,
            id: Some(id),
            ..
        } if state
            .uploads
            .with_untracked(|u| u.iter().any(|o| &o.key == id)) =>
        {
            fail(state, id, message.clone());
            true
        }
        _ => false,
    }
}

/// Stops an upload of this tab and tells the server to discard it.
pub fn cancel(state: ChatState, key: &ClientMsgId) {
    let upload = state.uploads.with_untracked(|u| {
        u.iter()
            .find(|o| &o.key == key)
            .and_then(|o| o.upload.clone())
    });
    if let Some(upload) = upload {
        state.send(ClientMsg::CancelUpload { upload });
    }
    forget(state, key);
}

/// The user picked the file again after the browser lost access to it.
pub fn repick(state: ChatState, key: &ClientMsgId, file: web_sys::File) {
    let expected = state
        .uploads
        .with_untracked(|u| u.iter().find(|o| &o.key == key).map(|o| o.size));
    if expected != Some(file.size() as u64) {
        state.alert.set(Some(
            "That isn't the same file: its size is different.".to_owned(),
        ));
        return;
    }
    with_sender(key, |s| s.file = Some(file));
    state.uploads.update(|uploads| {
        if let Some(o) = uploads.iter_mut().find(|o| &o.key == key) {
            o.needs_file = false;
            o.problem = None;
        }
    });
    persist(state, key);
    on_connect(state);
}

/// Brings back this room's unfinished uploads after a reload.
pub fn restore(state: ChatState, room: RoomCode) {
    leptos::task::spawn_local(async move {
        let Ok(records) = UPLOADS.all().await else {
            return;
        };
        let room = room.to_string();
        let mut restored = false;
        for record in records {
            let field = |name: &str| crate::idb::field(&record, name);
            let text = |name: &str| field(name).and_then(|v| v.as_string());
            let (Some(key), Some(upload), Some(name)) = (text("key"), text("upload"), text("name"))
            else {
                continue;
            };
            if text("room").as_deref() != Some(room.as_str()) {
                continue;
            }
            let key = ClientMsgId(key);
            if state
                .uploads
                .with_untracked(|u| u.iter().any(|o| o.key == key))
            {
                continue;
            }
            let size = field("size").and_then(|v| v.as_f64()).unwrap_or(0.0) as u64;
            let file = field("file").and_then(|f| f.dyn_into::<web_sys::File>().ok());
            let needs_file = file.is_none();
            SENDERS.with(|senders| {
                senders.borrow_mut().insert(
                    key.clone(),
                    Sender {
                        file,
                        room: room.clone(),
                        mime: text("mime").unwrap_or_default(),
                        sha256: None,
                        ready: true,
                        next: 0,
                        generation: 0,
                        running: false,
                    },
                )
            });
            state.uploads.update(|uploads| {
                uploads.push(Outgoing {
                    key,
                    name,
                    size,
                    upload: Some(UploadId(upload)),
                    acked: 0,
                    since: (js_sys::Date::now(), 0),
                    problem: None,
                    needs_file,
                })
            });
            restored = true;
        }
        if restored {
            on_connect(state);
        }
    });
}

/// The server said where upload `key` continues.
fn accepted(state: ChatState, key: ClientMsgId, upload: UploadId, offset: u64) {
    let mut known = false;
    state.uploads.update(|uploads| {
        if let Some(o) = uploads.iter_mut().find(|o| o.key == key) {
            known = true;
            let first = o.upload.is_none();
            o.upload = Some(upload.clone());
            o.acked = offset;
            o.problem = None;
            if first || o.since.1 > offset {
                o.since = (js_sys::Date::now(), offset);
            }
        }
    });
    if !known {
        return;
    }
    with_sender(&key, |s| {
        s.generation += 1;
        s.running = false;
        s.next = offset;
    });
    persist(state, &key);
    pump(state, key);
}

/// Sends chunks while the window has room; acknowledgements call it again.
fn pump(state: ChatState, key: ClientMsgId) {
    let Some(Some(generation)) = with_sender(&key, |s| {
        if s.running || s.file.is_none() {
            None
        } else {
            s.running = true;
            Some(s.generation)
        }
    }) else {
        return;
    };
    leptos::task::spawn_local(async move {
        loop {
            let Some((current, next, file)) =
                with_sender(&key, |s| (s.generation, s.next, s.file.clone()))
            else {
                return;
            };
            let Some(file) = file.filter(|_| current == generation) else {
                return;
            };
            let Some((upload, acked, size)) = state.uploads.with_untracked(|u| {
                u.iter()
                    .find(|o| o.key == key)
                    .and_then(|o| Some((o.upload.clone()?, o.acked, o.size)))
            }) else {
                break;
            };
            if next >= size || next.saturating_sub(acked) >= WINDOW_BYTES {
                break;
            }
            let end = (next + CHUNK_BYTES).min(size);
            let frame = match read_chunk(&file, &upload, next, end).await {
                Ok(frame) => frame,
                Err(_) => {
                    // The browser can't read the file any more (moved,
                    // changed, or lost across the reload).
                    state.uploads.update(|uploads| {
                        if let Some(o) = uploads.iter_mut().find(|o| o.key == key) {
                            o.needs_file = true;
                        }
                    });
                    break;
                }
            };
            if with_sender(&key, |s| s.generation) != Some(generation) {
                return;
            }
            if !state.send_frame(Frame::Binary(frame)) {
                break;
            }
            with_sender(&key, |s| s.next = end);
        }
        with_sender(&key, |s| {
            if s.generation == generation {
                s.running = false;
            }
        });
    });
}

/// Reads bytes `start..end` of `file` into a chunk frame.
async fn read_chunk(
    file: &web_sys::File,
    upload: &UploadId,
    start: u64,
    end: u64,
) -> Result<Vec<u8>, JsValue> {
    let blob = file.slice_with_f64_and_f64(start as f64, end as f64)?;
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    let bytes = Uint8Array::new(&buffer);
    let len = bytes.length() as usize;
    if len as u64 != end - start {
        return Err(JsValue::from_str("short read"));
    }
    let mut frame = vec![0u8; CHUNK_HEADER_BYTES + len];
    if !Chunk::write_header(upload, start, &mut frame) {
        return Err(JsValue::from_str("bad upload id"));
    }
    bytes.copy_to(&mut frame[CHUNK_HEADER_BYTES..]);
    Ok(frame)
}

/// SHA-256 in hex, where the browser offers it (secure contexts only).
async fn sha256(file: &web_sys::File) -> Option<String> {
    let window = web_sys::window()?;
    if !window.is_secure_context() {
        return None;
    }
    let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
    let subtle = window.crypto().ok()?.subtle();
    let digest = subtle
        .digest_with_str_and_buffer_source("SHA-256", buffer.unchecked_ref())
        .ok()?;
    let digest = JsFuture::from(digest).await.ok()?;
    Some(
        Uint8Array::new(&digest)
            .to_vec()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

fn key_of(state: ChatState, upload: &UploadId) -> Option<ClientMsgId> {
    state.uploads.with_untracked(|u| {
        u.iter()
            .find(|o| o.upload.as_ref() == Some(upload))
            .map(|o| o.key.clone())
    })
}

fn fail(state: ChatState, key: &ClientMsgId, message: String) {
    // The entry itself may end as just "Upload failed"; the alert keeps
    // the reason in front of the uploader.
    let name = state
        .uploads
        .with_untracked(|u| u.iter().find(|o| &o.key == key).map(|o| o.name.clone()));
    if let Some(name) = name {
        state
            .alert
            .set(Some(format!("Couldn't share {name}: {message}")));
    }
    state.uploads.update(|uploads| {
        if let Some(o) = uploads.iter_mut().find(|o| &o.key == key) {
            o.problem = Some(message);
        }
    });
    with_sender(key, |s| s.generation += 1);
    let key = key.clone();
    leptos::task::spawn_local(async move {
        let _ = UPLOADS.delete(&key.0).await;
    });
}

/// Drops an upload that ended (finished, cancelled, failed).
fn forget(state: ChatState, key: &ClientMsgId) {
    state.uploads.update(|u| u.retain(|o| &o.key != key));
    SENDERS.with(|senders| senders.borrow_mut().remove(key));
    let key = key.clone();
    leptos::task::spawn_local(async move {
        let _ = UPLOADS.delete(&key.0).await;
    });
}

/// Saves an upload that has a server id, so a reload can resume it.
fn persist(state: ChatState, key: &ClientMsgId) {
    let Some((upload, name, size)) = state.uploads.with_untracked(|u| {
        u.iter()
            .find(|o| &o.key == key)
            .and_then(|o| Some((o.upload.clone()?, o.name.clone(), o.size)))
    }) else {
        return;
    };
    let Some(Some((room, mime, file))) = with_sender(key, |s| {
        s.file
            .clone()
            .map(|file| (s.room.clone(), s.mime.clone(), file))
    }) else {
        return;
    };
    let record = Object::new();
    let entries: [(&str, JsValue); 7] = [
        ("key", key.0.clone().into()),
        ("upload", upload.0.into()),
        ("room", room.into()),
        ("name", name.into()),
        ("size", (size as f64).into()),
        ("mime", mime.into()),
        ("file", file.into()),
    ];
    for (name, value) in entries {
        let _ = Reflect::set(&record, &name.into(), &value);
    }
    leptos::task::spawn_local(async move {
        // Without IndexedDB (private windows in some browsers) uploads
        // still resume after reconnects, just not after a reload.
        let _ = UPLOADS.put(&record).await;
    });
}

/// An offer's id: a message id, marked as a file's.
fn new_key() -> ClientMsgId {
    ClientMsgId(format!("f-{}", crate::chat::new_client_id().0))
}
