-- Uploads arrive over the room's WebSocket in chunks and can be resumed:
-- the row exists from the offer on, and records how far the bytes got.
ALTER TABLE uploads ADD COLUMN client_id TEXT;                          -- the uploader's id for the offer: a re-offer finds it
ALTER TABLE uploads ADD COLUMN status    TEXT    NOT NULL DEFAULT 'uploading'; -- uploading | complete | cancelled | failed
ALTER TABLE uploads ADD COLUMN received  INTEGER NOT NULL DEFAULT 0;    -- bytes stored (updated a few times a second)
ALTER TABLE uploads ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;   -- last bytes or status change: abandoned uploads are swept
ALTER TABLE uploads ADD COLUMN width     INTEGER;                        -- pixel size of images, for previews
ALTER TABLE uploads ADD COLUMN height    INTEGER;

UPDATE uploads SET status = 'complete', received = size, updated_at = complete_at
    WHERE complete_at IS NOT NULL;

CREATE UNIQUE INDEX uploads_by_offer ON uploads (room, uploader, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX uploads_unfinished ON uploads (updated_at) WHERE status = 'uploading';
CREATE INDEX uploads_by_hash ON uploads (sha256) WHERE sha256 IS NOT NULL;

-- File events join the history: rebuild the table to widen its kind check
-- (SQLite can't alter a CHECK constraint in place). A file event's `text`
-- holds its upload id.
CREATE TABLE events_v2 (
    room      TEXT    NOT NULL REFERENCES rooms (code),
    seq       INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('message', 'joined', 'left', 'file')),
    user_id   TEXT    NOT NULL,
    user_name TEXT    NOT NULL,
    text      TEXT,
    client_id TEXT,
    PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO events_v2 SELECT room, seq, at, kind, user_id, user_name, text, client_id FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE UNIQUE INDEX events_client_id ON events (room, user_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX events_presence ON events (room, user_id, seq) WHERE kind IN ('joined', 'left');
