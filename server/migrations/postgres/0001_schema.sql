-- Chatdrop's schema on PostgreSQL: the same tables, columns and indexes as
-- SQLite's migrations 0001-0010 end with (server/migrations/sqlite), so one
-- set of queries serves both. Integers are BIGINT (what SQLite's INTEGER
-- holds, and what the code binds); flags are 0/1 BIGINTs as in SQLite, so
-- both engines read them alike. Times are ms since the epoch.

-- Rooms, by their canonical code (nine symbols, no dashes). A deleted room
-- keeps its row (a tombstone: `gone_at`, `gone_reason`), so its code is
-- never handed out again.
CREATE TABLE rooms (
    code          TEXT   PRIMARY KEY NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT   NOT NULL,
    password_hash TEXT,                         -- Argon2id PHC string, never the password
    expires_at    BIGINT,                       -- NULL: never
    gone_at       BIGINT,
    gone_reason   TEXT,                         -- 'expired' or 'deleted'
    locked        BIGINT NOT NULL DEFAULT 0,
    access_epoch  BIGINT NOT NULL DEFAULT 0     -- bumped when the password changes
);

-- Shared files; bytes in the content-addressed store, named by SHA-256.
CREATE TABLE uploads (
    id          TEXT   PRIMARY KEY NOT NULL,    -- 128 random bits, hex: the download URL
    room        TEXT   NOT NULL REFERENCES rooms (code),
    uploader    TEXT   NOT NULL,
    name        TEXT   NOT NULL,                -- as the user gave it; shown, never used as a path
    mime        TEXT   NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT,                           -- set when complete
    created_at  BIGINT NOT NULL,
    complete_at BIGINT,
    client_id   TEXT,                           -- the uploader's id for the offer
    status      TEXT   NOT NULL DEFAULT 'uploading', -- uploading | complete | cancelled | failed
    received    BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL DEFAULT 0,
    width       BIGINT,
    height      BIGINT
);
CREATE UNIQUE INDEX uploads_by_offer ON uploads (room, uploader, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX uploads_unfinished ON uploads (updated_at) WHERE status = 'uploading';
CREATE INDEX uploads_by_hash ON uploads (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX uploads_by_room ON uploads (room);

CREATE TABLE room_owners (
    room    TEXT NOT NULL REFERENCES rooms (code),
    user_id TEXT NOT NULL,
    PRIMARY KEY (room, user_id)
);

CREATE TABLE room_bans (
    room    TEXT NOT NULL REFERENCES rooms (code),
    user_id TEXT NOT NULL,
    PRIMARY KEY (room, user_id)
);

-- A room's history, numbered 1, 2, 3… per room (see SQLite's 0009 and
-- 0010 for what each kind's `text` and `target` hold).
CREATE TABLE events (
    room      TEXT   NOT NULL REFERENCES rooms (code),
    seq       BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    kind      TEXT   NOT NULL CHECK (kind IN ('message', 'joined', 'left', 'file', 'tombstone', 'deleted', 'removed', 'edited', 'reacted', 'unreacted')),
    user_id   TEXT   NOT NULL,
    user_name TEXT   NOT NULL,
    text      TEXT,
    client_id TEXT,
    target    BIGINT,
    edited    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (room, seq)
);
CREATE UNIQUE INDEX events_client_id ON events (room, user_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX events_presence ON events (room, user_id, seq) WHERE kind IN ('joined', 'left', 'removed');
CREATE INDEX events_file ON events (room, text) WHERE kind = 'file';
CREATE INDEX events_target ON events (room, target) WHERE kind IN ('edited', 'reacted', 'unreacted');

-- Reactions as they stand: one row per person, message and emoji.
CREATE TABLE reactions (
    room      TEXT   NOT NULL REFERENCES rooms (code),
    target    BIGINT NOT NULL,
    emoji     TEXT   NOT NULL,
    user_id   TEXT   NOT NULL,
    user_name TEXT   NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (room, target, emoji, user_id)
);
