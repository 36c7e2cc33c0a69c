-- Refunds of a payment's succeeded attempt (requested by the portal), or of a double-paid
-- attempt (created by the hub in the transaction that recorded the double payment).
CREATE TABLE refunds (
  id                 text PRIMARY KEY,
  payment_id         text NOT NULL REFERENCES payments (id),
  attempt_id         text NOT NULL REFERENCES attempts (id),
  agency_id          text NOT NULL REFERENCES agencies (id),
  mode               text NOT NULL CHECK (mode IN ('test', 'live')),
  provider           text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('requested', 'double_payment')),
  amount             numeric(15, 0) NOT NULL CHECK (amount > 0 AND amount <= 999999999999),
  reason             text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  status             text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  provider_refund_id text,
  failure            jsonb,
  requested_by       text NOT NULL,
  -- Calls made to the provider; a pending refund is due again at next_attempt_at (a lease while
  -- one hub instance is calling the provider, then the backoff).
  tries              integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  completed_at       timestamptz
);
CREATE INDEX refunds_payment ON refunds (payment_id, id);
CREATE INDEX refunds_list ON refunds (agency_id, mode, id DESC);
CREATE INDEX refunds_due ON refunds (next_attempt_at) WHERE status = 'pending';
-- A double payment is refunded once.
CREATE UNIQUE INDEX refunds_double_payment ON refunds (attempt_id) WHERE kind = 'double_payment';

ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_refund FOREIGN KEY (refund_id) REFERENCES refunds (id);
CREATE INDEX journal_entries_refund ON journal_entries (refund_id) WHERE refund_id IS NOT NULL;
