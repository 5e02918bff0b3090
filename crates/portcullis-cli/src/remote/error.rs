//! What can go wrong talking to a server, and the exit code scripts see for each.

use std::process::ExitCode;

/// A failed remote command. Each variant has its own exit code (see [`CliError::exit_code`]),
/// documented in the README, so that scripts can tell "not there" from "not allowed".
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No session, an expired one, or a 401 from the server.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403: the session's user lacks the role.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404, or a name that resolves to nothing.
    #[error("not found: {0}")]
    NotFound(String),
    /// 409: it already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 400 from the server, or input refused before anything was sent.
    #[error("invalid: {0}")]
    Invalid(String),
    /// A token that `token verify` refused.
    #[error("token invalid: {0}")]
    TokenInvalid(String),
    /// Network failure, timeout or a 5xx.
    #[error("server unavailable: {0}")]
    Unavailable(String),
    /// Anything else (local files, unexpected answers).
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// The process exit code: 1 other, 2 usage (clap), 3 not logged in / 401, 4 forbidden,
    /// 5 not found, 6 conflict, 7 invalid input, 8 server unavailable, 9 token invalid.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Other(_) => 1,
            Self::Unauthenticated(_) => 3,
            Self::Forbidden(_) => 4,
            Self::NotFound(_) => 5,
            Self::Conflict(_) => 6,
            Self::Invalid(_) => 7,
            Self::Unavailable(_) => 8,
            Self::TokenInvalid(_) => 9,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::Other(e.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        Self::Other(format!("unexpected JSON: {e}"))
    }
}

/// Prints the error and turns it into the process exit code.
pub fn report(result: Result<(), CliError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portcullis: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
