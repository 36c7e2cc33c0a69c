-- Money taken after the amount changed (a fine or tax paid after the local midnight its penalty
-- grew at): the attempt is a success at the provider, but it did not pay the payment in full.
-- Held in suspense for finance, like a double payment; the payment is not marked paid by it.
ALTER TABLE attempts ADD COLUMN underpaid boolean NOT NULL DEFAULT false;
