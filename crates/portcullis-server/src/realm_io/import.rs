//! A realm export turned into the seed of a new realm. Everything is checked before
//! anything is stored, each problem named by its place in the file; the seed is then stored
//! in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use portcullis_core::client::Client;
use portcullis_core::defaults::{self, RealmSeed};
use portcullis_core::password::hash_password;
use portcullis_core::password_transfer::from_keycloak;
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::scope::ClientScope;
use portcullis_core::secret::{ClientSecret, SecretHasher, SecretStorage, ATTR_SECRET_STORAGE, MASKED};
use portcullis_core::store::{ClientSeed, Store};
use portcullis_core::user::User;
use portcullis_core::{keys, CoreError};
use portcullis_types::keycloak::{RealmExport, RoleExport, UserExport};
use serde_json::Value;

use super::Report;
use crate::admin_api::convert::{apply_client, apply_realm, apply_scope, apply_user};

/// Why a file was not imported. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not JSON, or a field of the wrong type.
    #[error("line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    /// Well-formed, but wrong: one line per problem, each naming its place in the file.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    /// A realm of that name exists.
    #[error("realm '{0}' already exists")]
    Exists(String),
    /// The store refused (an id already used elsewhere in the database) or failed.
    #[error(transparent)]
    Store(#[from] CoreError),
}

/// A checked import, ready to store.
pub struct Plan {
    pub seed: RealmSeed,
    pub report: Report,
}

/// Collects problems instead of stopping at the first.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, place: &str, what: impl std::fmt::Display) {
        self.0.push(format!("{place}: {what}"));
    }
}

fn syntax(e: serde_json::Error) -> ImportError {
    ImportError::Syntax { line: e.line(), column: e.column(), message: e.to_string() }
}

/// Checks `text` and builds the seed. Hashing chosen secrets and plaintext passwords is
/// slow: run this on a blocking thread.
pub fn plan(text: &str, hasher: &SecretHasher, now_ms: i64) -> Result<Plan, ImportError> {
    let raw: Value = serde_json::from_str(text).map_err(syntax)?;
    let doc: RealmExport = serde_json::from_str(text).map_err(syntax)?;
    let mut report = Report {
        skipped: super::skipped::skipped(&raw, &serde_json::to_value(&doc).unwrap_or(Value::Null)),
        ..Report::default()
    };
    let mut p = Problems::default();

    let Some(name) = doc.realm.realm.clone().filter(|n| !n.is_empty()) else {
        return Err(ImportError::Invalid(vec!["realm: the realm name is required".into()]));
    };
    let mut realm = Realm::new(&name).map_err(|e| ImportError::Invalid(vec![format!("realm: {e}")]))?;
    if let Some(id) = doc.realm.id.clone().filter(|i| !i.is_empty()) {
        realm.id = id;
    }
    apply_realm(doc.realm.clone(), &mut realm);
    if let Err(e) = realm.validate() {
        p.add("realm", e);
    }
    let storage = SecretStorage::parse(realm.attributes.get(ATTR_SECRET_STORAGE).map(String::as_str))
        .unwrap_or(SecretStorage::Encrypted);
    let mut seed = defaults::realm_seed(realm.clone())?;
    report.realm = name.clone();

    scopes(&doc, &mut seed, &mut p);
    realm_roles(&doc, &mut seed, &mut p);
    clients(&doc, &mut seed, storage, hasher, &mut report, &mut p);
    client_roles(&doc, &mut seed, &mut p);
    composites(&doc, &mut seed, &mut p);
    users(&doc, &mut seed, now_ms, &mut report, &mut p);

    if !p.0.is_empty() {
        return Err(ImportError::Invalid(p.0));
    }
    report.client_scopes = seed.scopes.len();
    report.roles = seed.roles.len() + seed.client_roles.len();
    report.clients = seed.clients.len();
    report.users = seed.users.len() + seed.clients.iter().filter(|c| c.service_account.is_some()).count();
    Ok(Plan { seed, report })
}

