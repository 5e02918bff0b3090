//! First start: the master realm, its admin user and the `admin-cli` client, the way
//! Keycloak bootstraps, so that admin tooling logs in unchanged.

use portcullis_core::client::Client;
use portcullis_core::error::CoreResult;
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::store::ClientSeed;
use portcullis_core::user::User;
use portcullis_core::{defaults, keys, password};

use crate::extract::admin::{ADMIN_ROLE, MASTER_REALM};
use crate::state::AppState;

/// Keycloak's master realm token lifespan (one minute: admin tokens are short-lived).
const MASTER_TOKEN_LIFESPAN: i64 = 60;

/// Creates the master realm when the database has none and bootstrap credentials are set.
pub async fn run(state: &AppState) -> CoreResult<()> {
    let store = state.store.as_ref();
    if store.realm_by_name(MASTER_REALM).await?.is_some() {
        if state.config.bootstrap_admin.is_some() {
            tracing::info!("master realm exists; bootstrap admin variables ignored");
        }
        return Ok(());
    }
    let Some((username, pw)) = state.config.bootstrap_admin.clone() else {
        tracing::warn!(
            "no master realm yet: set PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME and PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD \
             and restart to create it with an admin user"
        );
        return Ok(());
    };
    let now = crate::oauth::now();
    let (seed, key, hash) = tokio::task::spawn_blocking(move || -> CoreResult<_> {
        let mut realm = Realm::new(MASTER_REALM)?;
        realm.display_name = Some("Portcullis".into());
        realm.access_token_lifespan = MASTER_TOKEN_LIFESPAN;
        Ok((defaults::realm_seed(realm)?, keys::generate_key(MASTER_REALM, now)?, password::hash_password(&pw)?))
    })
    .await
    .map_err(|e| portcullis_core::CoreError::Crypto(e.to_string()))??;
    let default_roles = seed.roles[0].id.clone();
    let scopes = seed.realm_default_scopes.clone();
    store.create_realm(&seed, &key).await?;

    let admin_role = Role::new_realm_role(MASTER_REALM, ADMIN_ROLE, Some("${role_admin}".into()))?;
    store.create_role(&admin_role).await?;
    let admin = User::new(MASTER_REALM, &username, now * 1000)?;
    store.create_user(&admin, Some(&hash), &[default_roles, admin_role.id.clone()]).await?;

    let mut cli = Client::new(MASTER_REALM, "admin-cli")?;
    cli.name = Some("${client_admin-cli}".into());
    cli.public_client = true;
    cli.standard_flow_enabled = false;
    cli.direct_access_grants_enabled = true;
    store.create_client(&ClientSeed { client: cli, service_account: None, scopes }).await?;
    tracing::info!(username = %admin.username, "bootstrap: created master realm, admin user and admin-cli client");
    Ok(())
}
