//! Signing in and the room's socket: the session saved from an earlier
//! run is used first, a refused one is replaced by signing in again (the
//! password from `CHATDROP_ROOM_PASSWORD`, else asked for at the
//! terminal), and every refusal is turned into a [`Trouble`] that says
//! whether to retry.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use app::error::AppError;
use app::protocol::{ClientMsg, Seq, ServerMsg};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::args::{Place, Target};
use super::state::State;
use super::trouble::{final_, passing, Kind, Trouble};

/// The environment variable a room's password is read from.
pub const PASSWORD_VAR: &str = "CHATDROP_ROOM_PASSWORD";

/// One person in one room on one server, across connections.
pub struct Client {
    pub place: Place,
    pub name: String,
    pub state: State,
    http: reqwest::Client,
    tls: Arc<rustls::ClientConfig>,
    /// Whether a socket was ever opened: a server never reached gets
    /// fewer tries than one that went away.
    connected: AtomicBool,
}

/// One open socket, past the handshake.
pub struct Link {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The room's newest event when we connected.
    pub latest: Seq,
}

impl Client {
    pub fn new(target: &Target) -> anyhow::Result<Self> {
        let place = Place::of(target)?;
        let name = app::protocol::UserName::parse(&target.name)
            .map_err(|e| anyhow::anyhow!("--name: {e}"))?;
        let tls = Arc::new(tls_config()?);
        let http = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("chatdrop/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("setting up HTTP")?;
        Ok(Self {
            place,
            name: name.as_str().to_owned(),
            state: State::open(target.state_dir.as_deref())?,
            http,
            tls,
            connected: AtomicBool::new(false),
        })
    }

    /// The key this person's saved state is filed under.
    pub fn key(&self) -> String {
        format!("{} {} {}", self.place.origin, self.place.code, self.name)
    }

    /// Connects and resumes after `after` (`None`: the room's newest
    /// event, so no history is replayed), signing in first if the saved
    /// session is missing or refused.
    pub async fn open(&self, after: Option<Seq>) -> anyhow::Result<Link> {
        let cookie = match self.state.session(&self.key())? {
            Some(cookie) => cookie,
            None => self.sign_in().await?,
        };
        let link = match self.connect(&cookie, after).await {
            Err(error) if is_sign_in_again(&error) => {
                self.state.set_session(&self.key(), None)?;
                let cookie = self.sign_in().await?;
                self.connect(&cookie, after).await
            }
            done => done,
        }?;
        self.connected.store(true, Ordering::Relaxed);
        Ok(link)
    }

    /// Whether a socket was ever opened.
    pub fn has_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// Tries in a row worth making before giving up: a few for a server
    /// not reached yet (a typo in `--url` should say so quickly), more for
    /// one that went away (a restart, a network change).
    pub fn tries_allowed(&self) -> u32 {
        if self.has_connected() {
            8
        } else {
            3
        }
    }

    async fn connect(&self, cookie: &str, after: Option<Seq>) -> anyhow::Result<Link> {
        let mut request = self.place.socket().into_client_request()?;
        request.headers_mut().insert("cookie", cookie.parse()?);
        let connector = Connector::Rustls(self.tls.clone());
        let (socket, _) =
            tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector))
                .await
                .map_err(|e| self.refused(e))?;
        let mut link = Link {
            socket,
            latest: Seq(0),
        };
        loop {
            if let ServerMsg::Welcome { latest, .. } = link.recv().await? {
                link.latest = latest;
                break;
            }
        }
        let after = after.unwrap_or(link.latest);
        link.send(&ClientMsg::Resume { after }).await?;
        Ok(link)
    }

    /// What a refused or failed upgrade means.
    fn refused(&self, error: tungstenite::Error) -> anyhow::Error {
        let tungstenite::Error::Http(response) = &error else {
            return failed_to_reach(&self.place.origin, &error);
        };
        let code = &self.place.code;
        match response.status().as_u16() {
            401 => Trouble {
                kind: Kind::SignInAgain,
                message: "the server no longer accepts this session".into(),
            }
            .into(),
            403 => final_(format!(
                "room {code} refuses you: an owner removed you, or the server doesn't accept \
                 connections from here (--allowed-origins)"
            )),
            404 => final_(format!("there is no room {code} on {}", self.place.origin)),
            410 => final_(format!(
                "room {code} is gone: it expired or its owner deleted it"
            )),
            status @ (502..=504 | 429) => {
                passing(format!("{} is busy ({status})", self.place.origin))
            }
            status => final_(format!(
                "{} refused the connection ({status})",
                self.place.origin
            )),
        }
    }

    /// Signs in with `POST /api/login`, saves the session and returns its
    /// cookie.
    async fn sign_in(&self) -> anyhow::Result<String> {
        let from_env = std::env::var(PASSWORD_VAR).ok();
        let mut password = from_env.clone().unwrap_or_default();
        for _ in 0..3 {
            match self.try_sign_in(&password).await? {
                Ok(cookie) => {
                    self.state.set_session(&self.key(), Some(cookie.clone()))?;
                    return Ok(cookie);
                }
                Err(error @ (AppError::RoomPasswordNeeded | AppError::WrongRoomPassword)) => {
                    if from_env.is_some() {
                        return Err(final_(format!("{error} ({PASSWORD_VAR})")));
                    }
                    if !std::io::stdin().is_terminal() {
                        return Err(final_(format!(
                            "room {} has a password: set {PASSWORD_VAR}, or run this in a terminal to be asked",
                            self.place.code
                        )));
                    }
                    if matches!(error, AppError::WrongRoomPassword) {
                        eprintln!("{error}.");
                    }
                    let prompt = format!("Password for room {}: ", self.place.code);
                    password =
                        tokio::task::spawn_blocking(move || rpassword::prompt_password(prompt))
                            .await?
                            .context("reading the password")?;
                }
                Err(error) if error.status() >= 500 || error.status() == 429 => {
                    return Err(passing(error.to_string()));
                }
                Err(error) => return Err(final_(error.to_string())),
            }
        }
        Err(final_(AppError::WrongRoomPassword.to_string()))
    }

    async fn try_sign_in(&self, password: &str) -> anyhow::Result<Result<String, AppError>> {
        let url = self.place.http("/api/login");
        let code = self.place.code.to_string();
        let response = self
            .http
            .post(&url)
            .form(&[
                ("name", self.name.as_str()),
                ("code", code.as_str()),
                ("action", "join"),
                ("password", password),
            ])
            .send()
            .await
            .map_err(|e| failed_to_reach(&self.place.origin, &e))?;
        let status = response.status();
        let cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("chatdrop_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            return cookie.map(Ok).ok_or_else(|| {
                final_(format!(
                    "{url} signed no session: is this a Chatdrop server?"
                ))
            });
        }
        match serde_json::from_str::<AppError>(&body) {
            Ok(error) => Ok(Err(error)),
            Err(_) if status.is_server_error() => Err(passing(format!("{url} answered {status}"))),
            Err(_) => Err(final_(format!(
                "{url} answered {status}: is this a Chatdrop server?"
            ))),
        }
    }
}

