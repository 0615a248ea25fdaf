-- 5: business lines' service keys (the secret's SHA-256 only)
CREATE TABLE service_keys (
  kid         TEXT PRIMARY KEY,
  line        TEXT NOT NULL REFERENCES lines(code),
  name        TEXT NOT NULL DEFAULT '',
  secret_hash TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active',
  expires_at  INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER NOT NULL DEFAULT 0);
CREATE INDEX service_keys_line ON service_keys(line);
