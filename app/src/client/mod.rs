//! The room as this tab knows it, and everything that changes it: one plain
//! state type ([`Room`]) and one function ([`Room::apply`]) that takes an
//! [`Input`] (a server frame, a user action, a browser event) and returns
//! the [`Effect`]s to perform (send a frame, read a chunk of a file, save
//! an upload, show a notification…).
//!
//! Nothing here touches the browser, so it compiles natively and is unit
//! tested with `cargo test -p app` (`tests.rs`). The views render from this
//! state; the browser glue (`crate::glue`) performs the effects and feeds
//! what happens back as inputs.

mod changes;
mod rows;
mod uploads;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::error::AppError;
use crate::model::{HistoryPage, RoomSettings};
use crate::protocol::{
    ClientMsg, ClientMsgId, ClosingReason, Event, EventKind, FileStatus, Member, RoomCode, Seq,
    ServerMsg, SharedFile, UploadId,
};

pub use self::rows::{Row, RowKey, GROUP_WITHIN_MS};
pub use self::uploads::{NewFile, SavedUpload, Upload, CHUNK_BYTES, HASH_UP_TO, WINDOW_BYTES};

/// The socket's close code for a room that is gone.
pub const ROOM_GONE: u16 = 4410;
/// The socket's close code for a member an owner removed.
pub const REMOVED: u16 = 4403;
/// The socket's close code for a member signed out by a new password.
pub const SIGNED_OUT: u16 = 4401;

/// How long a typing notice shows, in milliseconds.
pub const TYPING_SHOWS: f64 = 5_000.0;
/// How often this tab says it is typing, at most, in milliseconds.
pub const TYPING_EVERY: f64 = 3_000.0;

/// A message this tab sent that the server hasn't confirmed yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Its client id.
    pub id: ClientMsgId,
    /// Its text.
    pub text: String,
    /// Why the server refused it, if it did.
    pub failed: Option<String>,
    /// What it answers, for a reply.
    pub reply_to: Option<Seq>,
}

/// A shared file's latest progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileNow {
    /// Bytes the server has.
    pub received: u64,
    /// Where it stands.
    pub status: FileStatus,
    /// Pixel size of a finished image.
    pub dimensions: Option<(u32, u32)>,
}

/// The connection as the user should understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not connected yet (and never, without JavaScript).
    Connecting,
    /// Live.
    Live,
    /// Lost; trying again.
    Reconnecting,
    /// The device is offline: the page shows what it saved, read-only.
    Offline,
}

/// Everything this tab knows about the room.
#[derive(Clone, Debug, PartialEq)]
pub struct Room {
    /// The room.
    pub code: RoomCode,
    /// Who this tab is.
    pub me: Member,
    /// Confirmed events, in sequence order, without gaps or duplicates.
    pub events: Vec<Event>,
    /// Whether older events exist before the first one.
    pub has_older: bool,
    /// Messages sent but not confirmed.
    pub pending: Vec<Pending>,
    /// Who is online.
    pub members: Vec<Member>,
    /// Who is typing, and until when (ms since the epoch).
    pub typing: Vec<(Member, f64)>,
    /// The connection.
    pub status: Status,
    /// An error to show in the alert.
    pub alert: Option<String>,
    /// Messages and files from others that arrived while the tab was hidden.
    pub unread: u32,
    /// Shared files' latest progress, by id (newer than their events).
    pub files: HashMap<UploadId, FileNow>,
    /// This tab's uploads, one record each.
    pub uploads: Vec<Upload>,
    /// Whether the socket is open (frames can be sent).
    pub connected: bool,
    /// Whether the browser thinks it has a network.
    pub online: bool,
    /// Whether the tab is in the background.
    pub hidden: bool,
    /// The room's settings (countdown, lock, owners), kept current.
    pub settings: RoomSettings,
    /// The entry whose "Delete" awaits confirmation.
    pub confirm_delete: Option<Seq>,
    /// The message or file the composer's next message answers.
    pub reply_to: Option<Seq>,
    /// The message of this user's the composer is editing.
    pub editing: Option<Seq>,
    /// Where this user stopped reading (the tab was hidden, or the page
    /// left): a "New" divider shows above the first message after it from
    /// someone else.
    pub new_after: Option<Seq>,
    /// How often each entry changed since it arrived (edits, reactions,
    /// deletion): part of its key, so the view redraws it.
    pub revs: HashMap<Seq, u32>,
    /// A gap was seen and a resume asked for; more gaps wait for it.
    resyncing: bool,
    /// When this tab last said it was typing (ms); 0 after sending.
    typed_at: f64,
}

