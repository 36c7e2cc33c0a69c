-- Stripe-style idempotency: the first request with a key stores its response; a retry with the
-- same body gets it back, another body gets 422, a twin while the first is in flight gets 409.
CREATE TABLE idempotency_keys (
  agency_id       text NOT NULL REFERENCES agencies (id),
  mode            text NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency_id, mode, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