fn scopes(doc: &RealmExport, seed: &mut RealmSeed, p: &mut Problems) {
    let mut seen = HashSet::new();
    for (i, rep) in doc.client_scopes.iter().enumerate() {
        let place = format!("clientScopes[{i}]");
        let Some(name) = rep.name.clone().filter(|n| !n.is_empty()) else {
            p.add(&place, "name is required");
            continue;
        };
        if !seen.insert(name.clone()) {
            p.add(&place, format!("duplicate client scope '{name}'"));
            continue;
        }
        let pos = match seed.scopes.iter().position(|s| s.name == name) {
            Some(pos) => pos,
            None => match ClientScope::new(&seed.realm.id, &name) {
                Ok(s) => {
                    seed.scopes.push(s);
                    seed.scopes.len() - 1
                }
                Err(e) => {
                    p.add(&place, e);
                    continue;
                }
            },
        };
        let Some(scope) = seed.scopes.get_mut(pos) else { continue };
        if let Some(id) = rep.id.clone().filter(|i| !i.is_empty()) {
            let old = std::mem::replace(&mut scope.id, id.clone());
            for (sid, _) in
                seed.realm_default_scopes.iter_mut().chain(seed.clients.iter_mut().flat_map(|c| c.scopes.iter_mut()))
            {
                if *sid == old {
                    sid.clone_from(&id);
                }
            }
        }
        apply_scope(rep.clone(), scope);
    }
    let by_name = |n: &str| seed.scopes.iter().find(|s| s.name == n).map(|s| s.id.clone());
    let (d, o) = (&doc.realm.default_default_client_scopes, &doc.realm.default_optional_client_scopes);
    if d.is_some() || o.is_some() {
        let mut links = Vec::new();
        for (list, default, field) in
            [(d, true, "defaultDefaultClientScopes"), (o, false, "defaultOptionalClientScopes")]
        {
            for n in list.iter().flatten() {
                match by_name(n) {
                    Some(id) => links.push((id, default)),
                    None => p.add(field, format!("unknown client scope '{n}'")),
                }
            }
        }
        seed.realm_default_scopes = links;
    }
}

/// Takes a role of the file into the seed: the seeded role of that name (keeping its
/// place) or a new one, with the file's id, description and composite flag.
fn take_role(
    seed_roles: &mut Vec<Role>,
    composites: &mut [(String, String)],
    make: impl FnOnce() -> Result<Role, CoreError>,
    is: impl Fn(&Role) -> bool,
    rep: &RoleExport,
) -> Result<(), CoreError> {
    let pos = match seed_roles.iter().position(is) {
        Some(pos) => pos,
        None => {
            seed_roles.push(make()?);
            seed_roles.len() - 1
        }
    };
    let Some(role) = seed_roles.get_mut(pos) else { return Ok(()) };
    if let Some(id) = rep.role.id.clone().filter(|i| !i.is_empty()) {
        let old = std::mem::replace(&mut role.id, id.clone());
        for (parent, child) in composites.iter_mut() {
            if *parent == old {
                parent.clone_from(&id);
            }
            if *child == old {
                child.clone_from(&id);
            }
        }
    }
    if rep.role.description.is_some() {
        role.description.clone_from(&rep.role.description);
    }
    role.composite = rep.role.composite.unwrap_or(false) || rep.composites.is_some();
    Ok(())
}

fn realm_roles(doc: &RealmExport, seed: &mut RealmSeed, p: &mut Problems) {
    let mut seen = HashSet::new();
    for (i, rep) in doc.roles.iter().flat_map(|r| &r.realm).enumerate() {
        let place = format!("roles.realm[{i}]");
        let Some(name) = rep.role.name.clone().filter(|n| !n.is_empty()) else {
            p.add(&place, "name is required");
            continue;
        };
        if !seen.insert(name.clone()) {
            p.add(&place, format!("duplicate realm role '{name}'"));
            continue;
        }
        let realm_id = seed.realm.id.clone();
        let make = || Role::new_realm_role(&realm_id, &name, None);
        let is = |r: &Role| r.client_id.is_none() && r.name == name;
        if let Err(e) = take_role(&mut seed.roles, &mut seed.composites, make, is, rep) {
            p.add(&place, e);
        }
    }
}

