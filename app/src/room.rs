//! The room page at `/room/{code}`: who you are, the invite link, "Leave".
//!
//! Visiting a room you are not in (an invite link) shows the login form with
//! the code filled in, so the link just works.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::error::AppError;
use crate::login::LoginCard;
use crate::model::{LoginPrefill, RoomEntry};
use crate::protocol::{RoomCode, UserName};

/// What `/room/{code}` shows the caller: the room if they are in it,
/// otherwise the login form with the code filled in.
#[server(prefix = "/api", endpoint = "room_entry")]
pub async fn load_room_entry(code: String) -> Result<RoomEntry, AppError> {
    use crate::backend::{backend, caller};

    let caller = caller()?;
    let name = caller.session.as_ref().map(|s| s.name.clone());
    let parsed = match RoomCode::parse(&code) {
        Ok(parsed) => parsed,
        Err(error) => {
            return Ok(RoomEntry::Login(LoginPrefill {
                name: name.map(String::from).unwrap_or_default(),
                code,
                error: Some(error),
            }))
        }
    };
    let in_room = caller.session.as_ref().and_then(|s| s.room.as_ref()) == Some(&parsed);
    // The room's existence is only checked for members: telling anyone else
    // would let them probe codes without the join throttle.
    if let (true, Some(name)) = (in_room, name.clone()) {
        if backend()?.room_exists(&parsed).await? {
            let invite = format!("{}{}", request_origin(), parsed.path());
            return Ok(RoomEntry::Member {
                code: parsed,
                name,
                invite,
            });
        }
    }
    Ok(RoomEntry::Login(LoginPrefill {
        name: name.map(String::from).unwrap_or_default(),
        code: parsed.to_string(),
        error: None,
    }))
}

/// `scheme://host` as the caller addressed this server, for invite links.
#[cfg(feature = "ssr")]
fn request_origin() -> String {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return String::new();
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    match header("host") {
        Some(host) => {
            let scheme = header("x-forwarded-proto").unwrap_or("http");
            format!("{scheme}://{host}")
        }
        None => String::new(),
    }
}

/// Takes the caller out of their room; they keep their name.
#[server(prefix = "/api", endpoint = "leave")]
pub async fn leave() -> Result<(), AppError> {
    use crate::backend::{backend, caller, fail, set_session};

    let backend = backend()?;
    let caller = caller()?;
    if !caller.same_origin {
        return fail(AppError::ForeignOrigin);
    }
    if let Some(mut session) = caller.session {
        session.room = None;
        set_session(&*backend, &session);
    }
    Ok(())
}

/// `/room/{code}`.
#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let epoch = crate::session_epoch();
    let entry = Resource::new(
        move || (params.read().get("code").unwrap_or_default(), epoch.get()),
        |(code, _)| load_room_entry(code),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Opening the room…"</p> }>
            {move || Suspend::new(async move {
                match entry.await {
                    Ok(RoomEntry::Member { code, name, invite }) => view! { <RoomView code name invite /> }.into_any(),
                    Ok(RoomEntry::Login(prefill)) => {
                        let invited = RoomCode::parse(&prefill.code).ok();
                        view! { <Title text="Join a room · Chatdrop" /> <LoginCard prefill invited /> }.into_any()
                    }
                    Err(error) => {
                        let prefill = LoginPrefill { error: Some(error), ..LoginPrefill::default() };
                        view! { <LoginCard prefill invited=None /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The room itself, for a member.
#[component]
fn RoomView(code: RoomCode, name: UserName, invite: String) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let navigate = use_navigate();
    let epoch = crate::session_epoch();

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
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            // Leaving is idempotent, so even a failed call can go home: the
            // login page says what is wrong if the session is gone.
            let _ = leave().await;
            epoch.bump();
            navigate("/", Default::default());
        });
    };

    view! {
        <Title text=format!("Room {code} · Chatdrop") />
        <section class="room" aria-labelledby="room-title">
            <header class="room-header">
                <div>
                    <p class="brand small">"Chatdrop"</p>
                    <h1 id="room-title">"Room " <span class="code">{code.to_string()}</span></h1>
                    <p class="me">"You're in as " <strong class="name">{name.to_string()}</strong></p>
                </div>
                <form method="post" action="/leave" on:submit=on_leave>
                    <button type="submit" class="leave">"Leave"</button>
                </form>
            </header>
            <div class="card invite">
                <h2>"Invite people"</h2>
                <p>"Anyone with this link, or the code above, can join."</p>
                <div class="invite-row">
                    <a class="invite-link" href=invite.clone()>{invite.clone()}</a>
                    <button type="button" on:click=copy>"Copy invite link"</button>
                </div>
                <p role="status" class="hint">{move || copied.get()}</p>
            </div>
        </section>
    }
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
