-- 9: a licence's photo sent for an operator's review of a merchant's
-- certification: sealed (AES-256-GCM, bound to the request's serial),
-- kept until expires_at (the request pending, then a retention after the
-- decision), then deleted
CREATE TABLE certification_images (
  serial        TEXT PRIMARY KEY REFERENCES merchant_certifications(serial),
  content_type  TEXT NOT NULL,
  sealed        TEXT NOT NULL,
  bytes         BIGINT NOT NULL,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL);
CREATE INDEX certification_images_expiry
  ON certification_images(expires_at);
