-- A locked room takes no new members (its owner's choice).
ALTER TABLE rooms ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
