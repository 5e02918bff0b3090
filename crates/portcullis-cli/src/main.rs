//! The `portcullis` binary: parses arguments and dispatches.

mod keys;
mod master_key;
mod serve;

use clap::{Parser, Subcommand};

/// Portcullis: an OAuth 2.0 / OpenID Connect authorization server for machine-to-machine
/// authentication, compatible with Keycloak's endpoints and Admin REST API.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Manage the master key that protects secrets and signing keys at rest.
    #[command(subcommand)]
    MasterKey(master_key::MasterKeyCommand),
    /// Manage realms' signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
}

/// Runs a command against the database (no server): warnings logged, errors printed.
fn offline(run: impl FnOnce() -> anyhow::Result<()>) -> std::process::ExitCode {
    serve::init_logging("warn", serve::LogFormat::Text);
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portcullis: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::MasterKey(command) => offline(|| master_key::run(command)),
        Command::Keys(command) => offline(|| keys::run(command)),
    }
}
