-- Agencies are the tenants: ministries, provinces and their departments and communes.
CREATE TABLE agencies (
  id             text PRIMARY KEY,
  code           text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_.-]{0,31}$'),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  parent_id      text REFERENCES agencies (id),
  -- Origins (scheme://host[:port]) a payment's return_url may point at: no open redirect.
  return_origins text[] NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (parent_id IS NULL OR parent_id <> id)
);

-- One key per agency and mode; only a SHA-256 of the secret is kept (the key has 256 random bits).
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  agency_id   text NOT NULL REFERENCES agencies (id),
  mode        text NOT NULL CHECK (mode IN ('test', 'live')),
  hint        text NOT NULL,
  secret_hash bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX api_keys_agency ON api_keys (agency_id);

-- The payment methods an agency offers, with its credentials for each (encrypted by the app).
CREATE TABLE agency_providers (
  agency_id   text NOT NULL REFERENCES agencies (id),
  provider    text NOT NULL CHECK (provider ~ '^[a-z0-9_]{1,32}$'),
  enabled     boolean NOT NULL DEFAULT true,
  credentials bytea,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency_id, provider)
);

-- State-budget index codes (Mục lục NSNN) kept as data: circulars revise them
-- (324/2016/TT-BTC, reportedly replaced by 130/2025/TT-BTC from 2026-01-01).
CREATE TABLE budget_codes (
  kind       text NOT NULL CHECK (kind IN ('treasury_account')),
  code       text NOT NULL,
  name       text NOT NULL,
  valid_from date NOT NULL DEFAULT '2017-01-01',
  valid_to   date,
  PRIMARY KEY (kind, code, valid_from)
);
INSERT INTO budget_codes (kind, code, name) VALUES
  ('treasury_account', '7111', 'Thu ngân sách nhà nước'),
  ('treasury_account', '3511', 'Tạm thu'),
  ('treasury_account', '3512', 'Tạm thu chờ nộp ngân sách'),
  ('treasury_account', '3591', 'Phải trả về tiền tạm giữ chờ xử lý'),
  ('treasury_account', '3941', 'Thu hồi hoàn thuế GTGT');
