//! The changes that make a realm match its file, each described for the plan and carried
//! out through the Admin API. Names are resolved when a change runs, because an earlier
//! change may have created what it refers to.

use serde_json::{json, Value};

use super::super::api::seg;
use super::super::error::CliError;
use super::super::resolve::{self, realm_path};
use super::super::Api;

/// Whose realm roles a [`Change::Roles`] changes.
#[derive(Debug, Clone)]
pub enum Holder {
    User(String),
    ServiceAccount(String),
}

/// One step of a plan.
#[derive(Debug, Clone)]
pub enum Change {
    /// The realm does not exist: the whole file is imported at once.
    CreateRealm {
        name: String,
        document: String,
    },
    UpdateRealm {
        fields: Vec<String>,
        body: Value,
    },
    CreateScope {
        name: String,
        body: Value,
    },
    UpdateScope {
        name: String,
        fields: Vec<String>,
        body: Value,
    },
    DeleteScope {
        name: String,
    },
    CreateRole {
        client: Option<String>,
        name: String,
        body: Value,
    },
    UpdateRole {
        name: String,
        fields: Vec<String>,
        body: Value,
    },
    DeleteRole {
        client: Option<String>,
        name: String,
    },
    CreateClient {
        client_id: String,
        body: Value,
    },
    UpdateClient {
        client_id: String,
        fields: Vec<String>,
        body: Value,
    },
    DeleteClient {
        client_id: String,
    },
    Link {
        client_id: String,
        scope: String,
        optional: bool,
        add: bool,
    },
    CreateUser {
        username: String,
        body: Value,
    },
    UpdateUser {
        holder: Holder,
        fields: Vec<String>,
        body: Value,
    },
    DeleteUser {
        username: String,
    },
    Roles {
        holder: Holder,
        add: Vec<String>,
        remove: Vec<String>,
    },
}

impl Holder {
    fn label(&self) -> String {
        match self {
            Self::User(u) => format!("user {u}"),
            Self::ServiceAccount(c) => format!("service account of {c}"),
        }
    }

    fn user(&self, api: &Api, realm: &str) -> Result<Value, CliError> {
        match self {
            Self::User(u) => resolve::user(api, realm, u),
            Self::ServiceAccount(c) => resolve::service_account(api, realm, c),
        }
    }
}

impl Change {
    /// One line of the plan: `+` create, `~` change, `-` delete.
    pub fn describe(&self) -> String {
        let fields = |f: &[String]| f.join(", ");
        let whose = |c: &Option<String>| c.as_ref().map_or(String::new(), |c| format!(" of client {c}"));
        match self {
            Self::CreateRealm { name, .. } => format!("+ realm {name} (with everything in the file)"),
            Self::UpdateRealm { fields: f, .. } => format!("~ realm settings: {}", fields(f)),
            Self::CreateScope { name, .. } => format!("+ client scope {name}"),
            Self::UpdateScope { name, fields: f, .. } => format!("~ client scope {name}: {}", fields(f)),
            Self::DeleteScope { name } => format!("- client scope {name}"),
            Self::CreateRole { client, name, .. } => format!("+ role {name}{}", whose(client)),
            Self::UpdateRole { name, fields: f, .. } => format!("~ role {name}: {}", fields(f)),
            Self::DeleteRole { client, name } => format!("- role {name}{}", whose(client)),
            Self::CreateClient { client_id, .. } => format!("+ client {client_id}"),
            Self::UpdateClient { client_id, fields: f, .. } => format!("~ client {client_id}: {}", fields(f)),
            Self::DeleteClient { client_id } => format!("- client {client_id}"),
            Self::Link { client_id, scope, optional, add } => {
                let kind = if *optional { "optional" } else { "default" };
                let sign = if *add { '+' } else { '-' };
                format!("{sign} {kind} client scope {scope} of client {client_id}")
            }
            Self::CreateUser { username, .. } => format!("+ user {username}"),
            Self::UpdateUser { holder, fields: f, .. } => format!("~ {}: {}", holder.label(), fields(f)),
            Self::DeleteUser { username } => format!("- user {username}"),
            Self::Roles { holder, add, remove } => {
                let mut parts = Vec::new();
                if !add.is_empty() {
                    parts.push(format!("+{}", add.join(", +")));
                }
                if !remove.is_empty() {
                    parts.push(format!("-{}", remove.join(", -")));
                }
                format!("~ realm roles of {}: {}", holder.label(), parts.join(", "))
            }
        }
    }

