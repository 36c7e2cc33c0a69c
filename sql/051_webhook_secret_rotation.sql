-- Rotating an endpoint's signing secret: the previous secret (sealed too) keeps signing beside the
-- new one until it expires, so a portal can switch its verifier without missing a delivery.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret bytea;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at timestamptz;
