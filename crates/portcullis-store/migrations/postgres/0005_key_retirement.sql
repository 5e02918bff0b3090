-- Key rotation: a rotated-out key keeps verifying (and stays in the JWKS) until retire_at
-- (epoch seconds), when every token it signed has expired; 0 = not retiring.
ALTER TABLE signing_keys ADD COLUMN retire_at BIGINT NOT NULL DEFAULT 0;
