//! The chat: the message log, the composer, who is typing, and the member
//! list.
//!
//! Server-rendered with the room's recent history, so it reads (and, with a
//! plain form, sends) without JavaScript. Once hydrated, `live.rs` keeps it
//! current over the room's WebSocket.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::erase::Erase;
use crate::error::AppError;
use crate::model::HistoryPage;
use std::collections::HashMap;

use crate::protocol::{
    ClientMsg, ClientMsgId, Event, EventKind, FileStatus, Member, RoomCode, Seq, SharedFile,
    UploadId, UserId,
};
use crate::time::{clock, iso};
use crate::units;

/// A message this tab sent that the server hasn't confirmed yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Its client id.
    pub id: ClientMsgId,
    /// Its text.
    pub text: String,
    /// Why the server refused it, if it did.
    pub failed: Option<String>,
}

/// A file this tab is uploading.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    /// The tab's id for it (the offer's id).
    pub key: ClientMsgId,
    /// The file's name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// The server's id, once it accepted the offer.
    pub upload: Option<UploadId>,
    /// Bytes the server confirmed.
    pub acked: u64,
    /// When (ms since the epoch) and from which offset the current run
    /// started: the speed shown is measured over it.
    pub since: (f64, u64),
    /// Why it stopped, if it did.
    pub problem: Option<String>,
    /// The browser lost access to the file: the user must pick it again.
    pub needs_file: bool,
}

/// A shared file's latest progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileNow {
    /// Bytes the server has.
    pub received: u64,
    /// Where it stands.
    pub status: FileStatus,
    /// Pixel size of a finished image.
    pub dimensions: Option<(u32, u32)>,
}

/// A frame for the live connection.
#[derive(Clone, Debug)]
pub enum Frame {
    /// A JSON message.
    Text(ClientMsg),
    /// A file chunk.
    Binary(Vec<u8>),
}

/// The connection as the user should understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not connected yet (and never, without JavaScript).
    Connecting,
    /// Live.
    Live,
    /// Lost; trying again.
    Reconnecting,
    /// The device is offline: the page shows what it saved, read-only.
    Offline,
}

/// Everything the chat shows, as signals shared by the view and the
/// WebSocket client.
#[derive(Clone, Copy)]
pub struct ChatState {
    /// Confirmed events, in sequence order.
    pub events: RwSignal<Vec<Event>>,
    /// Whether older events exist before the first one shown.
    pub has_older: RwSignal<bool>,
    /// Messages sent but not confirmed.
    pub pending: RwSignal<Vec<Pending>>,
    /// Who is online.
    pub members: RwSignal<Vec<Member>>,
    /// Who is typing, and until when (ms since the epoch).
    pub typing: RwSignal<Vec<(Member, f64)>>,
    /// The connection.
    pub status: RwSignal<Status>,
    /// An error to show in the alert.
    pub alert: RwSignal<Option<String>>,
    /// Messages from others that arrived while the tab was hidden.
    pub unread: RwSignal<u32>,
    /// Minutes east of UTC for times shown; UTC until hydrated.
    pub tz_offset: RwSignal<i32>,
    /// Frames for the live connection, when there is one.
    pub outbox: StoredValue<Option<futures_channel::UnboundedSender<Frame>>>,
    /// Shared files' latest progress, by id (newer than their events).
    pub files: RwSignal<HashMap<UploadId, FileNow>>,
    /// This tab's uploads.
    pub uploads: RwSignal<Vec<Outgoing>>,
    /// Whether the WASM app runs: sharing files needs it.
    pub hydrated: RwSignal<bool>,
}

/// An unbounded channel type both builds can name.
pub mod futures_channel {
    #[cfg(feature = "hydrate")]
    pub use futures::channel::mpsc::UnboundedSender;

    /// Never constructed on the server; keeps `ChatState` one type.
    #[cfg(not(feature = "hydrate"))]
    #[derive(Clone, Debug)]
    pub struct UnboundedSender<T>(std::marker::PhantomData<T>);
}

impl ChatState {
    /// State for a freshly loaded room page.
    pub fn new(history: HistoryPage, members: Vec<Member>, error: Option<AppError>) -> Self {
        Self {
            events: RwSignal::new(history.events),
            has_older: RwSignal::new(history.has_older),
            pending: RwSignal::new(Vec::new()),
            members: RwSignal::new(members),
            typing: RwSignal::new(Vec::new()),
            status: RwSignal::new(Status::Connecting),
            alert: RwSignal::new(error.map(|e| e.to_string())),
            unread: RwSignal::new(0),
            tz_offset: RwSignal::new(0),
            outbox: StoredValue::new(None),
            files: RwSignal::new(HashMap::new()),
            uploads: RwSignal::new(Vec::new()),
            hydrated: RwSignal::new(false),
        }
    }

