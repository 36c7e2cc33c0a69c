-- Daily roll-ups for the console's dashboard and the open statistics: cost does not grow with
-- the hub. Kept by triggers in the transaction that changes a payment or attempt, so no code path
-- has to remember them; statement-level with transition tables, so a batch of successes is one
-- set-based upsert. Days are Vietnam's (Asia/Ho_Chi_Minh). Two successes in one cell at once wait
-- for each other's commit on that cell's row: the price of totals that are exactly right.

-- Succeeded payments per day of payment × agency × mode × obligation type × provider.
-- refunded: what has been refunded so far of the payments that succeeded that day.
CREATE TABLE daily_totals (
  day             date NOT NULL,
  agency_id       text NOT NULL REFERENCES agencies (id),
  mode            text NOT NULL,
  obligation_type text NOT NULL,
  provider        text NOT NULL,
  count           bigint NOT NULL,
  amount          numeric(18, 0) NOT NULL,
  refunded        numeric(18, 0) NOT NULL,
  PRIMARY KEY (mode, agency_id, day, obligation_type, provider)
);
CREATE INDEX daily_totals_day ON daily_totals (mode, day);

-- Attempts that finished per day of completion × agency × mode × provider (the success rate).
CREATE TABLE daily_attempts (
  day       date NOT NULL,
  agency_id text NOT NULL REFERENCES agencies (id),
  mode      text NOT NULL,
  provider  text NOT NULL,
  succeeded bigint NOT NULL,
  failed    bigint NOT NULL,
  PRIMARY KEY (mode, agency_id, day, provider)
);
CREATE INDEX daily_attempts_day ON daily_attempts (mode, day);

-- Adds (sign 1) or takes out (sign -1) payments' contributions to their cells.
CREATE FUNCTION daily_totals_add(changed payments[], sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO daily_totals AS t (day, agency_id, mode, obligation_type, provider, count, amount, refunded)
  SELECT (COALESCE(p.paid_at, p.created_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, p.agency_id, p.mode,
         COALESCE(p.obligation ->> 'type', 'unknown'), COALESCE(a.provider, 'unknown'),
         sign * count(*), sign * sum(p.amount), sign * sum(p.amount_refunded)
    FROM unnest(changed) p LEFT JOIN attempts a ON a.id = p.succeeded_attempt_id
   WHERE p.status = 'succeeded'
   GROUP BY 1, 2, 3, 4, 5
   -- One order for every transaction: two batches touching the same cells cannot deadlock.
   ORDER BY 3, 2, 1, 4, 5
  ON CONFLICT (mode, agency_id, day, obligation_type, provider) DO UPDATE
     SET count = t.count + EXCLUDED.count, amount = t.amount + EXCLUDED.amount,
         refunded = t.refunded + EXCLUDED.refunded;
END $$;

CREATE FUNCTION daily_attempts_add(changed attempts[], sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO daily_attempts AS t (day, agency_id, mode, provider, succeeded, failed)
  SELECT (COALESCE(x.completed_at, x.created_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, x.agency_id, x.mode,
         x.provider, sign * count(*) FILTER (WHERE x.status = 'succeeded'),
         sign * count(*) FILTER (WHERE x.status = 'failed')
    FROM unnest(changed) x
   WHERE x.status IN ('succeeded', 'failed')
   GROUP BY 1, 2, 3, 4
   ORDER BY 3, 2, 1, 4
  ON CONFLICT (mode, agency_id, day, provider) DO UPDATE
     SET succeeded = t.succeeded + EXCLUDED.succeeded, failed = t.failed + EXCLUDED.failed;
END $$;

-- A changed row is the old one taken out of its cell and the new one put into its own; rows
-- whose counted columns did not change are left alone (no churn on the hot cells).
CREATE FUNCTION payments_daily_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM daily_totals_add(ARRAY(
    SELECT ROW(o.*)::payments FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.status = 'succeeded'
       AND (o.status, o.amount, o.amount_refunded, o.paid_at, o.succeeded_attempt_id, o.obligation)
           IS DISTINCT FROM
           (n.status, n.amount, n.amount_refunded, n.paid_at, n.succeeded_attempt_id, n.obligation)), -1);
  PERFORM daily_totals_add(ARRAY(
    SELECT ROW(n.*)::payments FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status = 'succeeded'
       AND (o.status, o.amount, o.amount_refunded, o.paid_at, o.succeeded_attempt_id, o.obligation)
           IS DISTINCT FROM
           (n.status, n.amount, n.amount_refunded, n.paid_at, n.succeeded_attempt_id, n.obligation)), 1);
  RETURN NULL;
END $$;

CREATE FUNCTION payments_daily_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM daily_totals_add(ARRAY(SELECT ROW(n.*)::payments FROM new_rows n WHERE n.status = 'succeeded'), 1);
  RETURN NULL;
END $$;

CREATE FUNCTION attempts_daily_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM daily_attempts_add(ARRAY(
    SELECT ROW(o.*)::attempts FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.status <> 'processing'
       AND (o.status, o.completed_at, o.provider) IS DISTINCT FROM
           (n.status, n.completed_at, n.provider)), -1);
  PERFORM daily_attempts_add(ARRAY(
    SELECT ROW(n.*)::attempts FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status <> 'processing'
       AND (o.status, o.completed_at, o.provider) IS DISTINCT FROM
           (n.status, n.completed_at, n.provider)), 1);
  RETURN NULL;
END $$;

CREATE FUNCTION attempts_daily_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM daily_attempts_add(ARRAY(SELECT ROW(n.*)::attempts FROM new_rows n WHERE n.status <> 'processing'), 1);
  RETURN NULL;
END $$;

CREATE TRIGGER payments_daily_totals_update AFTER UPDATE ON payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION payments_daily_update();
CREATE TRIGGER payments_daily_totals_insert AFTER INSERT ON payments
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION payments_daily_insert();
CREATE TRIGGER attempts_daily_update AFTER UPDATE ON attempts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION attempts_daily_update();
CREATE TRIGGER attempts_daily_insert AFTER INSERT ON attempts
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION attempts_daily_insert();

-- The rows already there.
INSERT INTO daily_totals (day, agency_id, mode, obligation_type, provider, count, amount, refunded)
SELECT (COALESCE(p.paid_at, p.created_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, p.agency_id, p.mode,
       COALESCE(p.obligation ->> 'type', 'unknown'), COALESCE(a.provider, 'unknown'),
       count(*), sum(p.amount), sum(p.amount_refunded)
  FROM payments p LEFT JOIN attempts a ON a.id = p.succeeded_attempt_id
 WHERE p.status = 'succeeded'
 GROUP BY 1, 2, 3, 4, 5;

INSERT INTO daily_attempts (day, agency_id, mode, provider, succeeded, failed)
SELECT (COALESCE(x.completed_at, x.created_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, x.agency_id, x.mode,
       x.provider, count(*) FILTER (WHERE x.status = 'succeeded'), count(*) FILTER (WHERE x.status = 'failed')
  FROM attempts x
 WHERE x.status <> 'processing'
 GROUP BY 1, 2, 3, 4;
