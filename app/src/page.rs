//! Which page is shown, with everything it shows, and moving between pages.
//!
//! The server decides the page ([`decide`]) before rendering and embeds it
//! in the HTML; the browser reads it back to hydrate. Pages therefore render
//! in one synchronous pass on both sides. Moving to another page asks the
//! [`load_page`] server function for it and swaps it in, keeping the app
//! (and its WASM) running. No resources, loading states or router are
//! involved: Leptos's versions of those were a fifth of the WASM.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{LoginPrefill, RoomView, SettingsView};
use crate::protocol::RoomCode;
#[cfg(feature = "ssr")]
use crate::routes::Route;

/// A page and its data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Page {
    /// `/`: the login form.
    Home(LoginPrefill),
    /// `/room/{code}` for someone not in that room (an invite link): the
    /// login form with the code filled in.
    Invite(LoginPrefill),
    /// `/room/{code}` for a member: the room.
    Room(RoomView),
    /// `/room/{code}/settings` for an owner: the room's settings. Served
    /// without the WASM, so the browser build never reads one.
    #[cfg_attr(not(feature = "ssr"), serde(skip_deserializing))]
    Settings(SettingsView),
    /// `/share`: what another app shared, and the login form to pick the
    /// room it goes to (the caller's room filled in).
    Share(LoginPrefill),
    /// `/room/{code}` of a room that is gone (expired or deleted), for
    /// anyone: why, under `410 Gone`.
    Gone(AppError),
    /// Any other address.
    NotFound,
}

impl Page {
    /// The document title.
    pub fn title(&self) -> String {
        match self {
            Page::Home(_) => "Chatdrop".to_owned(),
            Page::Invite(_) => "Join a room · Chatdrop".to_owned(),
            Page::Room(room) => room_title(&room.code, 0),
            Page::Settings(view) => format!("Settings of room {} · Chatdrop", view.code),
            Page::Share(_) => "Share to a room · Chatdrop".to_owned(),
            Page::Gone(_) => "Room gone · Chatdrop".to_owned(),
            Page::NotFound => "Not found · Chatdrop".to_owned(),
        }
    }

    /// Whether the page loads the WASM app: all but the settings page,
    /// which is plain forms.
    pub fn hydrates(&self) -> bool {
        !matches!(self, Page::Settings(_))
    }

    /// The page as JSON that is safe inside a `<script>` element: `<`, `>`
    /// and `&` (which only occur inside strings) become `\u` escapes, so no
    /// message text can close the element or open a comment.
    pub fn embed(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_else(|_| "\"NotFound\"".to_owned());
        let mut safe = String::with_capacity(json.len());
        for c in json.chars() {
            match c {
                '<' => safe.push_str("\\u003c"),
                '>' => safe.push_str("\\u003e"),
                '&' => safe.push_str("\\u0026"),
                c => safe.push(c),
            }
        }
        safe
    }

    /// The page this document was rendered with: on the server, the one
    /// the handler provided; in the browser, the one embedded in the HTML.
    pub fn rendered() -> Page {
        #[cfg(feature = "ssr")]
        let page = use_context::<Page>();
        #[cfg(not(feature = "ssr"))]
        let page = embedded();
        page.unwrap_or(Page::NotFound)
    }
}

/// The page on screen and its address; provided by `App`.
#[derive(Clone, Copy)]
pub struct Shown {
    pub page: RwSignal<Page>,
    /// The page's path and query: a step in history that keeps them (an
    /// in-page `#link`) stays on this page.
    at: StoredValue<String>,
}

impl Shown {
    /// `page`, at the browser's current address.
    pub fn new(page: Page) -> Self {
        Shown {
            page: RwSignal::new(page),
            at: StoredValue::new(here()),
        }
    }
}

