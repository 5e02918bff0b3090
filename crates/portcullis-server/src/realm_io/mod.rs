//! Realm export and import in Keycloak's realm JSON format (the subset Portcullis keeps:
//! realm settings, client scopes with mappers, roles with composites, clients with secrets,
//! attributes and scope links, users with attributes, role mappings and password hashes).
//! An import builds the whole realm first and stores it in one transaction, so a file that
//! is refused changes nothing.

mod export;
mod import;
mod partial;
mod skipped;

pub use export::export;
pub use import::{import, plan, ImportError, Plan};
pub use partial::{partial_import, Outcome};

/// What an import did and what it left out.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The realm created.
    pub realm: String,
    pub client_scopes: usize,
    pub roles: usize,
    pub clients: usize,
    pub users: usize,
    /// Fields and entries of the file that Portcullis does not keep, with how often
    /// they occur (`clients[*].authorizationSettings (2)`).
    pub skipped: Vec<String>,
    /// Things changed on the way in (a masked secret replaced, a password that could not
    /// be kept).
    pub notes: Vec<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "imported realm {}: {} client scopes, {} roles, {} clients, {} users",
            self.realm, self.client_scopes, self.roles, self.clients, self.users
        )?;
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "skipped (not supported by Portcullis): {}", self.skipped.join(", "))?;
        }
        Ok(())
    }
}

/// `serve --import-realm DIR`: imports every `*.json` of `dir` (in name order) whose realm
/// does not exist yet, as Keycloak's `--import-realm` does. A refused file stops the start.
pub async fn import_dir(state: &crate::AppState, dir: &std::path::Path) -> Result<Vec<Report>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("--import-realm {}: {e}", dir.display()))?;
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    files.sort();
    let mut reports = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        match import(state.store.as_ref(), state.secrets.hasher(), text).await {
            Ok(report) => {
                tracing::info!(file = %file.display(), realm = %report.realm, clients = report.clients,
                    users = report.users, skipped = ?report.skipped, notes = ?report.notes, "realm imported");
                state.changed(&report.realm).await;
                reports.push(report);
            }
            Err(ImportError::Exists(realm)) => {
                tracing::info!(file = %file.display(), %realm, "realm exists; file not imported");
            }
            Err(e) => return Err(format!("{}: {e}", file.display())),
        }
    }
    Ok(reports)
}
