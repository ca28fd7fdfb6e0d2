//! The room page at `/room/{code}`: who you are, the invite link, "Leave".
//!
//! Visiting a room you are not in (an invite link) shows the login form with
//! the code filled in (`Page::Invite`), so the link just works.

use leptos::prelude::*;

use crate::chat::{Chat, Members};
use crate::client::Room;
use crate::erase::Erase;
use crate::error::AppError;
use crate::model::RoomView;
use crate::store::{Glue, RoomStore};

/// Takes the caller out of their room; they keep their name.
#[server(prefix = "/api", endpoint = "leave")]
pub async fn leave() -> Result<(), AppError> {
    use crate::backend::{backend, caller, fail, set_session};

    let backend = backend()?;
    match crate::backend::leave(&*backend, &caller()?).await {
        Ok(session) => {
            if let Some(session) = session {
                set_session(&*backend, &session);
            }
            Ok(())
        }
        Err(error) => fail(error),
    }
}

/// The room itself, for a member: header, chat, members, invite.
#[component]
pub fn RoomScreen(room: RoomView) -> impl IntoView {
    let RoomView {
        code,
        me,
        invite,
        history,
        members,
        error,
        zone,
        settings,
        confirm_delete,
        reply_to,
        editing,
        rendered_at,
    } = room;
    let mut state = Room::new(code.clone(), me.clone(), history, members);
    state.alert = error.map(|e| e.to_string());
    state.settings = settings;
    state.confirm_delete = confirm_delete;
    state.reply_to = reply_to;
    // Only one's own message can be edited.
    state.editing = editing.filter(|seq| {
        state
            .events
            .iter()
            .any(|e| e.seq == *seq && e.who.user == state.me.user && state.message(*seq).is_some())
    });
    let store = RoomStore::new(state, zone, rendered_at);
    // In the browser, the glue connects the room; on the server (and
    // without JavaScript) there is none.
    if let Some(Glue(start)) = use_context::<Glue>() {
        start(store);
    }
    let unread = move || store.state.with(|r| r.unread);
    let settings_code = code.clone();

    // "Copy invite link" and "Copy code" say "Copied" on themselves for two
    // seconds; "Share" opens the system's share sheet where there is one.
    let copied = RwSignal::new(None::<&'static str>);
    let copy = move |what: &'static str, text: String| {
        leptos::task::spawn_local(async move {
            let said = match copy_text(&text).await {
                Ok(()) => what,
                Err(()) => "failed",
            };
            copied.set(Some(said));
            gloo_sleep(2_000).await;
            if copied.get_untracked() == Some(said) {
                copied.set(None);
            }
        });
    };
    let copy_link = {
        let link = invite.clone();
        move |_| copy("link", link.clone())
    };
    let copy_code = {
        let text = code.to_string();
        move |_| copy("code", text.clone())
    };
    let can_share = RwSignal::new(false);
    let share_link = {
        let (link, code) = (invite.clone(), code.to_string());
        move |_| share(&link, &code)
    };
    let label = move |what: &'static str, idle: &'static str| {
        move || {
            if copied.get() == Some(what) {
                "Copied"
            } else {
                idle
            }
        }
    };

    let left_to = format!("/?left={code}");
    let on_leave = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let to = left_to.clone();
        leptos::task::spawn_local(async move {
            // Leaving is idempotent, so even a failed call can go on: the
            // page says what is wrong if the session is gone.
            let _ = leave().await;
            crate::page::go(&to).await;
        });
    };

    // Notifications need the browser: the control appears once hydrated
    // (and only where the browser supports them).
    let notify_on = RwSignal::new(false);
    let notify_problem = RwSignal::new(None::<&'static str>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        can_share.set(can_share_links());
        if crate::notify::supported() {
            notify_on.set(crate::notify::enabled());
            hydrated.set(true);
        }
    });
    let toggle_notify = move |_| crate::notify::toggle(notify_on, notify_problem);

    // The server rendered the title without a count; the count changes
    // while the page is open.
    let title_code = code.clone();
    Effect::new(move |_| document().set_title(&crate::page::room_title(&title_code, unread())));

    let is_owner = move || store.state.with(|r| r.settings.owners.contains(&r.me.user));
    let settings_path = format!("{}/settings", settings_code.path());
    let owner_link = move || {
        is_owner().then(|| {
            view! {
                // A plain link in a button's clothes: the settings are a page of
                // their own, with or without JavaScript.
                <form method="get" action=settings_path.clone()>
                    <button type="submit">"Room settings"</button>
                </form>
            }
        })
    };
    let leave_form = move || {
        view! {
            <form method="post" action="/leave" on:submit=on_leave.clone()>
                <button type="submit" class="leave">"Leave"</button>
            </form>
        }
    };
    let qr = crate::routes::qr_path(code.as_str());

    view! {
        <section class="room" aria-labelledby="room-title">
            <header class="room-header">
                <div class="room-heading">
                    <p class="brand small">"Chatdrop"</p>
                    <h1 id="room-title" tabindex="-1">"Room " <span class="code">{code.to_string()}</span></h1>
                    <p class="me">"You're in as " <strong class="name">{me.name.to_string()}</strong></p>
                    {move || store.state.with(|r| r.settings.expires_at).map(|at| {
                        let zone = store.zone;
                        let clock = store.clock;
                        view! {
                            <p class="expiry">
                                <time datetime=crate::time::iso(at) title=move || crate::time::long(at, zone.get())>
                                    {move || format!("Deleted in {}", crate::time::remaining(clock.get(), at))}
                                </time>
                            </p>
                        }
                    })}
                </div>
                // On narrow screens the side panel is a menu this opens (a
                // popover: no script needed), holding "Leave" too.
                <button type="button" class="menu-button" popovertarget="room-menu" aria-label="Room menu"></button>
                <div class="header-actions wide-only">
                    {owner_link.clone()}
                    {leave_form.clone()}
                </div>
            </header>
            <div class="room-body">
                <Chat code=code.clone() me=me.clone() invite=invite.clone() store />
                <aside class="side" id="room-menu" popover="auto" aria-label="Room">
                    <div class="menu-actions narrow-only">
                        <button type="button" class="quiet close" popovertarget="room-menu" popovertargetaction="hide" aria-label="Close menu">"✕"</button>
                        {owner_link}
                        {leave_form}
                    </div>
                    <Members me=me.clone() store />
                    <div class="card invite">
                        <h2>"Invite people"</h2>
                        <p>"Anyone with this link, or the code above, can join."</p>
                        <a class="invite-link" href=invite.clone()>{invite.clone()}</a>
                        <img class="qr" src=qr width="144" height="144" loading="lazy" alt="QR code of the invite link" />
                        {move || store.hydrated.get().then(|| view! {
                            <div class="invite-actions">
                                <button type="button" on:click=copy_link.clone()>{label("link", "Copy invite link")}</button>
                                <button type="button" on:click=copy_code.clone()>{label("code", "Copy code")}</button>
                                // Its own closure: appearing re-renders nothing else.
                                {let share_link = share_link.clone(); move || can_share.get().then(|| view! { <button type="button" on:click=share_link.clone()>"Share…"</button> })}
                            </div>
                        })}
                        <p role="status" class="hint">{move || (copied.get() == Some("failed")).then_some("Couldn't copy: select the link and copy it yourself.")}</p>
                    </div>
                    {move || hydrated.get().then(|| view! {
                        <div class="card notifications">
                            <h2>"Notifications"</h2>
                            <p>"A system notification for each new message while this tab is in the background."</p>
                            <button type="button" aria-pressed=move || notify_on.get().to_string() on:click=toggle_notify>
                                "Notify me of new messages"
                            </button>
                            <p role="status" class="hint">{move || notify_problem.get()}</p>
                        </div>
                    })}
                </aside>
            </div>
        </section>
    }
    .erase()
}

/// Waits `ms` milliseconds (in the browser; at once on the server, where
/// nothing waits).
async fn gloo_sleep(ms: u32) {
    #[cfg(feature = "hydrate")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

/// Whether the browser has a share sheet for links.
fn can_share_links() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w.navigator(), &wasm_bindgen::JsValue::from_str("share"))
            .unwrap_or(false)
    })
}

/// Opens the system's share sheet with the invite link.
fn share(link: &str, code: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let data = web_sys::ShareData::new();
    data.set_title(&format!("Chatdrop room {code}"));
    data.set_url(link);
    // Dismissing the sheet rejects the promise; there is nothing to say.
    let _ = window.navigator().share_with_data(&data);
}

/// Puts `text` on the clipboard.
async fn copy_text(text: &str) -> Result<(), ()> {
    let window = web_sys::window().ok_or(())?;
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| ())
}
