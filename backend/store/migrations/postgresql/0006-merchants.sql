-- 6 (PostgreSQL): merchants, their members and invitations, the lines they are on
CREATE TABLE merchants (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  name          TEXT NOT NULL,
  credit_code   TEXT,
  legal_rep     TEXT NOT NULL DEFAULT '',
  contact_name  TEXT NOT NULL DEFAULT '',
  contact_phone TEXT NOT NULL DEFAULT '',
  contact_email TEXT NOT NULL DEFAULT '',
  address       TEXT NOT NULL DEFAULT '',
  logo_url      TEXT NOT NULL DEFAULT '',
  industry      TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'pending',
  status_reason TEXT NOT NULL DEFAULT '',
  certification TEXT NOT NULL DEFAULT 'none',
  version       BIGINT NOT NULL DEFAULT 1,
  created_by    TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL);
-- one live merchant per credit code; a closed one (final) frees its code
CREATE UNIQUE INDEX merchants_credit_code ON merchants(credit_code)
  WHERE credit_code IS NOT NULL AND status <> 'closed';
CREATE INDEX merchants_status ON merchants(status, id);
CREATE INDEX merchants_updated ON merchants(updated_at);
CREATE INDEX merchants_creator ON merchants(created_by);
-- a removed member keeps a row with role '' (the gateways' copy says so)
CREATE TABLE merchant_members (
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  user_seq    BIGINT NOT NULL REFERENCES users(seq),
  role        TEXT NOT NULL,
  version     BIGINT NOT NULL,
  joined_at   BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (merchant_id, user_seq));
CREATE INDEX merchant_members_user ON merchant_members(user_seq);
CREATE TABLE merchant_invitations (
  id          TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  kind        TEXT NOT NULL,
  value       TEXT NOT NULL,
  role        TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending',
  invited_by  TEXT NOT NULL,
  accepted_by TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL);
CREATE INDEX merchant_invitations_to ON merchant_invitations(kind, value, status);
CREATE INDEX merchant_invitations_merchant ON merchant_invitations(merchant_id, status);
CREATE TABLE merchant_lines (
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  line        TEXT NOT NULL REFERENCES lines(code),
  status      TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (merchant_id, line));
