-- Portals' webhook endpoints. The signing secret is sealed (AES-GCM with PAYHUB_SECRET_KEY):
-- unlike an API key it must be read back to sign.
CREATE TABLE webhook_endpoints (
  id         text PRIMARY KEY,
  agency_id  text NOT NULL REFERENCES agencies (id),
  mode       text NOT NULL CHECK (mode IN ('test', 'live')),
  url        text NOT NULL CHECK (length(url) <= 2048),
  -- NULL: every event type.
  events     text[],
  secret     bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX webhook_endpoints_agency ON webhook_endpoints (agency_id, mode) WHERE deleted_at IS NULL;

-- The outbox: one row per event and matching endpoint, written with the event.
CREATE TABLE webhook_deliveries (
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id),
  event_id         text NOT NULL REFERENCES events (id),
  event_created_at timestamptz NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  -- Tries in the current schedule (a replay starts a new one); the next is due at next_attempt_at.
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, event_created_at, event_id)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- The delivery log: every try, with what the endpoint answered.
CREATE TABLE webhook_delivery_attempts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id  text NOT NULL,
  event_id     text NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  status_code  integer,
  duration_ms  integer NOT NULL,
  error        text,
  FOREIGN KEY (endpoint_id, event_id) REFERENCES webhook_deliveries (endpoint_id, event_id)
);
CREATE INDEX webhook_delivery_attempts_delivery ON webhook_delivery_attempts (endpoint_id, event_id, id);

CREATE INDEX events_type ON events (agency_id, mode, type, id DESC);