impl Link {
    /// The next frame from the server. A close becomes a [`Trouble`]
    /// saying what it means.
    pub async fn recv(&mut self) -> anyhow::Result<ServerMsg> {
        loop {
            let frame = match self.socket.next().await {
                Some(Ok(frame)) => frame,
                Some(Err(e)) => return Err(passing(format!("the connection broke: {e}"))),
                None => return Err(passing("the server closed the connection")),
            };
            match frame {
                Message::Text(text) => {
                    return serde_json::from_str(&text)
                        .map_err(|e| final_(format!("the server sent a frame this client doesn't understand ({e}); is it a newer Chatdrop?")));
                }
                Message::Close(frame) => return Err(closed(frame)),
                _ => {}
            }
        }
    }

    pub async fn send(&mut self, msg: &ClientMsg) -> anyhow::Result<()> {
        let text = serde_json::to_string(msg)?;
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|e| passing(format!("the connection broke: {e}")))
    }

    /// Queues a binary frame; [`Link::flush`] sends what is queued.
    pub async fn feed(&mut self, frame: Vec<u8>) -> anyhow::Result<()> {
        self.socket
            .feed(Message::binary(frame))
            .await
            .map_err(|e| passing(format!("the connection broke: {e}")))
    }

    pub async fn flush(&mut self) -> anyhow::Result<()> {
        self.socket
            .flush()
            .await
            .map_err(|e| passing(format!("the connection broke: {e}")))
    }

    /// Says goodbye; the room sees us leave after its grace period.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// What the server's close frame means for the client.
fn closed(frame: Option<CloseFrame>) -> anyhow::Error {
    let Some(frame) = frame else {
        return passing("the server closed the connection");
    };
    match u16::from(frame.code) {
        4401 => Trouble {
            kind: Kind::SignInAgain,
            message: "an owner changed the room's password".into(),
        }
        .into(),
        4403 => final_("an owner removed you from the room"),
        4410 => final_("the room is gone: it expired or its owner deleted it"),
        1000 => final_("you left the room"),
        _ if frame.code == CloseCode::Away || frame.code == CloseCode::Error => {
            passing("the server is restarting")
        }
        code => final_(format!(
            "the server closed the connection ({code}: {})",
            frame.reason
        )),
    }
}

fn is_sign_in_again(error: &anyhow::Error) -> bool {
    super::trouble::kind(error) == Kind::SignInAgain
}

/// A connection that failed before any answer: passing (refused, reset,
/// no route), unless TLS refused the server, which no retry mends.
fn failed_to_reach(origin: &str, error: &(dyn std::error::Error + 'static)) -> anyhow::Error {
    let mut cause = Some(error);
    let mut innermost = error;
    while let Some(error) = cause {
        // An I/O error's `source` skips the error it wraps: look inside.
        let wrapped = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        for candidate in [Some(error), wrapped].into_iter().flatten() {
            if let Some(tls) = candidate.downcast_ref::<rustls::Error>() {
                return final_(format!(
                    "{origin} failed the TLS check: {tls}. If it uses a private CA, point \
                     SSL_CERT_FILE at the CA's certificate"
                ));
            }
        }
        innermost = error;
        cause = wrapped.or_else(|| error.source());
    }
    passing(format!("can't reach {origin}: {innermost}"))
}

/// The system's CA certificates (`SSL_CERT_FILE` and `SSL_CERT_DIR`
/// honoured), for both HTTPS and WSS.
fn tls_config() -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        // One unreadable certificate among the system's shouldn't stop
        // the client; an empty store is reported on the first https use.
        let _ = roots.add(cert);
    }
    // ring, as reqwest's own rustls default: aws-lc-rs (which adds
    // post-quantum key exchange, hence ring's deprecation note) needs
    // cmake and minutes more to build. A client on classical key exchange
    // is what every browser was until recently.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
