-- E-receipts (biên lai điện tử): one per succeeded payment, numbered in a per-agency yearly series
-- with no gaps (the number is taken in the transaction that records the success).
CREATE TABLE receipt_series (
  agency_id text NOT NULL REFERENCES agencies (id),
  year      integer NOT NULL,
  next_no   integer NOT NULL,
  PRIMARY KEY (agency_id, year)
);

CREATE TABLE receipts (
  payment_id  text PRIMARY KEY REFERENCES payments (id),
  agency_id   text NOT NULL REFERENCES agencies (id),
  form_symbol text NOT NULL,
  series      text NOT NULL,
  number      integer NOT NULL CHECK (number > 0),
  verify_code text NOT NULL UNIQUE,
  issued_at   timestamptz NOT NULL,
  UNIQUE (agency_id, series, number)
);
