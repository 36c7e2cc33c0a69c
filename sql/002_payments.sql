CREATE TABLE payments (
  id              text PRIMARY KEY,
  agency_id       text NOT NULL REFERENCES agencies (id),
  mode            text NOT NULL CHECK (mode IN ('test', 'live')),
  status          text NOT NULL CHECK (status IN ('created', 'processing', 'succeeded', 'expired', 'cancelled')),
  currency        text NOT NULL CHECK (currency = 'VND'),
  -- VND has no minor unit: 150000 is 150.000 ₫. amount is what the citizen pays.
  principal       numeric(15, 0) NOT NULL CHECK (principal > 0),
  late_penalty    numeric(15, 0) NOT NULL DEFAULT 0 CHECK (late_penalty >= 0),
  late_days       integer NOT NULL DEFAULT 0 CHECK (late_days >= 0),
  amount          numeric(15, 0) NOT NULL CHECK (amount > 0 AND amount <= 999999999999),
  amount_refunded numeric(15, 0) NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0 AND amount_refunded <= amount),
  reference       text NOT NULL,
  description     text NOT NULL,
  return_url      text NOT NULL,
  obligation      jsonb NOT NULL,
  budget          jsonb,
  payer           jsonb,
  language        text NOT NULL CHECK (language IN ('vi', 'en')),
  metadata        jsonb NOT NULL DEFAULT '{}',
  checkout_token  text NOT NULL UNIQUE,
  last_error      jsonb,
  cancellation_reason text CHECK (length(cancellation_reason) <= 500),
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CHECK (amount = principal + late_penalty)
);
-- One dossier, one payment: a reference is unique among the agency's open or paid payments.
CREATE UNIQUE INDEX payments_open_reference ON payments (agency_id, mode, reference)
  WHERE status IN ('created', 'processing', 'succeeded');
CREATE INDEX payments_list ON payments (agency_id, mode, id DESC);
CREATE INDEX payments_created ON payments (agency_id, mode, created_at);
CREATE INDEX payments_due_to_expire ON payments (expires_at) WHERE status = 'created';
