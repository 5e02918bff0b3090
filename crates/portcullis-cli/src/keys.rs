//! `portcullis keys rotate`: a new signing key for a realm, against the database directly
//! (like `master-key rotate`), for scripts and cron; running servers pick it up through the
//! change feed (PostgreSQL) or their cache TTL (SQLite). The admin API's
//! `POST /admin/realms/{realm}/keys/rotate` does the same online.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::master_key::{resolve, MasterKeyArgs};

/// `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new key the realm's signing key; the old one keeps verifying until every
    /// token it signed has expired, then retires.
    Rotate(RotateArgs),
}

/// Flags of `keys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The realm.
    #[arg(long)]
    realm: String,
    /// Directory of the embedded SQLite database.
    #[arg(long, env = "PORTCULLIS_DATA_DIR", default_value = "./portcullis-data")]
    data_dir: PathBuf,
    /// Database URL, overriding --data-dir.
    #[arg(long, env = "PORTCULLIS_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The master key.
    #[command(flatten)]
    master_key: MasterKeyArgs,
    /// Extra seconds the old key keeps verifying, for servers that sign with a cached key
    /// until they reload (at least their --cache-ttl-seconds).
    #[arg(long, default_value_t = 300)]
    margin_seconds: i64,
}

/// Runs a `keys` command.
pub fn run(command: KeysCommand) -> anyhow::Result<()> {
    let KeysCommand::Rotate(args) = command;
    let (master, _) = resolve(&args.master_key, &args.data_dir, false)?;
    let url = match &args.database_url {
        Some(u) => u.clone(),
        None => crate::serve::existing_sqlite_url(&args.data_dir)?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = portcullis_server::open_store(&url, &master).await?;
        let realm = portcullis_server::realm_by_name(&store, &args.realm)
            .await?
            .with_context(|| format!("no realm named '{}'", args.realm))?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
        let (key, retire_at) =
            portcullis_server::key_rotation::rotate(&store, &realm, now, args.margin_seconds.max(0)).await?;
        portcullis_server::announce_change(&store, &realm.name).await;
        store.close().await;
        println!(
            "realm {}: new {} key {}; the previous keys retire at {retire_at} (epoch s)",
            realm.name, key.algorithm, key.kid
        );
        anyhow::Ok(())
    })
}