/// Something that happened: a server frame, a user action, a browser event.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The socket opened.
    Opened,
    /// The socket closed with this code (`None`: it just dropped).
    Closed(Option<u16>),
    /// A frame from the server.
    Server(ServerMsg),
    /// The browser went online or offline.
    Network(bool),
    /// The tab was hidden or shown.
    Hidden(bool),
    /// A second passed (typing notices expire).
    Tick,
    /// The user sends a message; `id` is fresh.
    Post { id: ClientMsgId, text: String },
    /// The user typed in the composer.
    Typed,
    /// Earlier history arrived (scrolling back).
    Older(HistoryPage),
    /// The user shares files (picked, dropped, pasted or shared to the app).
    Share(Vec<NewFile>),
    /// An upload's hash is known (`None`: the browser can't hash it).
    Hashed {
        key: ClientMsgId,
        sha256: Option<String>,
    },
    /// A chunk of an upload's file was read into a frame (`None`: the
    /// browser can no longer read the file).
    ChunkRead {
        key: ClientMsgId,
        start: u64,
        frame: Option<Vec<u8>>,
    },
    /// The user cancelled an upload of theirs.
    Cancel(ClientMsgId),
    /// The user picked a file again for an upload that lost it.
    Repicked { key: ClientMsgId, size: u64 },
    /// Unfinished uploads saved before a reload, for this room.
    Restored(Vec<SavedUpload>),
    /// The user pressed an entry's "Delete" (`Some`), or cancelled (`None`).
    AskDelete(Option<Seq>),
    /// The user confirmed deleting the entry at this sequence number.
    Delete(Seq),
    /// The user pressed an entry's "Reply" (`Some`), or cancelled (`None`).
    Reply(Option<Seq>),
    /// The user pressed a message's "Edit" (`Some`), or cancelled (`None`).
    Edit(Option<Seq>),
    /// The user toggled their reaction `emoji` to the message at `target`.
    React { target: Seq, emoji: String },
    /// Where this user stopped reading last time (saved by the browser).
    Seen(Seq),
}

/// Something for the browser to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send a JSON frame (only emitted while connected).
    Send(ClientMsg),
    /// Send a binary frame (a chunk).
    SendBinary(Vec<u8>),
    /// Compute an upload's SHA-256, then report [`Input::Hashed`].
    Hash(ClientMsgId),
    /// Read bytes `start..end` of an upload's file into a chunk frame for
    /// `upload`, then report [`Input::ChunkRead`].
    ReadChunk {
        key: ClientMsgId,
        upload: UploadId,
        start: u64,
        end: u64,
    },
    /// Keep an upload across reloads.
    Save(SavedUpload),
    /// Forget an upload: its saved record and its file.
    Discard(ClientMsgId),
    /// Show a system notification for a message.
    Notify { from: String, text: String },
    /// The user left this room in another tab: go home.
    Left,
    /// The room is gone (expired or deleted): show its page again, which
    /// says so.
    Reload,
}

impl Room {
    /// The state of a freshly loaded room page.
    pub fn new(code: RoomCode, me: Member, history: HistoryPage, members: Vec<Member>) -> Self {
        Room {
            code,
            me,
            events: history.events,
            has_older: history.has_older,
            pending: Vec::new(),
            members,
            typing: Vec::new(),
            status: Status::Connecting,
            alert: None,
            unread: 0,
            files: HashMap::new(),
            uploads: Vec::new(),
            connected: false,
            online: true,
            hidden: false,
            settings: RoomSettings::default(),
            confirm_delete: None,
            reply_to: None,
            editing: None,
            new_after: None,
            revs: HashMap::new(),
            resyncing: false,
            typed_at: 0.0,
        }
    }

    /// The newest confirmed sequence number.
    pub fn latest(&self) -> Seq {
        self.events.last().map(|e| e.seq).unwrap_or_default()
    }

    /// A shared file as it stands now: its event's snapshot, updated by
    /// progress frames since.
    pub fn file_now(&self, file: &SharedFile) -> FileNow {
        self.files.get(&file.id).copied().unwrap_or(FileNow {
            received: file.received,
            status: file.status,
            dimensions: file.dimensions,
        })
    }

