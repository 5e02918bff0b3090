-- RFC 7523 replay store: the jti of every client assertion accepted, per client, until
-- the assertion expires (expires_at, epoch seconds), when it is pruned. One home for all
-- instances, so an assertion is usable once across them.
CREATE TABLE used_client_assertions (
    realm_id   TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (realm_id, client_id, jti)
);
CREATE INDEX used_client_assertions_expiry ON used_client_assertions(expires_at);
