-- Receipts are numbered just after the success commits, not inside it: the success transaction
-- queues the payment here, and the numbering (under a per-agency lock, in queue order, no gaps)
-- takes whole batches at once. The agency's series row is then locked once per batch instead of
-- once per payment, from the numbering to the commit of every success.
CREATE TABLE receipt_queue (
  payment_id text PRIMARY KEY REFERENCES payments (id),
  agency_id  text NOT NULL REFERENCES agencies (id),
  queued_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX receipt_queue_agency ON receipt_queue (agency_id, queued_at, payment_id);

COMMENT ON TABLE receipt_series IS
  'Per agency and year, the next receipt number; taken by the receipt numbering, in batches.';
