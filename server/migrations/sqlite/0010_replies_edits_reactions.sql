-- Replies, edits and reactions. A message's `target` is the message or
-- file it answers; `edited` says its author changed its text (the old
-- text is overwritten, not kept). An 'edited' event records an edit, its
-- `target` the message and `text` the message's newest text (every edit
-- of a message is rewritten to the newest, so no old version survives).
-- 'reacted' / 'unreacted' record a reaction added or taken back: `target`
-- the message, `text` the emoji. Deleting a message turns its edits and
-- reactions into 'deleted' events, so nothing of it remains.
CREATE TABLE events_v4 (
    room      TEXT    NOT NULL REFERENCES rooms (code),
    seq       INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('message', 'joined', 'left', 'file', 'tombstone', 'deleted', 'removed', 'edited', 'reacted', 'unreacted')),
    user_id   TEXT    NOT NULL,
    user_name TEXT    NOT NULL,
    text      TEXT,
    client_id TEXT,
    target    INTEGER,
    edited    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO events_v4 (room, seq, at, kind, user_id, user_name, text, client_id, target)
    SELECT room, seq, at, kind, user_id, user_name, text, client_id, target FROM events;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE UNIQUE INDEX events_client_id ON events (room, user_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX events_presence ON events (room, user_id, seq) WHERE kind IN ('joined', 'left', 'removed');
CREATE INDEX events_file ON events (room, text) WHERE kind = 'file';
CREATE INDEX events_target ON events (room, target) WHERE kind IN ('edited', 'reacted', 'unreacted');

-- Reactions as they stand: one row per person, message and emoji.
CREATE TABLE reactions (
    room      TEXT    NOT NULL REFERENCES rooms (code),
    target    INTEGER NOT NULL,
    emoji     TEXT    NOT NULL,
    user_id   TEXT    NOT NULL,
    user_name TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (room, target, emoji, user_id)
) STRICT, WITHOUT ROWID;
