-- Audit events (Keycloak's login and admin events). No foreign key to realms: the writer
-- inserts in batches, and a batch must not fail because a realm went away meanwhile;
-- deleting a realm deletes its events explicitly.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    time       BIGINT NOT NULL,
    realm_id   TEXT NOT NULL,
    type       TEXT NOT NULL,
    client_id  TEXT,
    user_id    TEXT,
    ip_address TEXT,
    error      TEXT,
    details    TEXT NOT NULL
);
CREATE INDEX events_realm_time ON events(realm_id, time);

CREATE TABLE admin_events (
    id              TEXT PRIMARY KEY,
    time            BIGINT NOT NULL,
    realm_id        TEXT NOT NULL,
    operation_type  TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_path   TEXT NOT NULL,
    representation  TEXT,
    error           TEXT,
    auth_realm_id   TEXT NOT NULL,
    auth_client_id  TEXT NOT NULL,
    auth_user_id    TEXT NOT NULL,
    auth_ip_address TEXT NOT NULL
);
CREATE INDEX admin_events_realm_time ON admin_events(realm_id, time);

-- Brute-force detection counters, one home for every instance. Times in epoch ms.
CREATE TABLE login_failures (
    realm_id         TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    subject          TEXT NOT NULL,
    num_failures     BIGINT NOT NULL,
    last_failure     BIGINT NOT NULL,
    previous_failure BIGINT NOT NULL,
    last_address     TEXT NOT NULL,
    locked_until     BIGINT NOT NULL,
    lockouts         BIGINT NOT NULL,
    PRIMARY KEY (realm_id, kind, subject)
);

-- Readiness writes here: a database that answers but cannot write is not ready.
CREATE TABLE readiness_probe (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL
);
