//! `portcullis client`: clients, their secret and their client scopes.

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::api::seg;
use super::args::{Body, Scope};
use super::error::CliError;
use super::output::{self, Column};
use super::resolve::{self, realm_path};
use super::Api;

const COLUMNS: &[Column] = &[
    ("CLIENT ID", "clientId"),
    ("ID", "id"),
    ("ENABLED", "enabled"),
    ("PUBLIC", "publicClient"),
    ("SERVICE ACCOUNT", "serviceAccountsEnabled"),
    ("NAME", "name"),
];

/// `client` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// List a realm's clients.
    List {
        /// Only clients whose clientId contains this text.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        scope: Scope,
    },
    /// Show a client.
    Get(Named),
    /// Create a confidential client (client authentication on) unless the body says otherwise.
    Create {
        client_id: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        scope: Scope,
    },
    /// Change a client (the fields given; the rest stay).
    Update {
        client_id: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        scope: Scope,
    },
    /// Delete a client (and its service-account user).
    Delete(Named),
    /// The client's secret.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// The client's default and optional client scopes.
    #[command(subcommand)]
    Scopes(ScopesCommand),
    /// Create or update a client with its scopes, service-account roles and user in one
    /// idempotent step (the onboarding guide, steps 3 to 9), and print its credentials.
    Onboard(Box<super::onboard::OnboardArgs>),
}

/// A client named by its clientId.
#[derive(Debug, Args)]
pub struct Named {
    pub client_id: String,
    #[command(flatten)]
    pub scope: Scope,
}

/// `client secret` subcommands.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Print the client secret.
    Get(Named),
    /// Replace the client secret with a new random one and print it.
    Regenerate(Named),
}

/// `client scopes` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScopesCommand {
    /// List the client's default and optional client scopes.
    List(Named),
    /// Add a client scope to the client, as default (always in the token) or optional.
    Add(ScopeLink),
    /// Remove a client scope from the client.
    Remove(ScopeLink),
}

/// A client and one of its client scopes.
#[derive(Debug, Args)]
pub struct ScopeLink {
    pub client_id: String,
    /// The client scope's name.
    pub scope_name: String,
    /// Optional (granted when the token request asks for it) instead of default.
    #[arg(long)]
    pub optional: bool,
    #[command(flatten)]
    pub scope: Scope,
}

/// Runs a `client` command.
pub fn run(command: ClientCommand) -> Result<(), CliError> {
    // Onboarding connects by itself; everything else needs the session first.
    let api = match command {
        ClientCommand::Onboard(args) => return super::onboard::run(*args),
        _ => Api::connect()?,
    };
    match command {
        ClientCommand::List { search, scope } => {
            let mut list = api.get(&format!("{}/clients", realm_path(&scope.realm)))?;
            if let (Some(text), Some(items)) = (&search, list.as_array_mut()) {
                items
                    .retain(|c| c.get("clientId").and_then(Value::as_str).is_some_and(|id| id.contains(text.as_str())));
            }
            output::list(scope.output, list.as_array().map_or(&[], Vec::as_slice), COLUMNS);
        }
        ClientCommand::Get(n) => output::object(n.scope.output, &resolve::client(&api, &n.scope.realm, &n.client_id)?),
        ClientCommand::Create { client_id, body, scope } => {
            let mut rep = body.build(json!({"enabled": true, "publicClient": false, "protocol": "openid-connect"}))?;
            rep["clientId"] = Value::String(client_id.clone());
            let id = api.post(&format!("{}/clients", realm_path(&scope.realm)), &rep)?;
            output::done(
                scope.output,
                &format!("created client {client_id} in realm {}", scope.realm),
                json!({"clientId": client_id, "id": id, "created": true}),
            );
        }
        ClientCommand::Update { client_id, body, scope } => {
            body.require_change()?;
            let current = resolve::client(&api, &scope.realm, &client_id)?;
            let path = format!("{}/clients/{}", realm_path(&scope.realm), seg(resolve::id(&current)?));
            api.put(&path, Some(&body.build(current)?))?;
            output::done(
                scope.output,
                &format!("updated client {client_id} in realm {}", scope.realm),
                json!({"clientId": client_id, "updated": true}),
            );
        }
        ClientCommand::Delete(n) => {
            api.delete(&resolve::client_path(&api, &n.scope.realm, &n.client_id)?, None)?;
            output::done(
                n.scope.output,
                &format!("deleted client {} in realm {}", n.client_id, n.scope.realm),
                json!({"clientId": n.client_id, "deleted": true}),
            );
        }
        ClientCommand::Secret(SecretCommand::Get(n)) => {
            let secret =
                api.get(&format!("{}/client-secret", resolve::client_path(&api, &n.scope.realm, &n.client_id)?))?;
            print_secret(&n, &secret)?;
        }
        ClientCommand::Secret(SecretCommand::Regenerate(n)) => {
            let path = format!("{}/client-secret", resolve::client_path(&api, &n.scope.realm, &n.client_id)?);
            let secret = api.post_for_json(&path)?;
            print_secret(&n, &secret)?;
        }
        ClientCommand::Scopes(ScopesCommand::List(n)) => {
            let path = resolve::client_path(&api, &n.scope.realm, &n.client_id)?;
            let mut rows = Vec::new();
            for (kind, sub) in [("default", "default-client-scopes"), ("optional", "optional-client-scopes")] {
                for s in api.get(&format!("{path}/{sub}"))?.as_array().into_iter().flatten() {
                    rows.push(json!({"name": s.get("name"), "id": s.get("id"), "type": kind}));
                }
            }
            output::list(n.scope.output, &rows, &[("NAME", "name"), ("TYPE", "type"), ("ID", "id")]);
        }
        ClientCommand::Scopes(ScopesCommand::Add(l)) => {
            link(&api, &l, true)?;
            let kind = if l.optional { "optional" } else { "default" };
            output::done(
                l.scope.output,
                &format!("added {kind} client scope {} to client {}", l.scope_name, l.client_id),
                json!({"clientId": l.client_id, "scope": l.scope_name, "type": kind, "added": true}),
            );
        }
        ClientCommand::Scopes(ScopesCommand::Remove(l)) => {
            link(&api, &l, false)?;
            output::done(
                l.scope.output,
                &format!("removed client scope {} from client {}", l.scope_name, l.client_id),
                json!({"clientId": l.client_id, "scope": l.scope_name, "removed": true}),
            );
        }
        ClientCommand::Onboard(args) => super::onboard::run(*args)?,
    }
    Ok(())
}

fn print_secret(n: &Named, secret: &Value) -> Result<(), CliError> {
    let value = secret
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::Other(format!("client {} has no retrievable secret", n.client_id)))?;
    match n.scope.output {
        output::Format::Table => println!("{value}"),
        output::Format::Json => output::object(n.scope.output, &json!({"clientId": n.client_id, "secret": value})),
    }
    Ok(())
}

/// Adds (`add`) or removes a client-scope link.
pub fn link(api: &Api, l: &ScopeLink, add: bool) -> Result<(), CliError> {
    let path = resolve::client_path(api, &l.scope.realm, &l.client_id)?;
    let scope = resolve::scope(api, &l.scope.realm, &l.scope_name)?;
    let sub = if l.optional { "optional-client-scopes" } else { "default-client-scopes" };
    let url = format!("{path}/{sub}/{}", seg(resolve::id(&scope)?));
    if add {
        api.put(&url, None)
    } else {
        api.delete(&url, None)
    }
}