/// The browser's current path and query (empty on the server).
fn here() -> String {
    #[cfg(feature = "hydrate")]
    {
        let location = window().location();
        location.pathname().unwrap_or_default() + &location.search().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// The page at `path` (with its query), for moving to it without a reload.
#[server(prefix = "/api", endpoint = "page")]
pub async fn load_page(path: String) -> Result<Page, AppError> {
    use crate::backend::{backend, caller};

    let caller = caller()?;
    Ok(decide(&*backend()?, &caller, &caller.origin, &path).await.0)
}

/// Shows the page at `path` (a page of this site) and adds it to the tab's
/// history. If the page can't be fetched, the browser goes there the usual
/// way, and the server's answer says what is wrong.
pub async fn go(path: &str) {
    show(path, true).await;
}

/// Shows the page at `path`; `push` adds it to the tab's history (not done
/// for the back and forward buttons, which moved in history already).
async fn show(path: &str, push: bool) {
    let Some(shown) = use_context::<Shown>() else {
        return go_to(path);
    };
    match load_page(path.to_owned()).await {
        Ok(page) => {
            let window = window();
            if push {
                if let Ok(history) = window.history() {
                    let _ =
                        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
                }
            }
            document().set_title(&page.title());
            shown.at.set_value(path.to_owned());
            shown.page.set(page);
            window.scroll_to_with_x_and_y(0.0, 0.0);
            // As a page load would, start reading at the new page: screen
            // readers announce its heading (each page's `<h1>` takes focus
            // for this, `tabindex="-1"`), and Tab goes on from there.
            request_animation_frame(|| {
                use wasm_bindgen::JsCast;
                let heading = document().query_selector("main h1").ok().flatten();
                if let Some(heading) =
                    heading.and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = heading.focus();
                }
            });
        }
        Err(_) => go_to(path),
    }
}

/// Sends the browser to `path` (a page of this site), as a link would.
pub fn go_to(path: &str) {
    let _ = window().location().assign(path);
}

/// Follows the back and forward buttons between pages shown by [`go`].
pub fn follow_history(shown: Shown) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::popstate, move |_| {
            let path = here();
            if shown.at.with_value(|at| *at != path) {
                leptos::task::spawn_local(async move { show(&path, false).await });
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = shown;
}

/// Decides the page at `path_and_query` (`/`, `/room/K7Q-DM3-XPA?before=40`)
/// for `caller`, with the HTTP status to send it under. `origin` starts the
/// room's invite link.
#[cfg(feature = "ssr")]
pub async fn decide(
    backend: &dyn crate::backend::Backend,
    caller: &crate::backend::Caller,
    origin: &str,
    path_and_query: &str,
) -> (Page, u16) {
    let (mut page, status) = decide_page(backend, caller, origin, path_and_query).await;
    if let Page::Home(prefill) | Page::Invite(prefill) | Page::Share(prefill) = &mut page {
        prefill.lifetimes = backend.lifetimes();
        prefill.options_html = crate::options::options_html(&prefill.lifetimes);
    }
    (page, status)
}

#[cfg(feature = "ssr")]
async fn decide_page(
    backend: &dyn crate::backend::Backend,
    caller: &crate::backend::Caller,
    origin: &str,
    path_and_query: &str,
) -> (Page, u16) {
    let uri = path_and_query.parse::<http::Uri>().unwrap_or_default();
    // Every login form starts with the session's name.
    let name = caller
        .session
        .as_ref()
        .map(|s| s.name.to_string())
        .unwrap_or_default();
    let (code, settings) = match Route::of(uri.path()) {
        Some(Route::Home) => {
            let left = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .find(|(k, _)| k == "left")
                .and_then(|(_, v)| RoomCode::parse(&v).ok());
            let prefill = LoginPrefill {
                name,
                left,
                ..LoginPrefill::default()
            };
            return (Page::Home(prefill), 200);
        }
        Some(Route::Share) => {
            let room = caller.session.as_ref().and_then(|s| s.room.as_ref());
            let prefill = LoginPrefill {
                name,
                code: room.map(ToString::to_string).unwrap_or_default(),
                ..LoginPrefill::default()
            };
            return (Page::Share(prefill), 200);
        }
        Some(Route::Room(code)) => (code, false),
        Some(Route::Settings(code)) => (code, true),
        None => return (Page::NotFound, 404),
    };
    let code = percent_encoding::percent_decode_str(&code).decode_utf8_lossy();
    let query = |key: &str| {
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    if let Ok(parsed) = RoomCode::parse(&code) {
        match backend.gone(&parsed).await {
            Ok(Some(why)) => return (Page::Gone(why), 410),
            Ok(None) => {}
            Err(error) => {
                let status = error.status();
                let prefill = LoginPrefill {
                    name,
                    error: Some(error),
                    ..LoginPrefill::default()
                };
                return (Page::Home(prefill), status);
            }
        }
    }
    let asked = Asked {
        before: query("before"),
        error: query("error"),
        delete: query("delete"),
        reply: query("reply"),
        edit: query("edit"),
        done: query("done"),
        settings,
    };
    let room = room_page(backend, caller, origin, &name, &code, asked);
    match room.await {
        Ok(Page::Room(mut view)) if settings => {
            // A member who isn't an owner asked for the settings.
            view.error = Some(AppError::NotOwner);
            (Page::Room(view), 403)
        }
        Ok(page) => (page, 200),
        Err(error) => {
            let status = error.status();
            let prefill = LoginPrefill {
                name,
                error: Some(error),
                ..LoginPrefill::default()
            };
            (Page::Home(prefill), status)
        }
    }
}

/// What the room's address asked for in its query.
#[cfg(feature = "ssr")]
struct Asked {
    /// `before`: pages back through history.
    before: Option<String>,
    /// `error`: what went wrong with a message posted without JavaScript.
    error: Option<String>,
    /// `delete`: the entry whose "Delete" awaits confirmation.
    delete: Option<String>,
    /// `reply`: the entry "Reply" was pressed on.
    reply: Option<String>,
    /// `edit`: the message "Edit" was pressed on.
    edit: Option<String>,
    /// `done`: the owner's action just taken (the settings page says so).
    done: Option<String>,
    /// The settings page, not the room.
    settings: bool,
}

/// What `/room/{code}` (or its settings page) shows the caller: the room
/// if they are in it, otherwise the login form with `name` and the code
/// filled in, saying why if an owner removed them or the password changed.
/// Query values that don't parse are ignored, as a stale link deserves.
#[cfg(feature = "ssr")]
async fn room_page(
    backend: &dyn crate::backend::Backend,
    caller: &crate::backend::Caller,
    origin: &str,
    name: &str,
    code: &str,
    asked: Asked,
) -> Result<Page, AppError> {
    use crate::protocol::{Member, Seq};

    let name = name.to_owned();
    let parsed = match RoomCode::parse(code) {
        Ok(parsed) => parsed,
        Err(error) => {
            return Ok(Page::Invite(LoginPrefill {
                name,
                code: code.to_owned(),
                error: Some(error),
                ..LoginPrefill::default()
            }))
        }
    };
    // The room's existence is only checked for members: telling anyone else
    // would let them probe codes without the join throttle.
    let member = caller
        .session
        .as_ref()
        .filter(|s| s.room.as_ref() == Some(&parsed));
    let mut refused = None;
    if let Some(session) = member {
        match backend.check_member(session, &parsed).await {
            Ok(()) if backend.room_exists(&parsed).await? => {
                let me = Member {
                    user: session.user.clone(),
                    name: session.name.clone(),
                };
                let settings = backend.settings(&parsed).await?;
                if asked.settings && settings.owners.contains(&me.user) {
                    return Ok(Page::Settings(SettingsView {
                        members: backend.known_members(&parsed).await?,
                        lifetimes: backend.lifetimes(),
                        done: asked.done.filter(|d| d.len() <= 16),
                        rendered_at: crate::store::now_ms() as i64,
                        zone: caller.zone,
                        code: parsed,
                        me,
                        settings,
                    }));
                }
                let before = asked.before.and_then(|b| b.parse().ok()).map(Seq);
                return Ok(Page::Room(RoomView {
                    invite: format!("{origin}{}", parsed.path()),
                    history: backend.history(&parsed, before).await?,
                    members: backend.members(&parsed),
                    me,
                    error: asked.error.as_deref().and_then(AppError::from_query_key),
                    zone: caller.zone,
                    settings,
                    confirm_delete: asked.delete.and_then(|d| d.parse().ok()).map(Seq),
                    reply_to: asked.reply.and_then(|d| d.parse().ok()).map(Seq),
                    editing: asked.edit.and_then(|d| d.parse().ok()).map(Seq),
                    rendered_at: crate::store::now_ms() as i64,
                    code: parsed,
                }));
            }
            Ok(()) => {}
            Err(error @ (AppError::Removed | AppError::PasswordChanged)) => refused = Some(error),
            Err(error) => return Err(error),
        }
    }
    Ok(Page::Invite(LoginPrefill {
        name,
        code: parsed.to_string(),
        needs_password: refused.as_ref().is_some_and(AppError::asks_for_password),
        error: refused,
        ..LoginPrefill::default()
    }))
}

/// The id of the `<script type="application/json">` holding the page.
pub const DATA_ID: &str = "page";

/// A room's title, with the count of messages not yet seen.
pub fn room_title(code: &RoomCode, unread: u32) -> String {
    match unread {
        0 => format!("Room {code} · Chatdrop"),
        n => format!("({n}) Room {code} · Chatdrop"),
    }
}

/// Reads the page the server embedded.
#[cfg(not(feature = "ssr"))]
fn embedded() -> Option<Page> {
    let text = document().get_element_by_id(DATA_ID)?.text_content()?;
    serde_json::from_slice(text.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HistoryPage;
    use crate::protocol::{Member, UserId, UserName};

    fn room_with(text_in_invite: &str) -> Page {
        Page::Room(RoomView {
            code: RoomCode::parse("K7Q-DM3-XPA").unwrap(),
            me: Member {
                user: UserId("u1".into()),
                name: UserName::parse("Alice").unwrap(),
            },
            invite: text_in_invite.to_owned(),
            history: HistoryPage::default(),
            members: Vec::new(),
            error: None,
            zone: None,
            settings: Default::default(),
            confirm_delete: None,
            reply_to: None,
            editing: None,
            rendered_at: 0,
        })
    }

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let page = room_with("</script><script>alert(1)</script><!-- & -->");
        let embedded = page.embed();
        assert!(!embedded.contains('<') && !embedded.contains('>') && !embedded.contains('&'));
        let back: Page = serde_json::from_str(&embedded).unwrap();
        assert_eq!(back, page);
    }

    #[test]
    fn titles_name_the_page_and_the_unread_count() {
        assert_eq!(room_with("").title(), "Room K7Q-DM3-XPA · Chatdrop");
        let code = RoomCode::parse("K7Q-DM3-XPA").unwrap();
        assert_eq!(room_title(&code, 3), "(3) Room K7Q-DM3-XPA · Chatdrop");
        assert_eq!(Page::NotFound.title(), "Not found · Chatdrop");
    }
}