fn clients(
    doc: &RealmExport,
    seed: &mut RealmSeed,
    storage: SecretStorage,
    hasher: &SecretHasher,
    report: &mut Report,
    p: &mut Problems,
) {
    let mut seen = HashSet::new();
    let scope_id = |n: &str| seed.scopes.iter().find(|s| s.name == n).map(|s| s.id.clone());
    let mut built = Vec::new();
    for (i, rep) in doc.clients.iter().enumerate() {
        let Some(client_id) = rep.client_id.clone().filter(|n| !n.is_empty()) else {
            p.add(&format!("clients[{i}]"), "clientId is required");
            continue;
        };
        let place = format!("clients[{i}] '{client_id}'");
        if !seen.insert(client_id.clone()) {
            p.add(&place, "duplicate clientId");
            continue;
        }
        let mut links = None;
        let mut c = match seed.clients.iter().position(|s| s.client.client_id == client_id) {
            Some(pos) => {
                let s = seed.clients.remove(pos);
                links = Some(s.scopes);
                s.client
            }
            None => match Client::new(&seed.realm.id, &client_id) {
                Ok(c) => c,
                Err(e) => {
                    p.add(&place, e);
                    continue;
                }
            },
        };
        if let Some(id) = rep.id.clone().filter(|i| !i.is_empty()) {
            let old = std::mem::replace(&mut c.id, id.clone());
            for r in seed.client_roles.iter_mut().filter(|r| r.client_id.as_deref() == Some(old.as_str())) {
                r.client_id = Some(id.clone());
            }
        }
        apply_client(rep.clone(), &mut c);
        if let Err(e) = c.validate() {
            p.add(&place, e);
        }
        if c.is_confidential() {
            match rep.secret.as_deref().filter(|s| *s != MASKED && !s.is_empty()) {
                Some(s) => match ClientSecret::chosen(storage, s) {
                    Ok(kept) => c.secret = Some(kept),
                    Err(e) => p.add(&format!("{place}.secret"), e),
                },
                None => {
                    let (kept, _) = ClientSecret::generate(storage, hasher);
                    c.secret = Some(kept);
                    report.notes.push(format!(
                        "client {client_id}: the file has no secret (absent or masked); a new one was generated"
                    ));
                }
            }
        }
        if rep.default_client_scopes.is_some() || rep.optional_client_scopes.is_some() {
            let mut l = Vec::new();
            for (list, default, field) in [
                (&rep.default_client_scopes, true, "defaultClientScopes"),
                (&rep.optional_client_scopes, false, "optionalClientScopes"),
            ] {
                for n in list.iter().flatten() {
                    match scope_id(n) {
                        Some(id) => l.push((id, default)),
                        None => p.add(&format!("{place}.{field}"), format!("unknown client scope '{n}'")),
                    }
                }
            }
            links = Some(l);
        }
        let scopes = links.unwrap_or_else(|| seed.realm_default_scopes.clone());
        built.push(ClientSeed { client: c, service_account: None, scopes });
    }
    seed.clients.extend(built);
}

fn client_roles(doc: &RealmExport, seed: &mut RealmSeed, p: &mut Problems) {
    for (client_id, roles) in doc.roles.iter().flat_map(|r| &r.client) {
        let Some(internal) =
            seed.clients.iter().find(|c| &c.client.client_id == client_id).map(|c| c.client.id.clone())
        else {
            p.add(&format!("roles.client.{client_id}"), "no client with this clientId in the file");
            continue;
        };
        let mut seen = HashSet::new();
        for (i, rep) in roles.iter().enumerate() {
            let place = format!("roles.client.{client_id}[{i}]");
            let Some(name) = rep.role.name.clone().filter(|n| !n.is_empty()) else {
                p.add(&place, "name is required");
                continue;
            };
            if !seen.insert(name.clone()) {
                p.add(&place, format!("duplicate role '{name}' of client {client_id}"));
                continue;
            }
            let realm_id = seed.realm.id.clone();
            let make = || Role::new_client_role(&realm_id, &internal, &name, None);
            let is = |r: &Role| r.client_id.as_deref() == Some(internal.as_str()) && r.name == name;
            if let Err(e) = take_role(&mut seed.client_roles, &mut seed.composites, make, is, rep) {
                p.add(&place, e);
            }
        }
    }
}

