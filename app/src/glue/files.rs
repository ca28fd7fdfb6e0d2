//! Files for uploads (hydrate only): reading a chunk with `Blob.slice`
//! (never the whole file in memory, never base64), hashing small files,
//! and keeping unfinished uploads in IndexedDB with their `File`, so a
//! reload picks them up.

use js_sys::{Object, Reflect, Uint8Array};
use leptos::prelude::WithUntracked;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::client::{Input, SavedUpload};
use crate::idb::{field, Store};
use crate::protocol::{Chunk, ClientMsgId, UploadId, CHUNK_HEADER_BYTES};
use crate::store::RoomStore;

/// Unfinished uploads, one record per upload under its `key`.
const UPLOADS: Store = Store {
    db: "chatdrop",
    store: "uploads",
};

/// Hashes upload `key`'s file and reports it.
pub fn hash(store: RoomStore, key: ClientMsgId) {
    let file = store.file(&key);
    leptos::task::spawn_local(async move {
        let sha256 = match file {
            Some(file) => sha256(&file).await,
            None => None,
        };
        store.dispatch(Input::Hashed { key, sha256 });
    });
}

/// Reads bytes `start..end` of upload `key`'s file into a chunk frame and
/// reports it.
pub fn read(store: RoomStore, key: ClientMsgId, upload: UploadId, start: u64, end: u64) {
    let file = store.file(&key);
    leptos::task::spawn_local(async move {
        let frame = match file {
            Some(file) => read_chunk(&file, &upload, start, end).await.ok(),
            None => None,
        };
        store.dispatch(Input::ChunkRead { key, start, frame });
    });
}

/// Saves an upload that has a server id, so a reload can resume it.
pub fn save(store: RoomStore, saved: SavedUpload) {
    let Some(file) = store.file(&saved.key) else {
        return;
    };
    let room = store.state.with_untracked(|r| r.code.to_string());
    let record = Object::new();
    let entries: [(&str, JsValue); 7] = [
        ("key", saved.key.0.into()),
        ("upload", saved.upload.0.into()),
        ("room", room.into()),
        ("name", saved.name.into()),
        ("size", (saved.size as f64).into()),
        ("mime", saved.mime.into()),
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

/// Forgets an upload: its file and its saved record.
pub fn discard(store: RoomStore, key: ClientMsgId) {
    store.drop_file(&key);
    leptos::task::spawn_local(async move {
        let _ = UPLOADS.delete(&key.0).await;
    });
}

/// Brings back this room's unfinished uploads after a reload.
pub fn restore(store: RoomStore) {
    let room = store.state.with_untracked(|r| r.code.to_string());
    leptos::task::spawn_local(async move {
        let Ok(records) = UPLOADS.all().await else {
            return;
        };
        let mut saved = Vec::new();
        for record in records {
            let text = |name: &str| field(&record, name).and_then(|v| v.as_string());
            let (Some(key), Some(upload), Some(name)) = (text("key"), text("upload"), text("name"))
            else {
                continue;
            };
            if text("room").as_deref() != Some(room.as_str()) {
                continue;
            }
            let key = ClientMsgId(key);
            let file = field(&record, "file").and_then(|f| f.dyn_into::<web_sys::File>().ok());
            let has_file = file.is_some();
            if let Some(file) = file {
                store.keep_file(key.clone(), file);
            }
            saved.push(SavedUpload {
                key,
                upload: UploadId(upload),
                name,
                size: field(&record, "size")
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0) as u64,
                mime: text("mime").unwrap_or_default(),
                has_file,
            });
        }
        if !saved.is_empty() {
            store.dispatch(Input::Restored(saved));
        }
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
