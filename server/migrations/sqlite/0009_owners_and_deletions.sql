-- Owners: the room's creator, and anyone an owner made one.
CREATE TABLE room_owners (
    room    TEXT NOT NULL REFERENCES rooms (code),
    user_id TEXT NOT NULL,
    PRIMARY KEY (room, user_id)
) STRICT, WITHOUT ROWID;
INSERT INTO room_owners (room, user_id) SELECT code, created_by FROM rooms WHERE gone_at IS NULL;

-- People an owner removed: refused for as long as their session lasts
-- (their user id is the session's).
CREATE TABLE room_bans (
    room    TEXT NOT NULL REFERENCES rooms (code),
    user_id TEXT NOT NULL,
    PRIMARY KEY (room, user_id)
) STRICT, WITHOUT ROWID;

-- Bumped when the password changes: sessions that joined under an older
-- value are signed out of the room.
ALTER TABLE rooms ADD COLUMN access_epoch INTEGER NOT NULL DEFAULT 0;

-- Deleting messages and files: widen the kinds (SQLite can't alter a
-- CHECK in place). A 'tombstone' keeps a deleted message's or file's
-- sequence number and author, with `text` NULL and `target` 1 for a file,
-- 0 for a message; a 'deleted' event records who deleted which (`target`:
-- its seq); a 'removed' event records an owner removing `user_id`, the
-- owner's name in `text`.
CREATE TABLE events_v3 (
    room      TEXT    NOT NULL REFERENCES rooms (code),
    seq       INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('message', 'joined', 'left', 'file', 'tombstone', 'deleted', 'removed')),
    user_id   TEXT    NOT NULL,
    user_name TEXT    NOT NULL,
    text      TEXT,
    client_id TEXT,
    target    INTEGER,
    PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO events_v3 (room, seq, at, kind, user_id, user_name, text, client_id)
    SELECT room, seq, at, kind, user_id, user_name, text, client_id FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE UNIQUE INDEX events_client_id ON events (room, user_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX events_presence ON events (room, user_id, seq) WHERE kind IN ('joined', 'left', 'removed');
CREATE INDEX events_file ON events (room, text) WHERE kind = 'file';
