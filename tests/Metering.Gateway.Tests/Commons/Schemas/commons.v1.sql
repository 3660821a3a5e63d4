-- commons.db version 1 exactly as gateway/Metering.Gateway/Commons/CommonsDb.cs created it
-- (git show 2508671:gateway/Metering.Gateway/Commons/CommonsDb.cs, the first commons runtime).
CREATE TABLE IF NOT EXISTS commands (
  cid TEXT PRIMARY KEY, meter TEXT NOT NULL, key TEXT NOT NULL, wire TEXT NOT NULL, cut INTEGER NOT NULL,
  why TEXT NOT NULL, created_ms INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL, sent_ms INTEGER, acked_ms INTEGER, ack_error TEXT, confirmed_ms INTEGER);
CREATE INDEX IF NOT EXISTS commands_open ON commands(state);
CREATE TABLE IF NOT EXISTS breakers (
  id TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT, safety TEXT, technician INTEGER NOT NULL, since_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (
  act TEXT NOT NULL, member TEXT NOT NULL, reason TEXT NOT NULL, duration_s INTEGER NOT NULL, signed_ms INTEGER NOT NULL,
  PRIMARY KEY (act, member));
CREATE TABLE IF NOT EXISTS proposals (
  id TEXT PRIMARY KEY, yaml TEXT NOT NULL, proposer TEXT NOT NULL, effective_ms INTEGER NOT NULL,
  approvals TEXT NOT NULL, state TEXT NOT NULL, created_ms INTEGER NOT NULL);
