//! Signing in with the login form, as a browser without JavaScript does:
//! shared by the suites that start servers.

use reqwest::redirect::Policy;
use reqwest::{Client, Response};

/// A well-formed room code no room has.
pub const NO_SUCH_ROOM: &str = "K7Q-DM3-XPA";

/// Posts the login form to the server at `base` (`http://host:port`):
/// `name` creates a room, or joins `code`. Returns the form's answer
/// (a `303` with the session cookie, if it worked).
pub async fn post_login(base: &str, name: &str, code: Option<&str>) -> Response {
    let fields = match code {
        Some(code) => [("name", name), ("code", code), ("action", "join")],
        None => [("name", name), ("code", ""), ("action", "create")],
    };
    Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// The `name=value` of the cookie `response` sets.
pub fn session_cookie(response: &Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}
