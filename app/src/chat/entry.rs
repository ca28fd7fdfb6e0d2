//! One entry of the log: a message, a notice, or a shared file with its
//! progress, link and preview.

use std::fmt::Write;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::client::Upload;
use crate::erase::Erase;
use crate::markup::{element, escape};
use crate::protocol::{Event, EventKind, FileStatus, Reaction, Seq, SharedFile, UserId, REACTIONS};
use crate::rich::Span;
use crate::store::{now_ms, RoomStore};
use crate::time::{iso, label, long};
use crate::units;

/// The largest box an image preview takes, in CSS pixels.
const PREVIEW_MAX: (u32, u32) = (320, 240);

/// One message or file in the log; `grouped` under the one before it (same
/// sender, minutes apart), so without its name.
#[component]
pub fn Entry(event: Event, grouped: bool, me: UserId, store: RoomStore) -> impl IntoView {
    let name = event.who.name.to_string();
    let at = event.at;
    let zone = store.zone;
    let mine = event.who.user == me;
    let meta = view! {
        <div class="meta">
            <span class="sender">{name}</span>
            <time datetime=iso(at) title=move || long(at, zone.get())>{move || label(at, zone.get())}</time>
        </div>
    };
    let seq = event.seq;
    let id = format!("e{}", seq.0);
    match event.kind {
        EventKind::Message {
            text,
            reply_to,
            edited,
            reactions,
            ..
        } => view! {
            <li class="msg" class:mine=mine class:grouped=grouped id=id>
                {meta}
                {reply_to.map(|target| quote(target, store))}
                <div class="text" inner_html=text_html(&text, edited)></div>
                {reactions_bar(seq, &reactions, &me, store)}
                <div class="tools" inner_html=tools(seq, true, mine, store)></div>
            </li>
        }
        .erase(),
        EventKind::File { file } => view! {
            <li class="msg file" class:mine=mine class:grouped=grouped id=id>
                {meta}
                <FileCard file seq store />
                <div class="tools" inner_html=tools(seq, false, mine, store)></div>
            </li>
        }
        .erase(),
        EventKind::Tombstone { file } => view! {
            <li class="msg tombstone" class:mine=mine class:grouped=grouped id=id>
                {meta}
                <p class="text deleted">{if file { "File deleted" } else { "Message deleted" }}</p>
            </li>
        }
        .erase(),
        // Notices and changes have rows of their own, or none.
        _ => ().erase(),
    }
}

