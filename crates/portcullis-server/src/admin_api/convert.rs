//! Keycloak representations <-> domain types. Applying a representation changes only the
//! fields it carries, as Keycloak's `RepresentationToModel` does.

use portcullis_core::client::Client;
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::scope::{ClientScope, ProtocolMapper};
use portcullis_core::user::User;
use portcullis_types::keycloak::{
    ClientRepresentation, ClientScopeRepresentation, ProtocolMapperRepresentation, RealmRepresentation,
    RoleRepresentation, UserRepresentation,
};

macro_rules! set_if {
    ($target:expr, $src:expr) => {
        if let Some(v) = $src {
            $target = v;
        }
    };
}

pub fn realm_rep(r: &Realm) -> RealmRepresentation {
    RealmRepresentation {
        id: Some(r.id.clone()),
        realm: Some(r.name.clone()),
        display_name: r.display_name.clone(),
        enabled: Some(r.enabled),
        access_token_lifespan: Some(r.access_token_lifespan),
        not_before: Some(r.not_before),
        sso_session_idle_timeout: Some(r.sessions.idle_timeout),
        sso_session_max_lifespan: Some(r.sessions.max_lifespan),
        revoke_refresh_token: Some(r.sessions.revoke_refresh_token),
        default_signature_algorithm: Some(r.default_signature_algorithm.clone()),
        ssl_required: Some(r.ssl_required.clone()),
        default_default_client_scopes: None,
        default_optional_client_scopes: None,
        attributes: Some(r.attributes.clone()),
        brute_force_protected: Some(r.brute_force.brute_force_protected),
        permanent_lockout: Some(r.brute_force.permanent_lockout),
        max_temporary_lockouts: Some(r.brute_force.max_temporary_lockouts),
        max_failure_wait_seconds: Some(r.brute_force.max_failure_wait_seconds),
        minimum_quick_login_wait_seconds: Some(r.brute_force.minimum_quick_login_wait_seconds),
        wait_increment_seconds: Some(r.brute_force.wait_increment_seconds),
        quick_login_check_milli_seconds: Some(r.brute_force.quick_login_check_milli_seconds),
        max_delta_time_seconds: Some(r.brute_force.max_delta_time_seconds),
        failure_factor: Some(r.brute_force.failure_factor),
        events_enabled: Some(r.events.events_enabled),
        events_expiration: r.events.events_expiration,
        events_listeners: Some(vec!["jboss-logging".into()]),
        enabled_event_types: Some(r.events.enabled_event_types.clone()),
        admin_events_enabled: Some(r.events.admin_events_enabled),
        admin_events_details_enabled: Some(r.events.admin_events_details_enabled),
    }
}

pub fn apply_realm(rep: RealmRepresentation, r: &mut Realm) {
    set_if!(r.name, rep.realm);
    if rep.display_name.is_some() {
        r.display_name = rep.display_name;
    }
    set_if!(r.enabled, rep.enabled);
    set_if!(r.access_token_lifespan, rep.access_token_lifespan);
    set_if!(r.not_before, rep.not_before);
    set_if!(r.sessions.idle_timeout, rep.sso_session_idle_timeout);
    set_if!(r.sessions.max_lifespan, rep.sso_session_max_lifespan);
    set_if!(r.sessions.revoke_refresh_token, rep.revoke_refresh_token);
    set_if!(r.default_signature_algorithm, rep.default_signature_algorithm);
    set_if!(r.ssl_required, rep.ssl_required);
    set_if!(r.attributes, rep.attributes);
    let b = &mut r.brute_force;
    set_if!(b.brute_force_protected, rep.brute_force_protected);
    set_if!(b.permanent_lockout, rep.permanent_lockout);
    set_if!(b.max_temporary_lockouts, rep.max_temporary_lockouts);
    set_if!(b.max_failure_wait_seconds, rep.max_failure_wait_seconds);
    set_if!(b.minimum_quick_login_wait_seconds, rep.minimum_quick_login_wait_seconds);
    set_if!(b.wait_increment_seconds, rep.wait_increment_seconds);
    set_if!(b.quick_login_check_milli_seconds, rep.quick_login_check_milli_seconds);
    set_if!(b.max_delta_time_seconds, rep.max_delta_time_seconds);
    set_if!(b.failure_factor, rep.failure_factor);
    let e = &mut r.events;
    set_if!(e.events_enabled, rep.events_enabled);
    if let Some(v) = rep.events_expiration {
        e.events_expiration = (v > 0).then_some(v);
    }
    set_if!(e.enabled_event_types, rep.enabled_event_types);
    set_if!(e.admin_events_enabled, rep.admin_events_enabled);
    set_if!(e.admin_events_details_enabled, rep.admin_events_details_enabled);
    // Keycloak keeps the admin events' lifetime as a realm attribute.
    if let Some(v) = r.attributes.get("adminEventsExpiration") {
        e.admin_events_expiration = v.parse::<i64>().ok().filter(|v| *v > 0);
    }
}

