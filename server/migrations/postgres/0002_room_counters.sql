-- Each room's newest sequence number, bumped in the same transaction that
-- stores an event: the row lock orders a room's writers across nodes, so
-- numbers never repeat or skip (SQLite's 0011).
ALTER TABLE rooms ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
UPDATE rooms SET last_seq = COALESCE((SELECT MAX(seq) FROM events WHERE events.room = rooms.code), 0);
