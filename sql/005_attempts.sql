-- Each time the citizen picks a method, an attempt: its own provider reference and outcome.
CREATE TABLE attempts (
  id                      text PRIMARY KEY,
  payment_id              text NOT NULL REFERENCES payments (id),
  agency_id               text NOT NULL REFERENCES agencies (id),
  mode                    text NOT NULL,
  provider                text NOT NULL,
  status                  text NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
  amount                  numeric(15, 0) NOT NULL CHECK (amount > 0),
  provider_transaction_id text,
  failure                 jsonb,
  -- A success reported after the payment was already settled another way (double payment,
  -- or paid after expiry/cancellation): recorded, refunded, raised to finance.
  double_paid             boolean NOT NULL DEFAULT false,
  provider_data           jsonb,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  completed_at            timestamptz
);
CREATE INDEX attempts_payment ON attempts (payment_id, created_at);
CREATE INDEX attempts_in_flight ON attempts (created_at) WHERE status = 'processing';
CREATE UNIQUE INDEX attempts_provider_transaction ON attempts (provider, provider_transaction_id)
  WHERE provider_transaction_id IS NOT NULL;

ALTER TABLE payments ADD COLUMN succeeded_attempt_id text REFERENCES attempts (id);
ALTER TABLE payments ADD COLUMN paid_at timestamptz;

-- Small per-provider state an adapter may keep (the sandbox remembers what the tester chose).
CREATE TABLE provider_state (
  provider   text NOT NULL,
  key        text NOT NULL,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, key)
);
