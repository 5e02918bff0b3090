//! What a new realm starts with, the way Keycloak sets it up: its default client scopes
//! with their usual mappers, and the default roles.

use crate::client::Client;
use crate::error::CoreResult;
use crate::realm::Realm;
use crate::role::{default_roles_name, Role};
use crate::scope::{ClientScope, ProtocolMapper, ATTR_INCLUDE_IN_TOKEN_SCOPE};
use crate::store::ClientSeed;
use crate::user::User;

/// Everything created together with a realm, in one transaction.
#[derive(Debug, Clone)]
pub struct RealmSeed {
    /// The realm.
    pub realm: Realm,
    /// Its built-in roles; the first is `default-roles-{realm}`.
    pub roles: Vec<Role>,
    /// `(parent, child)` role ids of the default composite role.
    pub composites: Vec<(String, String)>,
    /// Keycloak's default client scopes.
    pub scopes: Vec<ClientScope>,
    /// Scope ids given to new clients, with `true` for default, `false` for optional.
    pub realm_default_scopes: Vec<(String, bool)>,
    /// Users created with the realm: each with an optional password hash and role ids.
    pub users: Vec<(User, Option<String>, Vec<String>)>,
    /// Clients created with the realm.
    pub clients: Vec<ClientSeed>,
    /// Roles of those clients (stored after them).
    pub client_roles: Vec<Role>,
}

const ACCESS: (&str, &str) = ("access.token.claim", "true");
const ID: (&str, &str) = ("id.token.claim", "true");
const INTROSPECTION: (&str, &str) = ("introspection.token.claim", "true");
const USERINFO: (&str, &str) = ("userinfo.token.claim", "true");

fn property(name: &str, attribute: &str, claim: &str, json_type: &str) -> ProtocolMapper {
    ProtocolMapper::new(
        name,
        "oidc-usermodel-property-mapper",
        &[
            ("user.attribute", attribute),
            ("claim.name", claim),
            ("jsonType.label", json_type),
            ACCESS,
            ID,
            INTROSPECTION,
            USERINFO,
        ],
    )
}

fn scope(
    realm_id: &str,
    name: &str,
    in_token: bool,
    description: &str,
    mappers: Vec<ProtocolMapper>,
) -> CoreResult<ClientScope> {
    let mut s = ClientScope::new(realm_id, name)?;
    s.description = Some(description.to_owned());
    s.attributes.insert(ATTR_INCLUDE_IN_TOKEN_SCOPE.into(), in_token.to_string());
    s.attributes.insert("display.on.consent.screen".into(), "true".into());
    s.protocol_mappers = mappers;
    Ok(s)
}

