//! Flags shared by the remote commands.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value};

use super::error::CliError;
use super::output::Format;

/// The realm a command works in, and how it prints.
#[derive(Debug, Args)]
pub struct Scope {
    /// The realm.
    #[arg(short = 'r', long, env = "PORTCULLIS_REALM")]
    pub realm: String,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: Format,
}

/// How a command prints (commands outside a realm).
#[derive(Debug, Args)]
pub struct Out {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: Format,
}

/// The body of a create or update.
#[derive(Debug, Args, Default)]
pub struct Body {
    /// Set a field: KEY=VALUE, dotted keys for nested fields (attributes.team=blue), JSON
    /// values taken as JSON (enabled=false, redirectUris='["https://a/*"]'). Repeatable.
    #[arg(short = 's', long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A JSON representation to start from (`-` reads stdin); --set applies on top.
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl Body {
    /// `base`, overlaid with the file's fields, then the assignments.
    pub fn build(&self, mut base: Value) -> Result<Value, CliError> {
        if let Some(path) = &self.file {
            if let (Some(b), Value::Object(f)) = (base.as_object_mut(), super::set::read_file(path)?) {
                b.extend(f);
            }
        }
        super::set::apply(&mut base, &self.set)?;
        Ok(base)
    }

    /// An update needs a file or an assignment.
    pub fn require_change(&self) -> Result<(), CliError> {
        if self.set.is_empty() && self.file.is_none() {
            return Err(CliError::Invalid("nothing to change: give --set KEY=VALUE or --file".into()));
        }
        Ok(())
    }
}

/// `KEY=VALUE` pairs of `--attribute` / `set-attribute`, Keycloak-style: each key maps to a
/// list of values, and a key given twice gets both.
pub fn attributes(pairs: &[String]) -> Result<Map<String, Value>, CliError> {
    let mut out = Map::new();
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| CliError::Invalid(format!("attribute {p}: expected KEY=VALUE")))?;
        let entry = out.entry(k.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::String(v.to_owned()));
        }
    }
    Ok(out)
}
