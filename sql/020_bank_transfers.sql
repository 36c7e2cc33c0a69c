-- Bank transfers (VietQR): the attempt keeps the reference the payer's bank copies into the
-- transfer memo, and the page the checkout shows while the hub waits for the money.
ALTER TABLE attempts ADD COLUMN provider_reference text;
ALTER TABLE attempts ADD COLUMN checkout_page jsonb;
CREATE UNIQUE INDEX attempts_provider_reference ON attempts (provider, provider_reference)
  WHERE provider_reference IS NOT NULL;

-- Each statement file (ISO 20022 camt.053 / camt.054) taken in, by upload or from the drop folder.
CREATE TABLE bank_statements (
  id          text PRIMARY KEY,
  agency_id   text NOT NULL REFERENCES agencies (id),
  provider    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('camt.053', 'camt.054')),
  message_id  text NOT NULL,
  account_no  text NOT NULL,
  source      text NOT NULL CHECK (source IN ('upload', 'drop_folder')),
  -- 'test': uploaded with a test key, so its credits pay only test payments and are kept apart
  -- from the bank's own records. NULL: the bank's word (feed, drop folder, live-key upload).
  mode        text CHECK (mode = 'test'),
  file_name   text,
  sha256      text NOT NULL,
  credits     integer NOT NULL CHECK (credits >= 0),
  new_credits integer NOT NULL CHECK (new_credits >= 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bank_statements_agency ON bank_statements (agency_id, created_at);

-- Every credit to an agency's collection account the bank told us about, once per bank
-- reference, whatever told us (feed, camt.054, then camt.053 at end of day). Nothing is dropped:
-- what did not pay a payment stays here, by status, for finance staff.
CREATE TABLE bank_credits (
  id                 text PRIMARY KEY,
  agency_id          text NOT NULL REFERENCES agencies (id),
  provider           text NOT NULL,
  source             text NOT NULL CHECK (source IN ('feed', 'camt.053', 'camt.054')),
  statement_id       text REFERENCES bank_statements (id),
  mode               text CHECK (mode = 'test'),
  account_no         text NOT NULL,
  bank_reference     text NOT NULL,
  amount             numeric(15, 0) NOT NULL CHECK (amount > 0),
  currency           text NOT NULL CHECK (currency = 'VND'),
  memo               text NOT NULL,
  payer_name         text,
  booked_at          timestamptz NOT NULL,
  -- received: stored, not yet matched (a crash between the two is resumed by the bank.match job).
  status             text NOT NULL CHECK (status IN ('received', 'matched', 'unmatched', 'amount_mismatch', 'late', 'duplicate')),
  transfer_reference text,
  attempt_id         text REFERENCES attempts (id),
  payment_id         text REFERENCES payments (id),
  detail             text,
  raw                jsonb NOT NULL DEFAULT '{}',
  received_at        timestamptz NOT NULL DEFAULT now(),
  matched_at         timestamptz
);
-- Once per bank reference, whichever source told us first; test uploads cannot shadow real ones.
CREATE UNIQUE INDEX bank_credits_reference ON bank_credits (agency_id, provider, bank_reference, (coalesce(mode, '')));
CREATE INDEX bank_credits_to_match ON bank_credits (received_at) WHERE status = 'received';
CREATE INDEX bank_credits_exceptions ON bank_credits (agency_id, received_at)
  WHERE status IN ('unmatched', 'amount_mismatch', 'late', 'duplicate');
CREATE INDEX bank_credits_payment ON bank_credits (payment_id) WHERE payment_id IS NOT NULL;
