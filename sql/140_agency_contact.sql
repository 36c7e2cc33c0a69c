-- Issue #15, checkout pages: how a citizen reaches the agency that collects (GOV.UK's service
-- pages put the organisation's contact on every page). Each is optional, shown when set.
ALTER TABLE agencies
  ADD COLUMN contact_phone   text CHECK (contact_phone ~ '^\+?[0-9][0-9 .()-]{2,24}$'),
  ADD COLUMN contact_email   text CHECK (contact_email ~ '^[^@\s]{1,64}@[^@\s]{1,190}$'),
  ADD COLUMN contact_website text CHECK (contact_website ~ '^https?://[^\s]{1,250}$');
