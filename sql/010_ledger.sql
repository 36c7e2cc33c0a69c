-- Double-entry journal. A line's amount is signed: a debit is positive, a credit negative, and
-- the lines of every entry sum to zero (checked by the database at commit, below). Accounts are
-- named as in DESIGN.md: provider_clearing:<provider>, agency_payable:<agency id>, provider_fees,
-- settlement_bank:<provider>, plus suspense:<agency id> for double payments awaiting their refund.
CREATE TABLE journal_entries (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
  mode       text NOT NULL CHECK (mode IN ('test', 'live')),
  agency_id  text REFERENCES agencies (id),
  payment_id text REFERENCES payments (id),
  attempt_id text REFERENCES attempts (id),
  refund_id  text,
  memo       text CHECK (length(memo) <= 500),
  posted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_entries_payment ON journal_entries (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX journal_entries_agency ON journal_entries (agency_id, mode, posted_at);

CREATE TABLE journal_lines (
  entry_id bigint NOT NULL REFERENCES journal_entries (id),
  line_no  smallint NOT NULL CHECK (line_no > 0),
  account  text NOT NULL CHECK (account ~ '^[a-z_]+(:[A-Za-z0-9_.-]+)?$'),
  amount   numeric(15, 0) NOT NULL CHECK (amount <> 0),
  PRIMARY KEY (entry_id, line_no)
);
CREATE INDEX journal_lines_account ON journal_lines (account);

-- Balance is checked at commit (deferred), once all of an entry's lines are in.
CREATE FUNCTION journal_check_balanced(entry bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  total numeric;
  lines integer;
BEGIN
  SELECT coalesce(sum(amount), 0), count(*) INTO total, lines FROM journal_lines WHERE entry_id = entry;
  IF lines < 2 OR total <> 0 THEN
    RAISE EXCEPTION 'journal entry % is unbalanced: % line(s) summing to %', entry, lines, total
      USING ERRCODE = '23514';
  END IF;
END $$;

CREATE FUNCTION journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM journal_check_balanced(NEW.entry_id);
  RETURN NULL;
END $$;

CREATE FUNCTION journal_entries_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM journal_check_balanced(NEW.id);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_lines_balanced();
CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entries_balanced();

-- Posted history is never edited: a correction is another entry. Shared by the audit log.
CREATE FUNCTION refuse_change_of_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
END $$;

CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_history();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_history();
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_history();
CREATE TRIGGER journal_lines_no_truncate BEFORE TRUNCATE ON journal_lines
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_history();
