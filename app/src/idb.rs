//! The few IndexedDB calls the browser side needs, as futures (hydrate
//! only). Each database holds one object store whose records carry their
//! own `key`; `server/assets/sw.js` opens the share store the same way.

use js_sys::{Array, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

/// An object store, in a database of its own (version 1).
pub struct Store {
    pub db: &'static str,
    pub store: &'static str,
}

impl Store {
    /// Adds or replaces `record` (an object with a `key`).
    pub async fn put(&self, record: &JsValue) -> Result<(), JsValue> {
        request(
            &self
                .open(IdbTransactionMode::Readwrite)
                .await?
                .put(record)?,
        )
        .await?;
        Ok(())
    }

    /// The record under `key`, if there is one.
    pub async fn get(&self, key: &str) -> Result<Option<JsValue>, JsValue> {
        let found = request(
            &self
                .open(IdbTransactionMode::Readonly)
                .await?
                .get(&key.into())?,
        )
        .await?;
        Ok(Some(found).filter(|r| !r.is_undefined()))
    }

    pub async fn delete(&self, key: &str) -> Result<(), JsValue> {
        request(
            &self
                .open(IdbTransactionMode::Readwrite)
                .await?
                .delete(&key.into())?,
        )
        .await?;
        Ok(())
    }

    // Used by the browser glue only.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub async fn all(&self) -> Result<Vec<JsValue>, JsValue> {
        let all = request(&self.open(IdbTransactionMode::Readonly).await?.get_all()?).await?;
        Ok(all.dyn_into::<Array>()?.to_vec())
    }

    async fn open(&self, mode: IdbTransactionMode) -> Result<IdbObjectStore, JsValue> {
        let db = self.database().await?;
        db.transaction_with_str_and_mode(self.store, mode)?
            .object_store(self.store)
    }

    async fn database(&self) -> Result<IdbDatabase, JsValue> {
        let factory = web_sys::window()
            .ok_or("no window")?
            .indexed_db()?
            .ok_or("no IndexedDB")?;
        let opening = factory.open_with_u32(self.db, 1)?;
        let store = self.store;
        let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(db) = event
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
            else {
                return;
            };
            let params = web_sys::IdbObjectStoreParameters::new();
            params.set_key_path(&JsValue::from_str("key"));
            let _ = db.create_object_store_with_optional_parameters(store, &params);
        });
        opening.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let db = request(&opening).await;
        opening.set_onupgradeneeded(None);
        drop(upgrade);
        db?.dyn_into::<IdbDatabase>()
    }
}

/// A field of a stored record.
pub fn field(record: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(record, &name.into()).ok()
}

/// Waits for a request's success (its result) or error.
async fn request(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or_default());
        });
        let failed = request.clone();
        let err = Closure::once_into_js(move || {
            let error = failed.error().ok().flatten().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &error.unwrap_or_default());
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(err.unchecked_ref()));
    });
    JsFuture::from(promise).await
}
