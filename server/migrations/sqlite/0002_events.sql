-- A room's history: messages, joins and leaves, numbered 1, 2, 3… per room.
CREATE TABLE events (
    room      TEXT    NOT NULL REFERENCES rooms (code),
    seq       INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('message', 'joined', 'left')),
    user_id   TEXT    NOT NULL,
    user_name TEXT    NOT NULL,
    text      TEXT,
    client_id TEXT,
    PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID;

-- A message resent after a reconnect carries the same client id: stored once.
CREATE UNIQUE INDEX events_client_id ON events (room, user_id, client_id) WHERE client_id IS NOT NULL;

-- Who is present as far as history knows: each user's latest join or leave.
CREATE INDEX events_presence ON events (room, user_id, seq) WHERE kind IN ('joined', 'left');