/// A message's text, with its links, code and emphasis, and whether it
/// was edited.
fn text_html(text: &str, edited: bool) -> String {
    let mut html = crate::rich::html(text);
    if edited {
        html.push_str(r#"<span class="edited"> (edited)</span>"#);
    }
    html
}

/// The quote above a reply: who wrote what it answers and how it began;
/// a link that scrolls to it (the CSS highlights the target).
fn quote(target: Seq, store: RoomStore) -> impl IntoView {
    let (who, said) = store.state.with_untracked(|r| {
        let found = r.events.binary_search_by_key(&target, |e| e.seq).ok();
        match found.map(|at| &r.events[at]) {
            Some(event) => (event.who.name.to_string(), excerpt(&event.kind)),
            None => (String::new(), "An earlier message".to_owned()),
        }
    });
    let mut inside = String::new();
    element(&mut inside, "span", r#"class="quote-who""#, &who);
    element(&mut inside, "span", r#"class="quote-text""#, &said);
    view! { <a class="quote" href=format!("#e{}", target.0) inner_html=inside></a> }
}

/// How a message or file is quoted: its first line, shortened.
pub fn excerpt(kind: &EventKind) -> String {
    const LONGEST: usize = 80;
    let plain: String;
    let text = match kind {
        EventKind::Message { text, .. } => {
            // What it says, without its markers (`code`, *bold*).
            plain = crate::rich::spans(text.lines().next().unwrap_or_default())
                .into_iter()
                .map(|span| match span {
                    Span::Text(t)
                    | Span::Code(t)
                    | Span::Block(t)
                    | Span::Bold(t)
                    | Span::Italic(t) => t,
                    Span::Link { text, .. } => text,
                })
                .collect();
            plain.as_str()
        }
        EventKind::File { file } => file.name.as_str(),
        _ => return "Message deleted".to_owned(),
    };
    if text.chars().count() > LONGEST {
        let cut: String = text.chars().take(LONGEST - 1).collect();
        format!("{cut}…")
    } else {
        text.to_owned()
    }
}

/// A message's reactions: one button per emoji with its count, pressed if
/// this user is among them, naming who in its title. Each toggles; a plain
/// form, caught by the log's submit handler.
fn reactions_bar(
    seq: Seq,
    reactions: &[Reaction],
    me: &UserId,
    store: RoomStore,
) -> Option<impl IntoView> {
    if reactions.is_empty() {
        return None;
    }
    let code = store.state.with_untracked(|r| r.code.to_string());
    let mut chips = react_fields(seq, &code);
    for r in reactions {
        let pressed = r.by.iter().any(|m| &m.user == me);
        let names: Vec<&str> = r.by.iter().map(|m| m.name.as_str()).collect();
        let _ = write!(
            chips,
            r#"<button type="submit" name="emoji" value="{emoji}" class="chip{mine}" aria-pressed="{pressed}" title="{names}">{emoji} <span class="count">{count}</span></button>"#,
            emoji = escape(&r.emoji),
            mine = if pressed { " mine" } else { "" },
            names = escape(&names.join(", ")),
            count = r.by.len(),
        );
    }
    Some(
        view! { <form method="post" action="/api/react" class="react reactions" inner_html=chips></form> },
    )
}

/// An entry's buttons, as plain forms the log's submit handler catches
/// (entries carry no code of their own); without JavaScript they go to
/// the server. "Reply" and "Edit" come back to the room with the composer
/// answering or editing (`?reply=SEQ`, `?edit=SEQ`); "React" opens the
/// emoji in a popover (no script needed); "Delete", for the author and
/// the room's owners (as they are when the entry is shown), asks to
/// confirm, in place or by coming back with `?delete=SEQ`.
fn tools(seq: Seq, message: bool, mine: bool, store: RoomStore) -> String {
    let (room, code, owner) = store.state.with_untracked(|r| {
        (
            escape(&r.code.path()),
            r.code.to_string(),
            r.settings.owners.contains(&r.me.user),
        )
    });
    let n = seq.0;
    let mut out = String::new();
    let answer = |out: &mut String, what: &str, label: &str| {
        let _ = write!(
            out,
            r#"<form method="get" action="{room}" class="{what}"><input type="hidden" name="{what}" value="{n}"><button type="submit" class="small quiet">{label}</button></form>"#
        );
    };
    answer(&mut out, "reply", "Reply");
    if message {
        let _ = write!(
            out,
            r#"<button type="button" class="small quiet" popovertarget="react-{n}">React</button><div popover="auto" id="react-{n}" class="picker"><form method="post" action="/api/react" class="react">{}"#,
            react_fields(seq, &code)
        );
        for e in REACTIONS {
            let _ = write!(
                out,
                r#"<button type="submit" name="emoji" value="{e}">{e}</button>"#
            );
        }
        out.push_str("</form></div>");
        if mine {
            answer(&mut out, "edit", "Edit");
        }
    }
    if mine || owner {
        let _ = write!(
            out,
            r#"<form method="post" action="{room}/entries/delete" class="delete"><input type="hidden" name="seq" value="{n}"><button type="submit" class="small quiet">Delete</button></form>"#
        );
    }
    out
}

/// The room (by its `code`) and message a reaction form is for.
fn react_fields(seq: Seq, code: &str) -> String {
    format!(
        r#"<input type="hidden" name="code" value="{}"><input type="hidden" name="seq" value="{}">"#,
        escape(code),
        seq.0
    )
}

/// A shared file: its link (once complete) with size and type, live
/// progress while it uploads, and a preview for images.
#[component]
fn FileCard(file: SharedFile, seq: Seq, store: RoomStore) -> impl IntoView {
    let name = display_name(&file.name);
    let kind = units::file_kind(&file.mime, &file.name);
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
                // Others may start the download now: it streams as the
                // bytes arrive and ends with the last one.
                let mine = upload.get();
                let early = mine.is_none().then(|| {
                    view! { <a class="file-early" href=href.clone() download="">"Download (still uploading)"</a> }
                });
                view! {
                    <Progress name=name.clone() size received=current.received upload=mine store />
                    {early}
                }
                .erase()
            }
            FileStatus::Complete if previewable => {
                // The box is reserved from the stored size before the image
                // loads, so the log doesn't jump (the CSS keeps the shape).
                let (width, height) = units::fit(
                    current.dimensions.unwrap_or(PREVIEW_MAX),
                    PREVIEW_MAX.0,
                    PREVIEW_MAX.1,
                );
                let viewer = format!("view-{}", seq.0);
                view! {
                    <button type="button" class="preview" commandfor=viewer.clone() command="show-modal" aria-label=format!("View {name}")>
                        <img src=href.clone() alt="" loading="lazy" width=width height=height />
                    </button>
                    <dialog id=viewer.clone() class="viewer" aria-label=name.clone() closedby="any">
                        <img src=href.clone() alt=name.clone() loading="lazy" />
                        <p class="viewer-bar">
                            <a href=href.clone() download="">"Download"</a>
                            <button type="button" commandfor=viewer.clone() command="close" autofocus>"Close"</button>
                        </p>
                    </dialog>
                }
                .erase()
            }
            FileStatus::Complete => ().erase(),
            // Cancelled uploads have no row (see `Room::rows`).
            FileStatus::Cancelled => ().erase(),
            FileStatus::Failed => view! { <p class="file-state">"Upload failed"</p> }.erase(),
        }
    };
    view! {
        <div class="file-card">
            <p class="file-line"><span class="file-icon" data-kind=kind aria-hidden="true"></span>{title} <span class="file-meta">{details}</span></p>
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
