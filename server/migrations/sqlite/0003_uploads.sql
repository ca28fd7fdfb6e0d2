-- Shared files. The bytes live in the content-addressed store under
-- data/uploads/objects, named by their SHA-256; identical content is stored
-- once however many uploads point at it.
CREATE TABLE uploads (
    id          TEXT    PRIMARY KEY NOT NULL,  -- 128 random bits, hex: the download URL
    room        TEXT    NOT NULL REFERENCES rooms (code),
    uploader    TEXT    NOT NULL,
    name        TEXT    NOT NULL,              -- as the user gave it; shown, never used as a path
    mime        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT,                          -- set when complete
    created_at  INTEGER NOT NULL,
    complete_at INTEGER
) STRICT;
