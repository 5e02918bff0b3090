//! The master key: where `serve` finds it, and the `master-key` commands.
//!
//! Order: `--master-key-file`, then `PORTCULLIS_MASTER_KEY` (the key itself), then
//! `<data-dir>/master.key`, generated there (mode 0600) on first start with a warning,
//! since a key next to the database it protects guards only against leaks of the
//! database alone.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use portcullis_server::sealing::MasterKey;

/// The variable holding the master key itself (base64), for containers and secret stores.
pub const MASTER_KEY_VAR: &str = "PORTCULLIS_MASTER_KEY";
const DEFAULT_FILE: &str = "master.key";

/// Flags naming the master key, shared by `serve` and `master-key`.
#[derive(Debug, Args, Clone)]
pub struct MasterKeyArgs {
    /// File holding the master key (32 random bytes, base64), which wraps the data key that
    /// seals client secrets and signing keys. Default: the key in PORTCULLIS_MASTER_KEY,
    /// else <data-dir>/master.key, generated on first start.
    #[arg(long, env = "PORTCULLIS_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
}

/// Where a key came from, so that rotation knows whether it may replace the file.
#[derive(Debug, PartialEq, Eq)]
pub enum Source {
    /// `--master-key-file`.
    File(PathBuf),
    /// `PORTCULLIS_MASTER_KEY`.
    Env,
    /// `<data-dir>/master.key`.
    DataDir(PathBuf),
}

/// Finds the master key; generates `<data-dir>/master.key` when `generate` and nothing
/// else names one.
pub fn resolve(args: &MasterKeyArgs, data_dir: &Path, generate: bool) -> anyhow::Result<(MasterKey, Source)> {
    if let Some(path) = &args.master_key_file {
        return Ok((read_key_file(path)?, Source::File(path.clone())));
    }
    if let Some(value) = std::env::var(MASTER_KEY_VAR).ok().filter(|v| !v.trim().is_empty()) {
        let key = MasterKey::from_encoded(&value).with_context(|| format!("invalid {MASTER_KEY_VAR}"))?;
        return Ok((key, Source::Env));
    }
    let path = data_dir.join(DEFAULT_FILE);
    if path.exists() || !generate {
        return Ok((read_key_file(&path)?, Source::DataDir(path)));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
    let key = MasterKey::generate();
    write_key_file(&path, &key)?;
    tracing::warn!(
        path = %path.display(),
        fingerprint = %key.fingerprint(),
        "generated a master key next to the data: back it up (without it the secrets and signing keys in the \
         database are lost), keep it elsewhere in production (--master-key-file or {MASTER_KEY_VAR}), and give \
         every instance sharing a database the same key"
    );
    Ok((key, Source::DataDir(path)))
}

fn read_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the master key file {}", path.display()))?;
    warn_if_readable_by_others(path);
    MasterKey::from_encoded(&text).with_context(|| format!("invalid master key file {}", path.display()))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the master key file is readable by group or others; chmod 600 it");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

/// Writes a new key file readable by its owner only; never overwrites.
fn write_key_file(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file =
        options.open(path).with_context(|| format!("cannot create the master key file {}", path.display()))?;
    file.write_all(format!("{}\n", key.encode().as_str()).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the master key file {}", path.display()))
}

/// `portcullis master-key …`.
#[derive(Debug, Subcommand)]
pub enum MasterKeyCommand {
    /// Write a new random master key to a file (mode 0600), for --master-key-file.
    Generate {
        /// Where to write it; must not exist.
        #[arg(long)]
        file: PathBuf,
    },
    /// Re-wrap the database's data key under a new master key, in one transaction. Run it
    /// while servers are up: they keep working; start new ones with the new key.
    Rotate(RotateArgs),
}

/// Flags of `master-key rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Directory of the embedded SQLite database (and of the default master key file).
    #[arg(long, env = "PORTCULLIS_DATA_DIR", default_value = "./portcullis-data")]
    data_dir: PathBuf,
    /// Database URL, overriding --data-dir.
    #[arg(long, env = "PORTCULLIS_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The current master key.
    #[command(flatten)]
    current: MasterKeyArgs,
    /// File with the new master key; generated (mode 0600) if it does not exist.
    #[arg(long)]
    new_master_key_file: PathBuf,
}

/// Runs a `master-key` command.
pub fn run(command: MasterKeyCommand) -> anyhow::Result<()> {
    match command {
        MasterKeyCommand::Generate { file } => {
            let key = MasterKey::generate();
            write_key_file(&file, &key)?;
            println!("wrote a new master key to {} (fingerprint {})", file.display(), key.fingerprint());
            Ok(())
        }
        MasterKeyCommand::Rotate(args) => rotate(args),
    }
}

fn rotate(args: RotateArgs) -> anyhow::Result<()> {
    let (old, source) = resolve(&args.current, &args.data_dir, false)?;
    let new = if args.new_master_key_file.exists() {
        read_key_file(&args.new_master_key_file)?
    } else {
        let key = MasterKey::generate();
        // Written and synced before the database changes, so the key that the database
        // will need exists before it is needed.
        write_key_file(&args.new_master_key_file, &key)?;
        key
    };
    let url = match &args.database_url {
        Some(u) => u.clone(),
        None => crate::serve::existing_sqlite_url(&args.data_dir)?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = portcullis_server::open_store(&url, &old).await?;
        let rotated = store.rotate_master_key(&old, &new).await;
        store.close().await;
        rotated.map_err(anyhow::Error::from)
    })?;
    println!(
        "the data key is now wrapped under master key {} (was {}); start servers with {}",
        new.fingerprint(),
        old.fingerprint(),
        args.new_master_key_file.display()
    );
    if let Source::DataDir(path) = source {
        replace_key_file(&path, &args.new_master_key_file)?;
        println!("replaced {} with the new key", path.display());
    }
    Ok(())
}

/// Puts the new key where `serve` looks by default, atomically (write, sync, rename).
fn replace_key_file(target: &Path, new_file: &Path) -> anyhow::Result<()> {
    let key = read_key_file(new_file)?;
    let tmp = target.with_extension("key.tmp");
    let _ = std::fs::remove_file(&tmp);
    write_key_file(&tmp, &key)?;
    std::fs::rename(&tmp, target).with_context(|| {
        format!("cannot replace {} (the new key is in {}: copy it there)", target.display(), new_file.display())
    })
}
