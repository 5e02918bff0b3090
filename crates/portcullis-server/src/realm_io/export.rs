//! A realm as a Keycloak realm export.

use std::collections::{BTreeMap, HashMap};

use portcullis_core::context::RoleGraph;
use portcullis_core::error::CoreResult;
use portcullis_core::password_transfer::to_keycloak;
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::secret::MASKED;
use portcullis_core::store::{Store, UserQuery};
use portcullis_types::keycloak::{
    Composites, CredentialRepresentation, RealmExport, RoleExport, RolesExport, UserExport,
};

use crate::admin_api::convert::{client_rep, realm_rep, role_rep, scope_rep, user_rep};

/// Names of realm and client roles among `ids`: `(realm names, client names by clientId)`.
fn role_names(graph: &RoleGraph, ids: &[String]) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut realm = Vec::new();
    let mut client: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for role in graph.roles.iter().filter(|r| ids.contains(&r.id)) {
        match role.client_id.as_ref().and_then(|c| graph.client_ids.get(c)) {
            Some(client_id) => client.entry(client_id.clone()).or_default().push(role.name.clone()),
            None => realm.push(role.name.clone()),
        }
    }
    realm.sort();
    client.values_mut().for_each(|v| v.sort());
    (realm, client)
}

fn role_export(graph: &RoleGraph, role: &Role) -> RoleExport {
    let members: Vec<String> = graph.edges.iter().filter(|(p, _)| *p == role.id).map(|(_, m)| m.clone()).collect();
    let composites = (!members.is_empty()).then(|| {
        let (realm, client) = role_names(graph, &members);
        Composites { realm: Some(realm).filter(|r| !r.is_empty()), client: Some(client).filter(|c| !c.is_empty()) }
    });
    let mut rep = role_rep(role);
    // Keycloak's export names the container by clientId/realm elsewhere; ids are enough here.
    rep.container_id = None;
    RoleExport { role: rep, composites }
}

/// Exports `realm`. Client secrets are written as kept when `secrets` is true (a backup
/// of the data dir, offline), and masked as Keycloak's partial export masks them
/// otherwise; a secret kept only as a hash is always masked.
pub async fn export(store: &dyn Store, realm: &Realm, secrets: bool) -> CoreResult<RealmExport> {
    let mut rep = realm_rep(realm);
    let scopes = {
        let mut s = store.list_scopes(&realm.id).await?;
        s.sort_by(|a, b| a.name.cmp(&b.name));
        s
    };
    let scope_name: HashMap<&str, &str> = scopes.iter().map(|s| (s.id.as_str(), s.name.as_str())).collect();
    let names_of = |links: &[(String, bool)], default: bool| -> Vec<String> {
        let mut v: Vec<String> = links
            .iter()
            .filter(|(_, d)| *d == default)
            .filter_map(|(id, _)| scope_name.get(id.as_str()).map(|n| (*n).to_owned()))
            .collect();
        v.sort();
        v
    };
    let realm_links = store.realm_default_scopes(&realm.id).await?;
    rep.default_default_client_scopes = Some(names_of(&realm_links, true));
    rep.default_optional_client_scopes = Some(names_of(&realm_links, false));

    let graph = store.role_graph(&realm.id).await?;
    let mut realm_roles: Vec<RoleExport> =
        graph.roles.iter().filter(|r| r.client_id.is_none()).map(|r| role_export(&graph, r)).collect();
    realm_roles.sort_by(|a, b| a.role.name.cmp(&b.role.name));
    let mut client_roles: BTreeMap<String, Vec<RoleExport>> = BTreeMap::new();
    for role in graph.roles.iter().filter(|r| r.client_id.is_some()) {
        if let Some(client_id) = role.client_id.as_ref().and_then(|c| graph.client_ids.get(c)) {
            client_roles.entry(client_id.clone()).or_default().push(role_export(&graph, role));
        }
    }
    client_roles.values_mut().for_each(|v| v.sort_by(|a, b| a.role.name.cmp(&b.role.name)));

    let mut clients = store.list_clients(&realm.id, None).await?;
    clients.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    let client_id_of: HashMap<String, String> = clients.iter().map(|c| (c.id.clone(), c.client_id.clone())).collect();
    let mut client_reps = Vec::new();
    for c in &clients {
        let links = store.client_scope_links(&c.id).await?;
        let mut r = client_rep(c, names_of(&links, true), names_of(&links, false));
        if !secrets {
            r.secret = r.secret.map(|_| MASKED.to_owned());
        }
        client_reps.push(r);
    }

    let query = UserQuery { max: i64::MAX, ..UserQuery::default() };
    let mut users = store.list_users(&realm.id, &query).await?;
    users.sort_by(|a, b| a.username.cmp(&b.username));
    let mut user_exports = Vec::new();
    for u in &users {
        let mut rep = user_rep(u);
        rep.required_actions = None;
        rep.service_account_client_id =
            u.service_account_client_id.as_ref().and_then(|id| client_id_of.get(id)).cloned();
        if let Some((secret_data, credential_data)) = store.password_hash(&u.id).await?.as_deref().and_then(to_keycloak)
        {
            rep.credentials = Some(vec![CredentialRepresentation {
                type_: Some("password".into()),
                secret_data: Some(secret_data),
                credential_data: Some(credential_data),
                ..CredentialRepresentation::default()
            }]);
        }
        let (realm_names, client_names) = role_names(&graph, &store.user_role_ids(&u.id).await?);
        user_exports.push(UserExport {
            user: rep,
            realm_roles: Some(realm_names),
            client_roles: Some(client_names).filter(|c| !c.is_empty()),
        });
    }
    Ok(RealmExport {
        realm: rep,
        client_scopes: scopes.iter().map(scope_rep).collect(),
        roles: Some(RolesExport { realm: realm_roles, client: client_roles }),
        clients: client_reps,
        users: user_exports,
    })
}
