//! First start: the master realm, its admin user and the `admin-cli` client, the way
//! Keycloak bootstraps, so that admin tooling logs in unchanged.

use portcullis_core::admin_access::REALM_MANAGEMENT;
use portcullis_core::defaults::RealmSeed;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::store::ClientSeed;
use portcullis_core::user::User;
use portcullis_core::{defaults, keys, password};

use crate::extract::admin::{ADMIN_ROLE, MASTER_REALM};
use crate::state::AppState;

/// Keycloak's master realm token lifespan (one minute: admin tokens are short-lived).
const MASTER_TOKEN_LIFESPAN: i64 = 60;

/// Creates the master realm when the database has none and bootstrap credentials are set;
/// gives realms made by an earlier release the clients new realms start with.
pub async fn run(state: &AppState) -> CoreResult<()> {
    let store = state.store.as_ref();
    if store.realm_by_name(MASTER_REALM).await?.is_some() {
        if state.config.bootstrap_admin.is_some() {
            tracing::info!("master realm exists; bootstrap admin variables ignored");
        }
        return upgrade_realms(state).await;
    }
    let Some((username, pw)) = state.config.bootstrap_admin.clone() else {
        tracing::warn!(
            "no master realm yet: set PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME and PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD \
             and restart to create it with an admin user"
        );
        return Ok(());
    };
    let now = crate::oauth::now();
    let (seed, key) = tokio::task::spawn_blocking(move || -> CoreResult<_> {
        let mut realm = Realm::new(MASTER_REALM)?;
        realm.display_name = Some("Portcullis".into());
        realm.access_token_lifespan = MASTER_TOKEN_LIFESPAN;
        let key = keys::generate_key(MASTER_REALM, &realm.default_signature_algorithm, now)?;
        Ok((master_seed(realm, &username, &password::hash_password(&pw)?, now)?, key))
    })
    .await
    .map_err(|e| portcullis_core::CoreError::Crypto(e.to_string()))??;
    // One transaction: when instances start together on one database, exactly one creates
    // the realm and the others see the conflict.
    match store.create_realm(&seed, &key).await {
        Ok(()) => {
            tracing::info!(username = %seed.users[0].0.username, "bootstrap: created master realm, admin user and admin-cli client");
            Ok(())
        }
        Err(CoreError::Conflict(_)) => {
            tracing::info!("bootstrap: another instance created the master realm first");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Adds `admin-cli` and `realm-management` (with its roles) to realms that lack them.
/// Idempotent; an instance that loses a race to another sees a conflict and goes on.
async fn upgrade_realms(state: &AppState) -> CoreResult<()> {
    let store = state.store.as_ref();
    for realm in store.list_realms().await? {
        let mut added = false;
        if store.client_by_client_id(&realm.id, "admin-cli").await?.is_none() {
            let scopes = store.realm_default_scopes(&realm.id).await?;
            let seed = ClientSeed { client: defaults::admin_cli(&realm.id)?, service_account: None, scopes };
            added |= ignore_conflict(store.create_client(&seed).await)?;
        }
        if store.client_by_client_id(&realm.id, REALM_MANAGEMENT).await?.is_none() {
            let (client, roles) = defaults::realm_management(&realm.id)?;
            if ignore_conflict(
                store.create_client(&ClientSeed { client, service_account: None, scopes: vec![] }).await,
            )? {
                for role in &roles {
                    ignore_conflict(store.create_role(role).await)?;
                }
                added = true;
            }
        }
        if added {
            tracing::info!(realm = %realm.name, "added the admin-cli and realm-management clients new realms start with");
        }
    }
    Ok(())
}

/// `Ok(true)` when created, `Ok(false)` when another instance was first.
fn ignore_conflict(r: CoreResult<()>) -> CoreResult<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(CoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The master realm with the `admin` role, the admin user and the `admin-cli` client.
fn master_seed(realm: Realm, username: &str, password_hash: &str, now: i64) -> CoreResult<RealmSeed> {
    let mut seed = defaults::realm_seed(realm)?;
    let admin_role = Role::new_realm_role(MASTER_REALM, ADMIN_ROLE, Some("${role_admin}".into()))?;
    let admin = User::new(MASTER_REALM, username, now * 1000)?;
    let roles = vec![seed.roles[0].id.clone(), admin_role.id.clone()];
    seed.roles.push(admin_role);
    seed.users.push((admin, Some(password_hash.to_owned()), roles));
    Ok(seed)
}
