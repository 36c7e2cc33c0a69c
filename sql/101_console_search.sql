-- The console's payment search: a reference across every status (the unique index holds only
-- open and paid ones) and a payer's name by prefix, case-folded. Both stay fast on a big hub.
CREATE INDEX payments_reference ON payments (reference);
CREATE INDEX payments_payer_name ON payments ((lower(payer ->> 'name')) text_pattern_ops);
-- The audit log filtered by actor or object, newest first.
CREATE INDEX audit_log_actor ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_object_recent ON audit_log (object_id, id DESC) WHERE object_id IS NOT NULL;
