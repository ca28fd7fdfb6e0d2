-- A room's password, as an Argon2id PHC string (never the password).
ALTER TABLE rooms ADD COLUMN password_hash TEXT;
