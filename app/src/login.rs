//! The login page: a name, a room code, "Create room" and "Join room".
//!
//! The form posts to `/` so it works without JavaScript (the server answers
//! with a redirect or the page again with an alert). Once hydrated, the same
//! form calls the [`login`] server function and moves to the room without
//! a reload.

use leptos::prelude::*;

use crate::erase::Erase;
use crate::error::AppError;
use crate::model::LoginPrefill;
use crate::protocol::{RoomCode, NAME_MAX_CHARS};

/// Creates or joins a room and signs the caller in; returns the room's code.
/// `action` is the pressed button's value: `create` or `join`.
/// `password` sets the new room's password, or is the joined room's.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    name: String,
    code: String,
    action: String,
    #[server(default)] password: String,
    #[server(default)] lifetime: String,
) -> Result<RoomCode, AppError> {
    use crate::backend::{backend, caller, fail, set_session, sign_in};
    use crate::model::LoginForm;
    use crate::protocol::LoginAction;

    let backend = backend()?;
    let action = LoginAction::from_form(&action, &code);
    let form = LoginForm {
        name,
        code,
        action,
        password,
        lifetime,
    };
    match sign_in(&*backend, &caller()?, form).await {
        Ok((code, session)) => {
            set_session(&*backend, &session);
            Ok(code)
        }
        Err(error) => fail(error),
    }
}

/// The login form, filled with `prefill`. `invited` names the room of an
/// invite link, shown above the form; `sharing` shows what another app
/// shared instead, and the room joined or created gets it.
#[component]
pub fn LoginCard(
    prefill: LoginPrefill,
    invited: Option<RoomCode>,
    #[prop(optional)] sharing: bool,
) -> impl IntoView {
    let error = RwSignal::new(prefill.error);
    let pending = RwSignal::new(false);
    // Shown once the room is known to need a password.
    let needs_password = RwSignal::new(prefill.needs_password);
    let options_html = prefill.options_html;
    // The field an error is about is marked and described by it; focus
    // goes there (`autofocus` does it for the page the server sends).
    let invalid = move |field: &'static str| {
        error.with(|e| e.as_ref().and_then(AppError::field) == Some(field))
    };
    let first_invalid = move |field: &'static str| {
        error.with_untracked(|e| e.as_ref().and_then(AppError::field) == Some(field))
    };
    let described = move |field: &'static str, hint: &'static str| {
        if invalid(field) {
            format!("login-error {hint}")
        } else {
            hint.to_owned()
        }
    };
    Effect::new(move |_| {
        let field = error.with(|e| e.as_ref().and_then(AppError::field));
        if let Some(element) =
            field.and_then(|f| document().get_element_by_id(&format!("login-{f}")))
        {
            use wasm_bindgen::JsCast;
            if let Ok(input) = element.dyn_into::<web_sys::HtmlElement>() {
                let _ = input.focus();
            }
        }
    });

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let action = ev
            .submitter()
            .and_then(|button| button.get_attribute("value"))
            .unwrap_or_default();
        let Some([name, code, password, lifetime]) = form_fields(&ev) else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match login(name, code, action, password, lifetime).await {
                // Stays pending: the room's page replaces this one.
                Ok(room) => {
                    if sharing {
                        crate::share::claim(&room).await;
                    }
                    crate::page::go(&room.path()).await
                }
                Err(e) => {
                    if e.asks_for_password() {
                        needs_password.set(true);
                    }
                    error.set(Some(e));
                    pending.set(false);
                }
            }
        });
    };

    let intro = match invited {
        _ if sharing => view! { <SharePreview /> }.erase(),
        Some(room) => view! {
            <p class="lede">"You're invited to room " <strong class="code">{room.to_string()}</strong> ". Enter your name to join."</p>
        }
        .erase(),
        None => view! { <p class="lede">"Chat and share files with anyone who has the room code."</p> }.erase(),
    };

    let title = if sharing {
        "Share to a room"
    } else {
        "Chatdrop"
    };
    view! {
        <section class="card login" aria-labelledby="login-title">
            <h1 id="login-title" class="brand" tabindex="-1">{title}</h1>
            {intro}
            <form method="post" action="/" on:submit=on_submit novalidate>
                {move || error.get().map(|e| view! { <p role="alert" class="alert" id="login-error">{e.to_string()}</p> })}
                <div class="field">
                    <label for="login-name">"Your name"</label>
                    <input
                        id="login-name"
                        name="name"
                        type="text"
                        autocomplete="nickname"
                        autocapitalize="words"
                        spellcheck="false"
                        aria-describedby=move || described("name", "login-name-hint")
                        aria-invalid=move || invalid("name").then_some("true")
                        autofocus=first_invalid("name")
                        value=prefill.name
                    />
                    <p id="login-name-hint" class="hint">{format!("Up to {NAME_MAX_CHARS} characters. Others in the room see it.")}</p>
                </div>
                <div class="field">
                    <label for="login-code">"Room code"</label>
                    <input
                        id="login-code"
                        name="code"
                        type="text"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        placeholder="Empty for a new room"
                        aria-describedby=move || described("code", "login-code-hint")
                        aria-invalid=move || invalid("code").then_some("true")
                        autofocus=first_invalid("code")
                        value=prefill.code
                    />
                    <p id="login-code-hint" class="hint">"To join a room, enter its code (like K7Q‑DM3‑XPA). To start a new one, leave it empty."</p>
                </div>
                // One password field at a time, both named `password`: the
                // room's when it asked for one, else the new room's (which
                // a joiner may also fill in up front).
                {move || if needs_password.get() {
                    view! {
                        <div class="field">
                            <label for="login-password">"Room password"</label>
                            <input id="login-password" name="password" type="password" autocomplete="current-password"
                                aria-describedby=move || described("password", "login-password-hint")
                                aria-invalid=move || invalid("password").then_some("true")
                                autofocus=first_invalid("password") />
                            <p id="login-password-hint" class="hint">"This room has a password: ask whoever invited you."</p>
                        </div>
                    }
                    .erase()
                } else {
                    // Static markup the server wrote (`options_html`): it
                    // costs the WASM no code.
                    view! { <details class="room-options" inner_html=options_html.clone()></details> }
                    .erase()
                }}
                // "Join room" comes first: pressing Enter in a field submits
                // with the first button, and someone who typed a code means
                // to join.
                // Enter presses the first button; with the code empty it
                // creates, as the hint says (`LoginAction::from_form`), and
                // the CSS shows whichever button Enter means as the primary.
                <div class="actions">
                    <button type="submit" name="action" value="join" class="join" disabled=move || pending.get()>
                        "Join room"
                    </button>
                    <button type="submit" name="action" value="create" class="create" disabled=move || pending.get()>
                        "Create room"
                    </button>
                </div>
            </form>
        </section>
    }
}

