//! `portcullis apply -f realm.yaml`: makes a server's realm match a file (YAML or JSON, in
//! Keycloak's realm export shape), so that a realm can live in git. The file is checked as
//! an import would check it; then the plan is printed (`+` create, `~` change, `-` delete)
//! and carried out, unless `--dry-run`. Things the file does not mention are left alone,
//! except with `--prune`, which deletes client scopes, roles, clients and users the file
//! does not list (never the built-in ones).

mod diff;
mod plan;

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;
use portcullis_core::secret::SecretHasher;
use portcullis_server::realm_io::{self, ImportError};
use portcullis_types::keycloak::RealmExport;
use serde_json::{json, Value};

use self::diff::{changed_fields, find, names, overlay, without};
use self::plan::{Change, Holder};
use super::api::seg;
use super::error::CliError;
use super::output::Format;
use super::resolve::realm_path;
use super::Api;

/// Flags of `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The realm file: YAML or JSON (`-` reads stdin).
    #[arg(short = 'f', long)]
    file: PathBuf,
    /// Print the plan and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Also delete client scopes, roles, clients and users that the file does not list.
    #[arg(long)]
    prune: bool,
    /// Output format of the plan.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Format,
}

/// Client scopes, roles and clients every realm starts with: never pruned.
const BUILT_IN_CLIENTS: [&str; 2] = ["admin-cli", "realm-management"];
const BUILT_IN_ROLES: [&str; 2] = ["offline_access", "uma_authorization"];

/// Reads and checks the file: the typed document, and the same document as JSON text.
fn load(args: &ApplyArgs) -> Result<(RealmExport, String), CliError> {
    let name = args.file.display().to_string();
    let text = if args.file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        s
    } else {
        std::fs::read_to_string(&args.file).map_err(|e| CliError::Invalid(format!("cannot read {name}: {e}")))?
    };
    // JSON is YAML too; one parser gives one kind of message, with line and column.
    let raw: Value = yaml_serde::from_str(&text).map_err(|e| CliError::Invalid(format!("{name}: {e}")))?;
    let doc: RealmExport = yaml_serde::from_str(&text).map_err(|e| CliError::Invalid(format!("{name}: {e}")))?;
    let json_text = raw.to_string();
    // The checks of an import: names, duplicates, references. Only the verdict is used.
    match realm_io::plan(&json_text, &SecretHasher::new(b"apply: checks only"), 0) {
        Ok(p) if !p.report.skipped.is_empty() => {
            eprintln!("{name}: not applied (not supported by Portcullis): {}", p.report.skipped.join(", "));
        }
        Ok(_) => {}
        Err(ImportError::Syntax { line, column, message }) => {
            return Err(CliError::Invalid(format!("{name}: line {line}, column {column}: {message}")))
        }
        Err(e) => return Err(CliError::Invalid(format!("{name}: {e}"))),
    }
    Ok((doc, json_text))
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// Runs `apply`.
pub fn run(args: ApplyArgs) -> Result<(), CliError> {
    let (doc, json_text) = load(&args)?;
    let realm = doc.realm.realm.clone().unwrap_or_default();
    let api = Api::connect()?;
    let changes = match api.get(&realm_path(&realm)) {
        Err(CliError::NotFound(_)) => vec![Change::CreateRealm { name: realm.clone(), document: json_text }],
        Ok(current) => plan(&api, &doc, &current, args.prune)?,
        Err(e) => return Err(e),
    };
    match args.output {
        Format::Json => {
            let list: Vec<Value> = changes.iter().map(Change::to_json).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"realm": realm, "dryRun": args.dry_run, "changes": list}))?
            );
        }
        Format::Table => {
            for c in &changes {
                println!("{}", c.describe());
            }
        }
    }
    if changes.is_empty() {
        eprintln!("realm {realm} matches {}: nothing to do", args.file.display());
        return Ok(());
    }
    if args.dry_run {
        eprintln!("dry run: {} changes planned, none made", changes.len());
        return Ok(());
    }
    for (n, c) in changes.iter().enumerate() {
        c.execute(&api, &realm).map_err(|e| {
            CliError::Other(format!("{} failed after {n} of {} changes were made: {e}", c.describe(), changes.len()))
        })?;
    }
    eprintln!("applied {} changes to realm {realm}", changes.len());
    Ok(())
}