pub fn client_rep(c: &Client, default_scopes: Vec<String>, optional_scopes: Vec<String>) -> ClientRepresentation {
    ClientRepresentation {
        id: Some(c.id.clone()),
        client_id: Some(c.client_id.clone()),
        name: c.name.clone(),
        description: c.description.clone(),
        root_url: c.root_url.clone(),
        admin_url: c.admin_url.clone(),
        base_url: c.base_url.clone(),
        enabled: Some(c.enabled),
        always_display_in_console: Some(c.always_display_in_console),
        client_authenticator_type: Some(c.client_authenticator_type.clone()),
        secret: super::client_secret::shown(c),
        redirect_uris: Some(c.redirect_uris.clone()),
        web_origins: Some(c.web_origins.clone()),
        not_before: Some(c.not_before),
        bearer_only: Some(c.bearer_only),
        consent_required: Some(c.consent_required),
        standard_flow_enabled: Some(c.standard_flow_enabled),
        implicit_flow_enabled: Some(c.implicit_flow_enabled),
        direct_access_grants_enabled: Some(c.direct_access_grants_enabled),
        service_accounts_enabled: Some(c.service_accounts_enabled),
        authorization_services_enabled: Some(c.authorization_services_enabled),
        public_client: Some(c.public_client),
        frontchannel_logout: Some(c.frontchannel_logout),
        protocol: Some(c.protocol.clone()),
        attributes: Some(c.attributes.clone()),
        full_scope_allowed: Some(c.full_scope_allowed),
        default_client_scopes: Some(default_scopes),
        optional_client_scopes: Some(optional_scopes),
        protocol_mappers: Some(c.protocol_mappers.iter().map(mapper_rep).collect()),
    }
}

pub fn apply_client(rep: ClientRepresentation, c: &mut Client) {
    set_if!(c.client_id, rep.client_id);
    for (field, value) in [
        (&mut c.name, rep.name),
        (&mut c.description, rep.description),
        (&mut c.root_url, rep.root_url),
        (&mut c.admin_url, rep.admin_url),
        (&mut c.base_url, rep.base_url),
    ] {
        if let Some(v) = value {
            *field = Some(v).filter(|v| !v.is_empty());
        }
    }
    set_if!(c.enabled, rep.enabled);
    set_if!(c.always_display_in_console, rep.always_display_in_console);
    set_if!(c.client_authenticator_type, rep.client_authenticator_type);
    set_if!(c.redirect_uris, rep.redirect_uris);
    set_if!(c.web_origins, rep.web_origins);
    set_if!(c.not_before, rep.not_before);
    set_if!(c.bearer_only, rep.bearer_only);
    set_if!(c.consent_required, rep.consent_required);
    set_if!(c.standard_flow_enabled, rep.standard_flow_enabled);
    set_if!(c.implicit_flow_enabled, rep.implicit_flow_enabled);
    set_if!(c.direct_access_grants_enabled, rep.direct_access_grants_enabled);
    set_if!(c.service_accounts_enabled, rep.service_accounts_enabled);
    set_if!(c.authorization_services_enabled, rep.authorization_services_enabled);
    set_if!(c.public_client, rep.public_client);
    set_if!(c.frontchannel_logout, rep.frontchannel_logout);
    set_if!(c.protocol, rep.protocol);
    if let Some(attrs) = rep.attributes {
        c.attributes.extend(attrs);
    }
    set_if!(c.full_scope_allowed, rep.full_scope_allowed);
    if let Some(mappers) = rep.protocol_mappers {
        c.protocol_mappers = mappers.into_iter().map(mapper_from_rep).collect();
    }
}

