-- 4: who joined which business line, when and how
CREATE TABLE line_members (
  line      TEXT NOT NULL,
  user_seq  INTEGER NOT NULL REFERENCES users(seq),
  channel   TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (line, user_seq));
CREATE INDEX line_members_user ON line_members(user_seq);
