//! Who is here: the members list with initials avatars, away while
//! this tab is offline, and an owner's "Remove".

use leptos::prelude::*;

use crate::client::Status;
use crate::erase::Erase;
use crate::protocol::Member;
use crate::store::RoomStore;

/// Up to two initials of a name, for its avatar.
fn initials(name: &str) -> String {
    let mut words = name.split_whitespace().filter_map(|w| w.chars().next());
    let first = words.next();
    let last = words.next_back();
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

/// One of eight steady colours (`0`–`7`) for a user's avatar; the CSS
/// holds the palette (the page's policy allows no inline styles).
fn hue(user: &str) -> String {
    (user
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 8)
    .to_string()
}

/// Who is here: those online, and always the reader (whose page is open
/// even before its socket is, or without JavaScript, with none).
fn here(online: &[Member], me: &Member) -> Vec<Member> {
    let mut list = online.to_vec();
    if !list.iter().any(|m| m.user == me.user) {
        list.insert(0, me.clone());
    }
    list
}

/// Who is online; for an owner, a "Remove" next to everyone else (a plain
/// form: the owner lands on the settings page, which suggests locking).
#[component]
pub fn Members(me: Member, store: RoomStore) -> impl IntoView {
    let owner = move || store.state.with(|r| r.settings.owners.contains(&r.me.user));
    let remove = store
        .state
        .with_untracked(|r| format!("{}/remove", r.code.path()));
    // While this tab is offline, who is here is not known: all show away.
    let away = move || {
        store
            .state
            .with(|r| r.status != Status::Live && store.hydrated.get())
    };
    view! {
        <div class="card members" class:away=away>
            <h2>"Here now"</h2>
            {move || away().then(|| view! { <p class="away-note">"Reconnecting: who's here may have changed."</p> })}
            <ul role="list" aria-label="Members">
                <For each=move || store.state.with(|r| here(&r.members, &r.me)) key=|m| m.user.clone() let(member)>
                    <li>
                        <span class="avatar" aria-hidden="true" data-initials=initials(member.name.as_str())
                            data-hue=hue(&member.user.0)></span>
                        {member.name.to_string()}
                        {(member.user == me.user).then_some(view! { <span class="you">" (you)"</span> })}
                        {(member.user != me.user).then(|| {
                            let (remove, user, name) = (remove.clone(), member.user.0.clone(), member.name.to_string());
                            move || owner().then(|| view! {
                                <form method="post" action=remove.clone() class="inline">
                                    <input type="hidden" name="user" value=user.clone() />
                                    // The label is drawn by CSS: the list item's text stays the
                                    // name alone, as it reads for everyone else.
                                    <button type="submit" class="small remove" aria-label="Remove" title=format!("Remove {name} from the room")></button>
                                </form>
                            })
                        })}
                    </li>
                </For>
            </ul>
        </div>
    }
    .erase()
}