    /// The newest confirmed sequence number.
    pub fn latest(&self) -> Seq {
        self.events
            .with_untracked(|events| events.last().map(|e| e.seq).unwrap_or_default())
    }

    /// Sends a frame if connected; `false` if not (pending messages are
    /// resent on reconnect anyway).
    pub fn send(&self, msg: ClientMsg) -> bool {
        self.send_frame(Frame::Text(msg))
    }

    /// Sends a frame if connected; `false` if not.
    pub fn send_frame(&self, frame: Frame) -> bool {
        #[cfg(feature = "hydrate")]
        {
            self.outbox
                .try_with_value(|outbox| {
                    outbox
                        .as_ref()
                        .is_some_and(|tx| tx.unbounded_send(frame).is_ok())
                })
                .unwrap_or(false)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = frame;
            false
        }
    }

    /// Posts `text` as a new message, shown as pending until the server
    /// confirms it (and sent again on reconnect until then); or says what
    /// is wrong with it.
    pub fn post(&self, text: String) -> Result<(), String> {
        let id = new_client_id();
        ClientMsg::validate_send(&id, &text).map_err(|e| e.to_string())?;
        self.pending.update(|p| {
            p.push(Pending {
                id: id.clone(),
                text: text.clone(),
                failed: None,
            })
        });
        self.send(ClientMsg::Send { id, text });
        Ok(())
    }

    /// A shared file as it stands now: its event's snapshot, updated by
    /// progress frames since.
    pub fn file_now(&self, file: &SharedFile) -> FileNow {
        self.files
            .with(|files| files.get(&file.id).copied())
            .unwrap_or(FileNow {
                received: file.received,
                status: file.status,
                dimensions: file.dimensions,
            })
    }
}

