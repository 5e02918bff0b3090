//! Storage traits, split by aggregate. Implemented by `portcullis-store` over sqlx; the
//! domain never sees SQL. Multi-row changes that must happen together take one call, so
//! each implementation can run them in one transaction.

use async_trait::async_trait;

use crate::brute_force::{Counted, FailureKind, FailureRecord};
use crate::client::Client;
use crate::context::RoleGraph;
use crate::defaults::RealmSeed;
use crate::error::CoreResult;
use crate::event::{AdminEvent, AdminEventQuery, Event, EventQuery};
use crate::keys::StoredKey;
use crate::realm::Realm;
use crate::refresh::RefreshSession;
use crate::role::Role;
use crate::scope::ClientScope;
use crate::user::User;

/// A client created with its service-account user and scopes.
#[derive(Debug, Clone)]
pub struct ClientSeed {
    /// The client.
    pub client: Client,
    /// Its service-account user and the role ids it starts with.
    pub service_account: Option<(User, Vec<String>)>,
    /// `(scope id, is_default)` links.
    pub scopes: Vec<(String, bool)>,
}

/// Filter of a user listing (Keycloak's `GET /users` query).
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Substring of username, e-mail, first or last name.
    pub search: Option<String>,
    /// Username, substring unless `exact`.
    pub username: Option<String>,
    /// E-mail, substring unless `exact`.
    pub email: Option<String>,
    /// Exact matches for `username` and `email`.
    pub exact: bool,
    /// Leave out service-account users (Keycloak does for plain listings and `search`).
    pub exclude_service_accounts: bool,
    /// Offset.
    pub first: i64,
    /// Page size.
    pub max: i64,
}

/// Realms and their keys.
#[async_trait]
pub trait RealmStore: Send + Sync {
    /// All realms, by name.
    async fn list_realms(&self) -> CoreResult<Vec<Realm>>;
    /// One realm by name.
    async fn realm_by_name(&self, name: &str) -> CoreResult<Option<Realm>>;
    /// Creates a realm with its roles, scopes and first key; `Conflict` if the name is taken.
    async fn create_realm(&self, seed: &RealmSeed, key: &StoredKey) -> CoreResult<()>;
    /// Saves changed settings (including a new name).
    async fn update_realm(&self, realm: &Realm) -> CoreResult<()>;
    /// Deletes a realm and everything in it.
    async fn delete_realm(&self, realm_id: &str) -> CoreResult<bool>;
    /// Scopes new clients get, with `true` for default.
    async fn realm_default_scopes(&self, realm_id: &str) -> CoreResult<Vec<(String, bool)>>;
    /// Signing keys, active first, newest first.
    async fn signing_keys(&self, realm_id: &str) -> CoreResult<Vec<StoredKey>>;
    /// Rotation: `key` becomes the active key of its realm and algorithm; the keys it
    /// replaces turn passive and retire at `retire_at`. One transaction; returns how many
    /// keys turned passive. With `only_if_created_before`, nothing happens (and 0 is
    /// returned) unless an active key of that algorithm is older: of instances rotating
    /// on a timer, one wins.
    async fn rotate_signing_key(
        &self,
        key: &StoredKey,
        retire_at: i64,
        only_if_created_before: Option<i64>,
    ) -> CoreResult<u64>;
    /// Deletes passive keys whose retirement time has come; returns how many.
    async fn delete_retired_keys(&self, now: i64) -> CoreResult<u64>;
    /// Adds a key to a realm (for instance of a newly chosen algorithm); existing keys stay.
    async fn add_signing_key(&self, key: &StoredKey) -> CoreResult<()>;
    /// Whether the database answers and accepts writes.
    async fn ping(&self) -> CoreResult<()>;
    /// Connection pool figures, for metrics; `None` when the store has no pool.
    fn pool_stats(&self) -> Option<PoolStats> {
        None
    }
}

/// Clients and their scope links.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Clients of a realm, optionally only the one with this `clientId`.
    async fn list_clients(&self, realm_id: &str, client_id: Option<&str>) -> CoreResult<Vec<Client>>;
    /// One client by internal id.
    async fn get_client(&self, realm_id: &str, id: &str) -> CoreResult<Option<Client>>;
    /// One client by `clientId`.
    async fn client_by_client_id(&self, realm_id: &str, client_id: &str) -> CoreResult<Option<Client>>;
    /// Creates a client; `Conflict` if the `clientId` is taken.
    async fn create_client(&self, seed: &ClientSeed) -> CoreResult<()>;
    /// Saves a client, creating a service-account user if one is given.
    async fn update_client(&self, client: &Client, new_service_account: Option<&(User, Vec<String>)>)
        -> CoreResult<()>;
    /// Deletes a client with its service account and roles.
    async fn delete_client(&self, realm_id: &str, id: &str) -> CoreResult<bool>;
    /// Scopes linked to a client, with `true` for default.
    async fn client_scope_links(&self, client_internal_id: &str) -> CoreResult<Vec<(String, bool)>>;
    /// Links a scope as default or optional (replacing the other kind).
    async fn link_client_scope(&self, client_internal_id: &str, scope_id: &str, default: bool) -> CoreResult<()>;
    /// Removes a link of that kind.
    async fn unlink_client_scope(&self, client_internal_id: &str, scope_id: &str, default: bool) -> CoreResult<bool>;
}

