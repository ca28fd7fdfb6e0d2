//! The chat: the message log, the composer, who is typing, and the member
//! list.
//!
//! Server-rendered with the room's recent history, so it reads (and, with a
//! plain form, sends) without JavaScript. Once hydrated, `live.rs` keeps it
//! current over the room's WebSocket.

use leptos::html;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::HistoryPage;
use crate::protocol::{ClientMsg, ClientMsgId, Event, EventKind, Member, RoomCode, Seq, UserId};
use crate::time::{clock, iso};

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

/// The connection as the user should understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not connected yet (and never, without JavaScript).
    Connecting,
    /// Live.
    Live,
    /// Lost; trying again.
    Reconnecting,
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
    pub outbox: StoredValue<Option<futures_channel::UnboundedSender<ClientMsg>>>,
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
        #[cfg(feature = "hydrate")]
        {
            self.outbox
                .try_with_value(|outbox| {
                    outbox
                        .as_ref()
                        .is_some_and(|tx| tx.unbounded_send(msg).is_ok())
                })
                .unwrap_or(false)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = msg;
            false
        }
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
        let Some(area) = textarea.get_untracked() else {
            return;
        };
        let text = area.value();
        let id = new_client_id();
        if let Err((_, message)) = ClientMsg::validate_send(&id, &text) {
            state.alert.set(Some(message.to_owned()));
            return;
        }
        state.alert.set(None);
        last_typing.set_value(0.0);
        area.set_value("");
        state.pending.update(|p| {
            p.push(Pending {
                id: id.clone(),
                text: text.clone(),
                failed: None,
            })
        });
        state.send(ClientMsg::Send { id, text });
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

    let status_line = move || match state.status.get() {
        Status::Live => "",
        Status::Connecting => "Connecting…",
        Status::Reconnecting => "Connection lost. Reconnecting…",
    };

    view! {
        <div class="chat card">
            <p class="status" role="status">{status_line}</p>
            <noscript><p class="status">"Reload the page to see new messages."</p></noscript>
            {move || state.alert.get().map(|text| view! { <p role="alert" class="alert">{text}</p> })}
            <div class="log-scroll" node_ref=scroller>
                <Show when=move || state.has_older.get()>
                    <a class="older" href=older_href on:click=load_older.clone()>"Load earlier messages"</a>
                </Show>
                <Show when=move || state.events.with(Vec::is_empty) && state.pending.with(Vec::is_empty)>
                    <p class="empty">"No messages yet. Say hello!"</p>
                </Show>
                <ol role="log" aria-label="Messages" class="log">
                    <For each=move || state.events.get() key=|event| event.seq let(event)>
                        <Entry event me=me_id.clone() tz=state.tz_offset />
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
                </ol>
            </div>
            <p class="typing" aria-live="polite">{typing_line}</p>
            <form class="composer" method="post" action="/api/post_message" on:submit=on_submit>
                <input type="hidden" name="code" value=code.to_string() />
                <input type="hidden" name="client_id" value="" />
                <label for="composer-text" class="visually-hidden">"Message"</label>
                <textarea
                    id="composer-text"
                    name="text"
                    rows="2"
                    placeholder="Write a message…"
                    node_ref=textarea
                    on:keydown=on_keydown
                    on:input=on_input
                ></textarea>
                <button type="submit" class="primary">"Send"</button>
            </form>
        </div>
    }
    // Erased: the full view type is too deep for the server crate's
    // type checker otherwise.
    .into_any()
}

/// One entry in the log.
#[component]
fn Entry(event: Event, me: UserId, tz: RwSignal<i32>) -> impl IntoView {
    let name = event.who.name.to_string();
    let at = event.at;
    match event.kind {
        EventKind::Message { text, .. } => {
            let mine = event.who.user == me;
            view! {
                <li class="msg" class:mine=mine>
                    <div class="meta">
                        <span class="sender">{name}</span>
                        <time datetime=iso(at)>{move || clock(at, tz.get())}</time>
                    </div>
                    <p class="text">{text}</p>
                </li>
            }
            .into_any()
        }
        EventKind::Joined => {
            view! { <li class="notice">{format!("{name} joined")}</li> }.into_any()
        }
        EventKind::Left => view! { <li class="notice">{format!("{name} left")}</li> }.into_any(),
    }
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
    .into_any()
}

/// A fresh id for a message: time and randomness, unique enough per sender.
fn new_client_id() -> ClientMsgId {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    ClientMsgId(format!("{now:x}-{random:x}"))
}
