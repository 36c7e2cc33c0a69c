-- A link's page lists the payments made through it.
CREATE INDEX payments_payment_link ON payments ((metadata->>'payment_link'))
  WHERE metadata ? 'payment_link';
