-- Keycloak's rotated client secret: the previous secret, kept in the same forms as
-- `secret` (sealed, keyed hash or Argon2id), valid until the client's attribute
-- client.secret.rotated.expiration.time.
ALTER TABLE clients ADD COLUMN rotated_secret TEXT;
