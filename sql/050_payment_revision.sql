-- A payment's revision counts changes to it and to its attempts. A notification applied in one
-- statement (no lock taken beforehand) checks the revision it read: if anything changed since,
-- it touches nothing and the locked path runs instead.
ALTER TABLE payments ADD COLUMN revision integer NOT NULL DEFAULT 0;
