//! `TestApp`: a real Chatdrop on a free port, and a client per person.
//!
//! The suite runs against SQLite (the default) and, with
//! `CHATDROP_TEST_DATABASE=postgres`, against a PostgreSQL server of its
//! own (`support/postgres.rs`): every server then gets a fresh database.

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
    pub config: Config,
    dir: std::sync::Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server whose config `tweak` adjusts (timings, mostly).
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let mut config = Config::for_tests(dir.path().to_path_buf());
        config.database_url = test_database();
        tweak(&mut config);
        Self::start(dir, config, ([127, 0, 0, 1], 0).into()).await
    }

    async fn start(
        dir: std::sync::Arc<tempfile::TempDir>,
        config: Config,
        addr: SocketAddr,
    ) -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            server::telemetry::init();
        }
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let run_config = config.clone();
        let task = tokio::spawn(async move {
            server::run(listener, run_config, async {
                let _ = stopped.await;
            })
            .await
            .expect("server failed");
        });
        wait_until_up(addr).await;
        // Opened after the server has migrated the database, never beside it.
        let store = Store::connect(&config.database_url, dir.path())
            .await
            .expect("store");
        Self {
            addr,
            store,
            config,
            dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A handle on a server started elsewhere (a child process) on `port`;
    /// only `addr` and `url` are meaningful.
    pub async fn external(port: u16) -> Self {
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        wait_until_up(addr).await;
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let store = Store::open(dir.path()).await.expect("store");
        let config = Config::for_tests(dir.path().to_path_buf());
        Self {
            addr,
            store,
            config,
            dir,
            stop: None,
            task: None,
        }
    }

    /// Shuts the server down gracefully and waits for it to finish.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
    }

    /// Stops the server and starts a new one on the same data dir.
    pub async fn restart(mut self) -> Self {
        self.shutdown().await;
        let any_port = ([127, 0, 0, 1], 0).into();
        Self::start(self.dir.clone(), self.config.clone(), any_port).await
    }

    /// Stops the server and starts a new one on the same data dir and
    /// port, as a restarted service comes back where clients left it.
    pub async fn restart_in_place(mut self) -> Self {
        self.shutdown().await;
        Self::start(self.dir.clone(), self.config.clone(), self.addr).await
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

    /// The server's file store (same data dir).
    pub fn files(&self) -> server::files::FileStore {
        server::files::FileStore::open(self.dir.path()).unwrap()
    }

    /// Stores `bytes` as a complete upload in `room`, as the upload path
    /// does when a file finishes; returns the download path.
    pub async fn share(&self, room: &str, name: &str, mime: &str, bytes: &[u8]) -> String {
        let sha256 = self.files().put(bytes).unwrap();
        let room = app::protocol::RoomCode::parse(room).unwrap();
        let uploader = app::protocol::UserId("tester".into());
        let upload = server::uploads::NewUpload {
            room: &room,
            uploader: &uploader,
            client_id: None,
            name,
            mime,
            size: bytes.len() as u64,
            sha256: Some(&sha256),
            dimensions: None,
        };
        let (row, _) = self.store.insert_upload(upload).await.unwrap();
        row.file.id.href()
    }

    /// Where `needle` is still kept: files under the data dir (database,
    /// WAL, uploads) and, on PostgreSQL, the rows whose text holds it.
    pub async fn stored(&self, needle: &[u8]) -> Vec<String> {
        let mut found: Vec<String> = crate::expiry::found_in(&self.config.data_dir, needle)
            .into_iter()
            .map(|path| path.display().to_string())
            .collect();
        let Ok(text) = std::str::from_utf8(needle) else {
            return found;
        };
        if self.store.engine() == server::store::Engine::Postgres {
            for (table, column) in [
                ("events", "text"),
                ("events", "user_name"),
                ("uploads", "name"),
                ("reactions", "emoji"),
            ] {
                let sql = format!("SELECT COUNT(*) FROM {table} WHERE strpos({column}, $1) > 0");
                let (rows,): (i64,) = sqlx::query_as(&sql)
                    .bind(text)
                    .fetch_one(self.store.pool())
                    .await
                    .unwrap();
                if rows > 0 {
                    found.push(format!("{rows} rows of {table}.{column}"));
                }
            }
        }
        found
    }

    /// [`Self::stored`], once nothing is found or 5 s have passed: the WAL
    /// is emptied just after a deletion answers (a reader can hold it a
    /// moment).
    pub async fn eventually_stored(&self, needle: &[u8]) -> Vec<String> {
        for _ in 0..50 {
            if self.stored(needle).await.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.stored(needle).await
    }

    pub async fn room_count(&self) -> i64 {
        self.store.room_count().await.unwrap()
    }
}

/// The database a new test server uses: empty (SQLite in its data dir), or
/// a fresh PostgreSQL database when the suite runs against PostgreSQL.
pub fn test_database() -> String {
    match std::env::var("CHATDROP_TEST_DATABASE").as_deref() {
        Ok("postgres") => crate::postgres::Postgres::get().fresh_database(),
        Ok("sqlite") | Ok("") | Err(_) => String::new(),
        Ok(other) => panic!("CHATDROP_TEST_DATABASE={other}: use sqlite or postgres"),
    }
}

/// The real `chatdrop` binary as a child process on `port` with data in
/// `dir` and `database` (see [`test_database`]), for tests that kill it
/// with SIGKILL.
pub fn start_binary(dir: &std::path::Path, database: &str, port: u16) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_chatdrop"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(dir)
        .args(["--database-url", database])
        .arg("--leptos-config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"))
        .env("RUST_LOG", "error")
        .spawn()
        .expect("start chatdrop")
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn wait_until_up(addr: SocketAddr) {
    for _ in 0..400 {
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
    texts(html, r#"[role="alert"]"#).into_iter().next()
}

/// The `value` attribute of the input with this `id`.
pub fn input_value(html: &str, id: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input#{id}")).expect("a selector");
    let input = document.select(&selector).next()?;
    input.value().attr("value").map(str::to_owned)
}

/// The text of every element `selector` matches, in document order, as a
/// browser shows it (entities decoded, markup gone).
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    Page::parse(html).texts(selector)
}

/// A page as a browser's parser reads it.
pub struct Page(scraper::Html);

impl Page {
    pub fn parse(html: &str) -> Page {
        Page(scraper::Html::parse_document(html))
    }

    fn select<'a>(&'a self, selector: &str) -> Vec<scraper::ElementRef<'a>> {
        let selector = scraper::Selector::parse(selector).expect("a selector");
        self.0.select(&selector).collect()
    }

    /// The text of every element `selector` matches, in document order.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        self.select(selector)
            .into_iter()
            .map(|element| element.text().collect())
            .collect()
    }

    /// The text of the first element `selector` matches.
    pub fn text(&self, selector: &str) -> Option<String> {
        self.texts(selector).into_iter().next()
    }

    /// Attribute `name` of the first element `selector` matches.
    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        let first = self.select(selector).into_iter().next()?;
        first.value().attr(name).map(str::to_owned)
    }

    /// How many elements `selector` matches.
    pub fn count(&self, selector: &str) -> usize {
        self.select(selector).len()
    }
}

