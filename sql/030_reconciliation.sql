-- Reconciliation: one run per provider and business day (00:00–24:00 Asia/Ho_Chi_Minh). A run's
-- lines are COPYed into settlement_lines and classified, set-based, into recon_items.
CREATE TABLE recon_runs (
  id            text PRIMARY KEY,
  provider      text NOT NULL,
  business_date date NOT NULL,
  -- completed: the day's current result; superseded: replaced by a corrected file (kept as
  -- history); rejected: the file was refused, nothing of it was kept but this report.
  status        text NOT NULL CHECK (status IN ('completed', 'superseded', 'rejected')),
  file_sha256   text CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_name     text,
  source        text NOT NULL CHECK (source IN ('cli', 'upload', 'job')),
  created_by    text,
  supersedes    text REFERENCES recon_runs (id),
  superseded_by text REFERENCES recon_runs (id),
  line_count    integer NOT NULL DEFAULT 0,
  carry_days    integer NOT NULL CHECK (carry_days >= 0),
  -- The fee rule applied ({percent, min}), or null: fees were not checked.
  fee_rule      jsonb,
  -- Counts and totals per category, computed when the run completed.
  summary       jsonb NOT NULL DEFAULT '{}',
  -- Why a file was refused: {code, detail, line?}.
  rejection     jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'rejected') = (rejection IS NOT NULL))
);
CREATE UNIQUE INDEX recon_runs_current ON recon_runs (provider, business_date) WHERE status = 'completed';
CREATE INDEX recon_runs_list ON recon_runs (business_date DESC, id DESC);
CREATE INDEX recon_runs_file ON recon_runs (file_sha256) WHERE status <> 'rejected';

-- The file's lines as the adapter parsed them, keyed by run: no index or foreign key, so COPY
-- runs at full speed; the run's own transaction is what keeps a refused file out entirely.
CREATE TABLE settlement_lines (
  run_id                  text NOT NULL,
  line_no                 integer NOT NULL,
  provider_transaction_id text NOT NULL,
  merchant_reference      text NOT NULL,
  type                    text NOT NULL,
  amount                  numeric(15, 0) NOT NULL,
  fee                     numeric(15, 0) NOT NULL,
  status                  text NOT NULL,
  occurred_at             timestamptz NOT NULL
);

-- One row per classified line, and per hub item the provider did not settle.
CREATE TABLE recon_items (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id                  text NOT NULL REFERENCES recon_runs (id),
  provider                text NOT NULL,
  business_date           date NOT NULL,
  category                text NOT NULL CHECK (category IN ('matched', 'missing_in_hub', 'missing_at_provider',
                            'amount_mismatch', 'status_mismatch', 'duplicate', 'fee_mismatch')),
  -- ok: matched; open: a break to resolve; carried: waiting (unsettled, or deferred by carry_over);
  -- resolved: closed by an action or settled later.
  status                  text NOT NULL CHECK (status IN ('ok', 'open', 'carried', 'resolved')),
  carry_until             date,
  agency_id               text,
  attempt_id              text,
  payment_id              text,
  refund_id               text,
  type                    text NOT NULL CHECK (type IN ('payment', 'refund')),
  line_no                 integer,
  provider_transaction_id text,
  merchant_reference      text,
  line_amount             numeric(15, 0),
  line_fee                numeric(15, 0),
  line_status             text,
  occurred_at             timestamptz,
  hub_amount              numeric(15, 0),
  hub_status              text,
  expected_fee            numeric(15, 0),
  resolution              text
);
CREATE INDEX recon_items_run ON recon_items (run_id, category);
CREATE INDEX recon_items_attempt ON recon_items (attempt_id) WHERE attempt_id IS NOT NULL;
CREATE INDEX recon_items_refund ON recon_items (refund_id) WHERE refund_id IS NOT NULL;
CREATE INDEX recon_items_breaks ON recon_items (provider, business_date) WHERE status IN ('open', 'carried');

-- The hub's side of a business day: what it recorded as done, by provider and time.
CREATE INDEX attempts_succeeded_by_day ON attempts (provider, completed_at) WHERE status = 'succeeded';

-- Resolution actions: append-only (the database refuses UPDATE and DELETE); an action is undone
-- only by another action.
CREATE TABLE recon_actions (
  id         text PRIMARY KEY,
  item_id    bigint NOT NULL REFERENCES recon_items (id),
  action     text NOT NULL CHECK (action IN ('confirm_payment', 'refund', 'write_off', 'carry_over', 'reopen', 'settled_later')),
  note       text NOT NULL CHECK (length(btrim(note)) BETWEEN 1 AND 2000),
  actor      text NOT NULL,
  result     jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recon_actions_item ON recon_actions (item_id, created_at);

CREATE FUNCTION recon_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'recon_actions is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER recon_actions_append_only BEFORE UPDATE OR DELETE ON recon_actions
  FOR EACH ROW EXECUTE FUNCTION recon_actions_append_only();
