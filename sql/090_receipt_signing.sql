-- Issue #15, e-receipts: what Decree 123/2020/ND-CP puts on a receipt besides the amount.
-- The agency's tax code (mã số thuế: 10 digits, or 13 with a branch suffix) and address.
ALTER TABLE agencies
  ADD COLUMN tax_code text CHECK (tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
  ADD COLUMN address  text CHECK (length(address) BETWEEN 1 AND 300);

-- The agency's signing certificate and key (PKCS#12 and its password), sealed by the app with
-- AES-256-GCM like provider credentials; the subject is kept in clear to show what signs.
CREATE TABLE receipt_signers (
  agency_id  text PRIMARY KEY REFERENCES agencies (id),
  sealed     bytea NOT NULL,
  subject    text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One gapless sequence per series: fines (their own form) and test payments (a TEST- series)
-- never share numbers with the fees-and-charges receipts of live payments.
ALTER TABLE receipt_series ADD COLUMN series text;
UPDATE receipt_series SET series = 'PH-' || right(year::text, 2) || 'E';
ALTER TABLE receipt_series ALTER COLUMN series SET NOT NULL;
ALTER TABLE receipt_series DROP CONSTRAINT receipt_series_pkey;
ALTER TABLE receipt_series ADD PRIMARY KEY (agency_id, year, series);

-- A receipt issued in error is cancelled (hủy), never deleted: its verification page says so.
ALTER TABLE receipts
  ADD COLUMN cancelled_at        timestamptz,
  ADD COLUMN cancellation_reason text CHECK (length(cancellation_reason) BETWEEN 1 AND 500);
