//! Confirming a deletion: one bar above the composer, for whichever entry's
//! "Delete" was pressed, and one submit handler on the log for every
//! entry's form (entries carry no code of their own for it). Without
//! JavaScript the same bar comes back from the server (`?delete=SEQ`) and
//! its form posts the confirmation.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::client::Input;
use crate::erase::Erase;
use crate::protocol::{EventKind, Seq};
use crate::store::RoomStore;

/// The log's submit handler: an entry's "Delete" asks to confirm.
pub fn on_log_submit(store: RoomStore) -> impl Fn(web_sys::SubmitEvent) + Copy {
    move |ev: web_sys::SubmitEvent| {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let seq = form
            .elements()
            .named_item("seq")
            .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.value().parse().ok());
        if let Some(seq) = seq.filter(|_| form.class_list().contains("delete")) {
            ev.prevent_default();
            store.dispatch(Input::AskDelete(Some(Seq(seq))));
        }
    }
}

/// "Delete this message for everyone?", with the confirming button and a
/// way back, while an entry's "Delete" awaits it.
#[component]
pub fn ConfirmDelete(store: RoomStore) -> impl IntoView {
    let asked = move || {
        store.state.with(|r| {
            let seq = r.confirm_delete?;
            let event = r.events.iter().find(|e| e.seq == seq)?;
            let what = match event.kind {
                EventKind::Message { .. } => "message",
                EventKind::File { .. } => "file",
                _ => return None,
            };
            Some((seq, what, r.code.path()))
        })
    };
    let confirm = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if let Some(seq) = store.state.with_untracked(|r| r.confirm_delete) {
            store.dispatch(Input::Delete(seq));
        }
    };
    let cancel = move |ev: web_sys::MouseEvent| {
        ev.prevent_default();
        store.dispatch(Input::AskDelete(None));
    };
    move || {
        asked().map(|(seq, what, room)| {
            view! {
                <form method="post" action=format!("{room}/entries/delete") class="delete-confirm" on:submit=confirm>
                    <input type="hidden" name="seq" value=seq.0.to_string() />
                    <input type="hidden" name="confirm" value="1" />
                    <span>{format!("Delete this {what} for everyone?")}</span>
                    <button type="submit" class="danger small">{format!("Delete {what}")}</button>
                    <a href=format!("{room}#e{}", seq.0) on:click=cancel>"Cancel"</a>
                </form>
            }
            .erase()
        })
    }
}