/// The log, the typing line and the composer.
#[component]
pub fn Chat(code: RoomCode, me: Member, state: ChatState) -> impl IntoView {
    let scroller = NodeRef::<html::Div>::new();
    let textarea = NodeRef::<html::Textarea>::new();
    let me_id = me.user.clone();
    #[cfg(feature = "hydrate")]
    crate::live::start(code.clone(), me.clone(), state, scroller);

    let older_href = move || {
        let first = state
            .events
            .with(|events| events.first().map(|e| e.seq.0).unwrap_or(0));
        format!("?before={first}")
    };
    let load_older = {
        let code = code.clone();
        move |ev: web_sys::MouseEvent| {
            ev.prevent_default();
            #[cfg(feature = "hydrate")]
            crate::live::load_older(code.clone(), state, scroller);
            #[cfg(not(feature = "hydrate"))]
            let _ = &code;
        }
    };

    // When this tab last said it was typing; reset by sending, since the
    // message clears the notice on the other side.
    let last_typing = StoredValue::new(0.0_f64);

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if state.status.get_untracked() == Status::Offline {
            return;
        }
        let Some(area) = textarea.get_untracked() else {
            return;
        };
        if let Err(message) = state.post(area.value()) {
            state.alert.set(Some(message.to_owned()));
            return;
        }
        state.alert.set(None);
        last_typing.set_value(0.0);
        area.set_value("");
    };

    let on_input = move |_| {
        let now = js_sys::Date::now();
        if now - last_typing.get_value() > 3_000.0 {
            last_typing.set_value(now);
            state.send(ClientMsg::Typing);
        }
    };

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(form) = textarea.get_untracked().and_then(|t| t.form()) {
                let _ = form.request_submit();
            }
        }
    };

    let typing_line = move || {
        let names: Vec<String> = state
            .typing
            .with(|t| t.iter().map(|(m, _)| m.name.to_string()).collect());
        match names.as_slice() {
            [] => String::new(),
            [one] => format!("{one} is typing…"),
            [one, two] => format!("{one} and {two} are typing…"),
            _ => "Several people are typing…".to_owned(),
        }
    };

    let status_line = move || {
        match state.status.get() {
        Status::Live => "",
        Status::Connecting => "Connecting…",
        Status::Reconnecting => "Connection lost. Reconnecting…",
        Status::Offline => "You are offline. These are the saved messages; sending resumes when you're back online.",
    }
    };
    let offline = move || state.status.get() == Status::Offline;

    // Files: picked, dropped anywhere on the chat, or pasted.
    let dragging = RwSignal::new(false);
    let share = {
        let code = code.clone();
        move |files: Vec<web_sys::File>| {
            if files.is_empty() {
                return;
            }
            #[cfg(feature = "hydrate")]
            crate::transfer::share(state, &code, files);
            #[cfg(not(feature = "hydrate"))]
            let _ = &code;
        }
    };
    let on_pick = {
        let share = share.clone();
        move |ev: web_sys::Event| {
            let input: Option<web_sys::HtmlInputElement> = event_target_checked(&ev);
            if let Some(input) = input {
                share(file_list(input.files()));
                // The same file may be picked again later.
                input.set_value("");
            }
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
    let on_drop = {
        let share = share.clone();
        move |ev: web_sys::DragEvent| {
            dragging.set(false);
            if !carries_files(&ev) {
                return;
            }
            ev.prevent_default();
            share(file_list(ev.data_transfer().and_then(|d| d.files())));
        }
    };
    let on_paste = move |ev: web_sys::ClipboardEvent| {
        let files = file_list(ev.clipboard_data().and_then(|d| d.files()));
        if !files.is_empty() {
            ev.prevent_default();
            share(files);
        }
    };

    let my_name = me.name.to_string();
    // Uploads whose file entry isn't in the log yet (the offer is on its way).
    let preparing = move || {
        state.uploads.with(|uploads| {
            uploads
                .iter()
                .filter(|o| {
                    o.upload.as_ref().is_none_or(|id| {
                        !state.events.with(|events| {
                            events.iter().rev().any(
                                |e| matches!(&e.kind, EventKind::File { file } if &file.id == id),
                            )
                        })
                    })
                })
                .cloned()
                .collect::<Vec<_>>()
        })
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
            <noscript><p class="status">"Reload the page to see new messages."</p></noscript>
            {move || state.alert.get().map(|text| view! { <p role="alert" class="alert">{text}</p> })}
            <div class="log-scroll" node_ref=scroller>
                // Optional parts are closures returning `Option`s rather than
                // `<Show>`s: cheaper in the WASM, and rendered the same.
                {move || state.has_older.get().then(|| view! {
                    <a class="older" href=older_href on:click=load_older.clone()>"Load earlier messages"</a>
                })}
                {move || (state.events.with(Vec::is_empty) && state.pending.with(Vec::is_empty)).then(|| view! {
                    <p class="empty">"No messages yet. Say hello!"</p>
                })}
                // The live region wraps the list: `log` is not a role an
                // `<ol>` may take, and the entries stay list items.
                <div role="log" aria-label="Messages">
                <ol class="log">
                    <For each=move || state.events.get() key=|event| event.seq let(event)>
                        <Entry event me=me_id.clone() state />
                    </For>
                    <For each=move || state.pending.get() key=|p| (p.id.clone(), p.failed.clone()) let(pending)>
                        <li class="msg mine pending">
                            <div class="meta">
                                <span class="sender">{me.name.to_string()}</span>
                                <span class="when">{if pending.failed.is_some() { "not sent" } else { "sending…" }}</span>
                            </div>
                            <p class="text">{pending.text}</p>
                            {pending.failed.map(|why| view! { <p class="failed">{why}</p> })}
                        </li>
                    </For>
                    <For each=preparing key=|o| (o.key.clone(), o.problem.clone()) let(outgoing)>
                        <li class="msg mine pending file">
                            <div class="meta">
                                <span class="sender">{my_name.clone()}</span>
                                <span class="when">{if outgoing.problem.is_some() { "not shared" } else { "preparing…" }}</span>
                            </div>
                            <p class="file-line">
                                <span class="file-name">{display_name(&outgoing.name)}</span>
                                <span class="file-meta">{units::bytes(outgoing.size)}</span>
                            </p>
                            {outgoing.problem.map(|why| view! { <p class="failed">{why}</p> })}
                        </li>
                    </For>
                </ol>
                </div>
            </div>
            <p class="drop-hint" aria-hidden="true">"Drop files to share them with the room"</p>
            <p class="typing" aria-live="polite">{typing_line}</p>
            <form class="composer" method="post" action="/api/post_message" on:submit=on_submit>
                <input type="hidden" name="code" value=code.to_string() />
                <input type="hidden" name="client_id" value="" />
                {move || (state.hydrated.get() && !offline()).then(|| view! {
                    <input type="file" id="attach-input" class="visually-hidden attach-input" multiple on:change=on_pick.clone() />
                    <label for="attach-input" class="attach button" title="Attach file (or drop or paste files)">"Attach file"</label>
                })}
                <label for="composer-text" class="visually-hidden">"Message"</label>
                <textarea
                    id="composer-text"
                    name="text"
                    rows="2"
                    placeholder="Write a message…"
                    node_ref=textarea
                    on:keydown=on_keydown
                    on:input=on_input
                    on:paste=on_paste
                ></textarea>
                <button type="submit" class="primary" disabled=offline>"Send"</button>
            </form>
        </div>
    }
    // Erased: the full view type is too deep for the server crate's
    // type checker otherwise.
    .erase()
}

/// One entry in the log.
#[component]
fn Entry(event: Event, me: UserId, state: ChatState) -> impl IntoView {
    let name = event.who.name.to_string();
    let at = event.at;
    let tz = state.tz_offset;
    let mine = event.who.user == me;
    let meta = move |name: String| {
        view! {
            <div class="meta">
                <span class="sender">{name}</span>
                <time datetime=iso(at)>{move || clock(at, tz.get())}</time>
            </div>
        }
    };
    match event.kind {
        EventKind::Message { text, .. } => view! {
            <li class="msg" class:mine=mine>
                {meta(name)}
                <p class="text">{text}</p>
            </li>
        }
        .erase(),
        EventKind::File { file } => view! {
            <li class="msg file" class:mine=mine>
                {meta(name)}
                <FileCard file state />
            </li>
        }
        .erase(),
        EventKind::Joined => view! { <li class="notice">{format!("{name} joined")}</li> }.erase(),
        EventKind::Left => view! { <li class="notice">{format!("{name} left")}</li> }.erase(),
    }
}

/// A shared file: its link (once complete) with size and type, live
/// progress while it uploads, and a preview for images.
#[component]
fn FileCard(file: SharedFile, state: ChatState) -> impl IntoView {
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
        Memo::new(move |_| state.file_now(&file))
    };
    let id = file.id.clone();
    let outgoing = Memo::new(move |_| {
        state
            .uploads
            .with(|u| u.iter().find(|o| o.upload.as_ref() == Some(&id)).cloned())
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
                view! { <Progress name=name.clone() size received=current.received outgoing=outgoing.get() state /> }
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
    outgoing: Option<Outgoing>,
    state: ChatState,
) -> impl IntoView {
    let done = outgoing
        .as_ref()
        .map_or(received, |o| o.acked.max(received));
    let percent = units::percent(done, size);
    let mut text = format!("{percent}%");
    if let Some(o) = &outgoing {
        let seconds = (js_sys_now() - o.since.0) / 1000.0;
        let sent = o.acked.saturating_sub(o.since.1);
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
    let controls = outgoing.map(|o| {
        let key = o.key.clone();
        let cancel = move |_| {
            #[cfg(feature = "hydrate")]
            crate::transfer::cancel(state, &key);
            #[cfg(not(feature = "hydrate"))]
            let _ = (&key, state);
        };
        let key = o.key.clone();
        let repick = move |ev: web_sys::Event| {
            let input: Option<web_sys::HtmlInputElement> = event_target_checked(&ev);
            let file = input.and_then(|i| i.files()).and_then(|f| f.get(0));
            #[cfg(feature = "hydrate")]
            if let Some(file) = file {
                crate::transfer::repick(state, &key, file);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&key, file);
        };
        view! {
            {o.needs_file.then(|| view! {
                <label class="repick">
                    {format!("Pick {} again to finish uploading it", display_name(&o.name))}
                    <input type="file" on:change=repick />
                </label>
            })}
            {o.problem.map(|why| view! { <p class="failed">{why}</p> })}
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

fn js_sys_now() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// A file's name as shown: exactly as given, or a placeholder if empty.
fn display_name(name: &str) -> String {
    if name.is_empty() {
        "Unnamed file".to_owned()
    } else {
        name.to_owned()
    }
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

fn event_target_checked<T: wasm_bindgen::JsCast>(ev: &web_sys::Event) -> Option<T> {
    ev.target().and_then(|t| t.dyn_into::<T>().ok())
}

/// Who is online.
#[component]
pub fn Members(me: Member, members: RwSignal<Vec<Member>>) -> impl IntoView {
    view! {
        <div class="card members">
            <h2>"Here now"</h2>
            <ul role="list" aria-label="Members">
                <For each=move || members.get() key=|m| m.user.clone() let(member)>
                    <li>
                        {member.name.to_string()}
                        {(member.user == me.user).then_some(view! { <span class="you">" (you)"</span> })}
                    </li>
                </For>
            </ul>
        </div>
    }
    .erase()
}

/// A fresh id for a message: time and randomness, unique enough per sender.
pub(crate) fn new_client_id() -> ClientMsgId {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    ClientMsgId(format!("{now:x}-{random:x}"))
}
