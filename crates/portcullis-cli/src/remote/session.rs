//! The login session of the admin commands: a short-lived access token and its refresh
//! token, in the user's config dir, readable by the user alone (0600 in a 0700 dir).

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::error::CliError;

/// What `portcullis login` stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// Base URL of the server, relative path included (`https://host/auth`).
    pub server: String,
    /// The realm the administrator logged in to.
    pub realm: String,
    /// The public client used to log in (`admin-cli`).
    pub client_id: String,
    /// Who logged in.
    pub username: String,
    pub access_token: String,
    /// Epoch seconds.
    pub expires_at: i64,
    pub refresh_token: Option<String>,
    /// Epoch seconds; 0 when the refresh token does not expire by time.
    pub refresh_expires_at: i64,
}

/// `$PORTCULLIS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/portcullis`, else `~/.config/portcullis`.
pub fn config_dir() -> Result<PathBuf, CliError> {
    if let Some(d) = std::env::var_os("PORTCULLIS_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("portcullis"));
    }
    let home = std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| CliError::Other("neither PORTCULLIS_CONFIG_DIR nor HOME is set".into()))?;
    Ok(PathBuf::from(home).join(".config").join("portcullis"))
}

fn session_file() -> Result<PathBuf, CliError> {
    Ok(config_dir()?.join("session.json"))
}

impl Session {
    /// The stored session, `None` when nobody is logged in.
    pub fn load() -> Result<Option<Self>, CliError> {
        let path = session_file()?;
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                CliError::Unauthenticated(format!(
                    "the session file {} is unreadable ({e}): run portcullis login",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CliError::Other(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Writes the session with owner-only permissions: a temp file created 0600, then
    /// renamed over the old one, so no reader ever sees a half-written or wider file.
    pub fn save(&self) -> Result<(), CliError> {
        let path = session_file()?;
        let dir = path.parent().ok_or_else(|| CliError::Other("config dir has no parent".into()))?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| CliError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let tmp = dir.join(format!(".session.json.{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CliError::Other(format!("cannot write {}: {e}", path.display()))
        })
    }

    /// Removes the stored session; true when there was one.
    pub fn remove() -> Result<bool, CliError> {
        let path = session_file()?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(CliError::Other(format!("cannot remove {}: {e}", path.display()))),
        }
    }
}

/// Epoch seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
