//! `portcullis role`: realm roles, or a client's roles with `--client`.

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::api::seg;
use super::args::{Body, Scope};
use super::error::CliError;
use super::output::{self, Column};
use super::resolve::{self, realm_path};
use super::Api;

const COLUMNS: &[Column] =
    &[("NAME", "name"), ("ID", "id"), ("COMPOSITE", "composite"), ("DESCRIPTION", "description")];

/// Where the roles live.
#[derive(Debug, Args)]
pub struct Owner {
    /// A client's roles (by clientId) instead of the realm's.
    #[arg(long)]
    pub client: Option<String>,
    #[command(flatten)]
    pub scope: Scope,
}

/// `role` subcommands.
#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// List roles.
    List(Owner),
    /// Show a role.
    Get {
        name: String,
        #[command(flatten)]
        owner: Owner,
    },
    /// Create a role.
    Create {
        name: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        owner: Owner,
    },
    /// Change a realm role (the fields given; the rest stay).
    Update {
        name: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        owner: Owner,
    },
    /// Delete a role.
    Delete {
        name: String,
        #[command(flatten)]
        owner: Owner,
    },
}

fn base(api: &Api, owner: &Owner) -> Result<String, CliError> {
    match &owner.client {
        Some(c) => Ok(format!("{}/roles", resolve::client_path(api, &owner.scope.realm, c)?)),
        None => Ok(format!("{}/roles", realm_path(&owner.scope.realm))),
    }
}

fn whose(owner: &Owner) -> String {
    match &owner.client {
        Some(c) => format!("client {c}"),
        None => format!("realm {}", owner.scope.realm),
    }
}

/// Runs a `role` command.
pub fn run(command: RoleCommand) -> Result<(), CliError> {
    let api = Api::connect()?;
    match command {
        RoleCommand::List(owner) => {
            let list = api.get(&base(&api, &owner)?)?;
            output::list(owner.scope.output, list.as_array().map_or(&[], Vec::as_slice), COLUMNS);
        }
        RoleCommand::Get { name, owner } => {
            output::object(owner.scope.output, &api.get(&format!("{}/{}", base(&api, &owner)?, seg(&name)))?);
        }
        RoleCommand::Create { name, body, owner } => {
            let mut rep = body.build(json!({}))?;
            rep["name"] = Value::String(name.clone());
            api.post(&base(&api, &owner)?, &rep)?;
            output::done(
                owner.scope.output,
                &format!("created role {name} of {}", whose(&owner)),
                json!({"name": name, "created": true}),
            );
        }
        RoleCommand::Update { name, body, owner } => {
            if owner.client.is_some() {
                return Err(CliError::Invalid("client roles cannot be changed; delete and create them".into()));
            }
            body.require_change()?;
            let path = format!("{}/{}", base(&api, &owner)?, seg(&name));
            let current = api.get(&path)?;
            api.put(&path, Some(&body.build(current)?))?;
            output::done(owner.scope.output, &format!("updated role {name}"), json!({"name": name, "updated": true}));
        }
        RoleCommand::Delete { name, owner } => {
            api.delete(&format!("{}/{}", base(&api, &owner)?, seg(&name)), None)?;
            output::done(
                owner.scope.output,
                &format!("deleted role {name} of {}", whose(&owner)),
                json!({"name": name, "deleted": true}),
            );
        }
    }
    Ok(())
}