pub fn mapper_rep(m: &ProtocolMapper) -> ProtocolMapperRepresentation {
    ProtocolMapperRepresentation {
        id: Some(m.id.clone()),
        name: m.name.clone(),
        protocol: m.protocol.clone(),
        protocol_mapper: m.mapper_type.clone(),
        config: m.config.clone(),
    }
}

pub fn mapper_from_rep(r: ProtocolMapperRepresentation) -> ProtocolMapper {
    ProtocolMapper {
        id: r.id.unwrap_or_else(portcullis_core::new_id),
        name: r.name,
        protocol: r.protocol,
        mapper_type: r.protocol_mapper,
        config: r.config,
    }
}

pub fn scope_rep(s: &ClientScope) -> ClientScopeRepresentation {
    ClientScopeRepresentation {
        id: Some(s.id.clone()),
        name: Some(s.name.clone()),
        description: s.description.clone(),
        protocol: Some(s.protocol.clone()),
        attributes: Some(s.attributes.clone()),
        protocol_mappers: Some(s.protocol_mappers.iter().map(mapper_rep).collect()),
    }
}

pub fn apply_scope(rep: ClientScopeRepresentation, s: &mut ClientScope) {
    set_if!(s.name, rep.name);
    if rep.description.is_some() {
        s.description = rep.description;
    }
    set_if!(s.protocol, rep.protocol);
    if let Some(attrs) = rep.attributes {
        s.attributes.extend(attrs);
    }
    if let Some(mappers) = rep.protocol_mappers {
        s.protocol_mappers = mappers.into_iter().map(mapper_from_rep).collect();
    }
}

pub fn role_rep(r: &Role) -> RoleRepresentation {
    RoleRepresentation {
        id: Some(r.id.clone()),
        name: Some(r.name.clone()),
        description: r.description.clone(),
        composite: Some(r.composite),
        client_role: Some(r.client_id.is_some()),
        container_id: Some(r.client_id.clone().unwrap_or_else(|| r.realm_id.clone())),
    }
}

pub fn user_rep(u: &User) -> UserRepresentation {
    UserRepresentation {
        id: Some(u.id.clone()),
        username: Some(u.username.clone()),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        email: u.email.clone(),
        email_verified: Some(u.email_verified),
        enabled: Some(u.enabled),
        attributes: Some(u.attributes.clone()).filter(|a| !a.is_empty()),
        created_timestamp: Some(u.created_timestamp),
        service_account_client_id: u.service_account_client_id.clone(),
        credentials: None,
        required_actions: Some(Vec::new()),
    }
}

/// Applies editable user fields. The username of an existing user is not changed
/// (Keycloak's default: `editUsernameAllowed` off).
pub fn apply_user(rep: UserRepresentation, u: &mut User) {
    for (field, value) in
        [(&mut u.email, rep.email), (&mut u.first_name, rep.first_name), (&mut u.last_name, rep.last_name)]
    {
        if let Some(v) = value {
            *field = Some(v).filter(|v| !v.is_empty());
        }
    }
    set_if!(u.enabled, rep.enabled);
    set_if!(u.email_verified, rep.email_verified);
    set_if!(u.attributes, rep.attributes);
}
