-- Every event a portal's webhooks carry, written in the same transaction as the change it reports.
CREATE TABLE events (
  id         text PRIMARY KEY,
  agency_id  text NOT NULL REFERENCES agencies (id),
  mode       text NOT NULL,
  type       text NOT NULL,
  object_id  text NOT NULL,
  data       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_list ON events (agency_id, mode, id DESC);
CREATE INDEX events_object ON events (object_id);