/// The changes that make the existing realm `current` match `doc`.
fn plan(api: &Api, doc: &RealmExport, current: &Value, prune: bool) -> Result<Vec<Change>, CliError> {
    let realm = doc.realm.realm.clone().unwrap_or_default();
    let rp = realm_path(&realm);
    let mut out = Vec::new();

    let desired_realm =
        without(&to_value(&doc.realm), &["id", "realm", "defaultDefaultClientScopes", "defaultOptionalClientScopes"]);
    let fields = changed_fields(&desired_realm, current, &[]);
    if !fields.is_empty() {
        out.push(Change::UpdateRealm { fields, body: desired_realm });
    }

    // Client scopes.
    let scopes = api.get(&format!("{rp}/client-scopes"))?;
    for rep in &doc.client_scopes {
        let (name, desired) = (rep.name.clone().unwrap_or_default(), without(&to_value(rep), &["id"]));
        match find(&scopes, "name", &name) {
            None => out.push(Change::CreateScope { name, body: desired }),
            Some(cur) => {
                let fields = changed_fields(&desired, cur, &[]);
                if !fields.is_empty() {
                    out.push(Change::UpdateScope { name, fields, body: overlay(cur, &desired, &[]) });
                }
            }
        }
    }

    // Realm roles.
    let roles = api.get(&format!("{rp}/roles"))?;
    let role_list: Vec<&portcullis_types::keycloak::RoleExport> = doc.roles.iter().flat_map(|r| &r.realm).collect();
    for rep in &role_list {
        let name = rep.role.name.clone().unwrap_or_default();
        let desired = without(&to_value(&rep.role), &["id", "containerId", "clientRole", "composite"]);
        match find(&roles, "name", &name) {
            None => out.push(Change::CreateRole { client: None, name, body: desired }),
            Some(cur) => {
                let fields = changed_fields(&desired, cur, &[]);
                if !fields.is_empty() {
                    out.push(Change::UpdateRole { name, fields, body: overlay(cur, &desired, &[]) });
                }
            }
        }
    }

    // Clients, their scope links and roles.
    let clients = api.get(&format!("{rp}/clients"))?;
    let link_fields = ["defaultClientScopes", "optionalClientScopes"];
    for rep in &doc.clients {
        let client_id = rep.client_id.clone().unwrap_or_default();
        let desired = without(&to_value(rep), &["id"]);
        let cur = find(&clients, "clientId", &client_id);
        match cur {
            None => out.push(Change::CreateClient { client_id: client_id.clone(), body: desired.clone() }),
            Some(cur) => {
                // A secret shown masked cannot be compared; a different one is set.
                let mut skip = link_fields.to_vec();
                if cur.get("secret").and_then(Value::as_str) == Some(portcullis_core::secret::MASKED) {
                    skip.push("secret");
                }
                let fields = changed_fields(&desired, cur, &skip);
                if !fields.is_empty() {
                    out.push(Change::UpdateClient {
                        client_id: client_id.clone(),
                        fields,
                        body: overlay(cur, &desired, &link_fields),
                    });
                }
                for (field, optional) in [("defaultClientScopes", false), ("optionalClientScopes", true)] {
                    let Some(want) = desired.get(field).and_then(Value::as_array) else { continue };
                    let want: BTreeSet<&str> = want.iter().filter_map(Value::as_str).collect();
                    let have: BTreeSet<&str> = cur
                        .get(field)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    for s in want.difference(&have) {
                        out.push(Change::Link {
                            client_id: client_id.clone(),
                            scope: (*s).to_owned(),
                            optional,
                            add: true,
                        });
                    }
                    for s in have.difference(&want) {
                        out.push(Change::Link {
                            client_id: client_id.clone(),
                            scope: (*s).to_owned(),
                            optional,
                            add: false,
                        });
                    }
                }
            }
        }
        if let Some(wanted) = doc.roles.as_ref().and_then(|r| r.client.get(&client_id)) {
            let have = match cur {
                Some(c) => api.get(&format!("{rp}/clients/{}/roles", seg(super::resolve::id(c)?)))?,
                None => json!([]),
            };
            let want: BTreeSet<String> = wanted.iter().filter_map(|r| r.role.name.clone()).collect();
            for r in wanted {
                let name = r.role.name.clone().unwrap_or_default();
                if find(&have, "name", &name).is_none() {
                    let body = without(&to_value(&r.role), &["id", "containerId", "clientRole", "composite"]);
                    out.push(Change::CreateRole { client: Some(client_id.clone()), name, body });
                }
            }
            if prune {
                for name in names(&have, "name").into_iter().filter(|n| !want.contains(*n)) {
                    out.push(Change::DeleteRole { client: Some(client_id.clone()), name: name.to_owned() });
                }
            }
        }
    }

    // Users and service accounts.
    let users = api.get_query(&format!("{rp}/users"), &[("max", "1000000")])?;
    let role_names = |holder: &Holder| -> Result<BTreeSet<String>, CliError> {
        let user = match holder {
            Holder::User(u) => super::resolve::user(api, &realm, u)?,
            Holder::ServiceAccount(c) => super::resolve::service_account(api, &realm, c)?,
        };
        let list = api.get(&format!("{rp}/users/{}/role-mappings/realm", seg(super::resolve::id(&user)?)))?;
        Ok(names(&list, "name").into_iter().map(str::to_owned).collect())
    };
    let user_skip = ["id", "username", "credentials", "serviceAccountClientId", "createdTimestamp", "requiredActions"];
    for ux in &doc.users {
        let username = ux.user.username.clone().unwrap_or_default().to_lowercase();
        let desired = without(&to_value(&ux.user), &user_skip);
        let holder = match &ux.user.service_account_client_id {
            Some(c) => Holder::ServiceAccount(c.clone()),
            None => Holder::User(username.clone()),
        };
        let current = match &holder {
            Holder::User(u) => find(&users, "username", u).cloned(),
            // A client created by this plan gets its service account then.
            Holder::ServiceAccount(c) => {
                if find(&clients, "clientId", c).is_some() {
                    Some(super::resolve::service_account(api, &realm, c)?)
                } else {
                    None
                }
            }
        };
        let have_roles = if current.is_some() { role_names(&holder)? } else { BTreeSet::new() };
        match (&current, &holder) {
            (None, Holder::User(_)) => {
                let mut body = to_value(&ux.user);
                if let Some(obj) = body.as_object_mut() {
                    obj.remove("id");
                }
                out.push(Change::CreateUser { username: username.clone(), body });
            }
            (None, Holder::ServiceAccount(_)) => {
                // Created with its client above; the fields of the file go on it then.
                let fields: Vec<String> = desired.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
                if !fields.is_empty() {
                    out.push(Change::UpdateUser { holder: holder.clone(), fields, body: desired.clone() });
                }
            }
            (Some(cur), _) => {
                let fields = changed_fields(&desired, cur, &[]);
                if !fields.is_empty() {
                    out.push(Change::UpdateUser { holder: holder.clone(), fields, body: overlay(cur, &desired, &[]) });
                }
            }
        }
        if let Some(want) = &ux.realm_roles {
            let want: BTreeSet<String> = want.iter().cloned().collect();
            let add: Vec<String> = want.difference(&have_roles).cloned().collect();
            // Roles a new user or service account starts with stay unless the file says otherwise.
            let remove: Vec<String> =
                if current.is_some() { have_roles.difference(&want).cloned().collect() } else { Vec::new() };
            if !add.is_empty() || !remove.is_empty() {
                out.push(Change::Roles { holder, add, remove });
            }
        }
    }

    if prune {
        let want: BTreeSet<String> =
            doc.users.iter().filter_map(|u| u.user.username.clone()).map(|u| u.to_lowercase()).collect();
        for u in users.as_array().into_iter().flatten() {
            let name = u.get("username").and_then(Value::as_str).unwrap_or_default();
            if u.get("serviceAccountClientId").is_none() && !want.contains(name) {
                out.push(Change::DeleteUser { username: name.to_owned() });
            }
        }
        let want: BTreeSet<&str> = doc.clients.iter().filter_map(|c| c.client_id.as_deref()).collect();
        for c in names(&clients, "clientId") {
            if !want.contains(c) && !BUILT_IN_CLIENTS.contains(&c) {
                out.push(Change::DeleteClient { client_id: c.to_owned() });
            }
        }
        let want: BTreeSet<&str> = role_list.iter().filter_map(|r| r.role.name.as_deref()).collect();
        let default_roles = format!("default-roles-{realm}");
        for r in names(&roles, "name") {
            if !want.contains(r) && !BUILT_IN_ROLES.contains(&r) && r != default_roles {
                out.push(Change::DeleteRole { client: None, name: r.to_owned() });
            }
        }
        let built_in: Vec<String> = portcullis_core::defaults::default_scopes(&realm)
            .map(|s| s.into_iter().map(|s| s.name).collect())
            .unwrap_or_default();
        let want: BTreeSet<&str> = doc.client_scopes.iter().filter_map(|s| s.name.as_deref()).collect();
        for s in names(&scopes, "name") {
            if !want.contains(s) && !built_in.iter().any(|b| b == s) {
                out.push(Change::DeleteScope { name: s.to_owned() });
            }
        }
    }
    Ok(out)
}