/// After "Leave": which room, and "Rejoin" with the same name and code
/// (a plain form: it works without JavaScript too).
#[component]
pub fn LeftCard(code: RoomCode, name: String) -> impl IntoView {
    view! {
        <section class="card login left" aria-labelledby="login-title">
            <h1 id="login-title" class="brand" tabindex="-1">"You left room " <span class="code">{code.to_string()}</span></h1>
            <p class="lede">"The room goes on without you. You can come back while it lasts."</p>
            <form method="post" action="/">
                <input type="hidden" name="code" value=code.to_string() />
                <div class="field">
                    <label for="login-name">"Your name"</label>
                    <input id="login-name" name="name" type="text" autocomplete="nickname" value=name />
                </div>
                <div class="actions">
                    <button type="submit" name="action" value="join" class="primary">"Rejoin"</button>
                    <a class="button" href="/">"Another room"</a>
                </div>
            </form>
        </section>
    }
}

/// The name, code and password fields of the submitted form. Read from
/// the form itself rather than mirrored into signals, so what is sent is
/// what is shown.
fn form_fields(ev: &web_sys::SubmitEvent) -> Option<[String; 4]> {
    use wasm_bindgen::JsCast;
    let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let field = |key: &str| data.get(key).as_string().unwrap_or_default();
    Some([
        field("name"),
        field("code"),
        field("password"),
        field("lifetime"),
    ])
}

/// What another app shared, above the login form on `/share`. Read from
/// the browser's storage once hydrated (the server never sees it).
#[component]
fn SharePreview() -> impl IntoView {
    let shared = RwSignal::new(None::<Option<(String, Vec<(String, u64)>)>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            let pending = crate::share::pending().await.map(|s| {
                let files = s
                    .files
                    .iter()
                    .map(|f| (f.name(), f.size() as u64))
                    .collect();
                (s.text, files)
            });
            shared.set(Some(pending));
        })
    });
    let preview = move || {
        shared.get().map(|pending| match pending {
            None => view! { <p class="hint">"Nothing is waiting to be shared."</p> }.erase(),
            Some((text, files)) => view! {
                <div class="shared">
                    {(!text.is_empty()).then(|| view! { <p class="shared-text">{text}</p> })}
                    <ul class="shared-files">
                        {files
                            .into_iter()
                            .map(|(name, size)| view! { <li>{name} <span class="size">{crate::units::bytes(size)}</span></li> })
                            .collect_view()}
                    </ul>
                </div>
            }
            .erase(),
        })
    };
    view! {
        <p class="lede">"Pick the room to post this in: yours is filled in. To start a new room, choose Create room."</p>
        <div role="status" aria-label="What you're sharing">{preview}</div>
    }
}
