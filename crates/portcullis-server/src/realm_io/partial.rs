//! Keycloak's partial import into an existing realm (`POST
//! /admin/realms/{realm}/partialImport`): realm roles, clients, client roles and users,
//! with `ifResourceExists` FAIL (the default), SKIP or OVERWRITE. The whole file is checked
//! against the realm first; with FAIL, one existing resource refuses the whole file.

use std::collections::{BTreeMap, HashMap, HashSet};

use portcullis_core::client::Client;
use portcullis_core::password::hash_password;
use portcullis_core::password_transfer::from_keycloak;
use portcullis_core::realm::Realm;
use portcullis_core::role::{default_roles_name, Role};
use portcullis_core::secret::{ClientSecret, SecretHasher, SecretStorage, ATTR_SECRET_STORAGE, MASKED};
use portcullis_core::store::{ClientSeed, Store, UserQuery};
use portcullis_core::user::User;
use portcullis_core::CoreError;
use portcullis_types::keycloak::{ClientRepresentation, RolesExport, UserExport};
use serde::{Deserialize, Serialize};

use super::ImportError;
use crate::admin_api::convert::{apply_client, apply_user};

/// The body Keycloak's partial import takes (the parts Portcullis imports).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartialImport {
    #[serde(default)]
    if_resource_exists: Option<String>,
    #[serde(default)]
    clients: Vec<ClientRepresentation>,
    #[serde(default)]
    roles: Option<RolesExport>,
    #[serde(default)]
    users: Vec<UserExport>,
}

/// Keycloak's `PartialImportResults`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub overwritten: usize,
    pub added: usize,
    pub skipped: usize,
    pub results: Vec<Entry>,
}

/// One resource of the outcome.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// `ADDED`, `SKIPPED` or `OVERWRITTEN`.
    pub action: &'static str,
    /// `REALM_ROLE`, `CLIENT_ROLE`, `CLIENT` or `USER`.
    pub resource_type: &'static str,
    pub resource_name: String,
    pub id: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    Fail,
    Skip,
    Overwrite,
}

/// What exists in the realm, by name.
struct Existing {
    realm_roles: HashMap<String, String>,
    clients: HashMap<String, Client>,
    client_roles: HashMap<(String, String), String>,
    users: HashMap<String, String>,
    scopes: HashMap<String, String>,
}

async fn existing(store: &dyn Store, realm: &Realm) -> Result<Existing, CoreError> {
    let graph = store.role_graph(&realm.id).await?;
    let clients = store.list_clients(&realm.id, None).await?;
    let client_ids: HashMap<&str, &str> = clients.iter().map(|c| (c.id.as_str(), c.client_id.as_str())).collect();
    let users = store.list_users(&realm.id, &UserQuery { max: i64::MAX, ..UserQuery::default() }).await?;
    Ok(Existing {
        realm_roles: graph
            .roles
            .iter()
            .filter(|r| r.client_id.is_none())
            .map(|r| (r.name.clone(), r.id.clone()))
            .collect(),
        client_roles: graph
            .roles
            .iter()
            .filter_map(|r| {
                let c = client_ids.get(r.client_id.as_deref()?)?;
                Some((((*c).to_owned(), r.name.clone()), r.id.clone()))
            })
            .collect(),
        clients: clients.iter().map(|c| (c.client_id.clone(), c.clone())).collect(),
        users: users
            .iter()
            .filter(|u| u.service_account_client_id.is_none())
            .map(|u| (u.username.clone(), u.id.clone()))
            .collect(),
        scopes: store.list_scopes(&realm.id).await?.into_iter().map(|s| (s.name, s.id)).collect(),
    })
}

