-- RFC 7009 revocation list: a revoked access token's jti until the token expires anyway
-- (expires_at, epoch seconds), when it is pruned.
CREATE TABLE revoked_tokens (
    realm_id   TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (realm_id, jti)
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens(expires_at);
