-- Issue #11: a second transfer naming a payment its reference already paid is a double payment:
-- the credit keeps the refund that returns it (a bank transfer is refunded by hand, finance records it),
-- and reconciliation knows the transfer from it.
ALTER TABLE bank_credits ADD COLUMN refund_id text REFERENCES refunds (id);
CREATE INDEX bank_credits_double_payments ON bank_credits (attempt_id, bank_reference) WHERE refund_id IS NOT NULL;