/// Role ids by realm role name and by (clientId, name).
struct RoleIndex {
    realm: HashMap<String, String>,
    client: HashMap<(String, String), String>,
}

impl RoleIndex {
    fn of(seed: &RealmSeed) -> Self {
        let client_ids: HashMap<&str, &str> =
            seed.clients.iter().map(|c| (c.client.id.as_str(), c.client.client_id.as_str())).collect();
        Self {
            realm: seed.roles.iter().map(|r| (r.name.clone(), r.id.clone())).collect(),
            client: seed
                .client_roles
                .iter()
                .filter_map(|r| {
                    let c = client_ids.get(r.client_id.as_deref()?)?;
                    Some((((*c).to_owned(), r.name.clone()), r.id.clone()))
                })
                .collect(),
        }
    }

    /// Ids of named roles; unknown names are problems at `place`.
    fn ids(
        &self,
        realm: Option<&Vec<String>>,
        client: Option<&BTreeMap<String, Vec<String>>>,
        place: &str,
        p: &mut Problems,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for n in realm.into_iter().flatten() {
            match self.realm.get(n) {
                Some(id) => out.push(id.clone()),
                None => p.add(place, format!("unknown realm role '{n}'")),
            }
        }
        for (c, names) in client.into_iter().flatten() {
            for n in names {
                match self.client.get(&(c.clone(), n.clone())) {
                    Some(id) => out.push(id.clone()),
                    None => p.add(place, format!("unknown role '{n}' of client '{c}'")),
                }
            }
        }
        out
    }
}

fn composites(doc: &RealmExport, seed: &mut RealmSeed, p: &mut Problems) {
    let index = RoleIndex::of(seed);
    let roles = doc.roles.iter().flat_map(|r| {
        let realm = r.realm.iter().enumerate().map(|(i, x)| (format!("roles.realm[{i}]"), None, x));
        let client = r.client.iter().flat_map(|(c, list)| {
            list.iter().enumerate().map(move |(i, x)| (format!("roles.client.{c}[{i}]"), Some(c.clone()), x))
        });
        realm.chain(client)
    });
    let mut edges = Vec::new();
    let mut replaced = HashSet::new();
    for (place, client, rep) in roles {
        let (Some(name), Some(c)) = (rep.role.name.clone(), &rep.composites) else { continue };
        let parent = match &client {
            Some(cid) => index.client.get(&(cid.clone(), name)),
            None => index.realm.get(&name),
        };
        let Some(parent) = parent.cloned() else { continue };
        for child in index.ids(c.realm.as_ref(), c.client.as_ref(), &format!("{place}.composites"), p) {
            edges.push((parent.clone(), child));
        }
        replaced.insert(parent);
    }
    // A role the file describes has the file's members, not the seeded ones.
    seed.composites.retain(|(parent, _)| !replaced.contains(parent));
    seed.composites.extend(edges);
}