/// Client scopes.
#[async_trait]
pub trait ScopeStore: Send + Sync {
    /// Scopes of a realm, by name.
    async fn list_scopes(&self, realm_id: &str) -> CoreResult<Vec<ClientScope>>;
    /// One scope by id.
    async fn get_scope(&self, realm_id: &str, id: &str) -> CoreResult<Option<ClientScope>>;
    /// Creates a scope; `Conflict` if the name is taken.
    async fn create_scope(&self, scope: &ClientScope) -> CoreResult<()>;
    /// Saves a scope.
    async fn update_scope(&self, scope: &ClientScope) -> CoreResult<()>;
    /// Deletes a scope and its links.
    async fn delete_scope(&self, realm_id: &str, id: &str) -> CoreResult<bool>;
}

/// Roles and role mappings.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Realm roles, by name.
    async fn list_realm_roles(&self, realm_id: &str) -> CoreResult<Vec<Role>>;
    /// A realm role by name.
    async fn realm_role_by_name(&self, realm_id: &str, name: &str) -> CoreResult<Option<Role>>;
    /// Roles of a client (by internal id), by name.
    async fn list_client_roles(&self, client_internal_id: &str) -> CoreResult<Vec<Role>>;
    /// A client role by name.
    async fn client_role_by_name(&self, client_internal_id: &str, name: &str) -> CoreResult<Option<Role>>;
    /// Creates a role; `Conflict` if the name is taken in its container.
    async fn create_role(&self, role: &Role) -> CoreResult<()>;
    /// Saves a role.
    async fn update_role(&self, role: &Role) -> CoreResult<()>;
    /// Deletes a role and its mappings.
    async fn delete_role(&self, id: &str) -> CoreResult<bool>;
    /// Every role of the realm with composite edges, for expansion.
    async fn role_graph(&self, realm_id: &str) -> CoreResult<RoleGraph>;
    /// Role ids mapped directly to a user.
    async fn user_role_ids(&self, user_id: &str) -> CoreResult<Vec<String>>;
    /// Maps roles to a user (already mapped ones are kept).
    async fn add_user_roles(&self, user_id: &str, role_ids: &[String]) -> CoreResult<()>;
    /// Unmaps roles from a user.
    async fn remove_user_roles(&self, user_id: &str, role_ids: &[String]) -> CoreResult<()>;
}

/// Users and their passwords.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Users matching a query, by username.
    async fn list_users(&self, realm_id: &str, q: &UserQuery) -> CoreResult<Vec<User>>;
    /// Number of users matching a query (ignores paging).
    async fn count_users(&self, realm_id: &str, q: &UserQuery) -> CoreResult<i64>;
    /// One user by id.
    async fn get_user(&self, realm_id: &str, id: &str) -> CoreResult<Option<User>>;
    /// One user by (normalized) username.
    async fn user_by_username(&self, realm_id: &str, username: &str) -> CoreResult<Option<User>>;
    /// The service-account user of a client.
    async fn service_account_user(&self, client_internal_id: &str) -> CoreResult<Option<User>>;
    /// Creates a user with an optional password hash and roles; `Conflict` on a taken username.
    async fn create_user(&self, user: &User, password_hash: Option<&str>, role_ids: &[String]) -> CoreResult<()>;
    /// Saves a user.
    async fn update_user(&self, user: &User) -> CoreResult<()>;
    /// Deletes a user.
    async fn delete_user(&self, realm_id: &str, id: &str) -> CoreResult<bool>;
    /// The user's password hash (PHC string).
    async fn password_hash(&self, user_id: &str) -> CoreResult<Option<String>>;
    /// Sets the user's password hash.
    async fn set_password_hash(&self, user_id: &str, phc: &str) -> CoreResult<()>;
}

