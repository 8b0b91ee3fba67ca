-- One schema for PostgreSQL and PGlite. Times are ms since the epoch (bigint).
CREATE TABLE users (
  user_id    text PRIMARY KEY,
  username   text NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX users_username_idx ON users (username, updated_at DESC);

CREATE TABLE rooms (
  room_id      text PRIMARY KEY,
  name         text NOT NULL,
  description  text,
  kind         text NOT NULL CHECK (kind IN ('public', 'private', 'dm')),
  created_by   text NOT NULL,
  created_at   bigint NOT NULL,
  member_count integer NOT NULL DEFAULT 0,
  -- The per-room sequence: bumped with UPDATE ... RETURNING inside the message's own
  -- transaction, so the row lock serialises senders and a rollback leaves no gap.
  last_seq     bigint NOT NULL DEFAULT 0
);

CREATE TABLE memberships (
  room_id       text NOT NULL REFERENCES rooms (room_id),
  user_id       text NOT NULL REFERENCES users (user_id),
  joined_at     bigint NOT NULL,
  last_read_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE messages (
  room_id       text NOT NULL REFERENCES rooms (room_id),
  seq           bigint NOT NULL,
  id            text NOT NULL UNIQUE,
  user_id       text NOT NULL,
  username      text NOT NULL,
  text          text NOT NULL,
  created_at    bigint NOT NULL,
  client_msg_id text,
  PRIMARY KEY (room_id, seq)
);
-- Idempotent sends: one message per (room, sender, clientMsgId), whichever replica wins.
CREATE UNIQUE INDEX messages_client_msg_idx ON messages (room_id, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL;

CREATE TABLE dm_pairs (
  user_a  text NOT NULL,
  user_b  text NOT NULL,
  room_id text NOT NULL REFERENCES rooms (room_id),
  PRIMARY KEY (user_a, user_b)
);

-- Transactional outbox: rows written in the same transaction as the change they describe,
-- published to JetStream by the relay, deleted once JetStream acknowledged them.
CREATE TABLE outbox (
  id       bigserial PRIMARY KEY,
  event_id text NOT NULL,
  subject  text NOT NULL,
  payload  text NOT NULL
);
