//! Client scopes and protocol mappers.

use std::collections::BTreeMap;

use crate::error::{CoreError, CoreResult};

/// Client scope attribute: whether the scope's name appears in the `scope` claim.
pub const ATTR_INCLUDE_IN_TOKEN_SCOPE: &str = "include.in.token.scope";

/// A client scope (a named bundle of mappers a client gets by default or on request).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientScope {
    /// Internal id.
    pub id: String,
    /// Realm it belongs to.
    pub realm_id: String,
    /// The scope value clients ask for.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Always `openid-connect`.
    pub protocol: String,
    /// Keycloak attributes (`include.in.token.scope`, `display.on.consent.screen`, ...).
    pub attributes: BTreeMap<String, String>,
    /// Mappers that add claims when the scope applies.
    pub protocol_mappers: Vec<ProtocolMapper>,
}

impl ClientScope {
    /// A new, empty scope included in the `scope` claim.
    pub fn new(realm_id: &str, name: &str) -> CoreResult<Self> {
        validate_scope_name(name)?;
        let mut attributes = BTreeMap::new();
        attributes.insert(ATTR_INCLUDE_IN_TOKEN_SCOPE.to_owned(), "true".to_owned());
        Ok(Self {
            id: crate::new_id(),
            realm_id: realm_id.to_owned(),
            name: name.to_owned(),
            description: None,
            protocol: "openid-connect".to_owned(),
            attributes,
            protocol_mappers: Vec::new(),
        })
    }

    /// Whether the name goes into the `scope` claim (Keycloak: attribute absent = yes).
    pub fn include_in_token_scope(&self) -> bool {
        self.attributes.get(ATTR_INCLUDE_IN_TOKEN_SCOPE).is_none_or(|v| v != "false")
    }

    /// Checks a scope before it is stored.
    pub fn validate(&self) -> CoreResult<()> {
        validate_scope_name(&self.name)?;
        if self.protocol != "openid-connect" {
            return Err(CoreError::Invalid(format!("protocol '{}' is not supported", self.protocol)));
        }
        validate_mappers(&self.protocol_mappers)
    }
}

/// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
pub fn validate_scope_name(name: &str) -> CoreResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(CoreError::Invalid(format!(
            "client scope name '{name}' is not a valid OAuth scope token (RFC 6749 §3.3: printable ASCII without spaces, '\"' or '\\')"
        )))
    }
}

/// Checks a client's or scope's mappers: each well-formed, names unique within the owner
/// (a duplicate is a `Conflict`, as in Keycloak).
pub fn validate_mappers(mappers: &[ProtocolMapper]) -> CoreResult<()> {
    mappers.iter().try_for_each(ProtocolMapper::validate)?;
    let mut names: Vec<&str> = mappers.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(CoreError::Conflict("Protocol mapper exists with same name".into()));
    }
    Ok(())
}

/// A protocol mapper: adds or shapes claims. Types follow Keycloak's ids.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProtocolMapper {
    /// Internal id.
    pub id: String,
    /// Unique name within its scope or client.
    pub name: String,
    /// Always `openid-connect`.
    pub protocol: String,
    /// Keycloak mapper type id, e.g. `oidc-usermodel-attribute-mapper`.
    pub mapper_type: String,
    /// Mapper configuration (`claim.name`, `user.attribute`, `access.token.claim`, ...).
    pub config: BTreeMap<String, String>,
}

impl ProtocolMapper {
    /// Builds a mapper from `(key, value)` config pairs.
    pub fn new(name: &str, mapper_type: &str, config: &[(&str, &str)]) -> Self {
        Self {
            id: crate::new_id(),
            name: name.to_owned(),
            protocol: "openid-connect".to_owned(),
            mapper_type: mapper_type.to_owned(),
            config: config.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        }
    }

    /// Checks the fields every mapper needs.
    pub fn validate(&self) -> CoreResult<()> {
        if self.name.trim().is_empty() || self.mapper_type.trim().is_empty() {
            return Err(CoreError::Invalid("a protocol mapper needs a name and a protocolMapper type".into()));
        }
        Ok(())
    }
}
