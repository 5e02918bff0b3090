//! `portcullis realm`.

use clap::Subcommand;
use serde_json::{json, Value};

use super::args::{Body, Out};
use super::error::CliError;
use super::output::{self, Column};
use super::resolve::realm_path;
use super::Api;

const COLUMNS: &[Column] = &[
    ("REALM", "realm"),
    ("ENABLED", "enabled"),
    ("SIGNATURE", "defaultSignatureAlgorithm"),
    ("TOKEN LIFESPAN", "accessTokenLifespan"),
    ("DISPLAY NAME", "displayName"),
];

/// `realm` subcommands.
#[derive(Debug, Subcommand)]
pub enum RealmCommand {
    /// List realms.
    List(Out),
    /// Show a realm.
    Get {
        name: String,
        #[command(flatten)]
        out: Out,
    },
    /// Create a realm.
    Create {
        name: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        out: Out,
    },
    /// Change a realm's settings (the fields given; the rest stay).
    Update {
        name: String,
        #[command(flatten)]
        body: Body,
        #[command(flatten)]
        out: Out,
    },
    /// Delete a realm and everything in it.
    Delete {
        name: String,
        #[command(flatten)]
        out: Out,
    },
}

/// Runs a `realm` command.
pub fn run(command: RealmCommand) -> Result<(), CliError> {
    let api = Api::connect()?;
    match command {
        RealmCommand::List(out) => {
            let list = api.get("")?;
            output::list(out.output, list.as_array().map_or(&[], Vec::as_slice), COLUMNS);
        }
        RealmCommand::Get { name, out } => output::object(out.output, &api.get(&realm_path(&name))?),
        RealmCommand::Create { name, body, out } => {
            let mut rep = body.build(json!({"enabled": true}))?;
            rep["realm"] = Value::String(name.clone());
            api.post("", &rep)?;
            output::done(out.output, &format!("created realm {name}"), json!({"realm": name, "created": true}));
        }
        RealmCommand::Update { name, body, out } => {
            body.require_change()?;
            let rep = body.build(api.get(&realm_path(&name))?)?;
            api.put(&realm_path(&name), Some(&rep))?;
            output::done(out.output, &format!("updated realm {name}"), json!({"realm": name, "updated": true}));
        }
        RealmCommand::Delete { name, out } => {
            api.delete(&realm_path(&name), None)?;
            output::done(out.output, &format!("deleted realm {name}"), json!({"realm": name, "deleted": true}));
        }
    }
    Ok(())
}
