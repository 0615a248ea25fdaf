-- 1: accounts, profiles, audit, outbox, serial numbers
CREATE TABLE users (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         INTEGER NOT NULL UNIQUE,
  status     INTEGER NOT NULL DEFAULT 0,
  level      INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE identities (
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  user_seq   INTEGER NOT NULL REFERENCES users(seq),
  verified   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, value));
CREATE INDEX identities_user ON identities(user_seq);
CREATE TABLE credentials (
  user_seq   INTEGER PRIMARY KEY REFERENCES users(seq),
  password   TEXT NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE profiles (
  user_seq   INTEGER PRIMARY KEY REFERENCES users(seq),
  nickname   TEXT NOT NULL DEFAULT '',
  avatar     TEXT NOT NULL DEFAULT '',
  gender     TEXT NOT NULL DEFAULT '',
  birthday   TEXT NOT NULL DEFAULT '',
  region     TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL);
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL,
  action     TEXT NOT NULL,
  actor      TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL);
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  type       TEXT NOT NULL,
  user_id    INTEGER NOT NULL,
  data       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  relayed_at INTEGER);
CREATE INDEX outbox_pending ON outbox(id) WHERE relayed_at IS NULL;
CREATE TABLE serials (
  name       TEXT PRIMARY KEY,
  next       INTEGER NOT NULL);
