-- Append-only audit log: every API write, operator command, staff action and state transition.
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_type  text NOT NULL CHECK (actor_type IN ('api_key', 'staff', 'operator', 'system')),
  actor_id    text,
  action      text NOT NULL CHECK (length(action) BETWEEN 1 AND 200),
  object_type text,
  object_id   text,
  agency_id   text,
  mode        text,
  ip          text,
  request_id  text,
  details     jsonb
);
CREATE INDEX audit_log_agency ON audit_log (agency_id, at);
CREATE INDEX audit_log_object ON audit_log (object_id) WHERE object_id IS NOT NULL;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_history();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_history();
