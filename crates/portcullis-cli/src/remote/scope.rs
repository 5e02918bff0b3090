//! `portcullis client-scope`.

use clap::Subcommand;
use serde_json::{json, Value};

use super::api::seg;
use super::args::{Body, Scope};
use super::error::CliError;
use super::output::{self, Column};
use super::resolve::{self, realm_path};
use super::Api;

const COLUMNS: &[Column] = &[("NAME", "name"), ("ID", "id"), ("PROTOCOL", "protocol"), ("DESCRIPTION", "description")];

/// `client-scope` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// List a realm's client scopes.
    List(Scope),
    /// Show a client scope with its mappers.
    Get {
        name: String,
        #[command(flatten)]
        scope: Scope,
    },
    /// Create a client scope.
    Create {
        name: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        scope: Scope,
    },
    /// Change a client scope (the fields given; the rest stay).
    Update {
        name: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        scope: Scope,
    },
    /// Delete a client scope.
    Delete {
        name: String,
        #[command(flatten)]
        scope: Scope,
    },
}

/// Runs a `client-scope` command.
pub fn run(command: ScopeCommand) -> Result<(), CliError> {
    let api = Api::connect()?;
    match command {
        ScopeCommand::List(scope) => {
            let list = api.get(&format!("{}/client-scopes", realm_path(&scope.realm)))?;
            output::list(scope.output, list.as_array().map_or(&[], Vec::as_slice), COLUMNS);
        }
        ScopeCommand::Get { name, scope } => output::object(scope.output, &resolve::scope(&api, &scope.realm, &name)?),
        ScopeCommand::Create { name, body, scope } => {
            let mut rep = body.build(json!({"protocol": "openid-connect"}))?;
            rep["name"] = Value::String(name.clone());
            let id = api.post(&format!("{}/client-scopes", realm_path(&scope.realm)), &rep)?;
            output::done(
                scope.output,
                &format!("created client scope {name} in realm {}", scope.realm),
                json!({"name": name, "id": id, "created": true}),
            );
        }
        ScopeCommand::Update { name, body, scope } => {
            body.require_change()?;
            let current = resolve::scope(&api, &scope.realm, &name)?;
            let path = format!("{}/client-scopes/{}", realm_path(&scope.realm), seg(resolve::id(&current)?));
            api.put(&path, Some(&body.build(current)?))?;
            output::done(scope.output, &format!("updated client scope {name}"), json!({"name": name, "updated": true}));
        }
        ScopeCommand::Delete { name, scope } => {
            let current = resolve::scope(&api, &scope.realm, &name)?;
            api.delete(&format!("{}/client-scopes/{}", realm_path(&scope.realm), seg(resolve::id(&current)?)), None)?;
            output::done(scope.output, &format!("deleted client scope {name}"), json!({"name": name, "deleted": true}));
        }
    }
    Ok(())
}