/// Someone signed in to a room, holding their session cookie.
#[derive(Clone, Debug)]
pub struct Member {
    pub cookie: String,
    /// `/room/XXX-XXX-XXX`
    pub room: String,
}

impl Member {
    pub fn code(&self) -> &str {
        self.room.trim_start_matches("/room/")
    }

    /// `GET path` with this member's cookie; the page's HTML.
    pub async fn page(&self, app: &TestApp, path: &str) -> String {
        self.get(app, path).await.text().await.unwrap()
    }

    /// `GET path` with this member's cookie.
    pub async fn get(&self, app: &TestApp, path: &str) -> Response {
        http()
            .get(app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// Posts `text` with the message form used without JavaScript.
    pub async fn post_message(&self, app: &TestApp, text: &str) -> Response {
        let fields = [("code", self.code()), ("text", text), ("client_id", "")];
        self.post(app, "/api/post_message", &fields).await
    }

    /// Submits a form as a browser without JavaScript does (it accepts
    /// HTML, so server functions answer with a redirect).
    pub async fn submit(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
        http()
            .post(app.url(path))
            .header("cookie", &self.cookie)
            .header("accept", "text/html")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// `POST path` with these form fields and this member's cookie.
    pub async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
        http()
            .post(app.url(path))
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

/// A client without a cookie jar that shows redirects instead of following.
pub fn http() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Signs `name` in: creating a room when `code` is `None`.
pub async fn sign_in(app: &TestApp, name: &str, code: Option<&str>) -> Member {
    let response = crate::sign_in::post_login(&app.url(""), name, code).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign in {name}");
    Member {
        cookie: crate::sign_in::session_cookie(&response),
        room: location(&response),
    }
}
