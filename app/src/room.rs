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
        rendered_at,
    } = room;
    let copied = RwSignal::new(None::<&'static str>);
    let mut state = Room::new(code.clone(), me.clone(), history, members);
    state.alert = error.map(|e| e.to_string());
    state.settings = settings;
    state.confirm_delete = confirm_delete;
    let store = RoomStore::new(state, zone, rendered_at);
    // In the browser, the glue connects the room; on the server (and
    // without JavaScript) there is none.
    if let Some(Glue(start)) = use_context::<Glue>() {
        start(store);
    }
    let unread = move || store.state.with(|r| r.unread);
    let settings_code = code.clone();

    let link = invite.clone();
    let copy = move |_| {
        let link = link.clone();
        leptos::task::spawn_local(async move {
            copied.set(Some(match copy_invite(&link).await {
                Ok(()) => "Invite link copied.",
                Err(()) => "Couldn't copy: select the link and copy it yourself.",
            }));
        });
    };

    let on_leave = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            // Leaving is idempotent, so even a failed call can go home: the
            // login page says what is wrong if the session is gone.
            let _ = leave().await;
            crate::page::go("/").await;
        });
    };

    // Notifications need the browser: the control appears once hydrated
    // (and only where the browser supports them).
    let notify_on = RwSignal::new(false);
    let notify_problem = RwSignal::new(None::<&'static str>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
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

    view! {
        <section class="room" aria-labelledby="room-title">
            <header class="room-header">
                <div>
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
                <div class="header-actions">
                    // A plain link in a button's clothes: the settings are a
                    // page of their own, with or without JavaScript.
                    {move || store.state.with(|r| r.settings.owners.contains(&r.me.user)).then(|| view! {
                        <form method="get" action=format!("{}/settings", settings_code.path())>
                            <button type="submit">"Room settings"</button>
                        </form>
                    })}
                    <form method="post" action="/leave" on:submit=on_leave>
                        <button type="submit" class="leave">"Leave"</button>
                    </form>
                </div>
            </header>
            <div class="room-body">
                <Chat code=code.clone() me=me.clone() store />
                <aside class="side">
                    <Members me=me.clone() store />
                    <div class="card invite">
                        <h2>"Invite people"</h2>
                        <p>"Anyone with this link, or the code above, can join."</p>
                        <a class="invite-link" href=invite.clone()>{invite.clone()}</a>
                        <button type="button" on:click=copy>"Copy invite link"</button>
                        <p role="status" class="hint">{move || copied.get()}</p>
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

/// Puts the invite link on the clipboard.
async fn copy_invite(link: &str) -> Result<(), ()> {
    let window = web_sys::window().ok_or(())?;
    let promise = window.navigator().clipboard().write_text(link);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| ())
}
