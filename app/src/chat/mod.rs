//! The chat: the message log, the composer, who is typing, and the member
//! list. Entries are `entry.rs`.
//!
//! Server-rendered with the room's recent history, so it reads (and, with a
//! plain form, sends) without JavaScript. Once hydrated, the glue keeps the
//! [`RoomStore`] current over the room's WebSocket, and this view follows.

mod actions;
mod entry;
mod log_parts;
mod members;

pub use self::members::Members;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::client::{Input, Room, Row, Status};
use crate::erase::Erase;
use crate::error::AppError;
use crate::model::HistoryPage;
use crate::protocol::{EventKind, Member, RoomCode};
use crate::store::RoomStore;
use crate::units;

use self::entry::{display_name, Entry};
use self::log_parts::{follow_growth, Welcome};

/// Posts a message (or, with `edit`, the new text of one) from the form
/// used without JavaScript, then sends the browser back to the room, at
/// the message (or with `?error=` if it was refused). With JavaScript,
/// messages go over the WebSocket instead.
#[server(prefix = "/api", endpoint = "post_message")]
pub async fn post_message(
    code: String,
    text: String,
    client_id: String,
    reply_to: Option<u64>,
    edit: Option<u64>,
) -> Result<(), AppError> {
    use crate::backend::{backend, caller, change, post, Change};
    use crate::protocol::{ClientMsgId, RoomCode, Seq};

    let code = RoomCode::parse(&code)?;
    let (backend, caller) = (backend()?, caller()?);
    let result = match edit {
        Some(target) => {
            let target = Seq(target);
            let edit = Change::Edit { target, text };
            change(&*backend, &caller, &code, edit)
                .await
                .map(|()| target)
        }
        None => {
            let id = ClientMsgId(client_id);
            post(&*backend, &caller, &code, id, text, reply_to.map(Seq)).await
        }
    };
    back_to_room(&code, result)
}

/// Adds or takes back a reaction from the form used without JavaScript,
/// then sends the browser back to the message.
#[server(prefix = "/api", endpoint = "react")]
pub async fn react(code: String, seq: u64, emoji: String) -> Result<(), AppError> {
    use crate::backend::{backend, caller, change, Change};
    use crate::protocol::{RoomCode, Seq};

    let code = RoomCode::parse(&code)?;
    let target = Seq(seq);
    let react = Change::React { target, emoji };
    let result = change(&*backend()?, &caller()?, &code, react).await;
    back_to_room(&code, result.map(|()| target))
}

/// Where a form used without JavaScript lands: the room at the entry it
/// made or changed, or the room saying what was wrong with it; anything
/// else (not a member, another site) is refused outright.
#[cfg(feature = "ssr")]
fn back_to_room(
    code: &RoomCode,
    result: Result<crate::protocol::Seq, AppError>,
) -> Result<(), AppError> {
    let back = match result {
        Ok(seq) => format!("{}#e{}", code.path(), seq.0),
        Err(
            error @ (AppError::MessageEmpty
            | AppError::MessageTooLong
            | AppError::MessageDeleted
            | AppError::NoSuchMessage
            | AppError::NotYourMessage
            | AppError::BadReaction),
        ) => {
            let key = error.query_key().unwrap_or_default();
            format!("{}?error={key}", code.path())
        }
        Err(error) => return crate::backend::fail(error),
    };
    leptos_axum::redirect(&back);
    Ok(())
}

/// The events before `before` in room `code`, for scrolling back.
#[server(prefix = "/api", endpoint = "older_events")]
pub async fn load_older(code: String, before: u64) -> Result<HistoryPage, AppError> {
    use crate::backend::{backend, caller, fail, member};
    use crate::protocol::RoomCode;

    let code = RoomCode::parse(&code)?;
    let backend = backend()?;
    if let Err(error) = member(&*backend, &caller()?, &code).await {
        return fail(error);
    }
    backend
        .history(&code, Some(crate::protocol::Seq(before)))
        .await
}

/// How near the bottom (in pixels) the log counts as following.
const FOLLOW_WITHIN: i32 = 48;

