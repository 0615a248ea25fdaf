-- 10: which provider checked a merchant's elements (aliyun, tencent):
-- the enterprise check may go to either, in the configured order; the
-- requests before there was a choice were Alibaba Cloud's
ALTER TABLE merchant_certifications
  ADD COLUMN provider TEXT NOT NULL DEFAULT 'aliyun';
