use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    ClientRepresentation, ClientScopeRepresentation, RealmRepresentation, RoleRepresentation, UserRepresentation,
};

/// A realm export in Keycloak's realm JSON format: the realm's settings with its client
/// scopes, roles, clients and users. Fields Portcullis does not know are ignored on import
/// (the importer reports them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RealmExport {
    #[serde(flatten)]
    pub realm: RealmRepresentation,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_scopes: Vec<ClientScopeRepresentation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<RolesExport>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientRepresentation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserExport>,
}

/// `roles` of a realm export: realm roles, and client roles by `clientId`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RolesExport {
    #[serde(default)]
    pub realm: Vec<RoleExport>,
    #[serde(default)]
    pub client: BTreeMap<String, Vec<RoleExport>>,
}

/// A role with the roles it is made of.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RoleExport {
    #[serde(flatten)]
    pub role: RoleRepresentation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composites: Option<Composites>,
}

/// Members of a composite role: realm role names, and client role names by `clientId`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Composites {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<BTreeMap<String, Vec<String>>>,
}

/// A user with its role mappings by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserExport {
    #[serde(flatten)]
    pub user: UserRepresentation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm_roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_roles: Option<BTreeMap<String, Vec<String>>>,
}
