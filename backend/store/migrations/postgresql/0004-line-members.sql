-- 4 (PostgreSQL): who joined which business line, when and how
CREATE TABLE line_members (
  line      TEXT NOT NULL,
  user_seq  BIGINT NOT NULL REFERENCES users(seq),
  channel   TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (line, user_seq));
CREATE INDEX line_members_user ON line_members(user_seq);
