//! Who may call which admin endpoint: Keycloak's `realm-management` client roles.
//!
//! A user of realm R whose token carries `resource_access.realm-management.roles`
//! administers R, and only R, as far as those roles go; a master-realm user with the
//! `admin` realm role administers every realm. The need of a request is derived from its
//! method and path alone, in one table, so that no endpoint can be left unguarded: an
//! unknown path needs `manage-realm`.

/// The client whose roles grant administration of its realm.
pub const REALM_MANAGEMENT: &str = "realm-management";

/// Keycloak's `realm-management` roles (all created, so that exports and tools that
/// assign them work; Portcullis checks the ones in [`Area`]).
pub const ROLES: [&str; 19] = [
    "create-client",
    "impersonation",
    "manage-authorization",
    "manage-clients",
    "manage-events",
    "manage-identity-providers",
    "manage-realm",
    "manage-users",
    "query-clients",
    "query-groups",
    "query-realms",
    "query-users",
    "realm-admin",
    "view-authorization",
    "view-clients",
    "view-events",
    "view-identity-providers",
    "view-realm",
    "view-users",
];

/// What part of a realm a request touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Realm settings, roles, keys.
    Realm,
    /// Clients and client scopes.
    Clients,
    /// Users, their role mappings and brute-force status.
    Users,
    /// Login and admin events.
    Events,
}

/// A request's need: view or manage an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The area.
    pub area: Area,
    /// `false`: reading is enough.
    pub manage: bool,
}

impl Need {
    /// The role that grants exactly this need (`manage-*` also grants viewing).
    pub fn role(self) -> &'static str {
        match (self.area, self.manage) {
            (Area::Realm, false) => "view-realm",
            (Area::Realm, true) => "manage-realm",
            (Area::Clients, false) => "view-clients",
            (Area::Clients, true) => "manage-clients",
            (Area::Users, false) => "view-users",
            (Area::Users, true) => "manage-users",
            (Area::Events, false) => "view-events",
            (Area::Events, true) => "manage-events",
        }
    }
}

/// The need of a request for `sub_path`, the path below `/admin/realms/{realm}` (empty
/// for the realm itself); `read` for GET and HEAD.
pub fn need(read: bool, sub_path: &str) -> Need {
    let first = sub_path.trim_start_matches('/').split('/').next().unwrap_or_default();
    let area = match first {
        "clients" | "client-scopes" => Area::Clients,
        "users" | "attack-detection" => Area::Users,
        "events" | "admin-events" => Area::Events,
        _ => Area::Realm,
    };
    Need { area, manage: !read }
}

/// Whether `roles` (a token's `realm-management` roles) meet `need`.
pub fn allows(roles: &[String], need: Need) -> bool {
    let has = |r: &str| roles.iter().any(|x| x == r);
    if has("realm-admin") {
        return true;
    }
    let manage = Need { manage: true, ..need }.role();
    has(manage) || (!need.manage && has(need.role()))
}

/// Whether `roles` let their holder see the realm at all (to list it).
pub fn sees_realm(roles: &[String]) -> bool {
    roles.iter().any(|r| r == "realm-admin" || r.starts_with("view-") || r.starts_with("manage-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn paths_map_to_areas() {
        assert_eq!(need(true, ""), Need { area: Area::Realm, manage: false });
        assert_eq!(need(false, ""), Need { area: Area::Realm, manage: true });
        assert_eq!(need(true, "clients/x/client-secret").area, Area::Clients);
        assert_eq!(need(false, "client-scopes/x/protocol-mappers/models").area, Area::Clients);
        assert_eq!(need(false, "users/u/role-mappings/realm").area, Area::Users);
        assert_eq!(need(false, "attack-detection/brute-force/users").area, Area::Users);
        assert_eq!(need(true, "admin-events").area, Area::Events);
        assert_eq!(need(true, "roles/r").area, Area::Realm);
        assert_eq!(need(true, "something-new").area, Area::Realm, "unknown paths need the realm");
    }

    #[test]
    fn manage_implies_view_and_realm_admin_everything() {
        let view = Need { area: Area::Clients, manage: false };
        let manage = Need { area: Area::Clients, manage: true };
        assert!(allows(&roles(&["view-clients"]), view));
        assert!(!allows(&roles(&["view-clients"]), manage));
        assert!(allows(&roles(&["manage-clients"]), view));
        assert!(!allows(&roles(&["manage-users"]), view));
        assert!(allows(&roles(&["realm-admin"]), Need { area: Area::Events, manage: true }));
        assert!(!allows(&[], view));
        assert!(sees_realm(&roles(&["view-events"])) && !sees_realm(&roles(&["query-users"])));
    }
}
