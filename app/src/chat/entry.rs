//! One entry of the log: a message, a notice, or a shared file with its
//! progress, link and preview.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::client::Upload;
use crate::erase::Erase;
use crate::protocol::{Event, EventKind, FileStatus, Seq, SharedFile, UserId};
use crate::store::{now_ms, RoomStore};
use crate::time::{iso, label, long};
use crate::units;

/// One entry in the log.
#[component]
pub fn Entry(event: Event, me: UserId, store: RoomStore) -> impl IntoView {
    let name = event.who.name.to_string();
    let at = event.at;
    let zone = store.zone;
    let mine = event.who.user == me;
    let meta = move |name: String| {
        view! {
            <div class="meta">
                <span class="sender">{name}</span>
                <time datetime=iso(at) title=move || long(at, zone.get())>{move || label(at, zone.get())}</time>
            </div>
        }
    };
    let seq = event.seq;
    let id = format!("e{}", seq.0);
    match event.kind {
        EventKind::Message { text, .. } => view! {
            <li class="msg" class:mine=mine id=id>
                {meta(name)}
                <p class="text">{text}</p>
                {delete_form(seq, mine, store)}
            </li>
        }
        .erase(),
        EventKind::File { file } => view! {
            <li class="msg file" class:mine=mine id=id>
                {meta(name)}
                <FileCard file store />
                {delete_form(seq, mine, store)}
            </li>
        }
        .erase(),
        EventKind::Tombstone { file } => view! {
            <li class="msg tombstone" class:mine=mine id=id>
                {meta(name)}
                <p class="text deleted">{if file { "File deleted" } else { "Message deleted" }}</p>
            </li>
        }
        .erase(),
        EventKind::Joined => view! { <li class="notice">{format!("{name} joined")}</li> }.erase(),
        EventKind::Left => view! { <li class="notice">{format!("{name} left")}</li> }.erase(),
        EventKind::Removed { by } => {
            view! { <li class="notice">{format!("{name} was removed by {by}")}</li> }.erase()
        }
        // Its target shows the deletion.
        EventKind::Deleted { .. } => ().erase(),
    }
}

/// An entry's "Delete", for its author and the room's owners (as they
/// are when the entry is shown): a plain form, no code per entry. Pressing
/// it asks to confirm, in place with JavaScript (the log catches the submit,
/// see `deleting.rs`), or by coming back with `?delete=` without.
fn delete_form(seq: Seq, mine: bool, store: RoomStore) -> Option<impl IntoView> {
    let (may, action) = store.state.with_untracked(|r| {
        let owner = r.settings.owners.contains(&r.me.user);
        (mine || owner, format!("{}/entries/delete", r.code.path()))
    });
    may.then(|| {
        view! {
            <form method="post" action=action class="delete">
                <input type="hidden" name="seq" value=seq.0.to_string() />
                <button type="submit" class="small quiet">"Delete"</button>
            </form>
        }
    })
}

/// A shared file: its link (once complete) with size and type, live
/// progress while it uploads, and a preview for images.
#[component]
fn FileCard(file: SharedFile, store: RoomStore) -> impl IntoView {
    let name = display_name(&file.name);
    let href = file.id.href();
    let details = format!(
        "{} · {}",
        units::bytes(file.size),
        if file.mime.is_empty() {
            "file"
        } else {
            file.mime.as_str()
        }
    );
    let previewable = file.is_previewable_image();
    let size = file.size;
    let now = {
        let file = file.clone();
        Memo::new(move |_| store.state.with(|room| room.file_now(&file)))
    };
    let id = file.id.clone();
    let upload = Memo::new(move |_| {
        store.state.with(|room| {
            room.uploads
                .iter()
                .find(|u| u.upload.as_ref() == Some(&id))
                .cloned()
        })
    });
    let title = {
        let (name, href) = (name.clone(), href.clone());
        move || match now.get().status {
            FileStatus::Complete => {
                // `download` saves under the name the server sends.
                view! { <a class="file-name" href=href.clone() download="">{name.clone()}</a> }
                    .erase()
            }
            _ => view! { <span class="file-name">{name.clone()}</span> }.erase(),
        }
    };
    let body = move || {
        let current = now.get();
        match current.status {
            FileStatus::Uploading => {
                view! { <Progress name=name.clone() size received=current.received upload=upload.get() store /> }
                    .erase()
            }
            FileStatus::Complete if previewable => {
                let (width, height) = current.dimensions.unzip();
                view! {
                    <a class="preview" href=href.clone() target="_blank" rel="noopener" tabindex="-1" aria-hidden="true">
                        <img src=href.clone() alt="" loading="lazy" width=width height=height />
                    </a>
                }
                .erase()
            }
            FileStatus::Complete => ().erase(),
            FileStatus::Cancelled => view! { <p class="file-state">"Upload cancelled"</p> }.erase(),
            FileStatus::Failed => view! { <p class="file-state">"Upload failed"</p> }.erase(),
        }
    };
    view! {
        <div class="file-card">
            <p class="file-line">{title} <span class="file-meta">{details}</span></p>
            {body}
        </div>
    }
    .erase()
}

/// An upload's progress bar: percent for everyone; speed, time left and
/// Cancel for the tab sending it.
#[component]
fn Progress(
    name: String,
    size: u64,
    received: u64,
    upload: Option<Upload>,
    store: RoomStore,
) -> impl IntoView {
    let done = upload.as_ref().map_or(received, |u| u.acked.max(received));
    let percent = units::percent(done, size);
    let mut text = format!("{percent}%");
    if let Some(u) = &upload {
        let seconds = (now_ms() - u.since.0) / 1000.0;
        let sent = u.acked.saturating_sub(u.since.1);
        if seconds > 0.5 && sent > 0 {
            let speed = sent as f64 / seconds;
            let left = (size - done.min(size)) as f64 / speed;
            text = format!(
                "{percent}% · {}/s · {} left",
                units::bytes(speed as u64),
                units::duration(left)
            );
        }
    }
    let label = format!("Uploading {name}");
    let controls = upload.map(|u| {
        let key = u.key.clone();
        let cancel = move |_| store.dispatch(crate::client::Input::Cancel(key.clone()));
        let key = u.key.clone();
        let repick = move |ev: web_sys::Event| {
            let input = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
                store.repick(key.clone(), file);
            }
        };
        view! {
            {u.needs_file.then(|| view! {
                <label class="repick">
                    {format!("Pick {} again to finish uploading it", display_name(&u.name))}
                    <input type="file" on:change=repick />
                </label>
            })}
            {u.problem.map(|why| view! { <p class="failed">{why}</p> })}
            <button type="button" class="cancel" on:click=cancel>"Cancel"</button>
        }
    });
    view! {
        <div class="progress">
            <progress
                role="progressbar"
                max="100"
                value=percent
                aria-label=label
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=percent
                aria-valuetext=text.clone()
            ></progress>
            <span class="progress-text">{text}</span>
            {controls}
        </div>
    }
    .erase()
}

/// A file's name as shown: exactly as given, or a placeholder if empty.
pub fn display_name(name: &str) -> String {
    if name.is_empty() {
        "Unnamed file".to_owned()
    } else {
        name.to_owned()
    }
}
