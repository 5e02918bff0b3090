//! `portcullis user` and `portcullis service-account`: users, their attributes and realm
//! roles. A service account is the user behind a client, found by the client's clientId.

use std::io::BufRead as _;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::api::seg;
use super::args::{attributes, Body, Scope};
use super::error::CliError;
use super::output::{self, Column};
use super::resolve::{self, realm_path};
use super::Api;

const COLUMNS: &[Column] = &[
    ("USERNAME", "username"),
    ("ID", "id"),
    ("ENABLED", "enabled"),
    ("EMAIL", "email"),
    ("FIRST NAME", "firstName"),
    ("LAST NAME", "lastName"),
];

const ROLE_COLUMNS: &[Column] = &[("ROLE", "name"), ("ID", "id"), ("DESCRIPTION", "description")];

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// List users.
    List {
        /// Only users whose username, email or name contains this text.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        scope: Scope,
    },
    /// Show a user.
    Get(NamedUser),
    /// Create a user.
    Create {
        username: String,
        /// Read the user's password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        scope: Scope,
    },
    /// Change a user (the fields given; the rest stay).
    Update {
        username: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        scope: Scope,
    },
    /// Delete a user.
    Delete(NamedUser),
    /// Set attributes (KEY=VALUE; a key given twice gets both values; the key's old values
    /// are replaced).
    SetAttribute {
        username: String,
        #[arg(required = true, value_name = "KEY=VALUE")]
        attributes: Vec<String>,
        #[command(flatten)]
        scope: Scope,
    },
    /// The user's realm roles.
    #[command(subcommand)]
    Roles(RolesCommand<NamedUser>),
}

/// `service-account` subcommands.
#[derive(Debug, Subcommand)]
pub enum ServiceAccountCommand {
    /// Show the service-account user of a client.
    Get(NamedClient),
    /// Change the service-account user (email, names, attributes…).
    Update {
        client_id: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        scope: Scope,
    },
    /// Set attributes of the service-account user (KEY=VALUE).
    SetAttribute {
        client_id: String,
        #[arg(required = true, value_name = "KEY=VALUE")]
        attributes: Vec<String>,
        #[command(flatten)]
        scope: Scope,
    },
    /// The realm roles of the service account (what its tokens carry).
    #[command(subcommand)]
    Roles(RolesCommand<NamedClient>),
}

/// A user by username.
#[derive(Debug, Args)]
pub struct NamedUser {
    pub username: String,
    #[command(flatten)]
    pub scope: Scope,
}

/// A service account by its client's clientId.
#[derive(Debug, Args)]
pub struct NamedClient {
    pub client_id: String,
    #[command(flatten)]
    pub scope: Scope,
}

/// Role subcommands of a user or service account.
#[derive(Debug, Subcommand)]
pub enum RolesCommand<T: Args> {
    /// List the directly assigned realm roles.
    List(T),
    /// Assign realm roles.
    Add(RoleNames<T>),
    /// Unassign realm roles.
    Remove(RoleNames<T>),
}

/// Someone and role names.
#[derive(Debug, Args)]
pub struct RoleNames<T: Args> {
    #[command(flatten)]
    pub who: T,
    /// Realm role names.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
}

/// Whose user it is.
trait Who {
    fn scope(&self) -> &Scope;
    fn label(&self) -> String;
    fn user(&self, api: &Api) -> Result<Value, CliError>;
}

impl Who for NamedUser {
    fn scope(&self) -> &Scope {
        &self.scope
    }
    fn label(&self) -> String {
        format!("user {}", self.username)
    }
    fn user(&self, api: &Api) -> Result<Value, CliError> {
        resolve::user(api, &self.scope.realm, &self.username)
    }
}

impl Who for NamedClient {
    fn scope(&self) -> &Scope {
        &self.scope
    }
    fn label(&self) -> String {
        format!("the service account of client {}", self.client_id)
    }
    fn user(&self, api: &Api) -> Result<Value, CliError> {
        resolve::service_account(api, &self.scope.realm, &self.client_id)
    }
}

fn user_path(realm: &str, user: &Value) -> Result<String, CliError> {
    Ok(format!("{}/users/{}", realm_path(realm), seg(resolve::id(user)?)))
}

/// Applies a body to a user: GET, overlay, PUT.
fn update(api: &Api, realm: &str, user: Value, body: &Body) -> Result<(), CliError> {
    body.require_change()?;
    let path = user_path(realm, &user)?;
    api.put(&path, Some(&body.build(user)?))
}

/// Replaces the given attributes' values, keeping the others.
pub fn set_attributes(api: &Api, realm: &str, mut user: Value, pairs: &[String]) -> Result<(), CliError> {
    let new = attributes(pairs)?;
    let path = user_path(realm, &user)?;
    if !user.get("attributes").is_some_and(Value::is_object) {
        user["attributes"] = json!({});
    }
    if let Some(attrs) = user.get_mut("attributes").and_then(Value::as_object_mut) {
        attrs.extend(new);
    }
    api.put(&path, Some(&user))
}