/// Brute-force detection counters, shared by every instance on the database.
#[async_trait]
pub trait LoginFailureStore: Send + Sync {
    /// Counts one failure atomically; a count whose last failure is more than
    /// `max_delta_ms` old starts again. Returns the count and the lockouts given so far.
    async fn count_failure(
        &self,
        realm_id: &str,
        kind: FailureKind,
        subject: &str,
        address: &str,
        now_ms: i64,
        max_delta_ms: i64,
    ) -> CoreResult<(Counted, i64)>;
    /// Locks until `until_ms` (a later lock already there stays) and counts the lockout.
    async fn lock(&self, realm_id: &str, kind: FailureKind, subject: &str, until_ms: i64) -> CoreResult<()>;
    /// One counter.
    async fn login_failure(
        &self,
        realm_id: &str,
        kind: FailureKind,
        subject: &str,
    ) -> CoreResult<Option<FailureRecord>>;
    /// Counters of a realm, of one kind or all, newest failure first.
    async fn list_login_failures(&self, realm_id: &str, kind: Option<FailureKind>) -> CoreResult<Vec<FailureRecord>>;
    /// Deletes counters (and so their locks): all of a realm, of one kind, or one.
    async fn clear_login_failures(
        &self,
        realm_id: &str,
        kind: Option<FailureKind>,
        subject: Option<&str>,
    ) -> CoreResult<u64>;
}

/// The revocation list (RFC 7009) and the client assertion replay store (RFC 7523), one
/// home for every instance.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Puts a token's `jti` on the list until `expires_at` (epoch seconds); idempotent.
    async fn revoke_token(&self, realm_id: &str, jti: &str, expires_at: i64) -> CoreResult<()>;
    /// Whether a `jti` is on the list.
    async fn is_revoked(&self, realm_id: &str, jti: &str) -> CoreResult<bool>;
    /// Drops entries whose token has expired anyway; returns how many.
    async fn prune_revoked(&self, now: i64) -> CoreResult<u64>;
    /// Records a client assertion's `jti` (RFC 7523 §3 item 7) until `expires_at`; `false`
    /// when the client already used it, atomically across instances.
    async fn use_client_assertion(
        &self,
        realm_id: &str,
        client_id: &str,
        jti: &str,
        expires_at: i64,
    ) -> CoreResult<bool>;
    /// Drops recorded assertions that have expired; returns how many.
    async fn prune_client_assertions(&self, now: i64) -> CoreResult<u64>;
}

/// Refresh tokens of the password grant, one home for every instance.
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// Stores a new refresh token.
    async fn insert_refresh(&self, session: &RefreshSession) -> CoreResult<()>;
    /// The refresh token stored under `token_hash`, if any.
    async fn refresh_session(&self, token_hash: &str) -> CoreResult<Option<RefreshSession>>;
    /// Deletes one refresh token; `true` if it was there, so that of two concurrent
    /// uses of a single-use token one wins.
    async fn take_refresh(&self, token_hash: &str) -> CoreResult<bool>;
    /// Deletes every refresh token of a login (revocation logs the session out).
    async fn delete_refresh_session(&self, realm_id: &str, session_id: &str) -> CoreResult<u64>;
    /// Deletes expired refresh tokens; returns how many.
    async fn prune_refresh(&self, now: i64) -> CoreResult<u64>;
}

/// Stored audit events.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Inserts a batch in one transaction.
    async fn insert_events(&self, events: &[Event], admin_events: &[AdminEvent]) -> CoreResult<()>;
    /// Login events of a realm, newest first.
    async fn query_events(&self, realm_id: &str, q: &EventQuery) -> CoreResult<Vec<Event>>;
    /// Admin events of a realm, newest first.
    async fn query_admin_events(&self, realm_id: &str, q: &AdminEventQuery) -> CoreResult<Vec<AdminEvent>>;
    /// Deletes a realm's login (or admin) events older than `before_ms` (all: `i64::MAX`).
    async fn delete_events(&self, realm_id: &str, admin: bool, before_ms: i64) -> CoreResult<u64>;
}

/// Tells other instances sharing the database that a realm changed, so they drop their
/// cached copy (PostgreSQL `NOTIFY`; nothing to do for a single-instance database).
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Announces a change to `realm_name` after it was committed.
    async fn publish_change(&self, realm_name: &str) -> CoreResult<()>;
    /// Announces a lock placed or cleared, so other instances stop (or resume) refusing
    /// without a database read per request.
    async fn publish_lock(&self, notice: &crate::brute_force::LockNotice) -> CoreResult<()>;
}

/// Database connections of a store's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open now.
    pub open: u32,
    /// Of those, idle.
    pub idle: usize,
    /// The most the pool opens.
    pub max: u32,
}

/// Everything the server needs.
pub trait Store:
    RealmStore
    + ClientStore
    + ScopeStore
    + RoleStore
    + UserStore
    + LoginFailureStore
    + EventStore
    + RevocationStore
    + RefreshTokenStore
    + ChangeFeed
{
}
impl<T> Store for T where
    T: RealmStore
        + ClientStore
        + ScopeStore
        + RoleStore
        + UserStore
        + LoginFailureStore
        + EventStore
        + RevocationStore
        + RefreshTokenStore
        + ChangeFeed
{
}
