-- 1 (PostgreSQL): accounts, profiles, audit, outbox, serial numbers
CREATE TABLE users (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id         BIGINT NOT NULL UNIQUE,
  status     BIGINT NOT NULL DEFAULT 0,
  level      BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE TABLE identities (
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  user_seq   BIGINT NOT NULL REFERENCES users(seq),
  verified   BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (kind, value));
CREATE INDEX identities_user ON identities(user_seq);
CREATE TABLE credentials (
  user_seq   BIGINT PRIMARY KEY REFERENCES users(seq),
  password   TEXT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE TABLE profiles (
  user_seq   BIGINT PRIMARY KEY REFERENCES users(seq),
  nickname   TEXT NOT NULL DEFAULT '',
  avatar     TEXT NOT NULL DEFAULT '',
  gender     TEXT NOT NULL DEFAULT '',
  birthday   TEXT NOT NULL DEFAULT '',
  region     TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL);
CREATE TABLE audit_log (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  action     TEXT NOT NULL,
  actor      TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL);
CREATE TABLE outbox (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type       TEXT NOT NULL,
  user_id    BIGINT NOT NULL,
  data       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  relayed_at BIGINT);
CREATE INDEX outbox_pending ON outbox(id) WHERE relayed_at IS NULL;
CREATE TABLE serials (
  name       TEXT PRIMARY KEY,
  next       BIGINT NOT NULL);
