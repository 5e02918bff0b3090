-- The data key that seals client secrets and signing private keys, itself stored only
-- wrapped under the master key (which never enters the database). master_key_id is the
-- master key's public fingerprint, so that starting with the wrong key is reported as such.
CREATE TABLE data_keys (
    id            TEXT PRIMARY KEY,
    master_key_id TEXT NOT NULL,
    wrapped       BLOB NOT NULL,
    created_at    BIGINT NOT NULL
);