fn users(doc: &RealmExport, seed: &mut RealmSeed, now_ms: i64, report: &mut Report, p: &mut Problems) {
    let index = RoleIndex::of(seed);
    let default_roles = seed.roles.first().map(|r| vec![r.id.clone()]).unwrap_or_default();
    let mut seen = HashSet::new();
    for (i, ux) in doc.users.iter().enumerate() {
        let UserExport { user: rep, realm_roles, client_roles } = ux;
        let Some(username) = rep.username.clone().filter(|n| !n.is_empty()) else {
            p.add(&format!("users[{i}]"), "username is required");
            continue;
        };
        let place = format!("users[{i}] '{username}'");
        if !seen.insert(username.to_lowercase()) {
            p.add(&place, "duplicate username");
            continue;
        }
        let created = rep.created_timestamp.unwrap_or(now_ms);
        let mut user = match &rep.service_account_client_id {
            Some(cid) => match seed.clients.iter().find(|c| &c.client.client_id == cid) {
                Some(c) if c.client.service_accounts_enabled => {
                    User::service_account(&seed.realm.id, &c.client.id, cid, created)
                }
                _ => {
                    p.add(
                        &format!("{place}.serviceAccountClientId"),
                        format!("no client '{cid}' with service accounts enabled"),
                    );
                    continue;
                }
            },
            None => match User::new(&seed.realm.id, &username, created) {
                Ok(u) => u,
                Err(e) => {
                    p.add(&place, e);
                    continue;
                }
            },
        };
        if let Some(id) = rep.id.clone().filter(|i| !i.is_empty()) {
            user.id = id;
        }
        apply_user(rep.clone(), &mut user);
        let roles = index.ids(realm_roles.as_ref(), client_roles.as_ref(), &place, p);
        let mut hash = None;
        if let Some(cred) =
            rep.credentials.iter().flatten().find(|c| c.type_.as_deref().unwrap_or("password") == "password")
        {
            match (&cred.secret_data, &cred.credential_data, &cred.value) {
                (Some(s), Some(c), _) => match from_keycloak(s, c) {
                    Ok(phc) => hash = Some(phc),
                    Err(e) => report.notes.push(format!("user {username}: password not kept ({e}); set a new one")),
                },
                (_, _, Some(v)) => match hash_password(v) {
                    Ok(phc) => hash = Some(phc),
                    Err(e) => p.add(&format!("{place}.credentials"), e),
                },
                _ => p.add(
                    &format!("{place}.credentials"),
                    "a password credential needs secretData and credentialData, or value",
                ),
            }
        }
        match rep
            .service_account_client_id
            .as_ref()
            .and_then(|cid| seed.clients.iter_mut().find(|c| &c.client.client_id == cid))
        {
            Some(client) => {
                if client.service_account.is_some() {
                    p.add(&place, "a second service account for the same client");
                }
                client.service_account = Some((user, roles));
            }
            None => seed.users.push((user, hash, roles)),
        }
    }
    // Clients with service accounts that the file gives no user get a fresh one.
    for c in seed.clients.iter_mut().filter(|c| c.client.service_accounts_enabled && c.service_account.is_none()) {
        let user = User::service_account(&seed.realm.id, &c.client.id, &c.client.client_id, now_ms);
        c.service_account = Some((user, default_roles.clone()));
    }
}

/// Imports `text` as a new realm. Nothing is stored unless all of it is.
pub async fn import(store: &dyn Store, hasher: &SecretHasher, text: String) -> Result<Report, ImportError> {
    let hasher = hasher.clone();
    let now_ms = crate::oauth::now() * 1000;
    let (plan, key) = tokio::task::spawn_blocking(move || {
        let plan = plan(&text, &hasher, now_ms)?;
        let key = keys::generate_key(&plan.seed.realm.id, &plan.seed.realm.default_signature_algorithm, now_ms / 1000)?;
        Ok::<_, ImportError>((plan, key))
    })
    .await
    .map_err(|e| CoreError::Storage(format!("import task failed: {e}")))??;
    let name = plan.seed.realm.name.clone();
    if store.realm_by_name(&name).await?.is_some() {
        return Err(ImportError::Exists(name));
    }
    store.create_realm(&plan.seed, &key).await.map_err(|e| match e {
        CoreError::Conflict(_) => ImportError::Invalid(vec![format!(
            "realm '{name}': an id in the file is already used in this database (realm, client, scope, role or user id)"
        )]),
        other => ImportError::Store(other),
    })?;
    Ok(plan.report)
}
