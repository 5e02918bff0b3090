-- The PostgreSQL twin of migrations/sqlite/0001_init.sql: same tables, keys and
-- constraints. Integers and flags are BIGINT so that they decode as i64 through sqlx's
-- Any driver, as SQLite's INTEGER does; blobs are BYTEA. Names that listings sort by use
-- the "C" collation so that PostgreSQL orders them byte-wise, as SQLite does, whatever
-- the database's locale.

CREATE TABLE realms (
    id   TEXT PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    data TEXT NOT NULL
);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    realm_id    TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    algorithm   TEXT NOT NULL,
    private_key BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    active      BIGINT NOT NULL
);
CREATE INDEX signing_keys_realm ON signing_keys(realm_id);

CREATE TABLE clients (
    id        TEXT PRIMARY KEY,
    realm_id  TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id TEXT COLLATE "C" NOT NULL,
    secret    TEXT,
    data      TEXT NOT NULL,
    UNIQUE (realm_id, client_id)
);

CREATE TABLE client_scopes (
    id       TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    name     TEXT COLLATE "C" NOT NULL,
    data     TEXT NOT NULL,
    UNIQUE (realm_id, name)
);

CREATE TABLE realm_default_scopes (
    realm_id   TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    scope_id   TEXT NOT NULL REFERENCES client_scopes(id) ON DELETE CASCADE,
    is_default BIGINT NOT NULL,
    PRIMARY KEY (realm_id, scope_id)
);

CREATE TABLE client_scope_links (
    client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scope_id   TEXT NOT NULL REFERENCES client_scopes(id) ON DELETE CASCADE,
    is_default BIGINT NOT NULL,
    PRIMARY KEY (client_id, scope_id)
);

-- container_id is the realm id for realm roles and the client id for client roles, so
-- that one unique constraint covers both without relying on NULL semantics.
CREATE TABLE roles (
    id           TEXT PRIMARY KEY,
    realm_id     TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id    TEXT REFERENCES clients(id) ON DELETE CASCADE,
    container_id TEXT NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    data         TEXT NOT NULL,
    UNIQUE (container_id, name)
);
CREATE INDEX roles_realm ON roles(realm_id);

CREATE TABLE role_composites (
    parent_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    child_id  TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id)
);

CREATE TABLE users (
    id                        TEXT PRIMARY KEY,
    realm_id                  TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    username                  TEXT COLLATE "C" NOT NULL,
    email                     TEXT,
    first_name                TEXT,
    last_name                 TEXT,
    service_account_client_id TEXT REFERENCES clients(id) ON DELETE CASCADE,
    data                      TEXT NOT NULL,
    UNIQUE (realm_id, username)
);
CREATE INDEX users_service_account ON users(service_account_client_id);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE credentials (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    secret_data TEXT NOT NULL,
    PRIMARY KEY (user_id, type)
);