fn roles<T: Args + Who>(api: &Api, command: RolesCommand<T>) -> Result<(), CliError> {
    match command {
        RolesCommand::List(who) => {
            let user = who.user(api)?;
            let list = api.get(&format!("{}/role-mappings/realm", user_path(&who.scope().realm, &user)?))?;
            output::list(who.scope().output, list.as_array().map_or(&[], Vec::as_slice), ROLE_COLUMNS);
        }
        RolesCommand::Add(r) => {
            assign(api, &r.who.scope().realm, &r.who.user(api)?, &r.roles, true)?;
            output::done(
                r.who.scope().output,
                &format!("assigned {} to {}", r.roles.join(", "), r.who.label()),
                json!({"roles": r.roles, "assigned": true}),
            );
        }
        RolesCommand::Remove(r) => {
            assign(api, &r.who.scope().realm, &r.who.user(api)?, &r.roles, false)?;
            output::done(
                r.who.scope().output,
                &format!("unassigned {} from {}", r.roles.join(", "), r.who.label()),
                json!({"roles": r.roles, "unassigned": true}),
            );
        }
    }
    Ok(())
}

/// Assigns (`add`) or unassigns realm roles.
pub fn assign(api: &Api, realm: &str, user: &Value, names: &[String], add: bool) -> Result<(), CliError> {
    let reps = resolve::realm_roles(api, realm, names)?;
    let path = format!("{}/role-mappings/realm", user_path(realm, user)?);
    if add {
        api.post(&path, &reps).map(drop)
    } else {
        api.delete(&path, Some(&reps))
    }
}

/// Runs a `user` command.
pub fn run_user(command: UserCommand) -> Result<(), CliError> {
    let api = Api::connect()?;
    match command {
        UserCommand::List { search, scope } => {
            let path = format!("{}/users", realm_path(&scope.realm));
            let list = match &search {
                Some(s) => api.get_query(&path, &[("search", s)])?,
                None => api.get(&path)?,
            };
            output::list(scope.output, list.as_array().map_or(&[], Vec::as_slice), COLUMNS);
        }
        UserCommand::Get(n) => output::object(n.scope.output, &n.user(&api)?),
        UserCommand::Create { username, password_stdin, body, scope } => {
            let password = if password_stdin { Some(read_stdin_line()?) } else { None };
            let mut rep = body.build(json!({"enabled": true}))?;
            rep["username"] = Value::String(username.clone());
            let id = api.post(&format!("{}/users", realm_path(&scope.realm)), &rep)?;
            if let (Some(pw), Some(id)) = (password, &id) {
                api.put(
                    &format!("{}/users/{}/reset-password", realm_path(&scope.realm), seg(id)),
                    Some(&json!({"type": "password", "value": pw, "temporary": false})),
                )?;
            }
            output::done(
                scope.output,
                &format!("created user {username} in realm {}", scope.realm),
                json!({"username": username, "id": id, "created": true}),
            );
        }
        UserCommand::Update { username, body, scope } => {
            update(&api, &scope.realm, resolve::user(&api, &scope.realm, &username)?, &body)?;
            output::done(
                scope.output,
                &format!("updated user {username}"),
                json!({"username": username, "updated": true}),
            );
        }
        UserCommand::Delete(n) => {
            let user = n.user(&api)?;
            api.delete(&user_path(&n.scope.realm, &user)?, None)?;
            output::done(
                n.scope.output,
                &format!("deleted user {}", n.username),
                json!({"username": n.username, "deleted": true}),
            );
        }
        UserCommand::SetAttribute { username, attributes, scope } => {
            set_attributes(&api, &scope.realm, resolve::user(&api, &scope.realm, &username)?, &attributes)?;
            output::done(
                scope.output,
                &format!("set {} on user {username}", attributes.join(", ")),
                json!({"username": username, "attributes": attributes}),
            );
        }
        UserCommand::Roles(c) => roles(&api, c)?,
    }
    Ok(())
}

/// Runs a `service-account` command.
pub fn run_service_account(command: ServiceAccountCommand) -> Result<(), CliError> {
    let api = Api::connect()?;
    match command {
        ServiceAccountCommand::Get(n) => output::object(n.scope.output, &n.user(&api)?),
        ServiceAccountCommand::Update { client_id, body, scope } => {
            update(&api, &scope.realm, resolve::service_account(&api, &scope.realm, &client_id)?, &body)?;
            output::done(
                scope.output,
                &format!("updated the service account of client {client_id}"),
                json!({"clientId": client_id, "updated": true}),
            );
        }
        ServiceAccountCommand::SetAttribute { client_id, attributes, scope } => {
            let user = resolve::service_account(&api, &scope.realm, &client_id)?;
            set_attributes(&api, &scope.realm, user, &attributes)?;
            output::done(
                scope.output,
                &format!("set {} on the service account of client {client_id}", attributes.join(", ")),
                json!({"clientId": client_id, "attributes": attributes}),
            );
        }
        ServiceAccountCommand::Roles(c) => roles(&api, c)?,
    }
    Ok(())
}

/// The first line of stdin, without its line end.
pub fn read_stdin_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Err(CliError::Invalid("stdin held no password".into()));
    }
    Ok(line)
}
