//! Keycloak Admin REST API representations (the JSON that python-keycloak and
//! keycloak-admin-client send and expect). Every field is optional on input because
//! Keycloak treats an absent field as "leave unchanged"; unknown fields are ignored.

mod client;
mod export;
mod realm;
mod role;
mod scope;
mod user;

pub use client::{ClientRepresentation, ClientSecretRepresentation};
pub use export::{Composites, RealmExport, RoleExport, RolesExport, UserExport};
pub use realm::RealmRepresentation;
pub use role::RoleRepresentation;
pub use scope::{ClientScopeRepresentation, ProtocolMapperRepresentation};
pub use user::{CredentialRepresentation, UserRepresentation};

/// The error body of the admin API (`{"errorMessage": "..."}`, as Keycloak answers).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorRepresentation {
    /// What went wrong, for a person.
    pub error_message: String,
}