/// Keycloak's default client scopes, all given to new clients as default scopes.
pub fn default_scopes(realm_id: &str) -> CoreResult<Vec<ClientScope>> {
    Ok(vec![
        scope(
            realm_id,
            "profile",
            true,
            "OpenID Connect built-in scope: profile",
            vec![
                property("username", "username", "preferred_username", "String"),
                ProtocolMapper::new("full name", "oidc-full-name-mapper", &[ACCESS, ID, INTROSPECTION, USERINFO]),
                property("given name", "firstName", "given_name", "String"),
                property("family name", "lastName", "family_name", "String"),
            ],
        )?,
        scope(
            realm_id,
            "email",
            true,
            "OpenID Connect built-in scope: email",
            vec![
                property("email", "email", "email", "String"),
                property("email verified", "emailVerified", "email_verified", "boolean"),
            ],
        )?,
        scope(
            realm_id,
            "roles",
            false,
            "OpenID Connect scope for add user roles to the access token",
            vec![
                ProtocolMapper::new(
                    "realm roles",
                    "oidc-usermodel-realm-role-mapper",
                    &[
                        ("claim.name", "realm_access.roles"),
                        ("multivalued", "true"),
                        ("jsonType.label", "String"),
                        ACCESS,
                        INTROSPECTION,
                    ],
                ),
                ProtocolMapper::new(
                    "client roles",
                    "oidc-usermodel-client-role-mapper",
                    &[
                        ("claim.name", "resource_access.${client_id}.roles"),
                        ("multivalued", "true"),
                        ("jsonType.label", "String"),
                        ACCESS,
                        INTROSPECTION,
                    ],
                ),
                ProtocolMapper::new("audience resolve", "oidc-audience-resolve-mapper", &[ACCESS, INTROSPECTION]),
            ],
        )?,
        scope(
            realm_id,
            "web-origins",
            false,
            "OpenID Connect scope for add allowed web origins to the access token",
            vec![ProtocolMapper::new("allowed web origins", "oidc-allowed-origins-mapper", &[ACCESS, INTROSPECTION])],
        )?,
        scope(
            realm_id,
            "acr",
            false,
            "OpenID Connect scope for add acr (authentication context class reference) to the token",
            vec![ProtocolMapper::new("acr loa level", "oidc-acr-mapper", &[ACCESS, ID, INTROSPECTION])],
        )?,
        scope(
            realm_id,
            "basic",
            false,
            "OpenID Connect scope for add all basic claims to the token",
            vec![ProtocolMapper::new("sub", "oidc-sub-mapper", &[ACCESS, INTROSPECTION])],
        )?,
    ])
}

/// The whole seed of a new realm.
pub fn realm_seed(realm: Realm) -> CoreResult<RealmSeed> {
    let default_roles = Role {
        composite: true,
        description: Some("${role_default-roles}".into()),
        ..Role::new_realm_role(&realm.id, &default_roles_name(&realm.name), None)?
    };
    let offline = Role::new_realm_role(&realm.id, "offline_access", Some("${role_offline-access}".into()))?;
    let uma = Role::new_realm_role(&realm.id, "uma_authorization", Some("${role_uma_authorization}".into()))?;
    let composites = vec![(default_roles.id.clone(), offline.id.clone()), (default_roles.id.clone(), uma.id.clone())];
    let scopes = default_scopes(&realm.id)?;
    let realm_default_scopes: Vec<(String, bool)> = scopes.iter().map(|s| (s.id.clone(), true)).collect();
    let (management, client_roles) = realm_management(&realm.id)?;
    let clients = vec![
        ClientSeed { client: admin_cli(&realm.id)?, service_account: None, scopes: realm_default_scopes.clone() },
        ClientSeed { client: management, service_account: None, scopes: Vec::new() },
    ];
    Ok(RealmSeed {
        realm,
        roles: vec![default_roles, offline, uma],
        composites,
        scopes,
        realm_default_scopes,
        users: Vec::new(),
        clients,
        client_roles,
    })
}

/// Keycloak's `admin-cli`: the public client admin tools log in with (password grant).
pub fn admin_cli(realm_id: &str) -> CoreResult<Client> {
    let mut cli = Client::new(realm_id, "admin-cli")?;
    cli.name = Some("${client_admin-cli}".into());
    cli.public_client = true;
    cli.standard_flow_enabled = false;
    cli.direct_access_grants_enabled = true;
    Ok(cli)
}

/// Keycloak's `realm-management` client (bearer-only) and its roles, which grant the
/// administration of this realm (see [`crate::admin_access`]).
pub fn realm_management(realm_id: &str) -> CoreResult<(Client, Vec<Role>)> {
    let mut client = Client::new(realm_id, crate::admin_access::REALM_MANAGEMENT)?;
    client.name = Some("${client_realm-management}".into());
    client.bearer_only = true;
    client.standard_flow_enabled = false;
    let roles = crate::admin_access::ROLES
        .iter()
        .map(|name| Role::new_client_role(realm_id, &client.id, name, Some(format!("${{role_{name}}}"))))
        .collect::<CoreResult<Vec<_>>>()?;
    Ok((client, roles))
}
