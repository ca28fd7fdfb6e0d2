-- Each room's newest sequence number, bumped in the same transaction that
-- stores an event: the row is the room's order, whichever node (or
-- process) writes, so numbers never repeat or skip.
ALTER TABLE rooms ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET last_seq = COALESCE((SELECT MAX(seq) FROM events WHERE events.room = rooms.code), 0);
