-- The service catalogue: what an agency with no portal of its own collects, item by item.
CREATE TABLE catalog_items (
  id              text PRIMARY KEY,
  agency_id       text NOT NULL REFERENCES agencies (id),
  -- The national procedure code (mã thủ tục hành chính), e.g. 1.002309.
  code            text NOT NULL CHECK (code ~ '^[0-9]\.[0-9]{6}(\.[0-9A-Z]{1,8}){0,4}$'),
  name_vi         text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 300),
  name_en         text CHECK (length(name_en) BETWEEN 1 AND 300),
  -- Either one fixed amount, or a range the payer's amount must fall in.
  amount          numeric(15, 0) CHECK (amount > 0 AND amount <= 999999999999),
  amount_min      numeric(15, 0) CHECK (amount_min > 0),
  amount_max      numeric(15, 0) CHECK (amount_max <= 999999999999),
  -- A fine is never collected without its decision, which a catalogue item cannot carry.
  obligation_type text NOT NULL CHECK (obligation_type IN ('fee', 'charge', 'tax', 'insurance', 'other')),
  budget          jsonb,
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (agency_id, code),
  UNIQUE (id, agency_id),
  CHECK ((amount IS NOT NULL AND amount_min IS NULL AND amount_max IS NULL)
      OR (amount IS NULL AND amount_min IS NOT NULL AND amount_max IS NOT NULL AND amount_min <= amount_max))
);
CREATE INDEX catalog_items_agency ON catalog_items (agency_id, id);

-- A payment link: single-use (payer, reference and amount fixed) or reusable (the citizen types
-- the dossier reference and name). The URL's token is the nonce and its MAC under the hub's key.
CREATE TABLE payment_links (
  id              text PRIMARY KEY,
  agency_id       text NOT NULL,
  catalog_item_id text NOT NULL,
  mode            text NOT NULL CHECK (mode IN ('test', 'live')),
  nonce           text NOT NULL UNIQUE,
  reusable        boolean NOT NULL,
  amount          numeric(15, 0) CHECK (amount > 0 AND amount <= 999999999999),
  reference       text CHECK (length(reference) BETWEEN 1 AND 64),
  payer           jsonb,
  expires_at      timestamptz,
  deactivated_at  timestamptz,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- One check per row (a bulk file is thousands), and a link is always of its item's agency.
  FOREIGN KEY (catalog_item_id, agency_id) REFERENCES catalog_items (id, agency_id),
  CHECK (reusable OR (reference IS NOT NULL AND amount IS NOT NULL)),
  CHECK (NOT reusable OR reference IS NULL)
);
CREATE INDEX payment_links_agency ON payment_links (agency_id, id DESC);
CREATE INDEX payment_links_reference ON payment_links (agency_id, mode, reference)
  WHERE reference IS NOT NULL AND deactivated_at IS NULL;
