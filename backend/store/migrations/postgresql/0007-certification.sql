-- 7 (PostgreSQL): personal certification: the number and name sealed (AES-256-GCM),
-- a keyed hash of the number for one identity one account, masks to show
CREATE TABLE certifications (
  id          BIGINT PRIMARY KEY,
  user_seq    BIGINT NOT NULL REFERENCES users(seq),
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL,
  name_sealed TEXT NOT NULL,
  name_masked TEXT NOT NULL,
  id_sealed   TEXT NOT NULL,
  id_masked   TEXT NOT NULL,
  id_hash     TEXT NOT NULL,
  provider    TEXT NOT NULL,
  provider_request TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL);
CREATE UNIQUE INDEX certifications_user ON certifications(user_seq, kind)
  WHERE status = 'certified';
CREATE INDEX certifications_id_hash ON certifications(id_hash)
  WHERE status = 'certified';