    /// Applies `input` at `now` (ms since the epoch); returns what to do.
    pub fn apply(&mut self, input: Input, now: f64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let fx = &mut effects;
        match input {
            Input::Opened => self.opened(fx),
            Input::Closed(code) => self.closed(code, fx),
            Input::Server(msg) => {
                if self.status != Status::Live {
                    self.status = Status::Live;
                }
                self.server(msg, now, fx);
            }
            Input::Network(online) => {
                self.online = online;
                match (online, self.status) {
                    (false, _) => self.status = Status::Offline,
                    // A socket that lived through it is still live; else
                    // the socket loop is reconnecting at once.
                    (true, Status::Offline) if self.connected => self.status = Status::Live,
                    (true, Status::Offline) => self.status = Status::Reconnecting,
                    _ => {}
                }
            }
            Input::Hidden(hidden) => {
                self.hidden = hidden;
                if hidden {
                    // What arrives from now on is new when the reader is back.
                    self.new_after = Some(self.latest());
                } else {
                    self.unread = 0;
                }
            }
            Input::Tick => self.typing.retain(|(_, until)| *until >= now),
            Input::Post { id, text } => match self.editing {
                Some(target) => self.edit(target, text, fx),
                None => self.post(id, text, fx),
            },
            Input::Typed => {
                if self.connected && now - self.typed_at > TYPING_EVERY {
                    self.typed_at = now;
                    fx.push(Effect::Send(ClientMsg::Typing));
                }
            }
            Input::Older(page) => {
                let first = self.events.first().map_or(Seq(u64::MAX), |e| e.seq);
                let mut older = page.events;
                older.retain(|e| e.seq < first);
                older.append(&mut self.events);
                self.events = older;
                self.has_older = page.has_older;
            }
            Input::Share(files) => self.share(files, now, fx),
            Input::Hashed { key, sha256 } => self.hashed(&key, sha256, fx),
            Input::ChunkRead { key, start, frame } => self.chunk_read(&key, start, frame, fx),
            Input::Cancel(key) => self.cancel(&key, fx),
            Input::Repicked { key, size } => self.repicked(&key, size, fx),
            Input::Restored(saved) => self.restored(saved, now, fx),
            Input::AskDelete(seq) => self.confirm_delete = seq,
            Input::Delete(target) => {
                self.confirm_delete = None;
                if self.connected {
                    fx.push(Effect::Send(ClientMsg::Delete { target }));
                } else {
                    self.alert = Some("You're offline: try again once connected.".to_owned());
                }
            }
            Input::Reply(target) => {
                self.editing = None;
                self.reply_to = target;
            }
            Input::Edit(target) => {
                self.reply_to = None;
                self.editing = target;
            }
            Input::React { target, emoji } => self.react(target, emoji, fx),
            Input::Seen(seq) => {
                if seq < self.latest() {
                    self.new_after = Some(seq);
                }
            }
        }
        effects
    }

    fn opened(&mut self, fx: &mut Vec<Effect>) {
        self.connected = true;
        self.resyncing = false;
        fx.push(Effect::Send(ClientMsg::Resume {
            after: self.latest(),
        }));
        // Anything unconfirmed goes again; the server stores each id once.
        for pending in self.pending.iter().filter(|p| p.failed.is_none()) {
            fx.push(Effect::Send(ClientMsg::Send {
                id: pending.id.clone(),
                text: pending.text.clone(),
                reply_to: pending.reply_to,
            }));
        }
        self.reconnect_uploads(fx);
    }

    fn closed(&mut self, code: Option<u16>, fx: &mut Vec<Effect>) {
        self.connected = false;
        self.disconnect_uploads();
        match code {
            Some(1000) => fx.push(Effect::Left),
            // The page, loaded again, says what happened.
            Some(ROOM_GONE | REMOVED | SIGNED_OUT) => fx.push(Effect::Reload),
            Some(1008) => self.alert = Some("Disconnected for sending too fast.".to_owned()),
            _ => {}
        }
        self.status = if self.online {
            Status::Reconnecting
        } else {
            Status::Offline
        };
    }

    fn send(&self, msg: ClientMsg, fx: &mut Vec<Effect>) {
        if self.connected {
            fx.push(Effect::Send(msg));
        }
    }

    fn post(&mut self, id: ClientMsgId, text: String, fx: &mut Vec<Effect>) {
        if let Err(error) = ClientMsg::validate_send(&id, &text) {
            self.alert = Some(error.to_string());
            return;
        }
        self.alert = None;
        // The message itself ends this tab's typing notice for the others.
        self.typed_at = 0.0;
        let reply_to = self.reply_to.take();
        self.pending.push(Pending {
            id: id.clone(),
            text: text.clone(),
            failed: None,
            reply_to,
        });
        self.send(ClientMsg::Send { id, text, reply_to }, fx);
    }

