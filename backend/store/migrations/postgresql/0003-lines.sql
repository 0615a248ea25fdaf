-- 3 (PostgreSQL): business lines, and the audit of administrative changes
CREATE TABLE lines (
  code          TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'active',
  return_urls   TEXT NOT NULL DEFAULT '[]',
  cookie_domain TEXT NOT NULL DEFAULT '',
  idle_timeout  BIGINT NOT NULL DEFAULT 0,
  max_lifetime  BIGINT NOT NULL DEFAULT 0,
  settings      TEXT NOT NULL DEFAULT '{}',
  version       BIGINT NOT NULL DEFAULT 1,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL);
CREATE TABLE audit_changes (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  subject    TEXT NOT NULL,
  before     TEXT,
  after      TEXT,
  created_at BIGINT NOT NULL);
CREATE INDEX audit_changes_subject ON audit_changes(subject, id);
