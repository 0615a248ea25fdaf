-- 2 (PostgreSQL): feature flags, dictionaries (and the built-in ones)
CREATE TABLE flags (
  line       TEXT NOT NULL,
  name       TEXT NOT NULL,
  rule       TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (line, name));
CREATE TABLE dicts (
  name       TEXT PRIMARY KEY,
  version    BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE TABLE dict_items (
  dict       TEXT NOT NULL REFERENCES dicts(name),
  code       TEXT NOT NULL,
  label      TEXT NOT NULL,
  sort       BIGINT NOT NULL DEFAULT 0,
  extra      TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (dict, code));
INSERT INTO dicts (name, version, updated_at) VALUES
  ('id_types', 1, 0), ('genders', 1, 0), ('system', 1, 0);
INSERT INTO dict_items (dict, code, label, sort) VALUES
  ('id_types', 'resident_id', '居民身份证', 1),
  ('id_types', 'passport', '护照', 2),
  ('id_types', 'hk_macao_permit', '港澳居民来往内地通行证', 3),
  ('id_types', 'taiwan_permit', '台湾居民来往大陆通行证', 4),
  ('id_types', 'foreigner_permanent', '外国人永久居留身份证', 5),
  ('genders', 'male', '男', 1),
  ('genders', 'female', '女', 2),
  ('genders', 'other', '其他', 3),
  ('system', 'registration_open', '1', 1),
  ('system', 'min_password_length', '8', 2);
