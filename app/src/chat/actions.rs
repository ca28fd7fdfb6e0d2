//! What each entry's buttons do: one submit handler on the log for every
//! entry's forms ("Reply", "React", "Edit", "Delete"; entries carry no code
//! of their own), and the bars above the composer that they open: the
//! reply's quote, the edit, and the deletion's confirmation. Without
//! JavaScript the same forms go to the server, which comes back with the
//! same bar (`?reply=SEQ`, `?edit=SEQ`, `?delete=SEQ`) or does the change.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::entry::excerpt;

use crate::client::Input;
use crate::erase::Erase;
use crate::protocol::{EventKind, Seq};
use crate::store::RoomStore;

/// The log's submit handler: an entry's "Delete" asks to confirm, "Reply"
/// and "Edit" set the composer to it, a reaction toggles.
pub fn on_log_submit(
    store: RoomStore,
    textarea: NodeRef<html::Textarea>,
) -> impl Fn(web_sys::SubmitEvent) + Copy {
    move |ev: web_sys::SubmitEvent| {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let field = |name: &str| {
            form.elements()
                .named_item(name)
                .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.value().parse().ok())
                .map(Seq)
        };
        let classes = form.class_list();
        let input = if classes.contains("delete") {
            field("seq").map(|seq| Input::AskDelete(Some(seq)))
        } else if classes.contains("reply") {
            field("reply").map(|seq| Input::Reply(Some(seq)))
        } else if classes.contains("edit") {
            field("edit").map(|seq| {
                let text = store
                    .state
                    .with_untracked(|r| r.message(seq).map(|(text, _)| text.to_owned()));
                if let (Some(area), Some(text)) = (textarea.get_untracked(), text) {
                    area.set_value(&text);
                }
                Input::Edit(Some(seq))
            })
        } else if classes.contains("react") {
            let emoji = ev
                .submitter()
                .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
                .map(|b| b.value());
            field("seq")
                .zip(emoji)
                .map(|(target, emoji)| Input::React { target, emoji })
        } else {
            None
        };
        if let Some(input) = input {
            ev.prevent_default();
            let answers = matches!(input, Input::Reply(_) | Input::Edit(_));
            store.dispatch(input);
            if answers {
                if let Some(area) = textarea.get_untracked() {
                    let _ = area.focus();
                }
            }
        }
    }
}

/// "Replying to Alice: …" or "Editing your message", with a way back,
/// while the composer answers or edits; its hidden field tells the form
/// used without JavaScript the same.
#[component]
pub fn Answering(store: RoomStore, textarea: NodeRef<html::Textarea>) -> impl IntoView {
    let shown = move || {
        store.state.with(|r| {
            let (seq, editing) = match (r.reply_to, r.editing) {
                (_, Some(seq)) => (seq, true),
                (Some(seq), None) => (seq, false),
                (None, None) => return None,
            };
            let at = r.events.binary_search_by_key(&seq, |e| e.seq).ok()?;
            let event = &r.events[at];
            Some((
                seq,
                editing,
                event.who.name.to_string(),
                excerpt(&event.kind),
                r.code.path(),
            ))
        })
    };
    let cancel = move |ev: web_sys::MouseEvent| {
        ev.prevent_default();
        let editing = store.state.with_untracked(|r| r.editing.is_some());
        store.dispatch(if editing {
            Input::Edit(None)
        } else {
            Input::Reply(None)
        });
        if let Some(area) = textarea.get_untracked() {
            if editing {
                area.set_value("");
            }
            let _ = area.focus();
        }
    };
    move || {
        shown().map(|(seq, editing, who, said, room)| {
            let (field, title) = if editing {
                ("edit", "Editing your message".to_owned())
            } else {
                ("reply_to", format!("Replying to {who}"))
            };
            view! {
                <div class="answering">
                    <input type="hidden" name=field value=seq.0.to_string() form="composer" />
                    <a class="quote" href=format!("#e{}", seq.0)>
                        <span class="quote-who">{title}</span>
                        <span class="quote-text">{said}</span>
                    </a>
                    <a class="button small quiet" href=room on:click=cancel>{if editing { "Cancel edit" } else { "Cancel reply" }}</a>
                </div>
            }
            .erase()
        })
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