/// The log, the typing line and the composer.
#[component]
pub fn Chat(code: RoomCode, me: Member, invite: String, store: RoomStore) -> impl IntoView {
    let code_for_qr = code.clone();
    let scroller = NodeRef::<html::Div>::new();
    let textarea = NodeRef::<html::Textarea>::new();
    let state = store.state;

    // Read straight from the state: memos per field cost more WASM than
    // the few updates they would save.
    let status = move || state.with(|r| r.status);

    // Keeps the log at the newest entry unless the reader scrolled up; then
    // counts what arrived below, for the "New messages" button.
    let follow = StoredValue::new(true);
    let below = RwSignal::new(0u32);
    let to_bottom = move || {
        // `try_`: an animation frame may come after the room was left.
        if let Some(s) = scroller.try_get_untracked().flatten() {
            s.set_scroll_top(s.scroll_height());
        }
    };
    Effect::new(move |before: Option<usize>| {
        let count = state.with(|r| r.events.len() + r.pending.len() + r.uploads.len());
        if follow.get_value() {
            request_animation_frame(to_bottom);
        } else if let Some(before) = before.filter(|b| count > *b) {
            below.update(|n| *n += (count - before) as u32);
        }
        count
    });
    // Anything that grows (an image loading, an upload's bar) keeps a
    // following log at the bottom too.
    let content = NodeRef::<html::Div>::new();
    Effect::new(move |_| follow_growth(content, follow, to_bottom));
    let on_scroll = move |_| {
        if let Some(s) = scroller.get_untracked() {
            let near = s.scroll_height() - s.scroll_top() - s.client_height() < FOLLOW_WITHIN;
            follow.set_value(near);
            if near && below.get_untracked() > 0 {
                below.set(0);
            }
        }
    };
    let jump = move |_| {
        follow.set_value(true);
        below.set(0);
        to_bottom();
    };
    let rows = move || state.with(|r| r.rows(store.zone.get()));

    let older_href = move || {
        let first = state.with(|r| r.events.first().map(|e| e.seq.0).unwrap_or(0));
        format!("?before={first}")
    };
    let load_older = {
        let code = code.clone();
        move |ev: web_sys::MouseEvent| {
            ev.prevent_default();
            load_earlier(code.clone(), store, scroller);
        }
    };

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if state.with_untracked(|r| r.status) == Status::Offline {
            return;
        }
        let Some(area) = textarea.get_untracked() else {
            return;
        };
        store.post(area.value());
        if state.with_untracked(|r| r.alert.is_none()) {
            area.set_value("");
            // Your own message is always shown.
            follow.set_value(true);
            request_animation_frame(to_bottom);
        }
    };
    let on_input = move |_| store.dispatch(Input::Typed);
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(form) = textarea.get_untracked().and_then(|t| t.form()) {
                let _ = form.request_submit();
            }
        }
    };

    let typing_line = move || {
        let names: Vec<String> =
            state.with(|r| r.typing.iter().map(|(m, _)| m.name.to_string()).collect());
        match names.as_slice() {
            [] => String::new(),
            [one] => format!("{one} is typing…"),
            [one, two] => format!("{one} and {two} are typing…"),
            _ => "Several people are typing…".to_owned(),
        }
    };
    // Without JavaScript nothing connects: no banner then.
    let status_line = move || {
        match status() {
        Status::Live => None,
        Status::Connecting if !store.hydrated.get() => None,
        Status::Connecting => Some("Connecting…"),
        Status::Reconnecting => Some("Connection lost. Reconnecting…"),
        Status::Offline => Some("You are offline. These are the saved messages; sending resumes when you're back online."),
    }
    };
    let offline = move || status() == Status::Offline;

    // Files: picked, dropped anywhere on the chat, or pasted.
    let dragging = RwSignal::new(false);
    let on_pick = move |ev: web_sys::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(input) = input {
            store.share(file_list(input.files()));
            // The same file may be picked again later.
            input.set_value("");
        }
    };
    let on_dragover = move |ev: web_sys::DragEvent| {
        if carries_files(&ev) {
            ev.prevent_default();
            dragging.set(true);
        }
    };
    let on_dragleave = move |ev: web_sys::DragEvent| {
        // Moving between the card's children fires leaves too: only a leave
        // to outside the card counts.
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(
                ev.current_target()
                    .and_then(|t| t.dyn_into::<web_sys::Node>().ok()),
            )
            .is_some_and(|(to, card)| card.contains(Some(&to)));
        if !inside {
            dragging.set(false);
        }
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        dragging.set(false);
        if !carries_files(&ev) {
            return;
        }
        ev.prevent_default();
        store.share(file_list(ev.data_transfer().and_then(|d| d.files())));
    };
    let on_paste = move |ev: web_sys::ClipboardEvent| {
        let files = file_list(ev.clipboard_data().and_then(|d| d.files()));
        if !files.is_empty() {
            ev.prevent_default();
            store.share(files);
        }
    };

    let my_name = me.name.to_string();
    // Uploads whose file entry isn't in the log yet (the offer is on its way).
    let preparing = move || {
        state.with(|r| {
            r.uploads
                .iter()
                .filter(|u| {
                    u.upload.as_ref().is_none_or(|id| {
                        !r.events
                            .iter()
                            .rev()
                            .any(|e| matches!(&e.kind, EventKind::File { file } if &file.id == id))
                    })
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };

    // Without JavaScript, `?edit=SEQ` comes back with the text to change.
    let editing_text = state
        .with_untracked(|r| {
            r.editing
                .and_then(|seq| r.message(seq).map(|(t, _)| t.to_owned()))
        })
        .unwrap_or_default();
    let day_label = move |day: i64| {
        let today = crate::time::day(store.clock.get(), store.zone.get());
        crate::time::day_label(day, today)
    };
    let row_view = {
        let me = me.user.clone();
        move |row: Row| match row {
            Row::Day(day) => view! { <li class="day">{move || day_label(day)}</li> }.erase(),
            Row::New => view! { <li class="new-divider">"New"</li> }.erase(),
            Row::Notice { text, .. } => view! { <li class="notice">{text}</li> }.erase(),
            Row::Entry { event, grouped, .. } => {
                view! { <Entry event grouped me=me.clone() store /> }.erase()
            }
        }
    };

    view! {
        <div
            class="chat card"
            class:dragging=move || dragging.get()
            on:dragover=on_dragover
            on:dragleave=on_dragleave
            on:drop=on_drop
        >
            <p class="status" role="status">{status_line}</p>
            {move || state.with(|r| r.alert.clone()).map(|text| view! { <p role="alert" class="alert">{text}</p> })}
            <div class="log-scroll" node_ref=scroller on:scroll=on_scroll>
                <div class="log-content" node_ref=content>
                // Optional parts are closures returning `Option`s rather than
                // `<Show>`s: cheaper in the WASM, and rendered the same.
                {move || state.with(|r| r.has_older).then(|| view! {
                    <a class="older" href=older_href on:click=load_older.clone()>"Load earlier messages"</a>
                })}
                {move || state.with(Room::is_quiet).then(|| view! { <Welcome invite=invite.clone() code=code_for_qr.clone() /> })}
                // The live region wraps the list: `log` is not a role an
                // `<ol>` may take, and the entries stay list items.
                <div role="log" aria-label="Messages">
                <ol class="log" on:submit=actions::on_log_submit(store, textarea)>
                    <For each=rows key=Row::key children=row_view.clone() />
                    <For each=move || state.with(|r| r.pending.clone()) key=|p| (p.id.clone(), p.failed.clone()) let(pending)>
                        <li class="msg mine pending">
                            <div class="meta">
                                <span class="sender">{me.name.to_string()}</span>
                                <span class="when">{if pending.failed.is_some() { "not sent" } else { "sending…" }}</span>
                            </div>
                            <p class="text">{pending.text}</p>
                            {pending.failed.map(|why| view! { <p class="failed">{why}</p> })}
                        </li>
                    </For>
                    <For each=preparing key=|u| (u.key.clone(), u.problem.clone()) let(upload)>
                        <li class="msg mine pending file">
                            <div class="meta">
                                <span class="sender">{my_name.clone()}</span>
                                <span class="when">{if upload.problem.is_some() { "not shared" } else { "preparing…" }}</span>
                            </div>
                            <p class="file-line">
                                <span class="file-name">{display_name(&upload.name)}</span>
                                <span class="file-meta">{units::bytes(upload.size)}</span>
                            </p>
                            {upload.problem.map(|why| view! { <p class="failed">{why}</p> })}
                        </li>
                    </For>
                </ol>
                </div>
                </div>
            </div>
            {move || (below.get() > 0).then(|| view! {
                <button type="button" class="jump" on:click=jump>"New messages " <span class="count">{below.get().to_string()}</span></button>
            })}
            <p class="drop-hint" aria-hidden="true">"Drop files to share them with the room"</p>
            <p class="typing" aria-live="polite">{typing_line}</p>
            <actions::ConfirmDelete store />
            <actions::Answering store textarea />
            <form class="composer" id="composer" method="post" action="/api/post_message" on:submit=on_submit>
                <input type="hidden" name="code" value=code.to_string() />
                <input type="hidden" name="client_id" value="" />
                {move || (store.hydrated.get() && !offline()).then(|| view! {
                    <input type="file" id="attach-input" class="visually-hidden attach-input" multiple on:change=on_pick />
                    <label for="attach-input" class="attach button" title="Attach file (or drop or paste files)">
                        <span class="visually-hidden">"Attach file"</span>
                    </label>
                })}
                <label for="composer-text" class="visually-hidden">"Message"</label>
                <textarea
                    id="composer-text"
                    name="text"
                    rows="1"
                    placeholder="Message"
                    node_ref=textarea
                    on:keydown=on_keydown
                    on:input=on_input
                    on:paste=on_paste
                >{editing_text}</textarea>
                <button type="submit" class="primary send" disabled=offline><span class="send-label">"Send"</span></button>
            </form>
        </div>
    }
    // Erased: the full view type is too deep for the server crate's
    // type checker otherwise.
    .erase()
}

/// Loads the page of history before the first shown event, keeping the
/// reader's place.
fn load_earlier(code: RoomCode, store: RoomStore, scroller: NodeRef<html::Div>) {
    let Some(first) = store
        .state
        .with_untracked(|r| r.events.first().map(|e| e.seq))
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        let Ok(page) = load_older(code.to_string(), first.0).await else {
            return;
        };
        let height_before = scroller
            .get_untracked()
            .map(|s| s.scroll_height())
            .unwrap_or(0);
        store.dispatch(Input::Older(page));
        request_animation_frame(move || {
            if let Some(s) = scroller.get_untracked() {
                s.set_scroll_top(s.scroll_top() + s.scroll_height() - height_before);
            }
        });
    });
}

/// Whether a drag carries files (not text or a link).
fn carries_files(ev: &web_sys::DragEvent) -> bool {
    ev.data_transfer().is_some_and(|d| {
        d.types()
            .includes(&wasm_bindgen::JsValue::from_str("Files"), 0)
    })
}

/// The files in a list, in order.
fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}
