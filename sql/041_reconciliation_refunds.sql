-- Money a provider collected that the hub will not keep (found by reconciliation: an attempt the
-- hub had failed, say) is returned by a refund of its own kind: received into suspense, refunded
-- out of it, never touching the payment's amount_refunded. One per attempt.
ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_kind_check
  CHECK (kind IN ('requested', 'double_payment', 'reconciliation'));
CREATE UNIQUE INDEX refunds_reconciliation ON refunds (attempt_id) WHERE kind = 'reconciliation';