    /// Carries the change out.
    pub fn execute(&self, api: &Api, realm: &str) -> Result<(), CliError> {
        let rp = realm_path(realm);
        match self {
            Self::CreateRealm { document, .. } => api.post_text("?report=true", document).map(drop),
            Self::UpdateRealm { body, .. } => api.put(&rp, Some(body)),
            Self::CreateScope { body, .. } => api.post(&format!("{rp}/client-scopes"), body).map(drop),
            Self::UpdateScope { name, body, .. } => {
                let id = resolve::id(&resolve::scope(api, realm, name)?)?.to_owned();
                api.put(&format!("{rp}/client-scopes/{}", seg(&id)), Some(body))
            }
            Self::DeleteScope { name } => {
                let id = resolve::id(&resolve::scope(api, realm, name)?)?.to_owned();
                api.delete(&format!("{rp}/client-scopes/{}", seg(&id)), None)
            }
            Self::CreateRole { client: None, body, .. } => api.post(&format!("{rp}/roles"), body).map(drop),
            Self::CreateRole { client: Some(c), body, .. } => {
                api.post(&format!("{}/roles", resolve::client_path(api, realm, c)?), body).map(drop)
            }
            Self::UpdateRole { name, body, .. } => api.put(&format!("{rp}/roles/{}", seg(name)), Some(body)),
            Self::DeleteRole { client: None, name } => api.delete(&format!("{rp}/roles/{}", seg(name)), None),
            Self::DeleteRole { client: Some(c), name } => {
                api.delete(&format!("{}/roles/{}", resolve::client_path(api, realm, c)?, seg(name)), None)
            }
            Self::CreateClient { body, .. } => api.post(&format!("{rp}/clients"), body).map(drop),
            Self::UpdateClient { client_id, body, .. } => {
                api.put(&resolve::client_path(api, realm, client_id)?, Some(body))
            }
            Self::DeleteClient { client_id } => api.delete(&resolve::client_path(api, realm, client_id)?, None),
            Self::Link { client_id, scope, optional, add } => {
                let sub = if *optional { "optional-client-scopes" } else { "default-client-scopes" };
                let id = resolve::id(&resolve::scope(api, realm, scope)?)?.to_owned();
                let path = format!("{}/{sub}/{}", resolve::client_path(api, realm, client_id)?, seg(&id));
                if *add {
                    api.put(&path, None)
                } else {
                    api.delete(&path, None)
                }
            }
            Self::CreateUser { body, .. } => api.post(&format!("{rp}/users"), body).map(drop),
            Self::UpdateUser { holder, body, .. } => {
                let user = holder.user(api, realm)?;
                api.put(&format!("{rp}/users/{}", seg(resolve::id(&user)?)), Some(body))
            }
            Self::DeleteUser { username } => {
                let user = resolve::user(api, realm, username)?;
                api.delete(&format!("{rp}/users/{}", seg(resolve::id(&user)?)), None)
            }
            Self::Roles { holder, add, remove } => {
                let user = holder.user(api, realm)?;
                if !add.is_empty() {
                    super::super::user::assign(api, realm, &user, add, true)?;
                }
                if !remove.is_empty() {
                    super::super::user::assign(api, realm, &user, remove, false)?;
                }
                Ok(())
            }
        }
    }

    /// The change as JSON, for `--output json`.
    pub fn to_json(&self) -> Value {
        json!({"change": self.describe()})
    }
}
