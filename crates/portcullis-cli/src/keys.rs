//! `portcullis keys rotate`: a new signing key for a realm, against the database directly
//! (like `master-key rotate`), for scripts and cron; running servers pick it up through the
//! change feed (PostgreSQL) or their cache TTL (SQLite). The admin API's
//! `POST /admin/realms/{realm}/keys/rotate` does the same online.

use anyhow::Context as _;
use clap::{Args, Subcommand};

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
    #[command(flatten)]
    db: crate::transfer::Database,
    /// Extra seconds the old key keeps verifying, for servers that sign with a cached key
    /// until they reload (at least their --cache-ttl-seconds).
    #[arg(long, default_value_t = 300)]
    margin_seconds: i64,
}

/// Runs a `keys` command.
pub fn run(command: KeysCommand) -> anyhow::Result<()> {
    let KeysCommand::Rotate(args) = command;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = crate::transfer::open(&args.db, false).await?;
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
