//! `TestApp`: a real Chatdrop on a free port, and a client per person.

use std::net::SocketAddr;

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use server::store::Store;
use server::Config;
use tokio::sync::oneshot;

/// A running server with its own temporary data dir.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            server::telemetry::init();
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let config = Config::for_tests(dir.path().to_path_buf());
        tokio::spawn(async move {
            server::run(listener, config, async {
                let _ = stopped.await;
            })
            .await
            .expect("server failed");
        });
        wait_until_up(addr).await;
        // Opened after the server has migrated the database, never beside it.
        let store = Store::open(dir.path()).await.expect("store");
        Self {
            addr,
            store,
            _dir: dir,
            _stop: stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A person with their own cookie jar; redirects are not followed, so
    /// tests see each 303.
    pub fn person(&self) -> Person {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap();
        Person {
            client,
            base: format!("http://{}", self.addr),
        }
    }

    pub async fn room_count(&self) -> i64 {
        self.store.room_count().await.unwrap()
    }
}

async fn wait_until_up(addr: SocketAddr) {
    for _ in 0..200 {
        if reqwest::get(format!("http://{addr}/")).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("server did not start");
}

/// One browser-less user.
pub struct Person {
    pub client: Client,
    base: String,
}

impl Person {
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// `POST /` as the login form does.
    pub async fn login(&self, name: &str, code: &str, action: &str) -> Response {
        self.post_form("/", &[("name", name), ("code", code), ("action", action)])
            .await
    }

    /// Creates a room; returns its path, `/room/XXX-XXX-XXX`.
    pub async fn create_room(&self, name: &str) -> String {
        let response = self.login(name, "", "create").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        location(&response)
    }
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The text of the page's `role="alert"` element, if any.
pub fn alert(html: &str) -> Option<String> {
    let start = html.find(r#"role="alert""#)?;
    let after = &html[start..];
    let open_end = after.find('>')? + 1;
    let close = after.find("</p>")?;
    Some(after[open_end..close].to_owned())
}

/// The `value` attribute of the input with this `id`.
pub fn input_value(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!(r#"id="{id}""#))?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[start..tag_end];
    let value_start = tag.find(r#"value=""#)? + 7;
    let value_len = tag[value_start..].find('"')?;
    Some(tag[value_start..value_start + value_len].to_owned())
}
