//! A room's settings page, `/room/{code}/settings`, for its owners: who may
//! join (the lock and the password), how long the room lasts, its members
//! (remove, make owner), and deleting it. Every control is a plain form
//! (`POST` to the same address, see `routes::SETTINGS`), so the page works
//! without JavaScript and adds no logic to the WASM; each answers with this
//! page again saying what was done.

use leptos::prelude::*;

use crate::erase::Erase;
use crate::model::SettingsView;

/// The settings page.
#[component]
pub fn SettingsScreen(view: SettingsView) -> impl IntoView {
    let SettingsView {
        code,
        me,
        settings,
        members,
        lifetimes,
        done,
        rendered_at,
        zone,
    } = view;
    let action = format!("{}/settings", code.path());
    let done = done
        .as_deref()
        .and_then(|done| done_text(done, settings.password));
    let (lock_state, lock_button, lock_action) = if settings.locked {
        (
            "Locked: nobody new can join, even with the code.",
            "Unlock room",
            "unlock",
        )
    } else {
        (
            "Anyone with the code or the link can join.",
            "Lock room",
            "lock",
        )
    };
    let countdown = match settings.expires_at {
        Some(at) => view! {
            <time datetime=crate::time::iso(at) title=crate::time::long(at, zone)>
                {format!("Deleted in {}", crate::time::remaining(rendered_at, at))}
            </time>
        }
        .erase(),
        None => view! { <span>"Never deleted"</span> }.erase(),
    };
    let form = move |what: &'static str| {
        view! { <input type="hidden" name="action" value=what /> }
    };
    let members = members
        .into_iter()
        .map(|member| {
            let owner = settings.owners.contains(&member.user);
            let you = member.user == me.user;
            let user = member.user.0.clone();
            view! {
                <li>
                    <span class="name">{member.name.to_string()}</span>
                    {you.then_some(" (you)")}
                    {owner.then(|| view! { <span class="badge">"owner"</span> })}
                    {(!you).then(|| view! {
                        <form method="post" action=format!("{}/remove", code.path()) class="inline">
                            <input type="hidden" name="user" value=user.clone() />
                            <button type="submit" title=format!("Remove {} from the room", member.name)>"Remove"</button>
                        </form>
                    })}
                    {(!owner).then(|| view! {
                        <form method="post" action=action.clone() class="inline">
                            {form("promote")}
                            <input type="hidden" name="user" value=user.clone() />
                            <button type="submit">"Make owner"</button>
                        </form>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="settings" aria-labelledby="settings-title">
            <header class="room-header">
                <div>
                    <p class="brand small">"Chatdrop"</p>
                    <h1 id="settings-title" tabindex="-1">"Room settings"</h1>
                    <p>"Room " <span class="code">{code.to_string()}</span></p>
                </div>
                <a class="button" href=code.path()>"Back to the room"</a>
            </header>
            <p role="status" class="done">{done}</p>
            <div class="settings-body">
                <div class="card">
                    <h2>"Who can join"</h2>
                    <p class="lock-state">{lock_state}</p>
                    <form method="post" action=action.clone()>
                        {form(lock_action)}
                        <button type="submit">{lock_button}</button>
                    </form>
                </div>
                <div class="card">
                    <h2>"Room password"</h2>
                    <p>{if settings.password { "Joining needs the password." } else { "No password: the code or the link is enough." }}</p>
                    <form method="post" action=action.clone()>
                        {form("password")}
                        <label for="new-password">"New room password"</label>
                        <input id="new-password" name="password" type="password" required autocomplete="new-password" aria-describedby="new-password-hint" />
                        <p id="new-password-hint" class="hint">"Everyone else in the room must enter it to come back."</p>
                        <button type="submit">{if settings.password { "Change password" } else { "Set password" }}</button>
                    </form>
                    {settings.password.then(|| view! {
                        <form method="post" action=action.clone()>
                            {form("password")}
                            <input type="hidden" name="password" value="" />
                            <button type="submit">"Remove password"</button>
                        </form>
                    })}
                </div>
                <div class="card">
                    <h2>"Lifetime"</h2>
                    <p class="expiry">{countdown}</p>
                    <form method="post" action=action.clone()>
                        {form("lifetime")}
                        <label for="room-lifetime">"Delete room after"</label>
                        <select id="room-lifetime" name="lifetime" aria-describedby="lifetime-hint">
                            {lifetimes.choices.iter().map(|&choice| view! {
                                <option value=choice.to_string() selected=choice == lifetimes.default>{crate::options::lifetime_label(choice)}</option>
                            }).collect_view()}
                        </select>
                        <p id="lifetime-hint" class="hint">"Counted from now. Then its messages and files are deleted for good."</p>
                        <button type="submit">"Change lifetime"</button>
                    </form>
                </div>
                <div class="card">
                    <h2>"People in this room"</h2>
                    <ul class="members" aria-label="People in this room">{members}</ul>
                    <p class="hint">"Someone removed can't come back with this browser session. To keep them out for good, lock the room or change its password too."</p>
                </div>
                <div class="card danger-zone">
                    <h2>"Delete room now"</h2>
                    <p>"Every message and file in it is deleted for everyone, at once and for good."</p>
                    <details>
                        <summary>"Delete room now"</summary>
                        <form method="post" action=action.clone()>
                            {form("delete_room")}
                            <button type="submit" class="danger">"Delete the room for everyone"</button>
                        </form>
                    </details>
                </div>
            </div>
        </section>
    }
    .erase()
}

/// What the page confirms after the owner's action `done`.
fn done_text(done: &str, password: bool) -> Option<&'static str> {
    Some(match done {
        "lock" => "Room locked: nobody new can join.",
        "unlock" => "Room unlocked: anyone with the code or the link can join.",
        "password" if password => "Password changed. Everyone else must enter it to come back.",
        "password" => "Password removed: the code or the link is enough to join.",
        "lifetime" => "Lifetime changed: everyone's countdown shows the new time.",
        "remove" => "Removed. To keep them out for good, lock the room or change its password too.",
        "promote" => "They're an owner now: they can do everything you can here.",
        _ => return None,
    })
}
