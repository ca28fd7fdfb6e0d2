-- Which node is writing an unfinished upload, and until when (unix ms):
-- on several nodes, one writer at a time per upload (`transfers/lease.rs`).
ALTER TABLE uploads ADD COLUMN writer TEXT;
ALTER TABLE uploads ADD COLUMN writer_until INTEGER;
