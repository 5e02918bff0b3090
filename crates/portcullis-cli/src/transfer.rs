//! `portcullis export` and `portcullis import`: a realm as Keycloak realm JSON. Offline
//! (the default) they work on the database directly, with the server stopped or running;
//! an export then carries client secrets and password hashes, for backups and moves.
//! `--online` goes through the logged-in server's Admin API instead (as Keycloak's
//! partial export: secrets masked, no users).

use std::path::PathBuf;

use clap::Args;
use portcullis_server::realm_io::{self, ImportError};

use crate::master_key::{resolve, MasterKeyArgs};
use crate::remote::{Api, CliError};

/// Where the database is, for the commands that work on it directly.
#[derive(Debug, Args)]
pub struct Database {
    /// Directory of the embedded SQLite database.
    #[arg(long, env = "PORTCULLIS_DATA_DIR", default_value = "./portcullis-data")]
    data_dir: PathBuf,
    /// Database URL, overriding --data-dir.
    #[arg(long, env = "PORTCULLIS_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The master key.
    #[command(flatten)]
    master_key: MasterKeyArgs,
}

/// Flags of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The realm.
    #[arg(short = 'r', long)]
    realm: String,
    /// Where to write (default: stdout).
    #[arg(short = 'f', long)]
    file: Option<PathBuf>,
    /// Through the logged-in server's Admin API (partial export: secrets masked, no users).
    #[arg(long)]
    online: bool,
    #[command(flatten)]
    db: Database,
}

/// Flags of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A realm export (Keycloak realm JSON); `-` reads stdin.
    #[arg(short = 'f', long)]
    file: PathBuf,
    /// Through the logged-in server's Admin API (POST /admin/realms with the document).
    #[arg(long)]
    online: bool,
    /// With --online, into the existing realm (Keycloak's partial import of its roles,
    /// clients and users): what to do with one that exists already.
    #[arg(long, value_enum, requires = "online")]
    if_exists: Option<IfExists>,
    #[command(flatten)]
    db: Database,
}

/// `--if-exists`: Keycloak's `ifResourceExists`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum IfExists {
    /// Refuse the whole file.
    Fail,
    /// Keep the existing one.
    Skip,
    /// Replace it.
    Overwrite,
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CliError::from)
}

fn other(e: impl std::fmt::Display) -> CliError {
    CliError::Other(format!("{e:#}"))
}

/// Opens the database; `create` makes a new data dir (and its master key) when needed.
pub async fn open(db: &Database, create: bool) -> Result<portcullis_server::SqlStore, CliError> {
    let (master, _) = resolve(&db.master_key, &db.data_dir, create).map_err(other)?;
    let url = match &db.database_url {
        Some(u) => u.clone(),
        None if create => crate::serve::sqlite_url_in(&db.data_dir).map_err(other)?,
        None => crate::serve::existing_sqlite_url(&db.data_dir).map_err(other)?,
    };
    portcullis_server::open_store(&url, &master).await.map_err(other)
}

/// Runs `export`.
pub fn export(args: ExportArgs) -> Result<(), CliError> {
    let text = if args.online {
        let api = Api::connect()?;
        let path = format!("/{}/partial-export", crate::remote::seg(&args.realm));
        let doc = api.post_query_for_json(&path, &[("exportClients", "true"), ("exportGroupsAndRoles", "true")])?;
        serde_json::to_string_pretty(&doc)?
    } else {
        runtime()?.block_on(async {
            let store = open(&args.db, false).await?;
            let realm = portcullis_server::realm_by_name(&store, &args.realm)
                .await
                .map_err(other)?
                .ok_or_else(|| CliError::NotFound(format!("no realm named '{}'", args.realm)))?;
            let doc = realm_io::export(&store, &realm, true).await.map_err(other)?;
            store.close().await;
            Ok::<_, CliError>(serde_json::to_string_pretty(&doc)?)
        })?
    };
    match &args.file {
        Some(path) => {
            write_private(path, &text)?;
            eprintln!("exported realm {} to {}", args.realm, path.display());
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// An export holds secrets and password hashes: the file is created owner-only.
fn write_private(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    Ok(())
}

fn read(path: &std::path::Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| CliError::Invalid(format!("cannot read {}: {e}", path.display())))
}

/// Runs `import`.
pub fn import(args: ImportArgs) -> Result<(), CliError> {
    let text = read(&args.file)?;
    let name = args.file.display().to_string();
    if let (true, Some(policy)) = (args.online, args.if_exists) {
        let mut doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| CliError::Invalid(format!("{name}: line {}, column {}: {e}", e.line(), e.column())))?;
        let realm = doc.get("realm").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
        doc["ifResourceExists"] = serde_json::Value::String(format!("{policy:?}").to_uppercase());
        let api = Api::connect()?;
        let path = format!("/{}/partialImport", crate::remote::seg(&realm));
        let outcome = api.post_text(&path, &doc.to_string())?;
        eprintln!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(());
    }
    if args.online {
        let api = Api::connect()?;
        let report = api.post_text("?report=true", &text).map_err(|e| match e {
            CliError::Invalid(m) => CliError::Invalid(format!("{name}: {m}")),
            other => other,
        })?;
        eprintln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let report = runtime()?.block_on(async {
        let store = open(&args.db, true).await?;
        let result = realm_io::import(&store, &store.secret_hasher(), text).await;
        if let Ok(r) = &result {
            portcullis_server::announce_change(&store, &r.realm).await;
        }
        store.close().await;
        result.map_err(|e| match e {
            ImportError::Exists(_) => CliError::Conflict(e.to_string()),
            ImportError::Store(s) => CliError::Other(s.to_string()),
            other => CliError::Invalid(format!("{name}: {other}")),
        })
    })?;
    eprint!("{report}");
    Ok(())
}
