-- 5 (PostgreSQL): business lines' service keys (the secret's SHA-256 only)
CREATE TABLE service_keys (
  kid         TEXT PRIMARY KEY,
  line        TEXT NOT NULL REFERENCES lines(code),
  name        TEXT NOT NULL DEFAULT '',
  secret_hash TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active',
  expires_at  BIGINT NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT NOT NULL DEFAULT 0);
CREATE INDEX service_keys_line ON service_keys(line);
