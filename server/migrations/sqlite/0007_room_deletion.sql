-- A deleted room keeps its row, so its code is never handed out again and
-- its address can say what happened: when (ms) and why ('expired' or
-- 'deleted'). Everything else about it is gone.
ALTER TABLE rooms ADD COLUMN gone_at INTEGER;
ALTER TABLE rooms ADD COLUMN gone_reason TEXT;
