-- Refresh tokens of the password grant: only the SHA-256 of each token, with the login
-- it continues; deleted when used up (single-use realms), revoked or expired.
CREATE TABLE refresh_tokens (
    token_hash         TEXT PRIMARY KEY,
    realm_id           TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id          TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    session_id         TEXT NOT NULL,
    scope              TEXT NOT NULL,
    session_started_at BIGINT NOT NULL,
    issued_at          BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(realm_id, session_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);
