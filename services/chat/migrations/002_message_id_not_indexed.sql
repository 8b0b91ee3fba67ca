-- Message ids are random UUIDs made by chat and never looked up: their unique index cost
-- every send an insert into a randomly ordered B-tree (about 4 % of a send on PGlite).
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_id_key;
