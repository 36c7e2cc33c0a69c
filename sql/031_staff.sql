-- Finance staff: a role scoped to an agency and its children (no agency: the whole hub).
CREATE TABLE staff_users (
  id            text PRIMARY KEY,
  email         text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
  role          text NOT NULL CHECK (role IN ('finance', 'auditor', 'admin')),
  agency_id     text REFERENCES agencies (id),
  -- scrypt$N$r$p$salt$hash (base64url); never the password.
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);
CREATE UNIQUE INDEX staff_users_email ON staff_users (email);

-- Only a SHA-256 of the session token is kept (the token has 256 random bits).
CREATE TABLE staff_sessions (
  token_hash text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
