//! The login page's "Room options" disclosure (a new room's password and
//! "Delete room after"), written by the server: the page's data carries the
//! markup, so the browser builds it with no code of its own. Server-only.

use leptos::prelude::*;

/// The inside of the "Room options" disclosure (a new room's password and
/// "Delete room after" with `lifetimes`), as HTML, written by the server
/// into the page's data so the browser needs no code to build it.
pub fn options_html(lifetimes: &crate::model::Lifetimes) -> String {
    let default = lifetimes.default;
    let choices = lifetimes.choices.clone();
    view! {
        <summary>"Room options"</summary>
        <div class="field">
            <label for="room-password">"Room password (optional)"</label>
            <input id="room-password" name="password" type="password" autocomplete="new-password" aria-describedby="room-password-hint" />
            <p id="room-password-hint" class="hint">"People who join will need it. Leave it empty for a room anyone with the code can join."</p>
        </div>
        <div class="field">
            <label for="room-lifetime">"Delete room after"</label>
            <select id="room-lifetime" name="lifetime" aria-describedby="room-lifetime-hint">
                {choices.into_iter().map(|choice| view! {
                    <option value=choice.to_string() selected=choice == default>{lifetime_label(choice)}</option>
                }).collect_view()}
            </select>
            <p id="room-lifetime-hint" class="hint">"Then its messages and files are deleted for good."</p>
        </div>
    }
    .to_html()
}

/// A "Delete room after" choice as the menu says it: `1 hour`, `7 days`,
/// `Never`.
pub(crate) fn lifetime_label(seconds: u64) -> String {
    match seconds {
        0 => "Never".to_owned(),
        s => crate::time::remaining(0, i64::try_from(s).unwrap_or(i64::MAX / 1000) * 1000),
    }
}
