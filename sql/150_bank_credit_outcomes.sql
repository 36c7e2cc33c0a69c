-- A credit that paid nothing can also be sent back by hand (refunded) or kept and written off
-- by finance (written_off), each with a note in the audit log and its ledger entries.
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_status_check;
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_status_check CHECK (status IN
  ('received', 'matched', 'unmatched', 'amount_mismatch', 'late', 'duplicate', 'refunded', 'written_off'));
