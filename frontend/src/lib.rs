//! The WASM entry point. Everything the browser runs lives in `app`; this
//! crate only hydrates the server-rendered page.

/// Called by the generated JS loader once the WASM module is instantiated.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
