//! What the token endpoint needs to know about one client, loaded once and cached so the
//! hot path reads no database.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::client::Client;
use crate::grant::MappedCache;
use crate::mappers::Subject;
use crate::realm::Realm;
use crate::role::Role;
use crate::scope::ClientScope;

/// A client with everything its tokens depend on.
#[derive(Debug, Clone)]
pub struct ClientContext {
    /// The client's realm.
    pub realm: Realm,
    /// The client.
    pub client: Client,
    /// Its service-account user with effective roles, when service accounts are enabled.
    pub service_account: Option<Subject>,
    /// Scopes always granted.
    pub default_scopes: Vec<ClientScope>,
    /// Scopes granted when asked for.
    pub optional_scopes: Vec<ClientScope>,
    /// The service account's mapper claims by granted scopes, filled by the tokens.
    pub mapped: MappedCache,
}

/// Roles reachable from a user: its direct mappings and the composite graph of the realm.
#[derive(Debug, Clone, Default)]
pub struct RoleGraph {
    /// Every role of the realm.
    pub roles: Vec<Role>,
    /// `(composite, member)` edges.
    pub edges: Vec<(String, String)>,
    /// `clientId` by internal client id, for client roles.
    pub client_ids: HashMap<String, String>,
}

impl RoleGraph {
    /// Expands `direct` role ids through composites into realm role names and client role
    /// names by `clientId`, sorted for stable tokens.
    pub fn effective(&self, direct: &[String]) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = direct.iter().map(String::as_str).collect();
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(self.edges.iter().filter(|(p, _)| p == id).map(|(_, c)| c.as_str()));
            }
        }
        let mut realm = Vec::new();
        let mut clients: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for role in self.roles.iter().filter(|r| seen.contains(r.id.as_str())) {
            match role.client_id.as_ref().and_then(|c| self.client_ids.get(c)) {
                Some(client_id) => clients.entry(client_id.clone()).or_default().push(role.name.clone()),
                None if role.client_id.is_none() => realm.push(role.name.clone()),
                None => {}
            }
        }
        realm.sort();
        clients.values_mut().for_each(|v| v.sort());
        (realm, clients)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, name: &str, client: Option<&str>) -> Role {
        Role {
            id: id.into(),
            realm_id: "r".into(),
            client_id: client.map(Into::into),
            name: name.into(),
            description: None,
            composite: false,
        }
    }

    #[test]
    fn composites_expand_without_looping() {
        let graph = RoleGraph {
            roles: vec![
                role("1", "default", None),
                role("2", "offline", None),
                role("3", "view", Some("c1")),
                role("4", "unused", None),
            ],
            edges: vec![("1".into(), "2".into()), ("1".into(), "3".into()), ("2".into(), "1".into())],
            client_ids: [("c1".to_string(), "account".to_string())].into(),
        };
        let (realm, clients) = graph.effective(&["1".into()]);
        assert_eq!(realm, vec!["default", "offline"]);
        assert_eq!(clients["account"], vec!["view"]);
    }
}
