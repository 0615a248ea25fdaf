-- 8 (PostgreSQL): enterprise certification of merchants: each request (a serial
-- number), the provider's answer, the review; the legal representative's
-- name and ID number sealed (AES-256-GCM) and masked
CREATE TABLE merchant_certifications (
  serial           TEXT PRIMARY KEY,
  merchant_id      TEXT NOT NULL REFERENCES merchants(id),
  status           TEXT NOT NULL,
  elements         BIGINT NOT NULL,
  credit_code      TEXT NOT NULL,
  name             TEXT NOT NULL,
  rep_sealed       TEXT NOT NULL,
  rep_masked       TEXT NOT NULL,
  rep_id_sealed    TEXT NOT NULL DEFAULT '',
  rep_id_masked    TEXT NOT NULL DEFAULT '',
  provider_result  TEXT NOT NULL,
  provider_request TEXT NOT NULL DEFAULT '',
  reason           TEXT NOT NULL DEFAULT '',
  requested_by     TEXT NOT NULL,
  decided_by       TEXT NOT NULL DEFAULT '',
  created_at       BIGINT NOT NULL,
  decided_at       BIGINT NOT NULL DEFAULT 0);
CREATE INDEX merchant_certifications_merchant
  ON merchant_certifications(merchant_id, created_at);
CREATE INDEX merchant_certifications_status
  ON merchant_certifications(status, created_at);