/// Imports `text` into `realm`.
pub async fn partial_import(
    store: &dyn Store,
    hasher: &SecretHasher,
    realm: &Realm,
    text: &str,
) -> Result<Outcome, ImportError> {
    let body: PartialImport = serde_json::from_str(text).map_err(|e| ImportError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let policy = match body.if_resource_exists.as_deref().unwrap_or("FAIL") {
        "FAIL" => Policy::Fail,
        "SKIP" => Policy::Skip,
        "OVERWRITE" => Policy::Overwrite,
        other => {
            return Err(ImportError::Invalid(vec![format!(
                "ifResourceExists: '{other}' is not FAIL, SKIP or OVERWRITE"
            )]))
        }
    };
    let have = existing(store, realm).await?;
    let mut problems = Vec::new();
    let exists = |problems: &mut Vec<String>, place: String, yes: bool| {
        if yes && policy == Policy::Fail {
            problems.push(format!("{place}: exists (ifResourceExists is FAIL)"));
        }
    };

    // Check everything first.
    let empty = RolesExport::default();
    let roles = body.roles.as_ref().unwrap_or(&empty);
    let mut file_realm_roles = HashSet::new();
    for (i, r) in roles.realm.iter().enumerate() {
        match r.role.name.as_deref() {
            Some(n) if file_realm_roles.insert(n.to_owned()) => {
                exists(&mut problems, format!("roles.realm[{i}] '{n}'"), have.realm_roles.contains_key(n));
            }
            Some(n) => problems.push(format!("roles.realm[{i}]: duplicate realm role '{n}'")),
            None => problems.push(format!("roles.realm[{i}]: name is required")),
        }
    }
    let mut file_clients = HashSet::new();
    for (i, c) in body.clients.iter().enumerate() {
        let Some(id) = c.client_id.as_deref() else {
            problems.push(format!("clients[{i}]: clientId is required"));
            continue;
        };
        if !file_clients.insert(id.to_owned()) {
            problems.push(format!("clients[{i}] '{id}': duplicate clientId"));
        }
        exists(&mut problems, format!("clients[{i}] '{id}'"), have.clients.contains_key(id));
        for (field, list) in
            [("defaultClientScopes", &c.default_client_scopes), ("optionalClientScopes", &c.optional_client_scopes)]
        {
            for s in list.iter().flatten().filter(|s| !have.scopes.contains_key(*s)) {
                problems.push(format!("clients[{i}] '{id}'.{field}: unknown client scope '{s}'"));
            }
        }
    }
    for (client, list) in &roles.client {
        if !file_clients.contains(client) && !have.clients.contains_key(client) {
            problems.push(format!("roles.client.{client}: no client with this clientId"));
        }
        for (i, r) in list.iter().enumerate() {
            let n = r.role.name.clone().unwrap_or_default();
            exists(
                &mut problems,
                format!("roles.client.{client}[{i}] '{n}'"),
                have.client_roles.contains_key(&(client.clone(), n.clone())),
            );
        }
    }
    let role_known = |n: &String| file_realm_roles.contains(n) || have.realm_roles.contains_key(n);
    let client_role_known = |c: &String, n: &String| {
        have.client_roles.contains_key(&(c.clone(), n.clone()))
            || roles.client.get(c).is_some_and(|l| l.iter().any(|r| r.role.name.as_ref() == Some(n)))
    };
    let mut usernames = HashSet::new();
    for (i, u) in body.users.iter().enumerate() {
        let name = u.user.username.clone().unwrap_or_default().to_lowercase();
        let place = format!("users[{i}] '{name}'");
        if name.is_empty() {
            problems.push(format!("users[{i}]: username is required"));
        } else if !usernames.insert(name.clone()) {
            problems.push(format!("{place}: duplicate username"));
        }
        match &u.user.service_account_client_id {
            Some(c)
                if !body
                    .clients
                    .iter()
                    .any(|x| x.client_id.as_ref() == Some(c) && x.service_accounts_enabled == Some(true)) =>
            {
                problems.push(format!(
                    "{place}.serviceAccountClientId: the file has no client '{c}' with service accounts enabled"
                ));
            }
            Some(_) => {}
            None => {
                exists(&mut problems, place.clone(), have.users.contains_key(&name));
            }
        }
        for r in u.realm_roles.iter().flatten().filter(|r| !role_known(r)) {
            problems.push(format!("{place}: unknown realm role '{r}'"));
        }
        for (c, names) in u.client_roles.iter().flatten() {
            for n in names.iter().filter(|n| !client_role_known(c, n)) {
                problems.push(format!("{place}: unknown role '{n}' of client '{c}'"));
            }
        }
    }
    if !problems.is_empty() {
        let conflict = problems.iter().all(|p| p.ends_with("(ifResourceExists is FAIL)"));
        return Err(if conflict { ImportError::Exists(problems.join("; ")) } else { ImportError::Invalid(problems) });
    }

    let mut out = Outcome::default();
    let record = |out: &mut Outcome, existed: bool, resource_type, name: String, id: String| {
        let action = match (existed, policy) {
            (false, _) => "ADDED",
            (true, Policy::Skip) => "SKIPPED",
            _ => "OVERWRITTEN",
        };
        match action {
            "ADDED" => out.added += 1,
            "SKIPPED" => out.skipped += 1,
            _ => out.overwritten += 1,
        }
        out.results.push(Entry { action, resource_type, resource_name: name, id });
    };

    let mut realm_role_ids = have.realm_roles.clone();
    for r in &roles.realm {
        let name = r.role.name.clone().unwrap_or_default();
        let old = have.realm_roles.get(&name);
        if old.is_some() && policy == Policy::Skip {
            record(&mut out, true, "REALM_ROLE", name, old.cloned().unwrap_or_default());
            continue;
        }
        if let Some(id) = old {
            store.delete_role(id).await?;
        }
        let mut role = Role::new_realm_role(&realm.id, &name, r.role.description.clone())?;
        if let Some(id) = r.role.id.clone().filter(|i| !i.is_empty()) {
            role.id = id;
        }
        store.create_role(&role).await?;
        realm_role_ids.insert(name.clone(), role.id.clone());
        record(&mut out, old.is_some(), "REALM_ROLE", name, role.id);
    }

    let storage = SecretStorage::parse(realm.attributes.get(ATTR_SECRET_STORAGE).map(String::as_str))?;
    let default_roles: Vec<String> =
        realm_role_ids.get(&default_roles_name(&realm.name)).cloned().into_iter().collect();
    let mut client_internal: HashMap<String, String> =
        have.clients.iter().map(|(k, c)| (k.clone(), c.id.clone())).collect();
    let mut pending_sa: BTreeMap<String, (User, Vec<String>)> = BTreeMap::new();
    for rep in &body.clients {
        let client_id = rep.client_id.clone().unwrap_or_default();
        let old = have.clients.get(&client_id);
        if old.is_some() && policy == Policy::Skip {
            record(&mut out, true, "CLIENT", client_id, old.map(|c| c.id.clone()).unwrap_or_default());
            continue;
        }
        if let Some(c) = old {
            store.delete_client(&realm.id, &c.id).await?;
        }
        let mut c = Client::new(&realm.id, &client_id)?;
        if let Some(id) = rep.id.clone().filter(|i| !i.is_empty()) {
            c.id = id;
        }
        apply_client(rep.clone(), &mut c);
        c.validate()?;
        if c.is_confidential() {
            c.secret = Some(match rep.secret.as_deref().filter(|s| *s != MASKED && !s.is_empty()) {
                Some(s) => ClientSecret::chosen(storage, s)?,
                None => ClientSecret::generate(storage, hasher).0,
            });
        }
        let links: Vec<(String, bool)> = if rep.default_client_scopes.is_some() || rep.optional_client_scopes.is_some()
        {
            let ids = |l: &Option<Vec<String>>, d: bool| {
                l.iter().flatten().filter_map(|n| have.scopes.get(n).map(|id| (id.clone(), d))).collect::<Vec<_>>()
            };
            ids(&rep.default_client_scopes, true).into_iter().chain(ids(&rep.optional_client_scopes, false)).collect()
        } else {
            store.realm_default_scopes(&realm.id).await?
        };
        // The service account's roles wait for the client roles of the file.
        let service_account = c.service_accounts_enabled.then(|| {
            let user = User::service_account(&realm.id, &c.id, &client_id, crate::oauth::now() * 1000);
            pending_sa.insert(client_id.clone(), (user.clone(), default_roles.clone()));
            (user, Vec::new())
        });
        store.create_client(&ClientSeed { client: c.clone(), service_account, scopes: links }).await?;
        client_internal.insert(client_id.clone(), c.id.clone());
        record(&mut out, old.is_some(), "CLIENT", client_id, c.id);
    }

    let mut client_role_ids = have.client_roles.clone();
    for (client_id, list) in &roles.client {
        let Some(internal) = client_internal.get(client_id) else { continue };
        let replaced = body.clients.iter().any(|c| c.client_id.as_ref() == Some(client_id)) && policy != Policy::Skip;
        for r in list {
            let name = r.role.name.clone().unwrap_or_default();
            let key = (client_id.clone(), name.clone());
            let old = have.client_roles.get(&key).filter(|_| !replaced);
            if old.is_some() && policy == Policy::Skip {
                record(&mut out, true, "CLIENT_ROLE", name, old.cloned().unwrap_or_default());
                continue;
            }
            if let Some(id) = old {
                store.delete_role(id).await?;
            }
            let mut role = Role::new_client_role(&realm.id, internal, &name, r.role.description.clone())?;
            if let Some(id) = r.role.id.clone().filter(|i| !i.is_empty()) {
                role.id = id;
            }
            store.create_role(&role).await?;
            client_role_ids.insert(key, role.id.clone());
            record(
                &mut out,
                have.client_roles.contains_key(&(client_id.clone(), name.clone())),
                "CLIENT_ROLE",
                name,
                role.id,
            );
        }
    }

    for ux in &body.users {
        let ids: Vec<String> = ux
            .realm_roles
            .iter()
            .flatten()
            .filter_map(|n| realm_role_ids.get(n).cloned())
            .chain(ux.client_roles.iter().flatten().flat_map(|(c, names)| {
                names.iter().filter_map(|n| client_role_ids.get(&(c.clone(), n.clone())).cloned()).collect::<Vec<_>>()
            }))
            .collect();
        if let Some(cid) = &ux.user.service_account_client_id {
            if let Some((mut user, _)) = pending_sa.remove(cid) {
                apply_user(ux.user.clone(), &mut user);
                store.update_user(&user).await?;
                let roles =
                    if ux.realm_roles.is_some() || ux.client_roles.is_some() { ids } else { default_roles.clone() };
                store.add_user_roles(&user.id, &roles).await?;
                record(&mut out, false, "USER", user.username.clone(), user.id);
            }
            continue;
        }
        let name = ux.user.username.clone().unwrap_or_default().to_lowercase();
        let old = have.users.get(&name);
        if old.is_some() && policy == Policy::Skip {
            record(&mut out, true, "USER", name, old.cloned().unwrap_or_default());
            continue;
        }
        if let Some(id) = old {
            store.delete_user(&realm.id, id).await?;
        }
        let mut user = User::new(&realm.id, &name, ux.user.created_timestamp.unwrap_or(crate::oauth::now() * 1000))?;
        if let Some(id) = ux.user.id.clone().filter(|i| !i.is_empty()) {
            user.id = id;
        }
        apply_user(ux.user.clone(), &mut user);
        let hash =
            match ux.user.credentials.iter().flatten().find(|c| c.type_.as_deref().unwrap_or("password") == "password")
            {
                Some(c) => match (&c.secret_data, &c.credential_data, &c.value) {
                    (Some(s), Some(d), _) => from_keycloak(s, d).ok(),
                    (_, _, Some(v)) => {
                        let v = v.clone();
                        Some(
                            tokio::task::spawn_blocking(move || hash_password(&v))
                                .await
                                .map_err(|e| CoreError::Storage(e.to_string()))??,
                        )
                    }
                    _ => None,
                },
                None => None,
            };
        let roles = if ux.realm_roles.is_some() || ux.client_roles.is_some() { ids } else { default_roles.clone() };
        store.create_user(&user, hash.as_deref(), &roles).await?;
        record(&mut out, old.is_some(), "USER", name, user.id);
    }
    // Service accounts the file does not describe get the default roles.
    for (_, (user, roles)) in pending_sa {
        store.add_user_roles(&user.id, &roles).await?;
    }
    Ok(out)
}
