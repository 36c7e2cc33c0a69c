-- A bank statement as the VietQR settlement file (camt.053): besides the hub's transfers it holds
-- the bank's own credits (interest, transfers naming no payment) and debits (fees, transfers out).
-- They are reported with the run as informational items (status ok), never matched to attempts.
ALTER TABLE recon_items DROP CONSTRAINT recon_items_category_check;
ALTER TABLE recon_items ADD CONSTRAINT recon_items_category_check CHECK (category IN ('matched', 'missing_in_hub',
  'missing_at_provider', 'amount_mismatch', 'status_mismatch', 'duplicate', 'fee_mismatch', 'unrelated_credit',
  'bank_debit'));
ALTER TABLE recon_items DROP CONSTRAINT recon_items_type_check;
ALTER TABLE recon_items ADD CONSTRAINT recon_items_type_check CHECK (type IN ('payment', 'refund', 'credit', 'debit'));
