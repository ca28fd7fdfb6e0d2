-- Rooms, by their canonical code (nine symbols, no dashes).
CREATE TABLE rooms (
    code       TEXT    PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
) STRICT;
