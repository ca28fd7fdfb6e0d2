-- When a room is deleted (ms since the epoch; NULL: never). Rooms made
-- before lifetimes existed get -1: the server gives them its default
-- lifetime, counted from its next start, so none vanishes without notice.
ALTER TABLE rooms ADD COLUMN expires_at INTEGER;
UPDATE rooms SET expires_at = -1;