    fn server(&mut self, msg: ServerMsg, now: f64, fx: &mut Vec<Effect>) {
        match msg {
            ServerMsg::Welcome { .. } => {}
            ServerMsg::Event { event } => self.event(event, fx),
            ServerMsg::Ack { id, .. } => {
                // The event arrives (or arrived) through the broadcast; this
                // only clears the pending copy if that came first.
                let confirmed = self.events.iter().rev().take(200).any(
                    |e| matches!(&e.kind, EventKind::Message { client_id, .. } if *client_id == id),
                );
                if confirmed {
                    self.pending.retain(|p| p.id != id);
                }
            }
            ServerMsg::Presence { members } => self.members = members,
            ServerMsg::Typing { who } => {
                self.typing.retain(|(m, _)| m.user != who.user);
                self.typing.push((who, now + TYPING_SHOWS));
            }
            ServerMsg::Reset { events } => {
                self.events = events;
                self.has_older = true;
                self.resyncing = false;
            }
            ServerMsg::Settings {
                expires_at,
                locked,
                password,
                owners,
            } => {
                self.settings = RoomSettings {
                    expires_at,
                    locked,
                    password,
                    owners,
                }
            }
            ServerMsg::Closing { reason } => {
                self.alert = Some(match reason {
                    ClosingReason::Expired => AppError::RoomExpired.to_string(),
                    ClosingReason::Deleted => AppError::RoomDeleted.to_string(),
                })
            }
            ServerMsg::Upload { id, upload, offset } => self.accepted(id, upload, offset, now, fx),
            ServerMsg::Received { upload, offset } => self.received(&upload, offset, fx),
            ServerMsg::Progress {
                upload,
                received,
                status,
                dimensions,
            } => self.progress(upload, received, status, dimensions, fx),
            ServerMsg::Error {
                message,
                id,
                upload,
                expected,
                ..
            } => self.refused(message, id, upload, expected, now, fx),
        }
    }

    fn event(&mut self, event: Event, fx: &mut Vec<Effect>) {
        let latest = self.latest();
        if event.seq <= latest {
            return;
        }
        if latest.0 > 0 && event.seq.0 > latest.0 + 1 {
            // A gap: something was missed. Ask for everything after what we
            // have; this event comes again in order.
            if !self.resyncing && self.connected {
                self.resyncing = true;
                fx.push(Effect::Send(ClientMsg::Resume { after: latest }));
            }
            return;
        }
        self.resyncing = false;
        let mine = event.who.user == self.me.user;
        match &event.kind {
            EventKind::Message {
                client_id, text, ..
            } => {
                if mine {
                    self.pending.retain(|p| &p.id != client_id);
                } else if self.hidden {
                    self.unread += 1;
                    fx.push(Effect::Notify {
                        from: event.who.name.to_string(),
                        text: text.clone(),
                    });
                }
                self.typing.retain(|(m, _)| m.user != event.who.user);
            }
            EventKind::File { .. } if !mine && self.hidden => self.unread += 1,
            EventKind::Deleted { target } => self.tombstone(*target, fx),
            EventKind::Edited { target, text } => self.edited(*target, text),
            EventKind::Reacted { target, emoji, on } => {
                self.reacted(*target, emoji, *on, &event.who)
            }
            _ => {}
        }
        self.events.push(event);
    }

    /// The entry at `target` was deleted: it becomes a tombstone here too,
    /// and an upload of this tab's that it was stops.
    fn tombstone(&mut self, target: Seq, fx: &mut Vec<Effect>) {
        for asked in [
            &mut self.confirm_delete,
            &mut self.reply_to,
            &mut self.editing,
        ] {
            if *asked == Some(target) {
                *asked = None;
            }
        }
        self.forget_changes(target);
        let Ok(at) = self.events.binary_search_by_key(&target, |e| e.seq) else {
            return;
        };
        let entry = &mut self.events[at];
        let file = match &entry.kind {
            EventKind::File { file } => Some(file.id.clone()),
            EventKind::Message { .. } => None,
            _ => return,
        };
        entry.kind = EventKind::Tombstone {
            file: file.is_some(),
        };
        *self.revs.entry(target).or_default() += 1;
        if let Some(id) = file {
            self.files.remove(&id);
            if let Some(key) = self
                .uploads
                .iter()
                .find(|u| u.upload.as_ref() == Some(&id))
                .map(|u| u.key.clone())
            {
                self.uploads.retain(|u| u.key != key);
                fx.push(Effect::Discard(key));
            }
        }
    }

    /// A refusal from the server: about an upload, a pending message, or
    /// the connection as a whole.
    fn refused(
        &mut self,
        message: String,
        id: Option<ClientMsgId>,
        upload: Option<UploadId>,
        expected: Option<u64>,
        now: f64,
        fx: &mut Vec<Effect>,
    ) {
        if let Some(upload) = upload {
            return self.upload_refused(&upload, message, expected, now, fx);
        }
        let Some(id) = id else {
            self.alert = Some(message);
            return;
        };
        if self.uploads.iter().any(|u| u.key == id) {
            return self.fail(&id, message, fx);
        }
        match self.pending.iter_mut().find(|p| p.id == id) {
            Some(pending) => pending.failed = Some(message),
            None => self.alert = Some(message),
        }
    }
}
